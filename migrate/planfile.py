"""Saved plans: versioned JSON with a checksum and the site's identity, written atomically with mode 0600.

`migrate apply PLAN` does exactly what the file says, so loading is strict: an unknown major version,
a checksum mismatch (tampering or a hand edit), a plan for another site or malformed content is refused
with a clear message, before any request is sent.

Format 2 (written since format 1.0): the same fields, one line per top-level field and one line per
scheme change, and the checksum is the last field, over the file's bytes before its line. Checking it is
one pass of sha256 over the bytes (format 1 re-serialised the whole document canonically to check it), and
once it matches, the file is decoded by msgspec straight into typed objects (holders, grants, operations),
which validates every field's type on the way and names the field of the first one that is wrong. Stored
fingerprints are trusted for display; apply, verify and rollback re-derive every scheme's operations and
before fingerprint (migrate.rederive), and the history computes the after fingerprints it records.
Format 1.x files are still read (canonical checksum, lenient parser), so plans made by earlier versions
keep working; they are never written any more.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Iterator, Literal

import msgspec

from migrate import __version__
from migrate.errors import ConfigError, InvalidResponseError, MigrateError, PlanFileError
from migrate.gcpause import paused_gc
from migrate.jira.client import normalise_site_url
from migrate.model import Grant, Holder, SiteInfo, fingerprint_grants
from migrate.plan import Operation, Plan, SchemeChange
from migrate.rules import Rule
from migrate.siteurl import same_site
from migrate.store import atomic_write_chunks, read_user_bytes, site_slug

FORMAT_VERSION = "2.0"
LEGACY_MAJOR = 1  # format 1.x: canonical-JSON checksum; still read, never written
KIND = "migrate-plan"
DEFAULT_DIR = Path("plans")

# The end of a format-2 file: the checksum line, over every byte before it.
_TAIL = re.compile(rb'  "checksum": "(sha256:[0-9a-f]{64})"\n\}\n?\Z')
_CHECKSUM_LINE = b'  "checksum": '


# --------------------------------------------------------------------------- the typed document
#
# Holders are written once, in the plan's holder table, and grants and operations name them by their
# index there: a site's holders recur in scheme after scheme, and a grant row [id, permission, holder]
# decodes several times faster than a grant object with its holder inside (the grant's REST link, "self",
# is not kept: it is an address, not state; snapshots keep everything the site sent).

HolderIndex = Annotated[int, msgspec.Meta(ge=0)]
Key = Annotated[str, msgspec.Meta(min_length=1)]


_NO_EXTRA: Any = MappingProxyType({})


class GrantRow(msgspec.Struct, array_like=True, gc=False):
    """[id, permission, holder index, {other fields the site sent}?]"""

    id: int | None
    permission: Key
    holder: HolderIndex
    extra: dict[str, Any] = msgspec.field(default=_NO_EXTRA)  # shared: half a million rows have none


class OperationRow(msgspec.Struct, array_like=True, gc=False):
    """[action, permission, holder index, grant id (removes)?]"""

    action: Literal["add", "remove"]
    permission: Key
    holder: HolderIndex
    grant_id: int | None = None


class ChangeDoc(msgspec.Struct, gc=False):
    """One scheme change as a plan file holds it."""

    scheme_id: int
    scheme_name: str
    fingerprint: str
    before: list[GrantRow]
    operations: list[OperationRow]
    after_fingerprint: str | None = None
    projects: list[str] = []
    notes: list[str] = []


class PlanDoc(msgspec.Struct, gc=False):
    """A format-2 plan file. Unknown fields are ignored (a newer minor version may add some)."""

    kind: Any = None
    format_version: Any = None
    site: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    rule: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    mode: str | msgspec.UnsetType = msgspec.UNSET
    holders: list[Holder] = []
    changes: list[ChangeDoc] | msgspec.UnsetType = msgspec.UNSET
    tool_version: str = ""
    created_at: str = ""
    missing_keys: list[str] = []
    notes: list[str] = []
    unchanged: list[int] = []
    projects_mapped: bool | msgspec.UnsetType = msgspec.UNSET


class _Head(msgspec.Struct):
    """Just enough of any JSON object to tell a plan and its format version (the rest is skipped, not built)."""

    kind: Any = None
    format_version: Any = None


_doc_decoder = msgspec.json.Decoder(PlanDoc)
_head_decoder = msgspec.json.Decoder(_Head)
_encoder = msgspec.json.Encoder()

# What a field that fails the typed check must be, in words.
_FIELD_WORDS = {
    "missing_keys": "a list of strings",
    "notes": "a list of strings",
    "projects": "a list of strings",
    "unchanged": "a list of scheme ids",
    "holders": "a list of permission holders",
    "before": "a list of grants, each [id, permission, holder index]",
    "operations": "a list of operations, each [action 'add' or 'remove', permission, holder index, grant id]",
}


def _explain(e: msgspec.ValidationError) -> str:
    """msgspec's message, in the words of a plan file: which field, what is wrong with it."""
    text = str(e)
    m = re.match(r"(?s)(.*?)(?: - at `\$(.*)`)?\Z", text)
    what, at = (m.group(1), m.group(2) or "") if m else (text, "")
    where = "plan" + at
    missing = re.match(r"Object missing required field `(.*)`", what)
    if missing:
        return f"{where} has no '{missing.group(1)}'"
    names = re.findall(r"[A-Za-z_]+", at)
    words = next((_FIELD_WORDS[n] for n in reversed(names) if n in _FIELD_WORDS), None)
    expected = re.match(r"Expected `(.*)`, got `(.*)`", what)
    if expected:
        msg = f"{where} has the wrong type ({expected.group(2)}, expected {expected.group(1)})"
    else:
        msg = f"{where}: {what}"
    return msg + (f"; it should be {words}" if words else "")


