"""Wall time to apply a 500-scheme site on the local Jira site with 50 ms latency and Cloud's per-second
limits, vs a naive sequential script measured in the same run, vs the lower bound the rate limit sets.

    .venv/bin/python tests/bench/bench_apply_walltime.py [--schemes 500] [--latency 50] [--repeat 3] [--skip-naive]

Every variant starts from the same freshly seeded site (the sandbox runs in its own process, Cloud burst
limits GET/POST 100/s, DELETE/PUT 50/s per endpoint and method, 50 ms added to every API request):
- `migrate apply` defaults: DEFAULT_CONCURRENCY workers, pace DEFAULT_WRITES_PER_SECOND adapted to the
  site's answers (both from migrate.jira.throttle); median of --repeat runs;
- `migrate apply --max-rps 100`: asked to go at the very limit, to show the pace adapting (429s, backing off);
- naive: plain requests, the scheme list in one call (as a user would), then one POST per missing grant,
  no concurrency (it honours Retry-After on a 429 so the comparison is fair);
- lower bound: the busiest (endpoint, method) bucket's requests beyond its initial burst, divided by its
  rate, for the minimum request set (1 list + 1 key discovery + writes + 1 verification list).
Apply time includes preflight, snapshot, writes and verification; plan time is shown apart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import requests  # noqa: E402

from tests.bench._common import RemoteSandbox, compile_package, flush, grant_keys_of, isolated_home, print_machine, save_results, table  # noqa: E402

from migrate.jira.throttle import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_SECOND  # noqa: E402

CLOUD = {"GET": 100.0, "POST": 100.0, "PUT": 50.0, "DELETE": 50.0}
SOURCE, TARGETS = "BROWSE_PROJECTS", ("VIEW_PROJECTS", "VIEW_ISSUES")


def naive_apply(url: str, email: str, token: str) -> Counter:
    """What a quick script would do: list every scheme with its grants in one call, then POST every
    missing grant, one at a time."""
    sent: Counter = Counter()
    s = requests.Session()
    s.auth = (email, token)
    s.headers["Accept"] = "application/json"
    api = url + "/rest/api/3"

    def call(method: str, path: str, **kw):
        while True:
            sent[method] += 1
            r = s.request(method, api + path, timeout=60, **kw)
            if r.status_code == 429:
                time.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            r.raise_for_status()
            return r.json() if r.content else None

    for scheme in call("GET", "/permissionscheme", params={"expand": "permissions"})["permissionSchemes"]:
        sid = scheme["id"]
        have = {(g["permission"], g["holder"].get("type"), g["holder"].get("value") or g["holder"].get("parameter"))
                for g in scheme.get("permissions", [])}
        for g in scheme.get("permissions", []):
            if g["permission"] != SOURCE:
                continue
            h = {k: v for k, v in g["holder"].items() if k in ("type", "parameter", "value")}
            for t in TARGETS:
                k = (t, h.get("type"), h.get("value") or h.get("parameter"))
                if k in have:
                    continue
                have.add(k)
                call("POST", f"/permissionscheme/{sid}/permission", json={"permission": t, "holder": h})
    return sent


def lower_bound(n_list: int, n_keys: int, writes: int) -> float:
    """Seconds the burst limits force on the minimum request set: buckets are per endpoint and method and
    start full (capacity = rate), so only the busiest bucket's excess over its burst counts."""
    buckets = {"GET list": n_list, "GET keys": n_keys, "POST grant": writes}
    return max(max(0.0, n - CLOUD[k.split()[0]]) / CLOUD[k.split()[0]] for k, n in buckets.items())


