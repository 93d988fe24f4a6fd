"""The audit of one app: its calls against its declared scopes. Pure (no I/O): tables test it directly.

For every call: resolve it to the operations it can reach (paths.py), take what they need (needs.py) and
classify it: ok, missing, inaccessible, or needs-review when the path or the method cannot be read and the
candidate operations do not all need the same scopes. Then, per app:

- missing: the scopes to add so every resolved call, webhook and impersonation works;
- excess: declared scopes nothing resolved needs. A scope that an unresolved call, a Forge trigger or a
  call in shared code *might* need is never called plain excess: it is needs-review, naming them;
- suggested: the declared list without the (plain) excess, plus the missing (a broader Connect scope
  dropped as excess is replaced by the level the calls need). No scope a resolved call needs is ever
  reported excess, and the suggestion satisfies every resolved call (property-tested).

Connect on Forge: a manifest's `*:connect-jira` scopes are the Connect remote's and are judged as Connect
scopes; a call through a Connect client runs on them, one through requestJira on the OAuth scopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from migrate.scopes import needs as N
from migrate.scopes.descriptors import CONNECT, FORGE, App, Declared, Hook, Place
from migrate.scopes.model import EXCESS, MISSING, OK, REVIEW, WARNING, AppReport, Call, CallReport, Finding, Marker
from migrate.scopes.operations import Operation, Table
from migrate.scopes.paths import ApiPath, could_match, match, parse_url

# Forge product events carry data the app reads: a trigger may need read (and, for configuration events,
# manage) scopes, never write or delete ones.
TRIGGER_SCOPE_RE = re.compile(r"^(?:read|manage):")
# The shape of a Jira platform OAuth scope: one the table does not know is a likely typo.
JIRA_SCOPE_RE = re.compile(r"^(?:(?:read|write|delete|manage):[a-z0-9.-]+:jira|(?:read|write|manage):jira-[a-z-]+)$")
CONNECT_ON_FORGE_RE = re.compile(r"^(read|write|delete|project-admin|admin|act-as-user|access-email-addresses):connect-jira$")
CONNECT_CLIENT_RE = re.compile(r"httpClient|\bAP\b|authenticatedAs|asUserByAccountId")
FORGE_CLIENT_RE = re.compile(r"requestJira|^properties\.")
MAX_NAMED = 3


@dataclass(frozen=True)
class Resolution:
    kind: str  # "call" | "unresolved-url" | "unresolved-method" | "unknown-operation" | "other-api"
    path: ApiPath | None
    operations: tuple[Operation, ...]  # one for "call"; the candidates for "unresolved-method"
    why: str


def resolve(call: Call, table: Table) -> Resolution:
    path = parse_url(call.url)
    if path is None:
        return Resolution("unresolved-url", None, (), "the path is built at run time")
    if path.family != "platform":
        return Resolution("other-api", path, (), f"{path.display} belongs to the {path.family} REST API")
    m = match(path, table)
    if m is None:
        if could_match(path, table):
            return Resolution("unresolved-url", path, (), f"{path.display}: a run-time part stands where the operations have a fixed name")
        return Resolution("unknown-operation", path, (), f"no operation of the table has a path like {path.display}")
    if call.method is not None:
        op = m.by_method.get(call.method)
        if op is None:
            have = ", ".join(sorted(m.by_method))
            return Resolution("unknown-operation", path, (), f"{path.display} has no {call.method} operation (it has {have})")
        return Resolution("call", path, (op,), "")
    return Resolution("unresolved-method", path, m.operations, call.method_from)


def requirement(op: Operation, kind: str):
    return op.connect_scope if kind == CONNECT else N.ForgeNeed(frozenset(op.oauth_classic), frozenset(op.oauth_granular))


@dataclass(frozen=True)
class Hedge:
    """Something that might need scopes the audit cannot pin down: it keeps them from being plain excess."""

    where: str
    what: str
    ops: tuple[Operation, ...] | None = None  # the operations it may reach (None with no scopes: any at all)
    scopes: frozenset[str] | None = None  # OAuth scopes it may need, when not given by operations (triggers)

    @property
    def unbounded(self) -> bool:
        return self.ops is None and self.scopes is None

    def may_need_oauth(self, scope: str) -> bool:
        if self.unbounded:
            return True
        if self.scopes is not None and scope in self.scopes:
            return True
        return any(scope in op.oauth_classic or scope in op.oauth_granular for op in self.ops or ())

    def may_need_connect(self, scope: str) -> bool:
        """A cumulative scope is needed by anything needing it or more; a standalone one only by itself."""
        if self.unbounded:
            return True
        lv = N.level(scope)
        if self.ops is None:  # a trigger: reads data, as READ would
            return lv == N.level("READ")
        return any(op.connect_scope == scope or (lv is not None and (N.level(op.connect_scope) or 0) >= lv) for op in self.ops)

    @property
    def connect_top(self) -> int:
        if self.unbounded:
            return N.level("ADMIN")
        if self.ops is None:
            return N.level("READ")
        return max((N.level(op.connect_scope) or 0 for op in self.ops), default=0)


def _loc(display: Callable[[str], str], file: str, line: int, column: int) -> str:
    return f"{display(file)}:{line}:{column}"


def _list(items: Iterable[str]) -> str:
    return ", ".join(items) or "none"


def connect_on_forge(name: str) -> str | None:
    """The Connect scope a Connect-on-Forge manifest scope stands for: `write:connect-jira` -> WRITE."""
    m = CONNECT_ON_FORGE_RE.match(name)
    return m.group(1).replace("-", "_").upper() if m else None


def _connect_on_forge_name(scope: str) -> str:
    return scope.lower().replace("_", "-") + ":connect-jira"


def _origin(call: Call) -> str:
    """Where a call runs in a Connect-on-Forge app: "connect" (remote), "forge", or "either"."""
    if CONNECT_CLIENT_RE.search(call.via):
        return "connect"
    if FORGE_CLIENT_RE.search(call.via):
        return "forge"
    return "either"


class _AppAudit:
    def __init__(self, app: App, table: Table, display: Callable[[str], str]):
        self.app = app
        self.table = table
        self.display = display
        self.connect = app.kind == CONNECT
        self.findings: list[Finding] = []
        self.reports: list[CallReport] = []
        self.hedges: list[Hedge] = []
        self.declared = [d.name for d in app.declared]
        # Connect scopes the app holds: a Connect descriptor's, or a Connect-on-Forge manifest's `*:connect-jira`
        if self.connect:
            self.connect_declared = [(d, d.name.upper()) for d in app.declared if d.name.upper() in N.CONNECT_SCOPES]
        else:
            self.connect_declared = [(d, connect_on_forge(d.name)) for d in app.declared if connect_on_forge(d.name)]
        self.cgrants = frozenset(s for _, s in self.connect_declared)
        self.cof = not self.connect and (app.connect_on_forge or bool(self.connect_declared))
        self.oauth_declared = [] if self.connect else [d for d in app.declared if d.name in table.oauth_scopes]
        self.dset = frozenset(d.name for d in self.oauth_declared)
        self.granular_style = bool(self.dset & table.granular_scopes) and not (self.dset & table.classic_scopes)
        self.valid = {d.name for d, _ in self.connect_declared} | set(self.dset)
        # what resolved things need
        self.top = 0  # the highest cumulative Connect level a resolved call (or webhook) needs
        self.standalone: dict[str, list[str]] = {}  # standalone Connect scope -> who needs it
        self.used: set[str] = set()  # Forge: declared OAuth scopes a resolved call uses
        self.to_add: dict[str, list[str]] = {}  # Forge: scope to add -> who needs it

    # ------------------------------------------------------------------ findings
    def finding(self, cls: str, kind: str, message: str, *, call: Call | None = None, place: Place | None = None,
                file: str | None = None, ops: tuple[Operation, ...] = (), path: str | None = None,
                scopes: Iterable[str] = (), original: str = "") -> None:
        if call is not None:
            pos = (call.file, call.line, call.column, call.end_line, call.end_column)
            original = original or call.snippet
        else:
            p = place or Place(1, 1, 1, 1)
            pos = (file or self.app.descriptor, p.line, p.column, p.end_line, p.end_column)
        self.findings.append(
            Finding(
                *pos,
                classification=cls,
                kind=kind,
                message=message,
                app=self.app.descriptor,
                method=(ops[0].method if len(ops) == 1 else (call.method if call else None)),
                path=(ops[0].path if ops and len({o.path for o in ops}) == 1 else path),
                operation=", ".join(o.operation_id for o in ops) or None,
                scopes=tuple(scopes),
                original=original,
            )
        )

    def _connect_need(self, scope: str, where: str) -> None:
        lv = N.level(scope)
        if lv is not None:
            self.top = max(self.top, lv)
        elif scope in N.STANDALONE:
            self.standalone.setdefault(scope, []).append(where)

    # ------------------------------------------------------------------ calls
    def call(self, call: Call) -> None:
        res = resolve(call, self.table)
        where = _loc(self.display, call.file, call.line, call.column)
        display_path = res.path.display if res.path else None
        ops = res.operations
        if res.kind == "unresolved-method":
            # a URL no visible call sends (a link, a builder's return value) is not proven to be a request
            # of this app: it needs review even when its operations agree on the scopes
            if call.via and len({self._req_key(op) for op in ops}) == 1:
                self._resolved(call, ops, display_path, f"method not shown ({call.method_from}); every operation on {display_path} needs the same scopes")
                return
            per = "; ".join(f"{op.method} needs {self._need_text(op)}" for op in ops)
            msg = f"{display_path}: the method is not shown ({call.method_from}). {per}"
            self._review(call, res, "unresolved-method", msg, where, ops)
            return
        if res.kind != "call":
            what = {
                "unresolved-url": f"URL not resolvable statically: {res.why}" + (f" ({call.method_from})" if not call.via else f" (sent by `{call.via}`)"),
                "unknown-operation": res.why,
                "other-api": f"{res.why}: its scopes are not in the platform operation table",
            }[res.kind]
            self._review(call, res, res.kind, what, where, None)
            return
        self._resolved(call, ops, display_path, "")

    def _req_key(self, op: Operation):
        if self.connect:
            return op.connect_scope
        return (op.oauth_classic, op.oauth_granular, op.connect_scope if self.cof else None)

    def _review(self, call: Call, res: Resolution, kind: str, message: str, where: str, ops: tuple[Operation, ...] | None) -> None:
        self.hedges.append(Hedge(where, "the call", ops))
        self.reports.append(CallReport(call, REVIEW, kind, res.path.display if res.path else None, tuple(o.label for o in res.operations), "unknown"))
        self.finding(REVIEW, kind, message, call=call, ops=res.operations, path=res.path.display if res.path else None)

    def _need_text(self, op: Operation) -> str:
        if self.connect:
            return "no scope" if op.connect_scope == "NONE" else op.connect_scope
        req = requirement(op, FORGE)
        parts = []
        if req.classic:
            parts.append(_list(sorted(req.classic)))
        if req.granular:
            parts.append("granular " + _list(sorted(req.granular)))
        if not parts:
            parts.append("no OAuth scope listed")
        if self.cof and op.connect_scope != N.INACCESSIBLE:
            parts.append(f"Connect {op.connect_scope}")
        return " or ".join(parts)

    def _resolved(self, call: Call, ops: tuple[Operation, ...], display_path: str | None, note: str) -> None:
        where = _loc(self.display, call.file, call.line, call.column)
        op = ops[0]
        label = op.label if len(ops) == 1 else f"{'/'.join(o.method for o in ops)} {op.path} ({', '.join(o.operation_id for o in ops)})"
        exempt = all(o.app_access_rule_exempt for o in ops)
        deprecated = all(o.deprecated for o in ops)
        suffix = f"; {note}" if note else ""
        status, kind, missing = (self._connect_call if self.connect else self._forge_call)(call, ops, label, suffix, where)
        self.reports.append(CallReport(call, status, kind, display_path, tuple(o.label for o in ops), self._need_text(op), missing, exempt, deprecated))
        if status == MISSING and kind == "inaccessible":
            return
        if not exempt:
            self.finding(WARNING, "app-access-rule", f"{label}: app access rules can block this call in protected projects; expect a 403 there",
                         call=call, ops=ops)
        if deprecated:
            self.finding(WARNING, "deprecated", f"{label} is deprecated", call=call, ops=ops)

    def _connect_call(self, call, ops, label, suffix, where):
        req = ops[0].connect_scope
        if req == N.INACCESSIBLE:
            self.finding(MISSING, "inaccessible", f"{label}: Connect apps cannot call this operation (INACCESSIBLE); no scope makes it work{suffix}",
                         call=call, ops=ops)
            return MISSING, "inaccessible", ()
        self._connect_need(req, where)
        if N.connect_satisfied(req, self.cgrants):
            self.finding(OK, "call", f"{label}: needs {self._need_text(ops[0])}{suffix}", call=call, ops=ops, scopes=(req,))
            return OK, "call", ()
        self.finding(MISSING, "call", f"{label}: needs {req}, which the descriptor does not grant (declared: {_list(self.declared)}){suffix}",
                     call=call, ops=ops, scopes=(req,))
        return MISSING, "call", (req,)

    def _forge_call(self, call, ops, label, suffix, where):
        op = ops[0]
        req = requirement(op, FORGE)
        # Connect on Forge: a call from the Connect remote (ACE httpClient, AP.request, ACSB) runs on the
        # `*:connect-jira` scopes, one from Forge (requestJira, the properties API) on the OAuth scopes; a
        # call through anything else may be either
        origin = _origin(call) if self.cof else "forge"
        held = req.satisfying(self.dset) if origin != "connect" else ()
        remote = origin != "forge" and op.connect_scope != N.INACCESSIBLE
        via_connect = remote and N.connect_satisfied(op.connect_scope, self.cgrants)
        if via_connect or (origin == "connect" and remote):
            self._connect_need(op.connect_scope, where)
        for alt in held:
            self.used |= alt
        if held:
            shown = held[0]
            style = "classic" if shown == req.classic else "granular"
            self.finding(OK, "call", f"{label}: needs {_list(sorted(shown))} ({style}){suffix}", call=call, ops=ops, scopes=sorted(shown))
            return OK, "call", ()
        if via_connect:
            name = next((d.name for d, s in self.connect_declared if N.connect_satisfied(op.connect_scope, [s])), None)
            needs = f"{op.connect_scope} (Connect on Forge: {name})" if name and op.connect_scope != "NONE" else "no Connect scope (Connect on Forge)"
            self.finding(OK, "call", f"{label}: needs {needs}{suffix}", call=call, ops=ops, scopes=(name,) if name else ())
            return OK, "call", ()
        if req.empty and not remote:
            self.finding(WARNING, "no-oauth-scope", f"{label}: the OpenAPI document names no OAuth 2.0 scope for this operation; check that Forge apps may call it{suffix}",
                         call=call, ops=ops)
            return WARNING, "no-oauth-scope", ()
        if origin == "connect" and op.connect_scope == N.INACCESSIBLE:
            self.finding(MISSING, "inaccessible", f"{label}: the Connect remote cannot call this operation (INACCESSIBLE); no scope makes it work{suffix}",
                         call=call, ops=ops)
            return MISSING, "inaccessible", ()
        if origin == "connect" or req.empty:  # only the Connect remote can make it: its connect-jira scope is what is missing
            alt = frozenset({_connect_on_forge_name(op.connect_scope)})
        else:
            alt = req.to_add(self.dset, self.granular_style)
        self.used |= alt & self.dset
        missing = tuple(sorted(alt - self.dset))
        for s in missing:
            self.to_add.setdefault(s, []).append(where)
        other = sorted(req.granular if alt == req.classic else req.classic) if alt in (req.classic, req.granular) else []
        shown_other = _list(other[:MAX_NAMED]) + (f" and {len(other) - MAX_NAMED} more" if len(other) > MAX_NAMED else "")
        other_style = "granular" if alt == req.classic else "classic"
        alt_text = f" (or {other_style} {other[0]})" if len(other) == 1 else f" (or all {len(other)} {other_style} scopes: {shown_other})" if other else ""
        if remote and alt in (req.classic, req.granular):
            alt_text += f" (or, from the Connect remote, {_connect_on_forge_name(op.connect_scope)})"
        self.finding(MISSING, "call", f"{label}: needs {_list(sorted(alt))}; add {_list(missing)}{alt_text}{suffix}", call=call, ops=ops, scopes=missing)
        return MISSING, "call", missing

    # ------------------------------------------------------------------ descriptor hooks and markers
    def hooks(self, hooks: Iterable[Hook]) -> None:
        for h in hooks:
            if h.kind == "webhook":  # a Connect descriptor's, or a Connect-on-Forge manifest's connectModules
                self.top = max(self.top, N.level("READ"))
                if not N.connect_satisfied("READ", self.cgrants):
                    what = "READ" if self.connect else _connect_on_forge_name("READ")
                    self.finding(MISSING, "webhook", f"webhook {h.event}: Connect apps with webhooks must declare {what}", place=h.place, scopes=(what,))
                    if not self.connect:
                        self.to_add.setdefault(what, []).append(_loc(self.display, self.app.descriptor, h.place.line, h.place.column))
            elif h.kind == "trigger":
                scopes = frozenset(s for s in self.table.oauth_scopes if TRIGGER_SCOPE_RE.match(s))
                self.hedges.append(Hedge(_loc(self.display, self.app.descriptor, h.place.line, h.place.column), f"trigger event {h.event}", None, scopes))

    def markers(self, markers: Iterable[Marker]) -> None:
        if not self.connect:
            return  # Forge's asUser() needs no extra scope; email visibility is the user's profile setting there
        emails = [m for m in markers if m.kind == "email-address"]
        for m in markers:
            if m.kind != "impersonation":
                continue
            self.standalone.setdefault(N.ACT_AS_USER, []).append(_loc(self.display, m.file, m.line, m.column))
            if N.ACT_AS_USER not in self.cgrants:
                self.findings.append(Finding(m.file, m.line, m.column, m.line, m.column + len(m.text), MISSING, "impersonation",
                                             f"{m.text} acts as a user: Connect apps need the ACT_AS_USER scope for it", self.app.descriptor,
                                             scopes=(N.ACT_AS_USER,), original=m.text))
        if emails:
            if N.ACCESS_EMAIL_ADDRESSES in self.cgrants:
                self.standalone.setdefault(N.ACCESS_EMAIL_ADDRESSES, []).extend(_loc(self.display, m.file, m.line, m.column) for m in emails)
            else:
                for m in emails:
                    self.findings.append(Finding(m.file, m.line, m.column, m.line, m.column + len(m.text), WARNING, "email-address",
                                                 f"reads {m.text}: Jira leaves email addresses out for Connect apps without ACCESS_EMAIL_ADDRESSES",
                                                 self.app.descriptor, scopes=(N.ACCESS_EMAIL_ADDRESSES,), original=m.text))

    # ------------------------------------------------------------------ the app's scope lists
    def conclude(self) -> AppReport:
        rep = AppReport(self.app.kind, self.app.descriptor, self.app.name, list(self.declared), self.reports)
        for d in self.app.declared:
            if d.name in self.valid:
                continue
            if self.connect:
                self.finding(REVIEW, "unknown-scope", f"{d.name!r} is not a Connect scope ({', '.join(N.CONNECT_SCOPES)})", place=d.place, scopes=(d.name,), original=d.name)
                continue
            if JIRA_SCOPE_RE.match(d.name):
                self.finding(REVIEW, "unknown-scope", f"{d.name!r} looks like a Jira platform scope but no operation of the table uses it (a typo?)",
                             place=d.place, scopes=(d.name,), original=d.name)
            rep.not_audited.append(d.name)
        excess = self._connect_lists(rep)
        if not self.connect:
            excess |= self._oauth_lists(rep)
            rep.missing = sorted(self.to_add)
        keep = [d for d in self.declared if d not in excess]
        add = self._connect_additions(rep, keep) + [self._styled(s) for s in rep.missing]
        rep.suggested = keep + [s for s in dict.fromkeys(add) if s.upper() not in {k.upper() for k in keep}]
        return rep

    def _styled(self, scope: str) -> str:
        """A Connect scope to add, in the descriptor's case (READ or read)."""
        if self.connect and any(c.islower() for c in "".join(self.declared)):
            return scope.lower()
        return scope

    def _excess(self, rep: AppReport, d: Declared, plain: str, hedged: list[Hedge]) -> bool:
        """Report a declared scope nothing resolved needs; True when it is plain excess (no hedge)."""
        if not hedged:
            rep.excess.append(d.name)
            self.finding(EXCESS, "excess", plain, place=d.place, scopes=(d.name,), original=d.name)
            return True
        named = ", ".join(f"{h.what} at {h.where}" for h in hedged[:MAX_NAMED])
        more = f" and {len(hedged) - MAX_NAMED} more" if len(hedged) > MAX_NAMED else ""
        rep.possibly_needed[d.name] = [h.where for h in hedged]
        uses = "use" if len(hedged) == 1 else "uses"
        self.finding(REVIEW, "excess", f"{plain}, but it might be needed by {len(hedged)} unresolved {uses}: {named}{more}",
                     place=d.place, scopes=(d.name,), original=d.name)
        return False

    def _connect_lists(self, rep: AppReport) -> set[str]:
        """Needed and excess among the Connect scopes (a descriptor's, or `*:connect-jira` in a manifest)."""
        excess: set[str] = set()
        for d, s in self.connect_declared:
            lv = N.level(s)
            if s == "NONE":
                continue
            if lv is not None:
                if lv <= self.top:
                    rep.needed.append(d.name)
                    continue
                plain = (f"{d.name} is broader than any call needs (the highest they need is {N.CHAIN[self.top]})" if self.top
                         else f"{d.name} is declared but no call needs a Connect scope")
            else:
                if s in self.standalone:
                    rep.needed.append(d.name)
                    continue
                why = {N.ACT_AS_USER: "nothing in the source acts as a user and no call needs it",
                       N.ACCESS_EMAIL_ADDRESSES: "no call needs it and the source never reads emailAddress"}[s]
                plain = f"{d.name} is declared but {why}"
            if self._excess(rep, d, plain, [h for h in self.hedges if h.may_need_connect(s)]):
                excess.add(d.name)
        if self.connect:
            granted_top = max((N.level(s) or 0 for s in self.cgrants), default=0)
            if self.top > granted_top:
                rep.missing.append(N.CHAIN[self.top])
            rep.missing += [s for s in N.STANDALONE if s in self.standalone and s not in self.cgrants]
        return excess

    def _connect_additions(self, rep: AppReport, keep: list[str]) -> list[str]:
        """A broader cumulative scope dropped as excess is replaced by the level calls need: what the kept
        scopes no longer grant of max(needed, what unresolved uses might need, up to what was declared)."""
        if not self.connect_declared:
            return []
        declared_top = max((N.level(s) or 0 for _, s in self.connect_declared), default=0)
        hedge_top = max((h.connect_top for h in self.hedges), default=0)
        want = max(self.top, min(hedge_top, declared_top))
        kept = [s for d, s in self.connect_declared if d.name in keep]
        if want == 0 or N.connect_satisfied(N.CHAIN[want], kept) or (self.connect and N.CHAIN[want] in rep.missing):
            return []
        if self.connect:
            return [self._styled(N.CHAIN[want])]
        return [_connect_on_forge_name(N.CHAIN[want])]

    def _oauth_lists(self, rep: AppReport) -> set[str]:
        excess: set[str] = set()
        for d in self.oauth_declared:
            if d.name in self.used:
                rep.needed.append(d.name)
                continue
            if self._excess(rep, d, f"{d.name} is declared but no call needs it", [h for h in self.hedges if h.may_need_oauth(d.name)]):
                excess.add(d.name)
        return excess


def audit_app(
    app: App,
    calls: Iterable[Call],
    markers: Iterable[Marker],
    table: Table,
    *,
    shared: Iterable[Call] = (),
    unscanned: str | None = None,
    display: Callable[[str], str] = lambda p: p,
) -> tuple[AppReport, list[Finding]]:
    """Audit one app. `shared` are calls in scanned files under no app: they may be any app's, so they
    keep scopes from being plain excess but are not this app's findings. `unscanned` names the part of
    the app that was not read (only some of its files were given): it might need any scope."""
    a = _AppAudit(app, table, display)
    if unscanned is not None:
        a.hedges.append(Hedge(unscanned, "the files of the app that were not scanned"))
    for c in calls:
        a.call(c)
    a.markers(list(markers))
    a.hooks(app.hooks)
    for c in shared:
        res = resolve(c, table)
        a.hedges.append(Hedge(_loc(display, c.file, c.line, c.column), "the call outside the app", res.operations or None))
    rep = a.conclude()
    return rep, a.findings