# --------------------------------------------------------------------------- writing


class _HolderTable:
    """The plan's holders, each once (exactly as the site sent it, expansions included), by index.

    Holders are told apart by their JSON text, so a plan written from objects and the same plan written
    from its JSON document (plan_to_json) get the same table; each holder object is encoded once (the
    scheme list's parser shares one object between all grants of the same holder).

    `deferred`: a site's holder objects are numbered as they come and encoded all at once by settle() (one
    msgspec call for 150,000 holders takes a quarter of the time of one call each); settle() then says
    whether two of them have the same text, which the table must not hold twice (the caller starts again
    without deferring)."""

    def __init__(self, *, deferred: bool = False) -> None:
        self.rows: list[bytes] = []
        self._by_text: dict[bytes, int] = {}
        self._by_object: dict[int, int] = {}
        self._alive: list[Any] = []  # an id() is only unique while its object lives
        self._deferred = deferred
        self._pending: list[Holder] = []  # deferred holders, in the order of their rows
        self._pending_at: list[int] = []

    def index(self, holder: Any) -> Any:
        i = self._by_object.get(id(holder))
        return i if i is not None else self.new_index(holder)

    def new_index(self, holder: Any) -> Any:
        """index() of a holder object not seen yet (what _change_row calls: it looked it up already)."""
        if type(holder) is Holder and not holder.extra:
            if self._deferred:
                i = self._by_object[id(holder)] = len(self.rows)
                self.rows.append(b"")  # settle() writes it
                self._pending.append(holder)  # which also keeps it alive
                self._pending_at.append(i)
                return i
            text = _encoder.encode(holder)
        else:
            try:  # a holder as JSON (an edited document), or built by hand: written where a site's fields go
                text = _encoder.encode(Holder.from_json(holder if isinstance(holder, dict) else holder.to_json()))
            except (MigrateError, TypeError, ValueError, AttributeError, msgspec.EncodeError):
                return holder  # laid out as it is, for the loader to refuse
        i = self._by_text.get(text)
        if i is None:
            i = self._by_text[text] = len(self.rows)
            self.rows.append(text)
        self._by_object[id(holder)] = i
        self._alive.append(holder)
        return i

    def settle(self) -> bool:
        """Encode the deferred holders; False when two rows have the same text (then the rows that name
        them are not what the table must give: build them again with a table that does not defer)."""
        if not self._pending:
            return True
        rows, pending, at = self.rows, self._pending, self._pending_at
        for start in range(0, len(pending), 4096):  # a piece at a time: little fresh memory
            part = pending[start : start + 4096]
            texts = _encoder.encode_lines(part).split(b"\n")
            texts.pop()  # what follows the last line's newline
            if len(texts) != len(part):  # a newline inside an expansion kept verbatim
                texts = [_encoder.encode(h) for h in part]
            for i, text in zip(at[start : start + 4096], texts):
                rows[i] = text
        self._pending_at = []
        return len(set(rows)) == len(rows)


