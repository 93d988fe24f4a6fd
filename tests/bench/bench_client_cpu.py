"""CPU migrate spends per request, client side only: the shapes `migrate apply` sends, one local site.

    .venv/bin/python tests/bench/bench_client_cpu.py [--requests 2000] [--repeat 5] [--profile] [--top 20]

The local site (the sandbox, 20 schemes, no added latency, no rate limit) runs in its own process, so its
CPU does not count; the figures are this process's CPU time (user + system, `time.process_time`) per
request, median of --repeat rounds, for:

- client POST / DELETE: `JiraClient.create_grant` then `delete_grant` of the same grant, in turns;
- client GET list: `JiraClient.list_schemes` (every scheme with its grants, decoded into the model);
- apply POST / DELETE: the executor's path for one write (`GrantWriter.add` / `remove` under `throttled`:
  a journal line on disk before the request and one after it, pacing, bookkeeping), with a pacer so fast
  it never waits, so its CPU is counted but no time is slept.

--profile adds a cProfile (timed in CPU time) of one round of the client POST/DELETE loop and of the apply loop (top --top
functions by own time). Benchmarks never assert on time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import RemoteSandbox, compile_package, flush, print_machine, save_results, table  # noqa: E402


def _free_grant(client):
    """A (scheme id, permission, holder) the site does not have yet: POSTing it succeeds."""
    schemes = client.list_schemes()
    keys = sorted(client.all_permissions())
    for s in schemes:
        for g in s.grants:
            have = {x.permission for x in s.grants if x.holder == g.holder}
            for k in keys:
                if k not in have:
                    return s.id, k, g.holder
    raise RuntimeError("no free grant on the local site")


def _cpu_per_call(fn: Callable[[], object], n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - t0) / n * 1000


def _profile(fn: Callable[[], None], top: int, title: str) -> str:
    prof = cProfile.Profile(time.process_time)  # CPU, not wall: waiting for the site is not our cost
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    start = text.find("   ncalls")
    return f"### {title}\n\n```\n{text[start:].rstrip()}\n```\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="writes per round (half POST, half DELETE)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()

    from migrate.credentials import Credentials
    from migrate.executor import GrantWriter, throttled
    from migrate.jira.client import JiraClient
    from migrate.jira.throttle import Pacer

    print_machine()
    compile_package()
    pairs = max(1, args.requests // 2)
    lists = max(1, pairs // 20)
    tmp = tempfile.TemporaryDirectory(prefix="migrate-bench-cpu-")
    work = Path(tmp.name)
    rounds: dict[str, list[float]] = {"client POST": [], "client DELETE": [], "client GET list": [],
                                      "apply POST": [], "apply DELETE": []}
    profiles: list[str] = []
    with RemoteSandbox("small", schemes=20) as sb:
        client = JiraClient(sb.url, Credentials.basic(sb.email, sb.token))
        client.server_info()
        scheme_id, permission, holder = _free_grant(client)
        sent0 = client.request_count

        def client_round() -> tuple[float, float]:
            post = delete = 0.0
            for _ in range(pairs):
                t0 = time.process_time()
                g = client.create_grant(scheme_id, permission, holder)
                t1 = time.process_time()
                client.delete_grant(scheme_id, int(g.id))
                t2 = time.process_time()
                post += t1 - t0
                delete += t2 - t1
            return post / pairs * 1000, delete / pairs * 1000

        def apply_round(tag: str) -> tuple[float, float]:
            writer = GrantWriter(client, work / f"{tag}.jsonl", plan="bench", header={"bench": True})
            post = delete = 0.0
            with throttled(client, Pacer(1e9)) as tc:
                writer.client = tc
                for _ in range(pairs):
                    t0 = time.process_time()
                    added = writer.add(scheme_id, permission, holder)
                    t1 = time.process_time()
                    writer.remove(scheme_id, added.grant)
                    t2 = time.process_time()
                    post += t1 - t0
                    delete += t2 - t1
            writer.close()
            return post / pairs * 1000, delete / pairs * 1000

        client_round()  # warm up: connections, lazy imports
        for r in range(args.repeat):
            p, d = client_round()
            rounds["client POST"].append(p)
            rounds["client DELETE"].append(d)
            rounds["client GET list"].append(_cpu_per_call(client.list_schemes, lists))
            p, d = apply_round(f"r{r}")
            rounds["apply POST"].append(p)
            rounds["apply DELETE"].append(d)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in rounds.items()))
            flush()
        if args.profile:
            profiles.append(_profile(client_round, args.top, "client POST/DELETE loop, by own time"))
            profiles.append(_profile(lambda: apply_round("profile"), args.top, "apply POST/DELETE loop, by own time"))
        sent = client.request_count - sent0
        site = sb.stats()
        client.close()
    tmp.cleanup()

    rows = [[k, statistics.median(v), min(v), max(v)] for k, v in rounds.items()]
    print()
    print(table(f"CPU ms per request, client side ({pairs} POST + {pairs} DELETE and {lists} list reads per "
                f"round, median of {args.repeat})", ["shape", "median ms", "min", "max"], rows))
    print(f"requests sent by the client: {sent:,}; the site counted {site.get('requests', site)!s:.80}")
    for p in profiles:
        print(p)
    save_results("client_cpu", {"pairs": pairs, "rounds": rounds})


if __name__ == "__main__":
    main()
