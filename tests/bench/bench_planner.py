"""Planner benchmark: time and peak memory to plan 10,000 schemes x 50 grants.

    .venv/bin/python tests/bench/bench_planner.py [--schemes 10000] [--grants 50] [--repeat 3]

Each stage of the offline path is measured on its own: parsing the REST JSON into the model, planning
(add and finish modes), writing the plan file and loading it back (checksum and fingerprint checks
included). Time is the median of --repeat runs; peak memory is tracemalloc's peak for one more run of
that stage alone (tracemalloc slows code down, so it is never on while timing).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import flush, max_rss_mb, print_machine, save_results, table  # noqa: E402

from migrate.model import PermissionInfo, Scheme, SiteInfo  # noqa: E402
from migrate.plan import make_plan  # noqa: E402
from migrate.planfile import load_plan, plan_to_json, save_plan  # noqa: E402
from migrate.rules import BROWSE_SPLIT  # noqa: E402

OTHER_PERMS = (
    "ADMINISTER_PROJECTS", "EDIT_WORKFLOW", "EDIT_ISSUE_LAYOUT", "ASSIGNABLE_USER", "ASSIGN_ISSUES",
    "CLOSE_ISSUES", "CREATE_ISSUES", "DELETE_ISSUES", "EDIT_ISSUES", "LINK_ISSUES", "MODIFY_REPORTER",
    "MOVE_ISSUES", "RESOLVE_ISSUES", "SCHEDULE_ISSUES", "SET_ISSUE_SECURITY", "TRANSITION_ISSUES",
    "MANAGE_WATCHERS", "VIEW_VOTERS_AND_WATCHERS", "ADD_COMMENTS", "DELETE_ALL_COMMENTS",
    "DELETE_OWN_COMMENTS", "EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS", "CREATE_ATTACHMENTS",
    "DELETE_ALL_ATTACHMENTS", "DELETE_OWN_ATTACHMENTS", "WORK_ON_ISSUES", "EDIT_OWN_WORKLOGS",
    "EDIT_ALL_WORKLOGS", "DELETE_OWN_WORKLOGS", "DELETE_ALL_WORKLOGS", "VIEW_DEV_TOOLS",
    "VIEW_READONLY_WORKFLOW", "MANAGE_SPRINTS_PERMISSION",
)
KEYS = ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES") + OTHER_PERMS


def _holder(rng: random.Random, i: int) -> dict:
    kind = rng.choice(("group", "group", "projectRole", "projectRole", "user", "reporter", "assignee",
                       "applicationRole", "projectLead", "userCustomField", "anyone"))
    if kind == "group":
        gid = f"{rng.randrange(500):04d}-group-{rng.randrange(10**6):06d}"
        return {"type": "group", "parameter": f"team-{gid[:4]}", "value": gid,
                "group": {"name": f"team-{gid[:4]}", "groupId": gid}}
    if kind == "projectRole":
        rid = str(rng.choice((10002, 10100, 10101, 10200 + rng.randrange(50))))
        return {"type": "projectRole", "parameter": rid, "value": rid, "projectRole": {"id": int(rid), "name": f"role {rid}"}}
    if kind == "user":
        acc = f"5b10ac8d82e05b22cc7d{rng.randrange(16**6):06x}"
        return {"type": "user", "parameter": acc, "value": acc, "user": {"accountId": acc, "displayName": f"User {i}"}}
    if kind == "userCustomField":
        f = f"customfield_{10000 + rng.randrange(30)}"
        return {"type": "userCustomField", "parameter": f, "value": f}
    if kind == "applicationRole":
        return {"type": "applicationRole"} if rng.random() < 0.5 else {"type": "applicationRole", "parameter": "jira-software", "value": "jira-software"}
    return {"type": kind}


def make_schemes_json(n_schemes: int, n_grants: int, seed: int = 1) -> list[dict]:
    """Schemes shaped like GET /permissionscheme?expand=... on Cloud: n_grants grants each, about 1 in 10
    on BROWSE_PROJECTS (one of them the add-on role), a few schemes already partly migrated."""
    rng = random.Random(seed)
    gid = 10000
    out = []
    for s in range(n_schemes):
        grants = []
        seen = set()
        addon = {"type": "projectRole", "parameter": "10003", "value": "10003",
                 "projectRole": {"id": 10003, "name": "atlassian-addons-project-access"}}
        plan = [("BROWSE_PROJECTS", addon)]
        n_browse = max(1, n_grants // 10)
        while len(plan) < n_grants:
            perm = "BROWSE_PROJECTS" if len(plan) < n_browse else rng.choice(OTHER_PERMS + (("VIEW_PROJECTS",) if s % 7 == 0 else ()))
            plan.append((perm, _holder(rng, len(plan))))
        for perm, h in plan:
            key = (perm, h["type"], h.get("value") or h.get("parameter"))
            if key in seen:
                h = {"type": "group", "parameter": f"extra-{len(seen)}", "value": f"extra-{s}-{len(seen)}"}
                key = (perm, "group", h["value"])
            seen.add(key)
            grants.append({"id": gid, "self": f"https://acme.atlassian.net/rest/api/3/permissionscheme/{s}/permission/{gid}",
                           "permission": perm, "holder": h})
            gid += 1
        out.append({"id": 10000 + s, "self": f"https://acme.atlassian.net/rest/api/3/permissionscheme/{10000 + s}",
                    "name": f"Scheme {s} — Équipe {s % 97}", "description": "generated", "permissions": grants})
    return out


def site_info() -> SiteInfo:
    return SiteInfo(url="https://acme.atlassian.net", base_url="https://acme.atlassian.net", deployment_type="Cloud",
                    version="1001.0.0", server_title="Acme", api_version="3",
                    permissions={k: PermissionInfo(k, k, "PROJECT") for k in KEYS})


def measure(fn, repeat: int):
    times = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, statistics.median(times), min(times), peak / 2**20


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schemes", type=int, default=10_000)
    ap.add_argument("--grants", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    print_machine()
    print(f"input: {args.schemes:,} schemes x {args.grants} grants = {args.schemes * args.grants:,} grants; "
          f"median of {args.repeat} runs, peak = tracemalloc peak of one more run\n")
    flush()
    raw = make_schemes_json(args.schemes, args.grants)
    site = site_info()
    rows = []

    schemes, med, best, peak = measure(lambda: [Scheme.from_json(d) for d in raw], args.repeat)
    rows.append(("parse REST JSON -> Scheme", med, best, peak, ""))
    del raw
    gc.collect()

    plan_add, med, best, peak = measure(lambda: make_plan(schemes, BROWSE_SPLIT, site, mode="add"), args.repeat)
    t = plan_add.totals
    rows.append(("make_plan (add)", med, best, peak, f"{t['schemes_changed']:,} schemes, +{t['grants_added']:,} grants"))
    plan_fin, med, best, peak = measure(lambda: make_plan(schemes, BROWSE_SPLIT, site, mode="finish"), args.repeat)
    t = plan_fin.totals
    rows.append(("make_plan (finish)", med, best, peak, f"+{t['grants_added']:,} / -{t['grants_removed']:,} grants"))

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "plan.json"
        _, med, best, peak = measure(lambda: save_plan(plan_add, path), args.repeat)
        size = path.stat().st_size / 2**20
        rows.append(("save_plan (JSON, checksum, fsync)", med, best, peak, f"{size:.1f} MiB file"))
        _, med, best, peak = measure(lambda: load_plan(path), args.repeat)
        rows.append(("load_plan (checksum + fingerprints)", med, best, peak, ""))
        _, med, best, peak = measure(lambda: plan_to_json(plan_add), args.repeat)
        rows.append(("plan_to_json", med, best, peak, ""))

    print(table(f"Planner: {args.schemes:,} schemes x {args.grants} grants",
                ("stage", "median s", "best s", "peak MiB (tracemalloc)", "output"), rows))
    print(f"process max RSS: {max_rss_mb():.0f} MiB")
    result = {"schemes": args.schemes, "grants": args.grants,
              "rows": [dict(zip(("stage", "median_s", "best_s", "peak_mib", "output"), r)) for r in rows],
              "max_rss_mib": max_rss_mb()}
    save_results("planner", result)
    return result


if __name__ == "__main__":
    main()