def _kept(extra: Any) -> dict[str, Any]:
    return {k: v for k, v in extra.items() if k != "self"} if extra else {}


def _grant_row(g: Grant, table: _HolderTable) -> tuple:
    """A grant's row when it has fields beyond id, permission and holder (kept but for its REST link)."""
    kept = _kept(g.extra)
    return (g.id, g.permission, table.index(g.holder), kept) if kept else (g.id, g.permission, table.index(g.holder))


def _change_row(c: SchemeChange, table: _HolderTable) -> bytes:
    # Comprehensions with the holder table's lookup inline (a holder shared across schemes is encoded
    # once): a big plan has half a million grants.
    seen, new_index = table._by_object.get, table.new_index
    before = [
        (g.id, g.permission, i if (i := seen(id(g.holder))) is not None else new_index(g.holder))
        if not g.extra
        else _grant_row(g, table)
        for g in c.before
    ]
    ops = []
    for o in c.operations:
        i = seen(id(o.holder))
        if i is None:
            i = new_index(o.holder)
        ops.append((o.action, o.permission, i, o.grant_id) if o.grant_id is not None else (o.action, o.permission, i))
    return _encoder.encode(
        {
            "scheme_id": c.scheme_id,
            "scheme_name": c.scheme_name,
            "fingerprint": c.fingerprint,
            "after_fingerprint": c.after_fingerprint,
            "projects": c.projects,
            "notes": c.notes,
            "before": before,
            "operations": ops,
        }
    )


def _doc_change_row(c: Any, table: _HolderTable) -> bytes:
    """One change of a plan document (grants and operations as JSON objects), packed like _change_row;
    whatever does not have the expected shape is laid out as it is, for the loader to refuse."""
    if not isinstance(c, dict):
        return _encoder.encode(c)
    row = dict(c)

    def grant(g: Any) -> Any:
        if not isinstance(g, dict) or not isinstance(g.get("holder"), dict):
            return g
        extra = {k: v for k, v in g.items() if k not in ("id", "permission", "holder", "self")}
        out = [g.get("id"), g.get("permission"), table.index(g["holder"])]
        return out + [extra] if extra else out

    def op(o: Any) -> Any:
        if not isinstance(o, dict) or not isinstance(o.get("holder"), dict):
            return o
        out = [o.get("action"), o.get("permission"), table.index(o["holder"])]
        return out + [o["grant_id"]] if o.get("grant_id") is not None else out

    if isinstance(row.get("before"), list):
        row["before"] = [grant(g) for g in row["before"]]
    if isinstance(row.get("operations"), list):
        row["operations"] = [op(o) for o in row["operations"]]
    return _encoder.encode(row)


def _unpacked(doc: dict[str, Any]) -> dict[str, Any]:
    """A document read from a format-2 file (rows naming holders by index) with each grant and operation
    written out in full again, as plan_to_json gives it; rows that do not have the expected shape stay."""
    holders = doc.get("holders")
    changes = doc.get("changes")
    if not isinstance(holders, list) or not isinstance(changes, list):
        return doc

    def holder(i: Any) -> Any:
        ok = isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(holders)
        return holders[i] if ok else i

    def grant(r: Any) -> Any:
        if not isinstance(r, list) or len(r) not in (3, 4) or not isinstance(holder(r[2]), dict):
            return r
        out = dict(r[3]) if len(r) == 4 and isinstance(r[3], dict) else {}
        out.update({"id": r[0], "permission": r[1], "holder": holder(r[2])})
        return out

    def op(r: Any) -> Any:
        if not isinstance(r, list) or len(r) not in (3, 4) or not isinstance(holder(r[2]), dict):
            return r
        out = {"action": r[0], "permission": r[1], "holder": holder(r[2])}
        if len(r) == 4:
            out["grant_id"] = r[3]
        return out

    out_changes = []
    for c in changes:
        if isinstance(c, dict):
            c = dict(c)
            if isinstance(c.get("before"), list):
                c["before"] = [grant(r) for r in c["before"]]
            if isinstance(c.get("operations"), list):
                c["operations"] = [op(r) for r in c["operations"]]
        out_changes.append(c)
    return {k: v for k, v in doc.items() if k != "holders"} | {"changes": out_changes}


def _header(plan: Plan) -> dict[str, Any]:
    return {
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
    }


