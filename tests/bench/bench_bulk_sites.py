"""Many sites in one `migrate sites apply`: wall time for N sites against the time of one site.

    .venv/bin/python tests/bench/bench_bulk_sites.py [--sizes 1,10,50,100] [--schemes 20] [--latency 50] [--repeat 3]

Every site is a local Jira site (the sandbox) with Cloud's burst limits (GET/POST 100/s, DELETE/PUT 50/s
per endpoint and method) and --latency ms added to each request, seeded with --schemes generated schemes.
The sites run in their own processes (ten to a process), never in the process under test. For each N,
`migrate sites plan` plans the first N sites once; then, --repeat times, every site is reset to that state
and `migrate sites apply --yes --parallel N` (the real CLI, a subprocess, its defaults otherwise) applies
them all; the median wall time is shown beside the one-site time. Correctness is checked on every run:
every site's grants are its plan's after-state, no duplicate-grant 400, no PUT.

The machine's CPUs also run the N local sites, so the CPU each request costs on both ends shows in the
ratio. The table gives the machine's CPU use during the runs, the local sites' share, what else ran
meanwhile (other processes on the machine), and the CPU of migrate's own processes (its worker
processes included, start-up included), per request sent. migrate is byte-compiled first, and the processes
started may write .pyc files, as an install's do (compile_package). Benchmarks never assert on time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import requests  # noqa: E402

from tests.bench._common import ROOT, compile_package, flush, print_machine, save_results, table  # noqa: E402

_HOST = r"""
import json, sys
from migrate.sandbox import Sandbox
kw = json.loads(sys.argv[1])
n = kw.pop("count")
boxes = [Sandbox(kw["seed"], **{k: v for k, v in kw.items() if k != "seed"}).start() for _ in range(n)]
for b in boxes:
    print(b.url, flush=True)
sys.stdin.read()
for b in boxes:
    b.stop()
"""
EMAIL, TOKEN = "admin@sandbox.test", "sandbox-admin-token"


class Fleet:
    """N local sites in host processes of up to `per_host` sites each."""

    def __init__(self, n: int, *, schemes: int, latency: float, per_host: int = 10):
        self.hosts: list[subprocess.Popen] = []
        self.urls: list[str] = []
        left = n
        while left > 0:
            k = min(per_host, left)
            kw = {"seed": "small", "schemes": schemes, "latency_ms": latency, "rate_limit": "cloud", "count": k}
            p = subprocess.Popen([sys.executable, "-c", _HOST, json.dumps(kw)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
            self.hosts.append(p)
            for _ in range(k):
                line = p.stdout.readline().strip()
                if not line.startswith("http"):
                    self.close()
                    raise RuntimeError(f"a local site did not start: {line!r}")
                self.urls.append(line)
            left -= k
        self.http = requests.Session()

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the local sites' host processes have used so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for p in self.hosts:
            fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return total

    def control(self, url: str, what: str, **kw):
        r = self.http.request(kw.pop("method", "GET"), f"{url}/_sandbox/{what}", timeout=600, **kw)
        r.raise_for_status()
        return r.json() if r.content else None

    def reset(self, urls) -> None:
        for u in urls:
            self.control(u, "reset", method="POST", json={"state": True, "requests": True})

    def close(self) -> None:
        for p in self.hosts:
            try:
                p.stdin.close()
                p.wait(timeout=60)
            except Exception:  # noqa: BLE001
                p.kill()


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    parts = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts) - idle, sum(parts)


def sites_file(path: Path, urls: list[str]) -> dict[str, str]:
    env = {}
    lines = []
    for i, u in enumerate(urls):
        lines += ["[[site]]", f'name = "site{i:03d}"', f'url = "{u}"', f'email_env = "SITE{i:03d}_EMAIL"',
                  f'token_env = "SITE{i:03d}_TOKEN"', ""]
        env[f"SITE{i:03d}_EMAIL"], env[f"SITE{i:03d}_TOKEN"] = EMAIL, TOKEN
    path.write_text("\n".join(lines))
    return env


def children_cpu() -> float:
    """User + system CPU seconds of this process's finished children (and the children they waited for)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def descendants_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of every live descendant of process `root`, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d)], cpu[int(d)] = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
    out = {}
    for pid in cpu:
        p = parent[pid]
        while p > 1 and p != root:
            p = parent.get(p, 0)
        if p == root:
            out[pid] = cpu[pid]
    return out


def migrate(*args: str, env: dict[str, str]) -> tuple[int, str, str, float, float]:
    """(exit code, stdout, stderr, wall seconds, CPU seconds of migrate's processes).

    The CPU is the command's own process as the kernel counts it once it is waited for, plus its worker
    processes (children of multiprocessing's fork server, which nobody waits for), sampled from /proc
    every 0.1 s while they run: what a worker uses in its last 0.1 s is not counted."""
    c0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "migrate", *args], cwd=str(ROOT), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            for pid, c in descendants_cpu(proc.pid).items():
                seen[pid] = max(c, seen.get(pid, 0.0))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    return proc.returncode, out, err, seconds, children_cpu() - c0 + sum(seen.values())


