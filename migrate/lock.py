"""One writer per site: a non-blocking file lock under the site's data folder.

The lock is an OS lock (flock), so it vanishes with the process that held it, even after kill -9; a held
lock therefore means a live process. Who holds it is recorded in a small side file, because the lock file
itself must never be rewritten by a contender.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import filelock

from migrate.errors import LockHeldError
from migrate.store import atomic_write_json, site_dir

LOCK_NAME = "apply.lock"
OWNER_NAME = "apply.lock.owner.json"


def lock_path(url: str, root: Path | None = None) -> Path:
    return site_dir(url, root) / LOCK_NAME


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_owner(url: str, root: Path | None = None) -> dict[str, Any] | None:
    try:
        data = json.loads((site_dir(url, root) / OWNER_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _held_message(url: str, path: Path, owner: dict[str, Any] | None) -> LockHeldError:
    who = "another migrate process"
    if owner:
        bits = [f"pid {owner.get('pid')}", f"on {owner.get('host')}"]
        if owner.get("command"):
            bits.append(f"running `{owner['command']}`")
        if owner.get("started"):
            bits.append(f"since {owner['started']}")
        who += " (" + ", ".join(bits) + ")"
        if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int) and not _pid_alive(owner["pid"]):
            who += "; that pid is no longer running here, so the lock is held by a process on another host sharing this folder"
    return LockHeldError(
        f"{who} holds the lock for {url}; only one apply or rollback may write to a site at a time",
        hint=(
            "wait for it to finish (re-running afterwards resumes safely). If you are sure no migrate process is "
            f"running against this site on any machine, delete {path} and try again"
        ),
    )


@contextlib.contextmanager
def site_lock(url: str, *, root: Path | None = None, command: str = "") -> Iterator[Path]:
    """Hold the per-site lock for the duration of the block, or raise LockHeldError at once."""
    path = lock_path(url, root)
    lock = filelock.FileLock(str(path), mode=0o600)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        raise _held_message(url, path, read_owner(url, root)) from None
    owner_file = path.parent / OWNER_NAME
    try:
        atomic_write_json(
            owner_file,
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": command or " ".join(["migrate"] + sys.argv[1:2]),
            },
        )
        yield path
    finally:
        with contextlib.suppress(OSError):
            owner_file.unlink()
        lock.release()