def _array(name: bytes, rows: list[bytes], *, join: bool) -> Iterator[bytes]:
    """A top-level array, one row per line, in pieces: many small rows (holders) joined into one, big rows
    (scheme changes, up to megabytes each) one by one, never copied."""
    if not rows:
        yield b'  "' + name + b'": [],\n'
        return
    yield b'  "' + name + b'": [\n    '
    if join:
        # a few thousand rows a piece: one piece for 150,000 holders was 20 MB of fresh memory to copy into
        for i in range(0, len(rows), 4096):
            if i:
                yield b",\n    "
            yield b",\n    ".join(rows[i : i + 4096])
    else:
        yield rows[0]
        for row in rows[1:]:
            yield b",\n    "
            yield row
    yield b"\n  ],\n"


def _layout(
    fields: dict[str, Any], holders: list[bytes], changes: list[bytes] | None, sealed: list[str] | None = None
) -> Iterator[bytes]:
    """The file, piece by piece: one line per top-level field, per holder and per scheme change, then the
    checksum over every byte before it (`sealed` receives it).

    Indenting every grant made a 5,000-scheme plan ~280 MB; one line per change greps and diffs by scheme
    (`python -m json.tool PLAN` indents it all).
    """
    digest = hashlib.sha256()
    head = [b"{\n"]
    for key, value in fields.items():
        head.append(b"  " + _encoder.encode(key) + b": " + _encoder.encode(value) + b",\n")
    pieces = itertools.chain(
        (b"".join(head),),
        _array(b"holders", holders, join=True),
        _array(b"changes", changes, join=False) if changes is not None else (),
    )
    for piece in pieces:
        digest.update(piece)
        yield piece
    checksum = "sha256:" + digest.hexdigest()
    if sealed is not None:
        sealed.append(checksum)
    yield _CHECKSUM_LINE + _encoder.encode(checksum) + b"\n}\n"


def _plan_layout(plan: Plan, sealed: list[str] | None = None) -> Iterator[bytes]:
    table = _HolderTable(deferred=True)
    changes = [_change_row(c, table) for c in plan.changes]
    if not table.settle():  # two holder objects with the same JSON (not from one scheme list): number them again
        table = _HolderTable()
        changes = [_change_row(c, table) for c in plan.changes]
    return _layout(_header(plan), table.rows, changes, sealed)


def encode_plan(plan: Plan) -> bytes:
    """The plan file's bytes (format 2)."""
    return b"".join(_plan_layout(plan))


def encode_plan_doc(doc: dict[str, Any]) -> bytes:
    """Lay out a plan document (as plan_to_json gives it, e.g. one a test edited) as a format-2 file, with
    a fresh checksum."""
    doc = _unpacked(doc)
    fields = {k: v for k, v in doc.items() if k not in ("checksum", "changes", "holders")}
    changes = doc.get("changes")
    if changes is not None and not isinstance(changes, list):
        fields["changes"] = changes
        changes = None
    table = _HolderTable()
    rows = None if changes is None else [_doc_change_row(c, table) for c in changes]
    return b"".join(_layout(fields, table.rows, rows))


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON document: the file's fields, each grant and operation with its holder in full
    (as the site sent it), and the checksum of the file `save_plan` writes."""
    sealed: list[str] = []
    for _ in _plan_layout(plan, sealed):
        pass
    doc = _header(plan)
    doc["changes"] = [
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
    ]
    doc["checksum"] = sealed[0]
    return doc


def checksum_of(doc: dict[str, Any]) -> str:
    """Format 1.x's checksum: over the canonical JSON of the document without its checksum."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def plan_id(plan_or_doc: Plan | dict[str, Any]) -> str:
    """A short stable id for a plan (its checksum), used to name journals and snapshots."""
    if isinstance(plan_or_doc, Plan):
        cs = plan_or_doc.meta.get("checksum") if plan_or_doc.meta else None
        if not cs:
            sealed: list[str] = []
            for _ in _plan_layout(plan_or_doc, sealed):
                pass
            cs = sealed[0]
    else:
        cs = plan_or_doc["checksum"]
    return str(cs).split(":", 1)[-1][:16]


# --------------------------------------------------------------------------- reading


def _version_major(version: Any, source: str) -> int:
    head = version.split(".", 1)[0] if isinstance(version, str) else ""
    # ASCII digits only ("²" passes isdigit but not int), and a sane length (int() refuses 5000 digits)
    if not (head.isascii() and head.isdigit() and len(head) <= 6):
        raise PlanFileError(f"{source} has no valid format_version")
    major = int(head)
    if major not in (int(FORMAT_VERSION.split(".", 1)[0]), LEGACY_MAJOR):
        raise PlanFileError(
            f"{source} uses plan format {version}, which this migrate ({__version__}) cannot read",
            hint=f"this version reads formats {LEGACY_MAJOR}.x and {FORMAT_VERSION.split('.')[0]}.x; "
            "re-run `migrate plan` to make a new plan",
        )
    return major


