"""Saved plans: versioned JSON with a checksum and the site's identity, written atomically with mode 0600.

`migrate apply PLAN` does exactly what the file says, so loading is strict: an unknown major version,
a checksum mismatch (tampering or a hand edit), a plan for another site or malformed content is refused
with a clear message, before any request is sent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from migrate import __version__
from migrate.errors import ConfigError, InvalidResponseError, PlanFileError
from migrate.jira.client import normalise_site_url
from migrate.model import Grant, SiteInfo, fingerprint_grants
from migrate.plan import Operation, Plan, SchemeChange
from migrate.rules import Rule
from migrate.siteurl import same_site
from migrate.store import atomic_write_bytes, read_user_text, site_slug

FORMAT_VERSION = "1.0"
KIND = "migrate-plan"
DEFAULT_DIR = Path("plans")


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def checksum_of(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def plan_to_json(plan: Plan) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "tool_version": plan.tool_version or __version__,
        "created_at": plan.created_at,
        "site": dict(plan.site),
        "rule": plan.rule.to_json(),
        "mode": plan.mode,
        "missing_keys": list(plan.missing_keys),
        "notes": list(plan.notes),
        **({"projects_mapped": bool(plan.meta["projects_mapped"])} if "projects_mapped" in plan.meta else {}),
        "totals": plan.totals,
        "unchanged": list(plan.unchanged),
        "changes": [
            {
                "scheme_id": c.scheme_id,
                "scheme_name": c.scheme_name,
                "fingerprint": c.fingerprint,
                "after_fingerprint": c.after_fingerprint,
                "projects": list(c.projects),
                "notes": list(c.notes),
                "before": [g.to_json() for g in c.before],
                "operations": [o.to_json() for o in c.operations],
            }
            for c in plan.changes
        ],
    }
    doc["checksum"] = checksum_of(doc)
    return doc


def plan_id(plan_or_doc: Plan | dict[str, Any]) -> str:
    """A short stable id for a plan (its checksum), used to name journals and snapshots."""
    doc = plan_to_json(plan_or_doc) if isinstance(plan_or_doc, Plan) else plan_or_doc
    return str(doc["checksum"]).split(":", 1)[-1][:16]


def _need(d: dict, key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in d:
        raise PlanFileError(f"malformed plan file: {where} has no '{key}'")
    v = d[key]
    if not isinstance(v, typ) or isinstance(v, bool) and typ is not bool:
        raise PlanFileError(f"malformed plan file: {where}.{key} has the wrong type ({type(v).__name__})")
    return v


def _strings(d: dict, key: str, where: str) -> tuple[str, ...]:
    v = d.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise PlanFileError(f"malformed plan file: {where}.{key} should be a list of strings")
    return tuple(v)


def _check_operations(before: tuple[Grant, ...], ops: tuple[Operation, ...], where: str) -> None:
    # apply deletes by grant id: an id that is not the before-state's grant for that permission and
    # holder would delete something the plan never showed, so refuse the file
    by_id = {g.id: g for g in before if g.id is not None}
    for o in ops:
        if o.action != "remove":
            continue
        g = by_id.get(o.grant_id)
        if g is None or g.key != o.key:
            raise PlanFileError(
                f"malformed plan file: {where} removes grant {o.grant_id}, which is not the "
                f"{o.permission} grant of {o.holder.display} in its before-state"
            )


def plan_from_json(doc: Any, *, source: str = "plan") -> Plan:
    if not isinstance(doc, dict):
        raise PlanFileError(f"{source} is not a migrate plan (expected a JSON object)")
    if doc.get("kind") != KIND:
        raise PlanFileError(f"{source} is not a migrate plan (kind is {doc.get('kind')!r})")
    version = doc.get("format_version")
    head = version.split(".", 1)[0] if isinstance(version, str) else ""
    # ASCII digits only ("²" passes isdigit but not int), and a sane length (int() refuses 5000 digits)
    if not (head.isascii() and head.isdigit() and len(head) <= 6):
        raise PlanFileError(f"{source} has no valid format_version")
    major = int(head)
    if major != int(FORMAT_VERSION.split(".", 1)[0]):
        raise PlanFileError(
            f"{source} uses plan format {version}, which this migrate ({__version__}) cannot read",
            hint=f"this version reads format {FORMAT_VERSION.split('.')[0]}.x; re-run `migrate plan` to make a new plan",
        )
    stored = doc.get("checksum")
    try:
        actual = checksum_of(doc)
    except (UnicodeEncodeError, ValueError, RecursionError):  # lone surrogates, absurd numbers, deep nesting
        raise PlanFileError(f"{source} holds text or numbers no plan can contain") from None
    if not isinstance(stored, str) or stored != actual:
        raise PlanFileError(
            f"{source} failed its checksum: it was edited or corrupted after `migrate plan` wrote it",
            hint="plans must not be edited by hand; re-run `migrate plan` to make a new one",
        )
    try:
        site = _need(doc, "site", dict, "plan")
        for k in ("url", "base_url"):
            _need(site, k, str, "site")
        rule = Rule.from_json(_need(doc, "rule", dict, "plan"), origin=f"{source} rule")
        mode = _need(doc, "mode", str, "plan")
        if mode not in ("add", "finish"):
            raise PlanFileError(f"malformed plan file: unknown mode {mode!r}")
        changes = []
        seen_ids: set[int] = set()
        for i, c in enumerate(_need(doc, "changes", list, "plan")):
            where = f"changes[{i}]"
            if not isinstance(c, dict):
                raise PlanFileError(f"malformed plan file: {where} is not an object")
            before = tuple(Grant.from_json(g) for g in _need(c, "before", list, where))
            fp = _need(c, "fingerprint", str, where)
            if fingerprint_grants(before) != fp:
                raise PlanFileError(f"malformed plan file: {where} before-state does not match its fingerprint")
            ops = tuple(Operation.from_json(o) for o in _need(c, "operations", list, where))
            _check_operations(before, ops, where)
            scheme_id = _need(c, "scheme_id", int, where)
            if scheme_id in seen_ids:
                raise PlanFileError(f"malformed plan file: scheme {scheme_id} appears twice")
            seen_ids.add(scheme_id)
            changes.append(
                SchemeChange(
                    scheme_id=scheme_id,
                    scheme_name=_need(c, "scheme_name", str, where),
                    fingerprint=fp,
                    before=before,
                    operations=ops,
                    projects=_strings(c, "projects", where),
                    notes=_strings(c, "notes", where),
                )
            )
        unchanged = doc.get("unchanged", [])
        if not isinstance(unchanged, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in unchanged):
            raise PlanFileError("malformed plan file: plan.unchanged should be a list of scheme ids")
        meta: dict[str, Any] = {"checksum": stored}
        if "projects_mapped" in doc:
            meta["projects_mapped"] = _need(doc, "projects_mapped", bool, "plan")
        return Plan(
            site={k: str(v) for k, v in site.items()},
            rule=rule,
            mode=mode,
            changes=tuple(changes),
            unchanged=tuple(unchanged),
            missing_keys=_strings(doc, "missing_keys", "plan"),
            notes=_strings(doc, "notes", "plan"),
            created_at=str(doc.get("created_at", "")),
            tool_version=str(doc.get("tool_version", "")),
            meta=meta,
        )
    except (ConfigError, InvalidResponseError, ValueError, TypeError) as e:
        if isinstance(e, PlanFileError):
            raise
        raise PlanFileError(f"malformed plan file {source}: {getattr(e, 'message', e)}") from None


def default_plan_path(plan: Plan, directory: Path = DEFAULT_DIR) -> Path:
    stamp = (plan.created_at or datetime.now(timezone.utc).isoformat()).replace(":", "").replace("-", "")[:15]
    return Path(directory) / f"{site_slug(plan.site['url'])}-{stamp}-{plan.mode}.json"


def save_plan(plan: Plan, path: Path | None = None, *, directory: Path = DEFAULT_DIR) -> Path:
    target = Path(path) if path else default_plan_path(plan, directory)
    doc = plan_to_json(plan)
    atomic_write_bytes(target, _layout(doc).encode("utf-8"))
    return target


def _layout(doc: dict[str, Any]) -> str:
    """JSON with one line per top-level field and one line per scheme change.

    Indenting every grant made a 5,000-scheme plan ~280 MB; this is a third smaller, and still greps and
    diffs by scheme (`python -m json.tool PLAN` indents it all).
    """

    def compact(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))

    fields = []
    for key, value in doc.items():
        if key == "changes" and value:
            rows = ",\n".join("    " + compact(c) for c in value)
            fields.append(f'  "changes": [\n{rows}\n  ]')
        else:
            fields.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def load_plan(path: Path | str) -> Plan:
    p = Path(path)
    text = read_user_text(p, "plan file", PlanFileError)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise PlanFileError(f"plan file {p} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise PlanFileError(f"plan file {p} is nested too deeply to be a plan") from None
    except ValueError as e:  # e.g. an integer too long to convert: no plan holds one
        raise PlanFileError(f"plan file {p} is not a plan: {str(e)[:120]}") from None
    return plan_from_json(doc, source=f"plan file {p}")


def check_plan_url(plan: Plan, url: str) -> None:
    """Refuse a plan made for another site than `url` (the site the user named), comparing normalised URLs.

    Runs before any request: credentials go only to the site the user named, and a plan for another one
    must not get as far as an authenticated call there.
    """
    raw = plan.site.get("url", "")
    try:
        planned = normalise_site_url(raw)
    except ConfigError:
        raise PlanFileError(f"this plan names no usable site URL ({raw[:80]!r})") from None
    if not same_site(planned, normalise_site_url(url)):  # localhost, 127.0.0.1 and [::1] are one site
        raise PlanFileError(
            f"this plan was made for {planned}, not for {normalise_site_url(url)}; nothing was sent to either site",
            hint="point --site / JIRA_URL at the site the plan was made for, or make a new plan for this one",
        )


def check_site(plan: Plan, site: SiteInfo) -> None:
    """Refuse a plan made for another site (URL or the server's own base URL differ)."""
    try:
        planned = normalise_site_url(plan.site.get("url", ""))
    except ConfigError:
        planned = plan.site.get("url", "")
    if not same_site(planned, site.url) or not same_site(plan.site.get("base_url", ""), site.base_url):
        raise PlanFileError(
            f"this plan was made for {plan.site.get('url')} (server {plan.site.get('base_url')}), "
            f"not for {site.url} (server {site.base_url})",
            hint="point --site / JIRA_URL at the site the plan was made for, or make a new plan for this one",
        )