def tool_run(sb: RemoteSandbox, *, concurrency: int, max_rps: float) -> dict:
    from migrate.apply import apply_plan
    from migrate.credentials import Credentials
    from migrate.fetch import fetch_site
    from migrate.jira.client import JiraClient
    from migrate.plan import make_plan
    from migrate.planfile import load_plan, save_plan
    from migrate.rules import BROWSE_SPLIT

    sb.reset(state=True, requests=True)
    client = JiraClient(sb.url, Credentials.basic(sb.email, sb.token))
    t0 = time.perf_counter()
    data = fetch_site(client, with_projects=False)
    plan = make_plan(data.schemes, BROWSE_SPLIT, data.site, mode="add")
    with tempfile.TemporaryDirectory() as d:
        plan = load_plan(save_plan(plan, directory=Path(d)))
    t_plan = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = apply_plan(client, plan, concurrency=concurrency, max_rps=max_rps)
    t_apply = time.perf_counter() - t0
    st = sb.stats()
    after = grant_keys_of(sb.state())
    lost = sum(len(c.after_keys() - after[c.scheme_id]) for c in plan.changes)
    return {"plan_s": t_plan, "apply_s": t_apply, "requests": st["requests"], "http_429": st["by_status"].get("429", 0),
            "early_retries": st["early_retries"], "writes": plan.totals["grants_added"], "changed": len(plan.changes),
            "outcomes": result.counts, "lost": lost, "throttled_s": result.throttled_seconds}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schemes", type=int, default=500)
    ap.add_argument("--latency", type=float, default=50.0, help="ms added to every API request")
    ap.add_argument("--repeat", type=int, default=3, help="runs with the defaults (median shown)")
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args(argv)
    isolated_home()
    print_machine()
    compile_package()
    print(f"site: {args.schemes} schemes (seed 'medium'), latency {args.latency:g} ms, rate limit 'cloud' "
          "(GET/POST 100/s, PUT/DELETE 50/s per endpoint and method)")
    flush()
    out: dict = {"schemes": args.schemes, "latency_ms": args.latency}
    rows = []
    with RemoteSandbox("medium", schemes=args.schemes, latency_ms=args.latency, rate_limit="cloud") as sb:
        runs = []
        for i in range(args.repeat):
            runs.append(tool_run(sb, concurrency=DEFAULT_CONCURRENCY, max_rps=DEFAULT_WRITES_PER_SECOND))
            print(f"  tool (defaults) run {i + 1}: {runs[-1]['apply_s']:.1f} s, {runs[-1]['http_429']} 429s", file=sys.stderr)
        runs.sort(key=lambda r: r["apply_s"])
        default = runs[len(runs) // 2]
        at_limit = tool_run(sb, concurrency=DEFAULT_CONCURRENCY, max_rps=100.0)
        print(f"  tool (--max-rps 100): {at_limit['apply_s']:.1f} s", file=sys.stderr)
        naive = None
        if not args.skip_naive:
            sb.reset(state=True, requests=True)
            t0 = time.perf_counter()
            sent = naive_apply(sb.url, sb.email, sb.token)
            t_naive = time.perf_counter() - t0
            st = sb.stats()
            naive = {"seconds": t_naive, "requests": st["requests"], "http_429": st["by_status"].get("429", 0),
                     "sent": dict(sent)}
            print(f"  naive: {t_naive:.1f} s", file=sys.stderr)
    lb = lower_bound(1, 1, default["writes"])
    spread = f"{runs[0]['apply_s']:.1f}-{runs[-1]['apply_s']:.1f}"
    rows.append((f"migrate apply, defaults (-c {DEFAULT_CONCURRENCY}, --max-rps {DEFAULT_WRITES_PER_SECOND:g}), median of {len(runs)}",
                 default["apply_s"], spread, default["plan_s"], default["requests"], sum(r["http_429"] for r in runs),
                 default["early_retries"], default["lost"], f"{default['apply_s'] / lb:.2f}x"))
    rows.append(("migrate apply --max-rps 100 (at the limit: the pace adapts)", at_limit["apply_s"], "-", at_limit["plan_s"],
                 at_limit["requests"], at_limit["http_429"], at_limit["early_retries"], at_limit["lost"],
                 f"{at_limit['apply_s'] / lb:.2f}x"))
    if naive:
        rows.append(("naive sequential script (one list call, one POST per grant)", naive["seconds"], "-", "-",
                     naive["requests"], naive["http_429"], "-", "-", f"{naive['seconds'] / lb:.2f}x"))
    rows.append((f"lower bound from the rate limit ({default['writes']:,} POSTs at 100/s after a 100 burst)", lb, "-", "-",
                 "-", "-", "-", "-", "1.00x"))
    print(table(f"Apply wall time: {args.schemes} schemes, {default['writes']:,} grants to add, "
                f"{args.latency:g} ms latency, Cloud burst limits",
                ("run", "apply s", "range s", "plan s", "requests", "429s (all runs)", "early retries", "lost grants",
                 "vs lower bound"), rows))
    print(f"the median default run waited {default['throttled_s']:.0f} s in total (summed over workers) in its pace; "
          + (f"naive = {naive['seconds']:.0f} s" if naive else ""))
    out.update({"tool_default": default, "tool_runs": runs, "tool_at_limit": at_limit, "naive": naive, "lower_bound_s": lb})
    save_results("apply_walltime", out)
    return out


if __name__ == "__main__":
    main()
