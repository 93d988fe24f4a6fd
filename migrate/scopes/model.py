"""Data the scope audit passes around and returns: plain dataclasses, rendering is output.py's job."""

from __future__ import annotations

from dataclasses import dataclass, field

# Classifications, most urgent first: every finding is exactly one of these.
MISSING = "missing"  # a call (or webhook, impersonation) that Jira will refuse
EXCESS = "excess"  # a declared scope nothing needs
REVIEW = "needs-review"  # the audit cannot decide statically: what to check and why
WARNING = "warning"  # works, but app access rules, a deprecation or a missing email scope will bite
OK = "ok"  # a resolved call whose scopes are declared
CLASSES = (MISSING, EXCESS, REVIEW, WARNING, OK)


@dataclass(frozen=True)
class KindInfo:
    id: str
    name: str
    short: str
    full: str


# One entry per kind of finding; ids are stable (text output, --json and SARIF use them).
KINDS: dict[str, KindInfo] = {
    k.id: k
    for k in (
        KindInfo("call", "JiraRestCall", "A Jira REST call and the scopes it needs",
                 "The call resolves to one operation of the Cloud operation table (or to several that need the same "
                 "scopes). It is ok when the declared scopes grant them, missing when Jira will refuse it."),
        KindInfo("inaccessible", "ConnectInaccessibleOperation", "An operation Connect apps cannot call",
                 "The operation's Connect scope is INACCESSIBLE: no scope in the descriptor makes the call work. "
                 "Use another operation, or make the call from Forge."),
        KindInfo("webhook", "ConnectWebhookScope", "A Connect webhook without the READ scope",
                 "Connect apps that register webhooks must declare READ."),
        KindInfo("impersonation", "ConnectActAsUser", "Acting as a user needs ACT_AS_USER",
                 "The code makes requests as a user (asUserByAccountId, authenticatedAsHostActor, the JWT bearer "
                 "token grant), which Connect apps may do only with the ACT_AS_USER scope."),
        KindInfo("excess", "ExcessScope", "A declared scope no call needs",
                 "Least privilege: a scope that no resolved call, webhook or trigger needs. While calls need review, "
                 "the finding names the calls that might still need it and is needs-review, not excess."),
        KindInfo("unknown-scope", "UnknownScope", "A declared scope that is not a known scope name",
                 "The name is not a Connect scope, or looks like a Jira platform OAuth scope that no operation uses "
                 "(a typo?)."),
        KindInfo("app-access-rule", "AppAccessRuleBlockable", "A call app access rules can block",
                 "The operation is not exempt from app access rules (data access controls): in a protected project "
                 "Jira answers 403 to the app. Handle the refusal."),
        KindInfo("deprecated", "DeprecatedOperation", "A call to a deprecated operation",
                 "The operation is deprecated in the official OpenAPI document; move to its replacement."),
        KindInfo("no-oauth-scope", "NoOAuthScope", "An operation without any OAuth 2.0 scope",
                 "The OpenAPI document names no classic or granular scope for the operation, so the audit cannot "
                 "say which scope a Forge app needs for it; check the operation's documentation."),
        KindInfo("email-address", "EmailAddressRead", "Code reads emailAddress without ACCESS_EMAIL_ADDRESSES",
                 "Jira leaves users' email addresses out of responses to Connect apps that do not declare "
                 "ACCESS_EMAIL_ADDRESSES."),
        KindInfo("unresolved-url", "UnresolvedUrl", "A Jira REST call whose path is built at run time",
                 "The path (or the part that names the operation) is not in the source, so the operation and its "
                 "scopes are unknown."),
        KindInfo("unresolved-method", "UnresolvedMethod", "A call whose HTTP method the code does not show",
                 "The path is known but the method is not, and the operations on that path need different scopes."),
        KindInfo("unknown-operation", "UnknownOperation", "A path or method no operation of the table has",
                 "No Cloud platform operation matches: a typo, an internal or removed API, or a method the path "
                 "does not have."),
        KindInfo("other-api", "OtherJiraApi", "A call to a Jira REST API outside the platform table",
                 "Jira Software (/rest/agile), Jira Service Management (/rest/servicedeskapi) and other product APIs "
                 "have their own scope lists, which this audit does not hold."),
        KindInfo("outside-app", "CallOutsideApp", "A call in a file that belongs to no scanned app",
                 "Several app descriptors were scanned and the file is under none of them; it may be shared code "
                 "of any of them."),
    )
}


@dataclass(frozen=True)
class Call:
    file: str
    language: str
    line: int
    column: int
    end_line: int
    end_column: int
    url: str  # the URL text, run-time pieces as paths.DYNAMIC
    method: str | None
    method_from: str  # how the method was read, or why it is unknown
    via: str  # the sending call as written (`api.asApp().requestJira`), or "" when none was found
    snippet: str  # the URL expression as written (first line)


@dataclass(frozen=True)
class Marker:
    """Evidence in the source that is not a REST call but changes which scopes an app needs."""

    kind: str  # "impersonation" | "email-address"
    file: str
    line: int
    column: int
    text: str


@dataclass
class FileCalls:
    calls: list[Call]
    markers: list[Marker]


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    classification: str
    kind: str
    message: str
    app: str | None = None  # the descriptor of the app it belongs to
    method: str | None = None
    path: str | None = None  # the operation's path template, or the call's path as built
    operation: str | None = None  # operationId(s)
    scopes: tuple[str, ...] = ()  # the scopes the finding is about (needed, missing, excess)
    original: str = ""  # the source text (URL expression or scope entry)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["scopes"] = list(self.scopes)
        return d


@dataclass
class CallReport:
    """One call as the audit of its app sees it."""

    call: Call
    status: str  # a classification
    kind: str
    path: str | None  # the API path as built ("/rest/api/3/issue/{}"), None when not a Jira URL
    operations: tuple[str, ...]  # labels of the operations it may reach
    needs: str  # human-readable requirement
    missing: tuple[str, ...] = ()
    app_access_rule_exempt: bool | None = None
    deprecated: bool | None = None

    def to_dict(self, display) -> dict:
        c = self.call
        return {
            "file": display(c.file),
            "line": c.line,
            "column": c.column,
            "method": c.method,
            "method_from": c.method_from,
            "via": c.via,
            "code": c.snippet,
            "path": self.path,
            "operations": list(self.operations),
            "status": self.status,
            "kind": self.kind,
            "needs": self.needs,
            "missing": list(self.missing),
            "app_access_rule_exempt": self.app_access_rule_exempt,
            "deprecated": self.deprecated,
        }


@dataclass
class AppReport:
    kind: str  # "connect" | "forge"
    descriptor: str
    name: str
    declared: list[str]
    calls: list[CallReport] = field(default_factory=list)
    needed: list[str] = field(default_factory=list)  # declared scopes some call, webhook or marker uses
    missing: list[str] = field(default_factory=list)  # scopes to add
    excess: list[str] = field(default_factory=list)  # declared, needed by nothing, not even possibly
    possibly_needed: dict[str, list[str]] = field(default_factory=dict)  # declared, unneeded by resolved calls -> who might need it
    not_audited: list[str] = field(default_factory=list)  # declared scopes outside the platform table
    suggested: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = {k: 0 for k in CLASSES}
        for r in self.calls:
            c[r.status] += 1
        return c


@dataclass
class AuditReport:
    apps: list[AppReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0
    files_with_calls: int = 0
    calls: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    table_source: str = ""
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        c = {k: 0 for k in CLASSES}
        for f in self.findings:
            c[f.classification] += 1
        return c

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n