def _bad_checksum(source: str) -> PlanFileError:
    return PlanFileError(
        f"{source} failed its checksum: it was edited or corrupted after `migrate plan` wrote it",
        hint="plans must not be edited by hand; re-run `migrate plan` to make a new one",
    )


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
    by_id: dict[int, Grant] | None = None
    for o in ops:
        if o.action != "remove":
            continue
        if by_id is None:
            by_id = {g.id: g for g in before if g.id is not None}
        g = by_id.get(o.grant_id)  # type: ignore[arg-type]
        if g is None or g.key != o.key:
            raise PlanFileError(
                f"malformed plan file: {where} removes grant {o.grant_id}, which is not the "
                f"{o.permission} grant of {o.holder.display} in its before-state"
            )


def _site_rule_mode(site: Any, rule: Any, mode: Any, source: str) -> tuple[dict[str, str], Rule, str]:
    doc = {k: v for k, v in (("site", site), ("rule", rule), ("mode", mode)) if v is not msgspec.UNSET}
    site = _need(doc, "site", dict, "plan")
    for k in ("url", "base_url"):
        _need(site, k, str, "site")
    rule_obj = Rule.from_json(_need(doc, "rule", dict, "plan"), origin=f"{source} rule")
    mode = _need(doc, "mode", str, "plan")
    if mode not in ("add", "finish"):
        raise PlanFileError(f"malformed plan file: unknown mode {mode!r}")
    return {k: str(v) for k, v in site.items()}, rule_obj, mode


def _plan_from_doc(d: PlanDoc, checksum: str, source: str) -> Plan:
    try:
        site, rule, mode = _site_rule_mode(d.site, d.rule, d.mode, source)
        if d.changes is msgspec.UNSET:
            raise PlanFileError("malformed plan file: plan has no 'changes'")
        holders = d.holders
        changes = []
        seen_ids: set[int] = set()
        for i, c in enumerate(d.changes):
            where = f"changes[{i}]"
            try:
                before = tuple([Grant(r.permission, holders[r.holder], r.id, extra=r.extra) for r in c.before])
                ops = tuple([Operation(o.action, o.permission, holders[o.holder], o.grant_id) for o in c.operations])
            except IndexError:
                raise PlanFileError(
                    f"malformed plan file: {where} names a holder the plan's holder table ({len(holders)}) does not have"
                ) from None
            _check_operations(before, ops, where)
            if c.scheme_id in seen_ids:
                raise PlanFileError(f"malformed plan file: scheme {c.scheme_id} appears twice")
            seen_ids.add(c.scheme_id)
            change = SchemeChange(
                scheme_id=c.scheme_id,
                scheme_name=c.scheme_name,
                fingerprint=c.fingerprint,
                before=before,
                operations=ops,
                projects=tuple(c.projects),
                notes=tuple(c.notes),
            )
            if c.after_fingerprint is not None:
                change.trust_after_fingerprint(c.after_fingerprint)
            changes.append(change)
        meta: dict[str, Any] = {"checksum": checksum}
        if d.projects_mapped is not msgspec.UNSET:
            meta["projects_mapped"] = d.projects_mapped
        return Plan(
            site=site,
            rule=rule,
            mode=mode,
            changes=tuple(changes),
            unchanged=tuple(d.unchanged),
            missing_keys=tuple(d.missing_keys),
            notes=tuple(d.notes),
            created_at=d.created_at,
            tool_version=d.tool_version,
            meta=meta,
        )
    except (ConfigError, InvalidResponseError, ValueError, TypeError) as e:
        if isinstance(e, PlanFileError):
            raise
        raise PlanFileError(f"malformed plan file {source}: {getattr(e, 'message', e)}") from None


def _tail(raw: bytes) -> re.Match[bytes] | None:
    """The checksum line at the end of a format-2 file (searched in the last bytes only: a regex anchored
    at the end still walks the whole buffer)."""
    start = max(0, len(raw) - 128)
    m = _TAIL.search(raw, start)
    return m


