"""Files the tool writes: atomic 0600 writes, an fsync'd JSONL journal, and where things live.

Everything that holds site data (plans, snapshots, journals, reports) is created 0600: grant lists name
users and groups, which is personal data in many organisations. The data folder and every folder in it
are created 0700, and an existing one that other users can write to is refused: whoever can write there
can swap a snapshot or a journal that rollback later acts on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

import msgspec
import platformdirs

from migrate.errors import ConfigError
from migrate.redact import redact_json, redact_obj
from migrate.siteurl import site_key

_encoder = msgspec.json.Encoder()

FILE_MODE = 0o600
DIR_MODE = 0o700


def data_dir() -> Path:
    """Where snapshots, journals and locks live. MIGRATE_HOME overrides (tests, CI, shared runners)."""
    env = os.environ.get("MIGRATE_HOME")
    base = Path(env) if env else Path(platformdirs.user_data_dir("migrate", appauthor=False))
    return base


def site_slug(url: str) -> str:
    """A filesystem-safe, collision-free folder name for a site URL (one per site: loopback names agree)."""
    url = site_key(url)
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", url.split("://", 1)[-1]).strip("_")[:60]
    return f"{readable}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def site_dir(url: str, root: Path | None = None) -> Path:
    """The site's private folder (0700 from the data folder down), created if needed."""
    base = Path(root or data_dir())
    if not base.exists():
        base.parent.mkdir(parents=True, exist_ok=True)  # the folders above the data folder are the user's
    private_dir(base)
    return private_dir(private_dir(base / "sites") / site_slug(url))


def private_dir(path: Path) -> Path:
    """Create one folder 0700, or refuse an existing one that users other than its owner can write to."""
    path = Path(path)
    try:
        path.mkdir(mode=DIR_MODE, exist_ok=True)
        mode = path.stat().st_mode
    except OSError as e:
        raise ConfigError(
            f"cannot use the data folder {path}: {e.strerror or e}",
            hint="set MIGRATE_HOME to a folder you can write to",
        ) from None
    if mode & 0o022:
        raise ConfigError(
            f"the data folder {path} can be written by other users (mode {mode & 0o777:o}); refusing to keep "
            "snapshots, journals, history and locks there",
            hint=f"run `chmod 700 {path}` (or set MIGRATE_HOME to a private folder) and try again",
        )
    return path


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    return path


def read_user_bytes(path: Path | str, what: str, error: type[Exception]) -> bytes:
    """Read a file the user named, or raise `error` saying which file and why (missing, unreadable)."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise error(f"{what} {p} does not exist") from None
    except IsADirectoryError:
        raise error(f"cannot read {what} {p}: it is a folder") from None
    except OSError as e:
        raise error(f"cannot read {what} {p}: {e.strerror or e}") from None


def read_user_text(path: Path | str, what: str, error: type[Exception]) -> str:
    """Read a file the user named (plan, rule, sites file) as UTF-8, or raise `error` with a message
    that says which file and why, so each loader reports a missing or unreadable file the same way."""
    p = Path(path)
    raw = read_user_bytes(p, what, error)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} {p} is not UTF-8 text") from None


def atomic_write_bytes(path: Path, data: bytes, mode: int = FILE_MODE) -> Path:
    """Write to a temp file in the same directory, fsync, then rename: readers never see half a file."""
    return atomic_write_chunks(path, (data,), mode)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], mode: int = FILE_MODE) -> Path:
    """Write the chunks to a temp file in the same directory, fsync, then rename: readers never see half a
    file, and content made piece by piece (a big plan) is never all in memory at once."""
    path = Path(path)
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_json(path: Path, obj: Any, mode: int = FILE_MODE, *, compact: bool = False) -> Path:
    """`obj` as JSON (indented, or one line when `compact`: snapshots of big sites), secrets redacted."""
    if compact:
        text = redact_json(_encoder.encode(obj).decode("utf-8")) + "\n"
    else:
        text = json.dumps(redact_obj(obj), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return atomic_write_bytes(path, text.encode("utf-8"), mode)


def atomic_write_text(path: Path, text: str, mode: int = FILE_MODE) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), mode)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Journal:
    """Append-only JSONL; every line is on disk (fsync) before the thread that wrote it goes on, so a crash
    loses at most lines nobody has acted on yet.

    Lines are synced as a group: a thread that finds an fsync under way waits for the next one, which covers
    its line and every other line written meanwhile (group commit). With 8 workers writing grants, that is
    one fsync for several lines instead of one each, and the disk is no longer what paces a bulk run.

    A torn last line (crash mid-write) is ignored on read: the operation it described is then treated as
    unknown and resolved by re-reading the scheme.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        ensure_dir(self.path.parent)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        self._cond = threading.Condition()
        self._written = 0  # lines handed to the OS
        self._synced = 0  # lines known to be on disk
        self._syncing = False
        self.syncs = 0  # fsyncs made, for tests and benchmarks

    def write(self, entry: dict[str, Any]) -> int:
        """Hand one line to the OS (in the order of the calls); returns its number for `sync`."""
        line = (redact_json(_encoder.encode(entry).decode("utf-8")) + "\n").encode("utf-8")
        with self._cond:
            os.write(self._fd, line)
            self._written += 1
            return self._written

    def sync(self, upto: int) -> None:
        """Return once line number `upto` (and every line before it) is on disk."""
        with self._cond:
            while self._synced < upto:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing, target = True, self._written
                self._cond.release()
                try:
                    os.fsync(self._fd)
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._cond.notify_all()
                self._synced = max(self._synced, target)
                self.syncs += 1

    def append(self, entry: dict[str, Any]) -> None:
        self.sync(self.write(entry))

    def close(self) -> None:
        with self._cond:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def read(path: Path) -> list[dict[str, Any]]:
        return list(Journal.iter(path))

    @staticmethod
    def iter(path: Path) -> Iterator[dict[str, Any]]:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            return
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # torn final line from a crash
            if isinstance(entry, dict):
                yield entry
