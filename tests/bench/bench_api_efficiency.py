"""API efficiency: requests sent to migrate a whole site vs the minimum, for 10, 500 and 5,000 schemes.

    .venv/bin/python tests/bench/bench_api_efficiency.py [--sizes 10,500,5000] [--concurrency 4]

The minimum for a site is 1 list (GET /permissionscheme?expand=permissions) + 1 key discovery
(GET /permissions) + one POST per grant written + one verification read (the same list: every scheme in
one response). The tool
runs the same steps as `migrate plan --no-projects` then `migrate apply --yes` (library calls, default
concurrency, client throttle off so the run is quick; the throttle changes timing, not counts). Counts
are the sandbox's own per-endpoint request counts, cross-checked against the client's stats. The
project -> scheme map that `migrate plan` draws by default is counted separately: it costs one request
per project and is not part of the minimum.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import RemoteSandbox, compile_package, flush, grant_keys_of, isolated_home, print_machine, save_results, table  # noqa: E402

SEEDS = {10: "small", 500: "medium", 5000: "large"}


def short(template: str) -> str:
    return template.split("/rest/api/3", 1)[-1].replace("{schemeId}", "{id}").replace("{permissionId}", "{gid}")


def run_size(n: int, concurrency: int) -> dict:
    from migrate.apply import apply_plan
    from migrate.credentials import Credentials
    from migrate.fetch import fetch_site
    from migrate.jira.client import JiraClient
    from migrate.plan import make_plan
    from migrate.planfile import load_plan, save_plan
    from migrate.rules import BROWSE_SPLIT

    seed = SEEDS.get(n, "medium")
    with RemoteSandbox(seed, schemes=n) as sb:
        creds = Credentials.basic(sb.email, sb.token)
        before = grant_keys_of(sb.state())

        # project map alone, so its cost can be shown apart from the minimum
        c0 = JiraClient(sb.url, creds)
        sb.reset(state=False, requests=True)
        t0 = time.perf_counter()
        fetch_site(c0, with_projects=True)
        project_map = sum(v for (m, t), v in sb.counts().items() if "/project" in t)
        t_projects = time.perf_counter() - t0

        sb.reset(state=True, requests=True)
        client = JiraClient(sb.url, creds)  # flavour auto, as the CLI
        t0 = time.perf_counter()
        data = fetch_site(client, with_projects=False)
        plan = make_plan(data.schemes, BROWSE_SPLIT, data.site, mode="add", projects_by_scheme=None)
        with tempfile.TemporaryDirectory() as d:
            plan = load_plan(save_plan(plan, directory=Path(d)))
        t_plan = time.perf_counter() - t0
        plan_counts = sb.counts()
        t0 = time.perf_counter()
        result = apply_plan(client, plan, concurrency=concurrency, max_rps=0)
        t_apply = time.perf_counter() - t0
        counts = sb.counts()
        stats = sb.stats()
        after = grant_keys_of(sb.state())

    apply_counts = {k: v - plan_counts.get(k, 0) for k, v in counts.items() if v - plan_counts.get(k, 0)}
    writes = sum(v for (m, _), v in counts.items() if m in ("POST", "PUT", "DELETE"))
    changed = len(plan.changes)
    minimum = 1 + 1 + plan.totals["grants_added"] + plan.totals["grants_removed"] + 1
    total = sum(counts.values())
    client_total = client.request_count
    lost = sum(len(c.after_keys() - after[c.scheme_id]) for c in plan.changes)
    extra = sum(len(after[c.scheme_id] - c.after_keys()) for c in plan.changes)
    return {
        "schemes": n,
        "changed": changed,
        "grants_written": writes,
        "minimum": minimum,
        "plan_requests": sum(plan_counts.values()),
        "apply_requests": sum(apply_counts.values()),
        "total": total,
        "client_total": client_total,
        "ratio": total / minimum,
        "per_scheme": total / n,
        "project_map_requests": project_map,
        "by_endpoint": {f"{m} {short(t)}": v for (m, t), v in sorted(counts.items())},
        "puts": stats["scheme_puts"],
        "duplicate_400s": stats["duplicate_grant_400s"],
        "lost_grants": lost,
        "unplanned_grants": extra,
        "outcomes": result.counts,
        "seconds": {"plan": t_plan, "apply": t_apply, "project_map": t_projects},
        "unchanged_ok": all(before[s] == after[s] for s in before if plan.change_for(s) is None),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,500,5000")
    from migrate.jira.throttle import DEFAULT_CONCURRENCY
    ap.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    args = ap.parse_args(argv)
    isolated_home()
    print_machine()
    compile_package()
    flush()
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        r = run_size(n, args.concurrency)
        results.append(r)
        print(f"  {n} schemes: {r['total']} requests, {r['seconds']['apply']:.1f} s apply", file=sys.stderr)
    rows = [
        (r["schemes"], r["changed"], r["grants_written"], r["minimum"], r["plan_requests"], r["apply_requests"],
         r["total"], f"{r['ratio']:.3f}", f"{r['total'] - r['minimum']:+d}", r["project_map_requests"],
         r["puts"], r["duplicate_400s"], r["lost_grants"])
        for r in results
    ]
    print(table("API efficiency: requests per migrated site (plan --no-projects + apply, add mode)",
                ("schemes", "changed", "grants written", "minimum", "plan reqs", "apply reqs", "total",
                 "total / min", "over min", "project map (extra, optional)", "PUTs", "dup 400s", "lost grants"), rows))
    endpoints = sorted({e for r in results for e in r["by_endpoint"]})
    print(table("Requests by endpoint", ("endpoint",) + tuple(f"{r['schemes']} schemes" for r in results),
                [(e,) + tuple(r["by_endpoint"].get(e, 0) for r in results) for e in endpoints]))
    print("client-side count (client.stats) vs sandbox count: "
          + ", ".join(f"{r['schemes']}: {r['client_total']} vs {r['total']}" for r in results))
    print("minimum = 1 list + 1 GET /permissions + writes + 1 verification list. Above it: GET /serverInfo "
          "(flavour detection), a second GET /permissions in apply's preflight, GET /mypermissions (admin check), "
          "GET /myself (the account the history records) and the list read the snapshot takes, which every "
          "scheme's stale-plan check is judged from.")
    save_results("api_efficiency", {"results": results})
    return results


if __name__ == "__main__":
    main()