def _load_v2(raw: bytes, source: str) -> Plan:
    tail = _tail(raw)
    if tail is None:
        raise _bad_checksum(source)
    stored = tail.group(1).decode()
    if "sha256:" + hashlib.sha256(memoryview(raw)[: tail.start()]).hexdigest() != stored:
        raise _bad_checksum(source)
    with paused_gc():
        try:
            doc = _doc_decoder.decode(raw)
        except msgspec.ValidationError as e:
            raise PlanFileError(f"malformed plan file: {_explain(e)}") from None
        except (msgspec.DecodeError, RecursionError):
            raise PlanFileError(f"{source} holds text or numbers no plan can contain") from None
        return _plan_from_doc(doc, stored, source)


def plan_from_json(doc: Any, *, source: str = "plan") -> Plan:
    """A plan from a JSON document: format 2 (laid out again and checked like a file) or format 1.x."""
    if not isinstance(doc, dict):
        raise PlanFileError(f"{source} is not a migrate plan (expected a JSON object)")
    if doc.get("kind") != KIND:
        raise PlanFileError(f"{source} is not a migrate plan (kind is {doc.get('kind')!r})")
    major = _version_major(doc.get("format_version"), source)
    if major == LEGACY_MAJOR:
        return _load_v1(doc, source)
    stored = doc.get("checksum")
    try:
        raw = encode_plan_doc(doc)
    except (msgspec.EncodeError, UnicodeEncodeError, ValueError, TypeError, OverflowError, RecursionError):
        raise PlanFileError(f"{source} holds text or numbers no plan can contain") from None
    tail = _tail(raw)
    if not isinstance(stored, str) or tail is None or tail.group(1).decode() != stored:
        raise _bad_checksum(source)
    return _load_v2(raw, source)


def _load_v1(doc: dict[str, Any], source: str) -> Plan:
    """Format 1.x: the checksum over canonical JSON, the lenient parser, fingerprints checked."""
    stored = doc.get("checksum")
    try:
        actual = checksum_of(doc)
    except (UnicodeEncodeError, ValueError, RecursionError):  # lone surrogates, absurd numbers, deep nesting
        raise PlanFileError(f"{source} holds text or numbers no plan can contain") from None
    if not isinstance(stored, str) or stored != actual:
        raise _bad_checksum(source)
    try:
        site, rule, mode = _site_rule_mode(
            doc.get("site", msgspec.UNSET), doc.get("rule", msgspec.UNSET), doc.get("mode", msgspec.UNSET), source
        )
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
            site=site,
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
    sealed: list[str] = []
    with paused_gc():  # rows are built and dropped scheme by scheme: nothing for the collector to find
        atomic_write_chunks(target, _plan_layout(plan, sealed))
    if isinstance(plan.meta, dict):
        plan.meta["checksum"] = sealed[0]  # the id `migrate plan` prints, without encoding the plan again
    return target


def load_plan(path: Path | str) -> Plan:
    p = Path(path)
    source = f"plan file {p}"
    raw = read_user_bytes(p, "plan file", PlanFileError)
    if _tail(raw) is None:
        return _load_text(raw, p, source)  # format 1.x, or not a plan at all: the old way says which
    try:
        head = _head_decoder.decode(raw)
    except msgspec.ValidationError:
        raise PlanFileError(f"{source} is not a migrate plan (expected a JSON object)") from None
    except (msgspec.DecodeError, RecursionError):
        return _load_text(raw, p, source)  # let the standard parser say where the JSON breaks
    if head.kind != KIND:
        raise PlanFileError(f"{source} is not a migrate plan (kind is {head.kind!r})")
    if _version_major(head.format_version, source) == LEGACY_MAJOR:
        return _load_text(raw, p, source)
    return _load_v2(raw, source)


def _load_text(raw: bytes, p: Path, source: str) -> Plan:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFileError(f"plan file {p} is not UTF-8 text") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise PlanFileError(f"plan file {p} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise PlanFileError(f"plan file {p} is nested too deeply to be a plan") from None
    except ValueError as e:  # e.g. an integer too long to convert: no plan holds one
        raise PlanFileError(f"plan file {p} is not a plan: {str(e)[:120]}") from None
    if isinstance(doc, dict) and doc.get("kind") == KIND and _version_major(doc.get("format_version"), source) != LEGACY_MAJOR:
        raise _bad_checksum(source)  # format 2 whose bytes are not as written (reformatted, edited, cut)
    return plan_from_json(doc, source=source)


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
