"""Snapshots: the state of every scheme an apply will touch, read from the site just before the first write.

A snapshot is what rollback restores. It is written once per plan, atomically and 0600, and is kept
unchanged while the plan's journal holds writes (a resumed run must not replace the pre-apply state
with a half-applied one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import msgspec

from migrate import __version__
from migrate.errors import InvalidResponseError, PlanFileError
from migrate.model import _EMPTY, Grant, Scheme
from migrate.redact import redact_json
from migrate.store import atomic_write_json, atomic_write_text, private_dir, read_user_text, site_dir

KIND = "migrate-snapshot"
FORMAT_VERSION = "1.0"


def default_snapshot_path(url: str, pid: str, root: Path | None = None) -> Path:
    return private_dir(site_dir(url, root) / "snapshots") / f"{pid}.json"


@dataclass(frozen=True)
class Snapshot:
    plan_id: str
    site: Mapping[str, str]  # SiteInfo.identity of the live site when it was taken
    taken_at: str
    schemes: Mapping[int, Scheme]
    mode: str = ""
    plan_checksum: str = ""
    tool_version: str = ""
    path: Path | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return self._document([self.schemes[k].to_json() for k in sorted(self.schemes)])

    def _document(self, schemes: list[Any]) -> dict[str, Any]:
        return {
            "kind": KIND,
            "format_version": FORMAT_VERSION,
            "tool_version": self.tool_version or __version__,
            "plan_id": self.plan_id,
            "plan_checksum": self.plan_checksum,
            "mode": self.mode,
            "site": dict(self.site),
            "taken_at": self.taken_at,
            "schemes": schemes,
        }

    @classmethod
    def from_json(cls, doc: Any, *, source: str = "snapshot", path: Path | None = None) -> "Snapshot":
        if not isinstance(doc, dict) or doc.get("kind") != KIND:
            raise PlanFileError(f"{source} is not a migrate snapshot")
        version = str(doc.get("format_version", ""))
        if version.split(".", 1)[0] != FORMAT_VERSION.split(".", 1)[0]:
            raise PlanFileError(f"{source} uses snapshot format {version!r}, which this migrate cannot read")
        try:
            site = doc["site"]
            if not isinstance(site, dict) or not isinstance(site.get("url"), str):
                raise ValueError("no site url")
            schemes = [Scheme.from_json(s) for s in doc["schemes"]]
            return cls(
                plan_id=str(doc["plan_id"]),
                site={k: str(v) for k, v in site.items()},
                taken_at=str(doc.get("taken_at", "")),
                schemes={s.id: s for s in schemes},
                mode=str(doc.get("mode", "")),
                plan_checksum=str(doc.get("plan_checksum", "")),
                tool_version=str(doc.get("tool_version", "")),
                path=path,
            )
        except (KeyError, TypeError, ValueError, InvalidResponseError) as e:
            raise PlanFileError(f"malformed {source}: {getattr(e, 'message', e)}") from None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_encoder = msgspec.json.Encoder()


def _grant_doc(g: Grant) -> Any:
    """What msgspec encodes for one grant of a snapshot: the grant itself when its fields are all a snapshot
    holds (its expansions and link go out as the site sent them, never decoded), else its to_json()."""
    if g.holder.extra:  # the holder's spare fields are stored among its own, not under "+extra"
        return g.to_json()
    if g.extra is _EMPTY:
        return g
    return g.to_json() if g.extra else msgspec.structs.replace(g, extra=_EMPTY)


def _scheme_doc(s: Scheme) -> dict[str, Any]:
    out = s.fields_json()
    out["permissions"] = [_grant_doc(g) for g in s.grants]
    return out


def save_snapshot(snapshot: Snapshot, path: Path) -> Path:
    # One line (big sites, little CPU), the grants encoded straight from the model: building each grant's
    # dict (and decoding its holder's expansions) cost ten times the encoding.
    schemes = [_scheme_doc(snapshot.schemes[k]) for k in sorted(snapshot.schemes)]
    try:
        text: bytes | None = _encoder.encode(snapshot._document(schemes))
    except (TypeError, ValueError, msgspec.EncodeError):  # a field of a type only to_json() knows
        text = None
    if text is None or b"\\" in text:
        # An escape in what a site sent verbatim might spell a secret in a way redaction does not look for
        # (it matches the forms msgspec and json write); decoded and re-encoded, it is in one of those.
        return atomic_write_json(Path(path), snapshot.to_json(), compact=True)
    return atomic_write_text(Path(path), redact_json(text.decode("utf-8")) + "\n")


def load_snapshot(path: Path | str) -> Snapshot:
    p = Path(path)
    text = read_user_text(p, "snapshot", PlanFileError)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise PlanFileError(f"cannot read snapshot {p}: {str(e)[:120]}") from None
    return Snapshot.from_json(doc, source=f"snapshot {p}", path=p)
