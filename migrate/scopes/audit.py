"""The audit of one app: its calls against its declared scopes. Pure (no I/O): tables test it directly.

For every call: resolve it to the operations it can reach (paths.py), take what they need (needs.py) and
classify it: ok, missing, inaccessible, or needs-review when the path or the method cannot be read and the
candidate operations do not all need the same scopes. Then, per app:

- missing: the scopes to add so every resolved call, webhook and impersonation works;
- excess: declared scopes nothing resolved needs. A scope that an unresolved call, a Forge trigger or a
  call in shared code *might* need is never called plain excess: it is needs-review, naming them;
- suggested: the declared list without the (plain) excess, plus the missing. Removing what is reported
  excess never breaks a resolved call, and the suggestion satisfies every one of them (property-tested).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from migrate.scopes import needs as N
from migrate.scopes.descriptors import CONNECT, App, Declared, Hook, Place
from migrate.scopes.model import EXCESS, MISSING, OK, REVIEW, WARNING, AppReport, Call, CallReport, Finding, Marker
from migrate.scopes.operations import Operation, Table
from migrate.scopes.paths import ApiPath, could_match, match, parse_url

# Forge product events carry data the app reads: a trigger may need read (and, for configuration events,
# manage) scopes, never write or delete ones.
TRIGGER_SCOPE_RE = re.compile(r"^(?:read|manage):")
# The shape of a Jira platform OAuth scope: one the table does not know is a likely typo.
JIRA_SCOPE_RE = re.compile(r"^(?:(?:read|write|delete|manage):[a-z0-9.-]+:jira|(?:read|write|manage):jira-[a-z-]+)$")
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
    scopes: frozenset[str] | None  # None: any scope


def _loc(display: Callable[[str], str], file: str, line: int, column: int) -> str:
    return f"{display(file)}:{line}:{column}"


def _list(items: Iterable[str]) -> str:
    return ", ".join(items) or "none"


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
        if self.connect:
            self.valid = [d for d in app.declared if d.name.upper() in N.CONNECT_SCOPES]
            self.dset = frozenset(d.name.upper() for d in self.valid)
        else:
            self.valid = [d for d in app.declared if d.name in table.oauth_scopes]
            self.dset = frozenset(d.name for d in self.valid)
            jira = self.dset
            self.granular_style = bool(jira & table.granular_scopes) and not (jira & table.classic_scopes)
        # what resolved things need
        self.top = 0  # Connect: the highest cumulative level needed
        self.standalone: dict[str, list[str]] = {}  # Connect: standalone scope -> who needs it
        self.used: set[str] = set()  # Forge: declared scopes a resolved call uses
        self.to_add: dict[str, list[str]] = {}  # Forge: scope -> who needs it

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

    # ------------------------------------------------------------------ calls
    def call(self, call: Call) -> None:
        res = resolve(call, self.table)
        where = _loc(self.display, call.file, call.line, call.column)
        display_path = res.path.display if res.path else None
        ops = res.operations
        if res.kind == "unresolved-method":
            reqs = {self._req_key(op) for op in ops}
            if len(reqs) == 1:
                self._resolved(call, ops, display_path, f"method not shown ({call.method_from}); every operation on {display_path} needs the same scopes")
                return
            per = "; ".join(f"{op.method} needs {self._need_text(requirement(op, self.app.kind))}" for op in ops)
            msg = f"{display_path}: the method is not shown ({call.method_from}). {per}"
            self._review(call, res, "unresolved-method", msg, where, self._scopes_of(ops))
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
        r = requirement(op, self.app.kind)
        return r if self.connect else (r.classic, r.granular)

    def _scopes_of(self, ops: Iterable[Operation]) -> frozenset[str]:
        out: set[str] = set()
        for op in ops:
            r = requirement(op, self.app.kind)
            if self.connect:
                out.add(r)
            else:
                out |= r.scopes
        return frozenset(out)

    def _review(self, call: Call, res: Resolution, kind: str, message: str, where: str, scopes: frozenset[str] | None) -> None:
        self.hedges.append(Hedge(where, "the call", scopes))
        self.reports.append(CallReport(call, REVIEW, kind, res.path.display if res.path else None, tuple(o.label for o in res.operations), "unknown"))
        self.finding(REVIEW, kind, message, call=call, ops=res.operations, path=res.path.display if res.path else None)

    def _need_text(self, req) -> str:
        if self.connect:
            return "no scope" if req == "NONE" else req
        if req.empty:
            return "no OAuth scope listed"
        parts = []
        if req.classic:
            parts.append(_list(sorted(req.classic)))
        if req.granular:
            parts.append(("granular " if req.classic else "granular ") + _list(sorted(req.granular)))
        return " or ".join(parts)

    def _resolved(self, call: Call, ops: tuple[Operation, ...], display_path: str | None, note: str) -> None:
        where = _loc(self.display, call.file, call.line, call.column)
        op = ops[0]
        label = op.label if len(ops) == 1 else f"{'/'.join(o.method for o in ops)} {op.path} ({', '.join(o.operation_id for o in ops)})"
        req = requirement(op, self.app.kind)
        exempt = all(o.app_access_rule_exempt for o in ops)
        deprecated = all(o.deprecated for o in ops)
        suffix = f"; {note}" if note else ""
        status, kind, missing = OK, "call", ()
        if self.connect:
            if req == N.INACCESSIBLE:
                status, kind = MISSING, "inaccessible"
                self.finding(MISSING, "inaccessible", f"{label}: Connect apps cannot call this operation (INACCESSIBLE); no scope makes it work{suffix}",
                             call=call, ops=ops)
            else:
                lv = N.level(req)
                if lv is not None:
                    self.top = max(self.top, lv)
                else:
                    self.standalone.setdefault(req, []).append(where)
                if N.connect_satisfied(req, self.dset):
                    self.finding(OK, "call", f"{label}: needs {self._need_text(req)}{suffix}", call=call, ops=ops, scopes=(req,))
                else:
                    status, missing = MISSING, (req,)
                    self.finding(MISSING, "call", f"{label}: needs {req}, which the descriptor does not grant (declared: {_list(self.declared)}){suffix}",
                                 call=call, ops=ops, scopes=(req,))
        else:
            if req.empty:
                status, kind = WARNING, "no-oauth-scope"
                self.finding(WARNING, "no-oauth-scope", f"{label}: the OpenAPI document names no OAuth 2.0 scope for this operation; check that Forge apps may call it{suffix}",
                             call=call, ops=ops)
            else:
                held = req.satisfying(self.dset)
                if held:
                    for alt in held:
                        self.used |= alt
                    shown = held[0]
                    style = "classic" if shown == req.classic else "granular"
                    self.finding(OK, "call", f"{label}: needs {_list(sorted(shown))} ({style}){suffix}", call=call, ops=ops, scopes=sorted(shown))
                else:
                    alt = req.to_add(self.dset, self.granular_style)
                    self.used |= alt & self.dset
                    missing = tuple(sorted(alt - self.dset))
                    for s in missing:
                        self.to_add.setdefault(s, []).append(where)
                    other = sorted(req.granular if alt == req.classic else req.classic)
                    shown_other = _list(other[:MAX_NAMED]) + (f" and {len(other) - MAX_NAMED} more" if len(other) > MAX_NAMED else "")
                    alt_text = f" (or all {len(other)} {'granular' if alt == req.classic else 'classic'} scopes: {shown_other})" if other else ""
                    status = MISSING
                    self.finding(MISSING, "call", f"{label}: needs {_list(sorted(alt))}; add {_list(missing)}{alt_text}{suffix}",
                                 call=call, ops=ops, scopes=missing)
        self.reports.append(CallReport(call, status, kind, display_path, tuple(o.label for o in ops), self._need_text(req), missing, exempt, deprecated))
        if status == MISSING and kind == "inaccessible":
            return
        if not exempt:
            self.finding(WARNING, "app-access-rule", f"{label}: app access rules can block this call in protected projects; expect a 403 there",
                         call=call, ops=ops)
        if deprecated:
            self.finding(WARNING, "deprecated", f"{label} is deprecated", call=call, ops=ops)

    # ------------------------------------------------------------------ descriptor hooks and markers
    def hooks(self, hooks: Iterable[Hook]) -> None:
        for h in hooks:
            if h.kind == "webhook" and self.connect:
                self.top = max(self.top, N.level("READ"))
                if not N.connect_satisfied("READ", self.dset):
                    self.finding(MISSING, "webhook", f"webhook {h.event}: Connect apps with webhooks must declare READ", place=h.place, scopes=("READ",))
            elif h.kind == "trigger" and not self.connect:
                scopes = frozenset(s for s in self.table.oauth_scopes if TRIGGER_SCOPE_RE.match(s))
                self.hedges.append(Hedge(_loc(self.display, self.app.descriptor, h.place.line, h.place.column), f"trigger event {h.event}", scopes))

    def markers(self, markers: Iterable[Marker]) -> None:
        if not self.connect:
            return
        emails = [m for m in markers if m.kind == "email-address"]
        for m in markers:
            if m.kind != "impersonation":
                continue
            where = _loc(self.display, m.file, m.line, m.column)
            self.standalone.setdefault(N.ACT_AS_USER, []).append(where)
            if N.ACT_AS_USER not in self.dset:
                self.findings.append(Finding(m.file, m.line, m.column, m.line, m.column + len(m.text), MISSING, "impersonation",
                                             f"{m.text} acts as a user: Connect apps need the ACT_AS_USER scope for it", self.app.descriptor,
                                             scopes=(N.ACT_AS_USER,), original=m.text))
        if emails:
            if N.ACCESS_EMAIL_ADDRESSES in self.dset:
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
            if d not in self.valid:
                if self.connect:
                    self.finding(REVIEW, "unknown-scope", f"{d.name!r} is not a Connect scope ({', '.join(N.CONNECT_SCOPES)})", place=d.place, scopes=(d.name,), original=d.name)
                elif JIRA_SCOPE_RE.match(d.name):
                    self.finding(REVIEW, "unknown-scope", f"{d.name!r} looks like a Jira platform scope but no operation of the table uses it (a typo?)",
                                 place=d.place, scopes=(d.name,), original=d.name)
                    rep.not_audited.append(d.name)
                else:
                    rep.not_audited.append(d.name)
        if self.connect:
            self._connect_lists(rep)
        else:
            self._forge_lists(rep)
        return rep

    def _hedged_by(self, scope: str, connect_level: int | None = None) -> list[Hedge]:
        out = []
        for h in self.hedges:
            if h.scopes is None:
                out.append(h)
            elif connect_level is not None:
                if any((N.level(s) or 0) >= connect_level for s in h.scopes):
                    out.append(h)
            elif scope in h.scopes:
                out.append(h)
        return out

    def _excess(self, rep: AppReport, d: Declared, plain: str, hedged: list[Hedge]) -> None:
        if not hedged:
            rep.excess.append(d.name)
            self.finding(EXCESS, "excess", plain, place=d.place, scopes=(d.name,), original=d.name)
            return
        named = ", ".join(f"{h.what} at {h.where}" for h in hedged[:MAX_NAMED])
        more = f" and {len(hedged) - MAX_NAMED} more" if len(hedged) > MAX_NAMED else ""
        rep.possibly_needed[d.name] = [h.where for h in hedged]
        uses = "use" if len(hedged) == 1 else "uses"
        self.finding(REVIEW, "excess", f"{plain}, but it might be needed by {len(hedged)} unresolved {uses}: {named}{more}",
                     place=d.place, scopes=(d.name,), original=d.name)

    def _connect_lists(self, rep: AppReport) -> None:
        granted_top = max((N.level(s) or 0 for s in self.dset), default=0)
        hedge_top = 0
        for h in self.hedges:
            hedge_top = max(hedge_top, 5 if h.scopes is None else max((N.level(s) or 0 for s in h.scopes), default=0))
        excess_names = set()
        for d in self.valid:
            s = d.name.upper()
            lv = N.level(s)
            if s == "NONE":
                continue
            if lv is not None:
                if lv <= self.top:
                    rep.needed.append(d.name)
                    continue
                plain = (f"{d.name} is broader than any call needs (the highest they need is {N.CHAIN[self.top]})" if self.top
                         else f"{d.name} is declared but no call needs a Connect scope")
                hedged = self._hedged_by(s, connect_level=lv)
            else:
                if s in self.standalone:
                    rep.needed.append(d.name)
                    continue
                why = {N.ACT_AS_USER: "nothing in the source acts as a user and no call needs it",
                       N.ACCESS_EMAIL_ADDRESSES: "no call needs it and the source never reads emailAddress"}[s]
                plain = f"{d.name} is declared but {why}"
                hedged = self._hedged_by(s)
            self._excess(rep, d, plain, hedged)
            if not hedged:
                excess_names.add(d.name)
        # to add: the highest needed level if nothing kept grants it, and needed standalone scopes
        if self.top > granted_top:
            rep.missing.append(N.CHAIN[self.top])
        for s in N.STANDALONE:
            if s in self.standalone and s not in self.dset:
                rep.missing.append(s)
        keep = [d for d in self.declared if d not in excess_names]
        kept_top = max((N.level(s) or 0 for s in keep if N.level(s) is not None), default=0)
        # removing a broader scope must not take away what hedged calls might need below it
        want_top = max(self.top, min(hedge_top, granted_top))
        upper = not any(c.islower() for c in "".join(self.declared))
        add = []
        if want_top > kept_top and N.CHAIN[want_top] not in rep.missing:
            add.append(N.CHAIN[want_top])
        add += rep.missing
        rep.suggested = keep + [s if upper else s.lower() for s in add if s.upper() not in {k.upper() for k in keep}]

    def _forge_lists(self, rep: AppReport) -> None:
        excess_names = set()
        for d in self.valid:
            if d.name in self.used:
                rep.needed.append(d.name)
                continue
            hedged = self._hedged_by(d.name)
            self._excess(rep, d, f"{d.name} is declared but no call needs it", hedged)
            if not hedged:
                excess_names.add(d.name)
        rep.missing = sorted(s for s in self.to_add if s not in self.dset)
        keep = [d for d in self.declared if d not in excess_names]
        rep.suggested = keep + [s for s in rep.missing if s not in keep]


def audit_app(
    app: App,
    calls: Iterable[Call],
    markers: Iterable[Marker],
    table: Table,
    *,
    shared: Iterable[Call] = (),
    display: Callable[[str], str] = lambda p: p,
) -> tuple[AppReport, list[Finding]]:
    """Audit one app. `shared` are calls in scanned files under no app: they may be any app's, so they
    keep scopes from being plain excess but are not this app's findings."""
    a = _AppAudit(app, table, display)
    for c in calls:
        a.call(c)
    a.markers(list(markers))
    a.hooks(app.hooks)
    for c in shared:
        res = resolve(c, table)
        where = _loc(display, c.file, c.line, c.column)
        scopes = a._scopes_of(res.operations) if res.operations else None
        a.hedges.append(Hedge(where, "the call outside the app", scopes))
    rep = a.conclude()
    return rep, a.findings
