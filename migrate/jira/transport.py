"""How a JiraClient's requests go on the wire: requests' adapters and urllib3's pools, without
Session.request's per-request work.

Session.request merges the session's settings into every request, parses the URL again and runs the
cookie machinery on every answer: for the small requests a migration sends, that cost more CPU than the
rest of the request. `exchange` does what Session.request(..., allow_redirects=False) does for them with
none of that repeated, and `SiteAdapter` looks its connection pool up once per site.
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, requote_uri


def _origin(url: str) -> str:
    """scheme://host:port of an absolute URL."""
    end = url.find("/", url.find("://") + 3)
    return url if end < 0 else url[:end]


def with_params(url: str, params: Any = None) -> str:
    """`url` with `params` as its query, encoded as requests would (values of None left out), without
    parsing the URL again: it is a site's URL, already normalised, and a path a JiraClient built."""
    if params:
        items = params.items() if isinstance(params, Mapping) else params
        query = urlencode([(k, v) for k, v in items if v is not None], doseq=True)
        if query:
            url += "?" + query
    return requote_uri(url)


class SiteAdapter(HTTPAdapter):
    """An HTTPAdapter whose helpers skip the per-request work that never changes for one site: the
    connection pool is looked up once per origin and TLS settings (not re-parsed from the URL for every
    request), and a response without cookies does not go through the cookie machinery. `send` itself is
    the base class's, so whatever patches HTTPAdapter.send (`responses`, in the client's tests) still sees
    every request. Anything through a proxy, or a URL out of the ordinary, takes requests' own way."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pools: dict[tuple, Any] = {}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        if proxies:
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        key = (_origin(request.url), verify, cert)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # a closed pool: the adapter was closed, or the pool evicted
            pool = self._pools[key] = super().get_connection_with_tls_context(request, verify, cert=cert)
        return pool

    def request_url(self, request, proxies):
        if proxies:
            return super().request_url(request, proxies)
        path = request.url[len(_origin(request.url)):]
        return path if path.startswith("/") and "#" not in path else super().request_url(request, proxies)

    def build_response(self, req, resp):
        headers = getattr(resp, "headers", None)
        if headers is None or "set-cookie" in headers or "set-cookie2" in headers:
            return super().build_response(req, resp)
        # HTTPAdapter.build_response without extract_cookies_to_jar (there are none to extract)
        response = requests.Response()
        response.status_code = getattr(resp, "status", None)
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url
        response.request = req
        response.connection = self
        return response

    def close(self) -> None:
        self._pools.clear()
        super().close()


def exchange(
    session: requests.Session, method: str, url: str, headers: dict[str, str], data: bytes | None, timeout: Any
) -> requests.Response:
    """Send one request as Session.request(..., allow_redirects=False) would, and read its answer. The
    session's headers, cookies, auth, proxies, TLS settings, mounted adapters and response hooks still
    apply, read from the session at each request (a caller's session with trust_env also has its
    environment looked up each time, .netrc aside: the credentials are the ones configured). `url` is
    absolute and encoded (`with_params`); redirects are never followed. The adapter's `send` is looked
    up at each call, so whatever patches HTTPAdapter.send (`responses`) still sees every request."""
    req = requests.PreparedRequest()
    req.method = method
    req.url = url
    # A plain dict, cheaper than a CaseInsensitiveDict; a session header that ours replaces goes
    # whatever its case, as the merge in Session.request does.
    ours = {k.lower() for k in headers}
    req.headers = {k: v for k, v in session.headers.items() if k.lower() not in ours}
    req.headers.update(headers)
    req.body = data
    req.hooks = session.hooks
    req._cookies = None
    if len(session.cookies):
        req.prepare_cookies(session.cookies)
    if session.auth is not None:
        req.prepare_auth(session.auth, url)
    if session.trust_env:  # a caller's session: its environment is looked up per request, as requests does
        kwargs = session.merge_environment_settings(req.url, {}, False, None, None)
    else:
        kwargs = {"proxies": dict(session.proxies), "stream": False, "verify": session.verify, "cert": session.cert}
    kwargs["timeout"] = timeout
    resp = session.get_adapter(req.url).send(req, **kwargs)
    resp = dispatch_hook("response", session.hooks, resp, **kwargs)
    if "set-cookie" in resp.headers or "set-cookie2" in resp.headers:
        extract_cookies_to_jar(session.cookies, req, resp.raw)
    resp.content  # noqa: B018 - read the body here, where a broken connection is still a transport error
    return resp
