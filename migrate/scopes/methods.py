"""What a call's name and arguments say about its HTTP method, shared by every language's extractor."""

from __future__ import annotations

import re

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")

# Method names that are the HTTP verb (HTTP clients, RestTemplate, Guzzle, ScriptRunner, Ktor, Go's http).
VERB_NAMES = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "delete": "DELETE",
    "del": "DELETE",
    "patch": "PATCH",
    "head": "HEAD",
    "getforobject": "GET",
    "getforentity": "GET",
    "postforobject": "POST",
    "postforentity": "POST",
    "postforlocation": "POST",
    "patchforobject": "PATCH",
    "getasync": "GET",
    "postasync": "POST",
    "putasync": "PUT",
    "deleteasync": "DELETE",
    "patchasync": "PATCH",
    "getjson": "GET",
    "postjson": "POST",
    "putjson": "PUT",
    "getstring": "GET",
}
VERB_WORDS = {"get": "GET", "post": "POST", "put": "PUT", "delete": "DELETE", "patch": "PATCH"}
# Words that make a verb-named helper a URL builder, not a request (`getUrl`, `get_path`).
BUILDER_WORDS = {"url", "uri", "path", "link", "href", "endpoint", "route", "base"}
# Generic request functions: the method is an argument or an option.
FETCH_LIKE = {"fetch", "requestjira", "ajax"}  # GET when no method is given (AP.request: see _default_get)
# Calls that keep their first argument a URL.
URL_WRAPPERS = {
    "assumetrustedroute",
    "create",  # URI.create
    "parse",  # url.Parse, Uri.parse, HttpUrl.parse
    "tohttpurl",
    "encodeuri",
    "format",  # String.format
    "formatted",
    "sprintf",
    "vsprintf",
    "urljoin",
    "joinpath",
    "fromhttpurl",
    "fromuristring",
    "frompath",
    "fromuri",
    "valueof",
    "str",
    "string",
}
URI_BUILDER_STEPS = {"queryparam", "queryparams", "build", "buildandexpand", "expand", "encode", "touri", "touristring", "tostring", "query"}
# Request builders: the URL is set by one call and the method by another in the same chain.
BUILDER_STARTS = {"url", "uri", "newbuilder", "seturi", "seturl", "target"}
BUILDER_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "delete": "DELETE", "patch": "PATCH", "head": "HEAD"}
ROUTE_TAGS = {"route"}
URL_KEYS = {"url", "uri", "path", "endpoint"}
METHOD_KEYS = {"method", "type", "httpmethod"}
NOT_A_REQUEST = re.compile(
    r"^(?:log|debug|info|warn|warning|error|trace|fatal|print|println|printf|fprintf|errorf|sprintln|puts|echo|assert\w*|expect|equal|"
    r"tobe|toequal|tohavebeencalledwith|contains|startswith|endswith|includes|match|test|replace|split|indexof)$",
    re.I,
)

def lower_name(name: str | None) -> str:
    return (name or "").split(".")[-1].split("::")[-1].split("<")[0].lower()


def words_of(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").lower()
    return spaced.split()


def verb_of_name(name: str | None) -> str | None:
    """The HTTP verb a method name says: `post`, `getForObject`, `jiraGet`, `postJson`; not `getUrl`."""
    if not name:
        return None
    low = lower_name(name)
    if low in VERB_NAMES:
        return VERB_NAMES[low]
    words = words_of(name.split(".")[-1])
    verbs = {VERB_WORDS[w] for w in words if w in VERB_WORDS}
    if len(verbs) != 1 or any(w in BUILDER_WORDS for w in words):
        return None
    if words[0] in VERB_WORDS or words[-1] in VERB_WORDS:
        return verbs.pop()
    return None


def method_of_value(text: str) -> str | None:
    """`"POST"`, `HttpMethod.PUT`, `http.MethodDelete`, `Method.Post`, `HttpMethod.Companion.Get` -> the verb."""
    t = text.strip().strip("'\"`").strip()
    last = re.split(r"[.:]+", t)[-1]
    last = re.sub(r"^Method", "", last)
    up = last.upper()
    return up if up in METHODS else None


