"""Shared bits of the benchmark scripts: machine description, tables, timing helpers.

Benchmarks print numbers; they never assert on wall-clock time (machines differ, CI is noisy).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

ROOT = Path(__file__).resolve().parents[2]


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or "unknown",
        "mem_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def print_machine() -> None:
    m = machine()
    print(f"machine: {m['nproc']} CPU(s), {m['cpu']}, {m['mem_gb']} GB RAM, Python {m['python']}, {m['platform']}")


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table, so the output pastes straight into README."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [f"### {title}", ""]
    lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines) + "\n"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.2f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


@contextmanager
def timed() -> Iterator[list[float]]:
    """`with timed() as t: ...` then t[0] is the elapsed seconds."""
    box = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def max_rss_mb() -> float:
    # ru_maxrss is KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save_results(name: str, data: dict[str, Any]) -> None:
    """Also write the numbers as JSON when BENCH_RESULTS_DIR is set (run_all sets it)."""
    d = os.environ.get("BENCH_RESULTS_DIR")
    if not d:
        return
    p = Path(d)
    p.mkdir(parents=True, exist_ok=True)
    (p / f"{name}.json").write_text(json.dumps({"machine": machine(), **data}, indent=2, default=str) + "\n")


def isolated_home() -> Path:
    """Benchmarks write plans/journals: keep them out of the user's real data dir."""
    import tempfile

    if not os.environ.get("MIGRATE_HOME"):
        os.environ["MIGRATE_HOME"] = tempfile.mkdtemp(prefix="migrate-bench-")
    return Path(os.environ["MIGRATE_HOME"])


def flush() -> None:
    sys.stdout.flush()


def compile_package() -> None:
    """Byte-compile migrate once, and let the processes a benchmark starts write what is still missing.

    A user's install has .pyc files; this machine sets PYTHONDONTWRITEBYTECODE, so without this every
    process a benchmark starts (the CLI, each sites worker, each local site) would compile migrate from
    source and count that as its start-up."""
    import subprocess

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "migrate")], check=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # children inherit this environment


# --------------------------------------------------------------------------- a sandbox in its own process

_SERVE = r"""
import json, sys
from migrate.sandbox import Sandbox
kw = json.loads(sys.argv[1])
sb = Sandbox(kw.pop("seed"), **kw).start()
print(sb.url, flush=True)
sys.stdin.read()  # until the parent closes our stdin
sb.stop()
"""


class RemoteSandbox:
    """The local Jira site in a child process, so the client under test does not share a GIL with it.

    Counts come from the sandbox's control API (/_sandbox/stats, /_sandbox/counts), which the sandbox does
    not count as API requests.
    """

    def __init__(self, seed: str, **kw: Any):
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE, json.dumps({"seed": seed, **kw})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            self.close()
            raise RuntimeError(f"sandbox did not start: {line!r}")
        self.url = line
        import requests

        self._http = requests.Session()
        info = self._get("info")
        self.email = info["credentials"]["admin"]["email"]
        self.token = info["credentials"]["admin"]["token"]
        self.api = info["api"]

    def _get(self, what: str) -> Any:
        r = self._http.get(f"{self.url}/_sandbox/{what}", timeout=600)
        r.raise_for_status()
        return r.json()

    def stats(self) -> dict[str, Any]:
        return self._get("stats")

    def counts(self) -> dict[tuple[str, str], int]:
        return {(c["method"], c["template"]): c["count"] for c in self._get("counts")["counts"]}

    def state(self) -> dict[str, Any]:
        return self._get("state")

    def reset(self, *, state: bool = True, requests: bool = True) -> None:
        self._http.post(f"{self.url}/_sandbox/reset", json={"state": state, "requests": requests}, timeout=600).raise_for_status()

    def set_faults(self, spec: str) -> None:
        self._http.put(f"{self.url}/_sandbox/faults", json={"spec": spec}, timeout=60).raise_for_status()

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.proc.kill()

    def __enter__(self) -> "RemoteSandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def grant_keys_of(state: dict[str, Any]) -> dict[int, set]:
    """scheme id -> {(permission, holder identity)} from a sandbox state dump."""
    out = {}
    for s in state["schemes"]:
        keys = set()
        for g in s["permissions"]:
            h = g["holder"]
            keys.add((g["permission"], (h["type"], h.get("value") or h.get("parameter") or None)))
        out[s["id"]] = keys
    return out
