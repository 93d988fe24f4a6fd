"""JiraClient: one per site, over a requests.Session.

Endpoints follow ../shared/jira-api (Cloud /rest/api/3, Data Center /rest/api/2). There is deliberately
no method that PUTs a grant list: a PUT with `permissions` overwrites every grant of a scheme.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import threading
import time
from collections import Counter
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import requests

from migrate import __version__
from migrate.credentials import Credentials
from migrate.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    InvalidResponseError,
    JiraError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from migrate.jira.retry import RetryPolicy, server_wait
from migrate.jira.throttle import Pacer
from migrate.jira.transport import SiteAdapter, exchange, with_params
from migrate.model import (
    Grant,
    Holder,
    PermissionInfo,
    Project,
    Scheme,
    SiteInfo,
    int_id,
    parse_permissions,
    parse_scheme_list,
)

Decode = Callable[[bytes], Any]
from migrate.redact import redact

log = logging.getLogger("migrate.jira")

SCHEME_EXPAND = "permissions,user,group,projectRole,field"
WRITE_SCOPE = "manage:jira-configuration"
READ_SCOPE = "read:jira-work"
ADMIN_PERMISSION = "Administer Jira"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_site_url(url: str) -> str:
    """Lower-case scheme/host, no trailing slash, no query. https required except for loopback."""
    if not url or not isinstance(url, str):
        raise ConfigError("no Jira site URL given", hint="pass --site URL or export JIRA_URL")
    raw = url.strip()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port  # parsed lazily: a bad port only raises here
    except ValueError as e:  # 'http://[::1', ':99999', ':abc'
        raise ConfigError(f"not a site URL: {redact(url)!r} ({e})") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigError(f"not a site URL: {redact(url)!r}")
    if parts.username or parts.password:
        raise ConfigError("put credentials in JIRA_EMAIL / JIRA_API_TOKEN, not in the site URL")
    if scheme not in ("https", "http"):
        raise ConfigError(f"unsupported URL scheme {scheme!r}; use https://")
    if scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"refusing plain http for {host}: credentials would travel unencrypted",
            hint="use https:// (plain http is only allowed for loopback addresses such as the local sandbox)",
        )
    netloc = host if ":" not in host else f"[{host}]"
    if port:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    for suffix in ("/rest/api/3", "/rest/api/2"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return urlunsplit((scheme, netloc, path, "", ""))


def _error_lists(body: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    if not isinstance(body, dict):
        return (), {}
    msgs = body.get("errorMessages")
    errs = body.get("errors")
    messages = tuple(str(m) for m in msgs) if isinstance(msgs, list) else ()
    fields = {str(k): str(v) for k, v in errs.items()} if isinstance(errs, dict) else {}
    if not messages and isinstance(body.get("message"), str):
        messages = (body["message"],)
    return messages, fields


def _describe(messages: Iterable[str], fields: Mapping[str, str]) -> str:
    parts = list(messages) + [f"{k}: {v}" for k, v in fields.items()]
    return "; ".join(parts)


class JiraClient:
    """A Jira site. `flavour` is "cloud" (/rest/api/3), "dc" (/rest/api/2) or "auto" (ask serverInfo)."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        flavour: str = "auto",
        timeout: tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        pool_size: int = 16,
    ):
        if flavour not in ("auto", "cloud", "dc"):
            raise ConfigError(f"unknown flavour {flavour!r}; use cloud, dc or auto")
        self.url = normalise_site_url(url)
        # Diagnostics only: "acme.atlassian.net" is taken as https://..., which a TLS error should mention.
        self._scheme_assumed = isinstance(url, str) and "://" not in url.strip()
        self.credentials = credentials
        self.flavour = flavour
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._answered = False  # the site has answered once: a refused connection later is not a wrong URL
        self._session = session or requests.Session()
        adapter = SiteAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(
            {"Accept": "application/json", "User-Agent": f"migrate/{__version__} (+permission-scheme migration)"}
        )
        # Proxy variables are honoured for real sites (corporate proxies), never for loopback: a local site
        # is reached directly, and its Authorization header must not travel through a proxy to get there.
        # They are read once, here: with trust_env on, requests looks them (and .netrc, and the CA bundle
        # variables) up again for every request, which cost a sixth of a bulk run's CPU.
        loopback = _is_loopback(urlsplit(self.url).hostname or "")
        if session is None:
            self._session.proxies.clear()
            if not loopback:
                self._session.proxies.update(requests.utils.get_environ_proxies(self.url))
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                if bundle:
                    self._session.verify = bundle
            self._session.trust_env = False
        else:  # a session the caller made keeps its own settings, except that loopback stays direct
            self._session.trust_env = self._session.trust_env and not loopback
            if loopback:
                self._session.proxies.clear()
        self._auth_header = self._make_auth_header(credentials)
        self._api = {"cloud": "3", "dc": "2"}.get(flavour)
        self._server_info: dict | None = None
        self._lock = threading.Lock()
        self.stats: Counter = Counter()
        self.pacer: Pacer | None = None  # set for a run that must keep to the site's rate limits (executor.throttled)

    def __repr__(self) -> str:
        return f"JiraClient(url={self.url!r}, auth={self.credentials.kind})"

    @staticmethod
    def _make_auth_header(c: Credentials) -> str:
        import base64

        if c.bearer is not None:
            token = c.bearer.reveal()
            # Checked here, where the error can say which setting is wrong without showing it: on the wire,
            # http.client would refuse the header with its value (the secret) in the message.
            if not token.isascii() or not token.isprintable() or token != token.strip():
                raise ConfigError(
                    f"the bearer token in {c.described} holds a line break, space, control or non-ASCII character",
                    hint="copy the token again, without surrounding whitespace",
                )
            return f"Bearer {token}"
        if c.token is not None and c.email:
            return "Basic " + base64.b64encode(f"{c.email}:{c.token.reveal()}".encode()).decode()
        raise ConfigError("credentials need an email and API token, or a bearer token")

    # ------------------------------------------------------------------ plumbing

    @property
    def api_version(self) -> str:
        if self._api is None:
            self.server_info()
        return self._api or "3"

    def _path(self, rel: str) -> str:
        return f"/rest/api/{self.api_version}{rel}"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "JiraClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        return sum(v for k, v in dict(self.stats).items() if k.startswith("http:"))

    def _send_once(
        self, method: str, path: str, *, params: Any = None, body: Any = None, decode: Decode | None = None
    ) -> Any:
        url = with_params(self.url + path, params)
        headers = {"Authorization": self._auth_header}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(data))
        with self._lock:
            self.stats[f"http:{method}"] += 1
        pacer = self.pacer
        if pacer is not None:
            pacer.before(method, path)  # every attempt of every request kind takes its endpoint's turn
        started = time.monotonic()
        try:
            resp = exchange(self._session, method, url, headers, data, self.timeout)
        except requests.exceptions.ConnectTimeout as e:
            raise self._transport(method, path, "timed out connecting", e, before_send=True) from None
        except requests.exceptions.ReadTimeout as e:
            raise self._transport(method, path, f"no answer within {self.timeout[1]:g}s", e) from None
        except requests.exceptions.SSLError as e:
            what, hint = self._tls_diagnosis(e)
            raise self._transport(method, path, what, e, before_send=True, final=True, hint=hint) from None
        except requests.exceptions.ConnectionError as e:
            text = str(e)
            unknown_host = any(m in text for m in ("Name or service", "nodename nor servname", "getaddrinfo failed", "Temporary failure in name resolution"))
            refused = "Connection refused" in text or "NewConnectionError" in text or unknown_host
            what = "could not connect" if refused else "connection dropped"
            hint = None
            if unknown_host:
                what = "the host name does not resolve"
                hint = f"check the site URL {self.url} (JIRA_URL, --site or the sites file)"
            elif refused:
                hint = f"nothing answers at {self.url}: is the site up, and are the host and port right?"
            # A refused connection or unknown host before the site ever answered is a configuration problem:
            # fail fast. Once it has answered, it is a site restarting or overloaded (its listen queue full):
            # retried like a dropped connection (refused means nothing was sent, so a POST is not ambiguous).
            final = refused and not self._answered
            raise self._transport(method, path, what, e, before_send=refused, final=final, hint=hint) from None
        except requests.exceptions.RequestException as e:
            raise self._transport(method, path, type(e).__name__, e) from None
        self._answered = True
        log.debug("%s %s -> %s in %.0f ms", method, path, resp.status_code, (time.monotonic() - started) * 1000)
        if pacer is not None:
            pacer.observe(method, path, resp.status_code, resp.headers)
        with self._lock:
            self.stats[f"status:{resp.status_code}"] += 1
        return self._handle(method, path, resp, decode)

    def _tls_diagnosis(self, e: Exception) -> tuple[str, str | None]:
        """(what, hint) for a TLS failure: the common cause is a plain-http server spoken to over https."""
        text = str(e)
        plain = any(m in text for m in ("WRONG_VERSION_NUMBER", "wrong version number", "record layer failure", "http request"))
        host = urlsplit(self.url).netloc
        if plain:
            what = f"TLS handshake failed: the server at {host} answered plain HTTP to an https request"
            plain_url = "http://" + self.url.split("://", 1)[1]
            if self._scheme_assumed:
                what += " (the URL had no scheme, so https:// was assumed)"
            if _is_loopback(urlsplit(self.url).hostname or ""):
                return what, f"write the scheme: {plain_url} (plain http is allowed for loopback addresses only)"
            return what, "this site serves plain http, which migrate refuses for anything but loopback: use its https URL"
        what = "TLS verification failed"
        hint = "check the certificate of the site (or the proxy in front of it); TLS verification stays on"
        if self._scheme_assumed:
            what += " (the URL had no scheme, so https:// was assumed)"
        return what, hint

    def _transport(
        self,
        method: str,
        path: str,
        what: str,
        e: Exception,
        *,
        before_send: bool = False,
        final: bool = False,
        hint: str | None = None,
    ) -> JiraError:
        err_cls = AmbiguousWriteError if (method == "POST" and not before_send) else TransportError
        msg = f"{method} {path}: {what} ({self.url})"
        if err_cls is AmbiguousWriteError:
            msg += "; the write may or may not have landed"
        with self._lock:
            self.stats[f"transport:{type(e).__name__}"] += 1
        err = err_cls(msg, method=method, path=path, hint=hint)
        err.before_send = before_send  # type: ignore[attr-defined]
        err.final = final  # type: ignore[attr-defined]
        err.cause_name = type(e).__name__  # type: ignore[attr-defined]
        return err

    def _handle(self, method: str, path: str, resp: requests.Response, decode: Decode | None = None) -> Any:
        status = resp.status_code
        ctype = resp.headers.get("Content-Type", "")
        body: Any = None
        raw = resp.content
        # Bytes, not resp.text: without a charset in Content-Type, requests guesses the encoding of every
        # body by scanning it, which cost more CPU than the rest of a request. JSON is UTF-8 (RFC 8259).
        unreadable: InvalidResponseError | None = None
        if 200 <= status < 300 and decode is not None and raw and status != 204:
            try:
                return decode(raw)
            except InvalidResponseError as e:
                unreadable = e  # said below, unless the body is not JSON at all (a proxy's page says more)
        text = raw.decode("utf-8", "replace") if raw else ""
        if text:
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting from a broken proxy
                body = None
        if 200 <= status < 300:
            if status == 204 or not text:
                return None
            if body is not None and unreadable is not None:
                raise InvalidResponseError(f"{method} {path}: {unreadable.message}", status=status, method=method, path=path)
            if body is None:
                snippet = redact(" ".join(text.split())[:120])
                raise InvalidResponseError(
                    f"{method} {path}: expected JSON but got {ctype or 'no content type'} (HTTP {status}): {snippet!r}",
                    status=status,
                    method=method,
                    path=path,
                    hint="is a proxy, VPN or login page in front of Jira? check the site URL",
                )
            return body
        messages, fields = _error_lists(body)
        detail = _describe(messages, fields)
        if body is None and text:
            detail = f"non-JSON {ctype or 'body'}: {redact(' '.join(text.split())[:120])!r}"
        wait = server_wait(resp.headers)
        common = dict(status=status, method=method, path=path, error_messages=messages, field_errors=fields)
        where = f"{method} {path}"
        if status == 401:
            if self.credentials.kind == "bearer":
                hint = (
                    f"check {self.credentials.described or 'the bearer token'}: a Data Center personal access token "
                    "may have expired or been revoked"
                )
            else:
                hint = (
                    f"check {self.credentials.described} (API tokens expire after at most a year); "
                    "a scoped API token only works through https://api.atlassian.com/ex/jira/<cloudId>, not the site URL"
                )
            raise AuthenticationError(f"Jira rejected the credentials (401) at {self.url}", hint=hint, **common)
        if status == 403:
            write = method in ("POST", "PUT", "DELETE") and not path.endswith(("/permissions/check", "/permissions/project"))
            needs = WRITE_SCOPE if (write or path.endswith("/permissions")) else READ_SCOPE
            denied = PermissionDeniedError(
                f"Jira refused {where} (403)" + (f": {detail}" if detail else ""),
                hint=(
                    f"this needs the global permission '{ADMIN_PERMISSION}' and, for OAuth or scoped tokens, "
                    f"the scope {needs}"
                ),
                **common,
            )
            denied.needs = f"the global permission '{ADMIN_PERMISSION}' (scope {needs} for OAuth or scoped tokens)"  # type: ignore[attr-defined]
            raise denied
        if status == 404:
            site_path = urlsplit(self.url).path
            hint = "in Jira a 404 can also mean the account may not see it"
            if site_path and path.endswith("/serverInfo"):
                hint = (
                    f"the site URL {self.url} has a path ({site_path}): Jira Cloud site URLs have none "
                    "(https://your-site.atlassian.net); on Data Center the path must be the context path Jira runs under"
                )
            raise NotFoundError(f"{where}: not found (404)" + (f": {detail}" if detail else ""), hint=hint, **common)
        if status == 429:
            reason = resp.headers.get("RateLimit-Reason", "")
            raise RateLimitedError(
                f"{where}: rate limited (429{', ' + reason if reason else ''})",
                retry_after=wait,
                hint="the tool waits as Jira asks; lower --concurrency if this persists",
                **common,
            )
        if status >= 500:
            raise ServerError(f"{where}: Jira server error {status}" + (f": {detail}" if detail else ""), retry_after=wait, **common)
        if status == 400:
            raise BadRequestError(f"{where}: Jira rejected the request (400)" + (f": {detail}" if detail else ""), **common)
        if 300 <= status < 400:
            raise self._redirect(where, path, status, resp.headers.get("Location"), common)
        raise JiraError(f"{where}: unexpected HTTP {status}" + (f": {detail}" if detail else ""), **common)

    def _redirect(self, where: str, path: str, status: int, location: str | None, common: dict) -> JiraError:
        """Redirects are never followed (the credentials would go to a host nobody named): say where to."""
        if not location:
            return JiraError(f"{where}: the server answered a redirect ({status}) without saying where to", **common)
        target = urljoin(self.url + path, location)
        parts = urlsplit(target)
        shown = redact(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
        suggested = shown[: -len(path)] if parts.path.endswith(path) and len(shown) > len(path) else None
        hint = (
            f"use {suggested} as the site URL (JIRA_URL, --site or the sites file)"
            if suggested
            else "point the site URL at the address Jira answers on"
        ) + "; migrate does not follow redirects, so credentials only ever go to the host you named"
        return JiraError(f"{where}: the server redirects ({status}) to {shown}", hint=hint, **common)

    def request(self, method: str, rel: str, *, params: Any = None, body: Any = None, decode: Decode | None = None) -> Any:
        """Send one request (retried per the policy). `decode` turns a 2xx body's bytes into the result
        (default: any JSON); it raises InvalidResponseError for a body it cannot read."""
        path = self._path(rel)
        return self.retry.call(method, lambda: self._send_once(method, path, params=params, body=body, decode=decode))

    # ------------------------------------------------------------------ endpoints

    def server_info(self) -> dict:
        """GET serverInfo; with flavour=auto this also picks the API version (404 on /3 means Data Center)."""
        if self._server_info is not None:
            return self._server_info
        if self._api is None:
            try:
                info = self.retry.call("GET", lambda: self._send_once("GET", "/rest/api/3/serverInfo"))
                self._api = "3"
            except NotFoundError:
                try:
                    info = self.retry.call("GET", lambda: self._send_once("GET", "/rest/api/2/serverInfo"))
                except NotFoundError as e:
                    raise NotFoundError(
                        f"no Jira REST API at {self.url}: serverInfo answered 404 under /rest/api/3 and /rest/api/2",
                        status=404,
                        method="GET",
                        path=e.path,
                        hint=e.hint if urlsplit(self.url).path else "check the site URL: is this the Jira site?",
                    ) from None
                self._api = "2"
            if isinstance(info, dict) and self._api == "3" and info.get("deploymentType") not in (None, "Cloud"):
                self._api = "2"  # Server/DC also answer /3 on some versions; their grants follow the v2 shape
        else:
            info = self.request("GET", "/serverInfo")
        if not isinstance(info, dict):
            raise InvalidResponseError("serverInfo did not return a JSON object", path=self._path("/serverInfo"))
        self._server_info = info
        return info

    def site_info(self) -> SiteInfo:
        info = self.server_info()
        perms = self.all_permissions()
        return SiteInfo(
            url=self.url,
            base_url=str(info.get("baseUrl") or self.url).rstrip("/"),
            deployment_type=str(info.get("deploymentType") or ("Cloud" if self.api_version == "3" else "Server")),
            version=str(info.get("version", "")),
            server_title=str(info.get("serverTitle", "")),
            api_version=self.api_version,
            permissions=perms,
        )

    def myself(self) -> dict:
        me = self.request("GET", "/myself")
        if not isinstance(me, dict):
            raise InvalidResponseError("GET /myself did not return a JSON object")
        return me

    def all_permissions(self) -> dict[str, PermissionInfo]:
        return parse_permissions(self.request("GET", "/permissions"))

    def my_permissions(
        self, keys: Iterable[str], *, project_key: str | None = None, issue_key: str | None = None
    ) -> dict[str, bool]:
        keys = list(keys)
        params: dict[str, str] = {"permissions": ",".join(keys)}
        if project_key:
            params["projectKey"] = project_key
        if issue_key:
            params["issueKey"] = issue_key
        data = self.request("GET", "/mypermissions", params=params)
        perms = parse_permissions(data)
        raw = data["permissions"]
        return {k: bool(isinstance(raw.get(k), dict) and raw[k].get("havePermission")) for k in keys if k in perms}

    def is_admin(self) -> bool:
        return self.my_permissions(["ADMINISTER"]).get("ADMINISTER", False)

    def list_schemes(self) -> list[Scheme]:
        """Every scheme with every grant, in one request (the endpoint is not paginated)."""
        return self.request("GET", "/permissionscheme", params={"expand": SCHEME_EXPAND}, decode=parse_scheme_list)

    def get_scheme(self, scheme_id: int) -> Scheme:
        return Scheme.from_json(self.request("GET", f"/permissionscheme/{int(scheme_id)}", params={"expand": SCHEME_EXPAND}))

    def create_grant(self, scheme_id: int, permission: str, holder: Holder) -> Grant:
        """POST one grant. Raises AmbiguousWriteError when the outcome is unknown (never resent blindly),
        BadRequestError on 400 (which includes "the same grant is already present")."""
        body = {"permission": permission, "holder": holder.to_request()}
        path = f"/permissionscheme/{int(scheme_id)}/permission"
        try:
            data = self.request("POST", path, body=body)
        except ServerError as e:
            raise AmbiguousWriteError(
                f"POST {self._path(path)}: server error {e.status}; the grant may or may not have been created",
                status=e.status,
                method="POST",
                path=e.path,
                error_messages=e.error_messages,
                retry_after=e.retry_after,
            ) from None
        return Grant.from_json(data)

    def delete_grant(self, scheme_id: int, grant_id: int) -> bool:
        """DELETE one grant. Returns False when Jira says the grant does not exist (a 400, not a 404)."""
        try:
            self.request("DELETE", f"/permissionscheme/{int(scheme_id)}/permission/{int(grant_id)}")
        except BadRequestError:
            return False
        return True

    def search_projects(self, *, statuses: Iterable[str] = ("live", "archived")) -> list[Project]:
        """Every project the caller can see (run as an admin to see all), following pagination."""
        out: list[Project] = []
        if self.api_version == "2":
            # Data Center has no /project/search (a 404 there would read as "no projects"): it lists every
            # project in one unpaginated array
            data = self.request("GET", "/project", params={"includeArchived": "true"})
            if not isinstance(data, list):
                raise InvalidResponseError("GET /project did not return a list of projects")
            return [Project.from_json(p) for p in data]
        start = 0
        status = ",".join(statuses)
        # a server that never says isLast must not keep us paging forever: 100k pages is 10M projects
        for _ in range(100_000):
            params: dict[str, Any] = {"startAt": start, "maxResults": 100}
            if status:
                params["status"] = status
            try:
                page = self.request("GET", "/project/search", params=params)
            except NotFoundError:
                break  # Jira answers 404 when nothing matches
            if not isinstance(page, dict) or not isinstance(page.get("values"), list):
                raise InvalidResponseError("GET /project/search did not return a page of projects")
            values = page["values"]
            if page.get("startAt", start) != start:
                raise InvalidResponseError(
                    f"GET /project/search answered startAt={page.get('startAt')!r} when asked for {start}: "
                    "pagination is not advancing"
                )
            out.extend(Project.from_json(p) for p in values)
            if page.get("isLast", True) or not values:
                return out
            start += len(values)
        raise InvalidResponseError("GET /project/search never reported its last page")

    def project_scheme_id(self, project_key_or_id: str | int) -> int:
        # quoted: a key is one path segment whatever it holds
        data = self.request("GET", f"/project/{quote(str(project_key_or_id), safe='')}/permissionscheme")
        if not isinstance(data, dict) or "id" not in data:
            raise InvalidResponseError(f"GET /project/{project_key_or_id}/permissionscheme returned no scheme id")
        return int_id(data["id"], f"permission scheme id of project {project_key_or_id}")

    def check_permissions(
        self,
        *,
        account_id: str | None = None,
        global_permissions: Iterable[str] = (),
        project_permissions: Iterable[Mapping[str, Any]] = (),
    ) -> dict:
        """POST /permissions/check (a read, but a POST: safe to resend, it changes nothing)."""
        body: dict[str, Any] = {}
        if account_id:
            body["accountId"] = account_id
        gp = list(global_permissions)
        if gp:
            body["globalPermissions"] = gp
        pp = [dict(p) for p in project_permissions]
        if pp:
            body["projectPermissions"] = pp
        path = self._path("/permissions/check")
        data = self.retry.call("GET", lambda: self._send_once("POST", path, body=body))
        if not isinstance(data, dict):
            raise InvalidResponseError("POST /permissions/check did not return a JSON object")
        return data