def run_size(fleet: Fleet, n: int, repeat: int, work: Path) -> dict:
    urls = fleet.urls[:n]
    d = work / f"n{n}"
    d.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), **sites_file(d / "sites.toml", urls))
    env["MIGRATE_HOME"] = str(d / "home")
    plans = d / "plans"
    fleet.reset(urls)
    code, out, err, _, _ = migrate("sites", "plan", str(d / "sites.toml"), "--no-scan", "--parallel", str(n),
                                "--plans-dir", str(plans), env=env)
    if code not in (0, 3):
        raise RuntimeError(f"sites plan failed ({code}): {err[-2000:]}")
    expected = {}
    for i in range(n):
        doc = json.loads((plans / f"site{i:03d}.json").read_text())
        expected[i] = doc["totals"]["grants_added"]
    times, busy_share, requests_sent = [], [], 0
    sites_cpu: list[float] = []
    machine_cpu: list[float] = []
    own_cpu: list[float] = []
    for r in range(repeat):
        fleet.reset(urls)
        env["MIGRATE_HOME"] = str(d / f"home{r}")
        b0, t0 = cpu_busy()
        s0 = fleet.cpu_seconds()
        code, out, err, seconds, cpu = migrate("sites", "apply", str(d / "sites.toml"), "--yes", "--parallel", str(n),
                                          "--plans-dir", str(plans), "--json", env=env)
        b1, t1 = cpu_busy()
        sites_cpu.append(fleet.cpu_seconds() - s0)
        own_cpu.append(cpu)
        machine_cpu.append((b1 - b0) / os.sysconf("SC_CLK_TCK"))
        if code != 0:
            try:
                rows = [r for r in json.loads(out)["sites"] if r.get("status") != "applied"]
            except (ValueError, KeyError, TypeError):
                rows = out[-2000:]
            raise RuntimeError(f"sites apply failed ({code}): {rows}\n{err[-2000:]}")
        doc = json.loads(out)
        added = {int(row["site"][4:]): row["grants_added"] for row in doc["sites"]}
        if added != expected:
            raise RuntimeError(f"grants added differ from the plans: {added} vs {expected}")
        for u in urls:
            st = fleet.control(u, "stats")
            if st["scheme_puts"] or st["duplicate_grant_400s"]:
                raise RuntimeError(f"{u}: PUT or duplicate 400 seen: {st}")
        requests_sent = sum(row["requests"] for row in doc["sites"])
        times.append(seconds)
        busy_share.append((b1 - b0) / max(1.0, t1 - t0))
        print(f"  {n} site(s), run {r + 1}: {seconds:.1f} s", file=sys.stderr)
    # migrate's own processes (start-up included, see `migrate`): what else runs on the machine does not
    # count, unlike the machine's busy CPU less the local sites' (kept as "others")
    client_cpu = statistics.median(own_cpu)
    others = statistics.median(m - c - o for m, c, o in zip(machine_cpu, sites_cpu, own_cpu))
    return {"sites": n, "seconds": statistics.median(times), "runs": times, "requests": requests_sent,
            "grants": sum(expected.values()), "cpu_busy": statistics.median(busy_share),
            "sites_cpu": statistics.median(sites_cpu), "client_cpu": client_cpu, "client_cpu_runs": own_cpu,
            "others_cpu": others, "client_ms_per_request": 1000 * client_cpu / max(1, requests_sent)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,50,100")
    ap.add_argument("--schemes", type=int, default=20, help="schemes per site")
    ap.add_argument("--latency", type=float, default=50.0, help="ms added to every API request")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    print_machine()
    compile_package()
    print(f"sites: {args.schemes} generated schemes each, latency {args.latency:g} ms, Cloud burst limits; "
          f"`migrate sites apply --parallel N`, median of {args.repeat}")
    flush()
    fleet = Fleet(max(sizes), schemes=args.schemes, latency=args.latency)
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                results.append(run_size(fleet, n, args.repeat, Path(tmp)))
    finally:
        fleet.close()
    one = next((r for r in results if r["sites"] == 1), results[0])
    rows = [(r["sites"], r["grants"], r["requests"], r["seconds"], f"{min(r['runs']):.1f}-{max(r['runs']):.1f}",
             f"{r['seconds'] / one['seconds']:.2f}x", f"{r['cpu_busy'] * 100:.0f}%", f"{r['sites_cpu']:.1f}",
             f"{r['others_cpu']:.1f}", f"{r['client_cpu']:.1f}", f"{r['client_ms_per_request']:.2f}") for r in results]
    print(table(f"Bulk apply: N sites ({args.schemes} schemes each) in one `migrate sites apply --parallel N`",
                ("sites", "grants written", "requests", "median s", "range s", "vs one site", "machine CPU busy",
                 "local sites' CPU s", "others' CPU s", "migrate CPU s", "migrate CPU ms / request"), rows))
    save_results("bulk_sites", {"schemes": args.schemes, "latency_ms": args.latency, "results": results})
    return {"results": results}


if __name__ == "__main__":
    main()
