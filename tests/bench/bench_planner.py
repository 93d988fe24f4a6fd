"""Planner benchmark: 10,000 schemes x 50 grants, from the REST JSON to a saved plan, loading it back,
and `migrate show` of it, each in a fresh process so its peak RSS is its own.

    .venv/bin/python tests/bench/bench_planner.py [--schemes 10000] [--grants 50] [--repeat 3]

- plan: the body of GET /permissionscheme?expand=permissions as the site sends it (bytes in memory, as the
  client holds them), decoded into the model, planned (add mode) and saved (checksum, fsync); the time of
  each step and of all three, and the process's peak RSS (the body included);
- finish: the same with a finish plan (made from the add plan's after-state);
- load: what apply, verify and rollback do before any request: load the plan file (checksum over its
  bytes, typed decoding) and re-derive every scheme's operations;
- show: `migrate show PLAN` through the CLI, output to a pipe (interpreter start-up included).
Times are the median of --repeat runs (each a new process); RSS is the largest of them. tracemalloc is
never on (it slows the code down and misses what C code allocates).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import ROOT, compile_package, flush, print_machine, save_results, table  # noqa: E402

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


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM): unlike ru_maxrss, not inherited from the process that
    started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def site_info():
    from migrate.model import PermissionInfo, SiteInfo

    return SiteInfo(url="https://acme.atlassian.net", base_url="https://acme.atlassian.net", deployment_type="Cloud",
                    version="1001.0.0", server_title="Acme", api_version="3",
                    permissions={k: PermissionInfo(k, k, "PROJECT") for k in KEYS})


# --------------------------------------------------------------------------- the measured processes

_PLAN = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tests.bench.bench_planner import peak_rss_mib, site_info
from migrate.model import parse_scheme_list, Scheme
from migrate.plan import make_plan
from migrate.planfile import save_plan
from migrate.rules import BROWSE_SPLIT
body = open(sys.argv[2], "rb").read()  # the response body, as the client holds it
mode = sys.argv[4]
t0 = time.perf_counter()
schemes = parse_scheme_list(body)
decode = time.perf_counter() - t0
if mode == "finish":  # made from the add plan's after-state (not timed)
    add = make_plan(schemes, BROWSE_SPLIT, site_info(), mode="add")
    after = {c.scheme_id: c.after() for c in add.changes}
    schemes = [Scheme(s.id, s.name, after.get(s.id, s.grants)) for s in schemes]
    del add, after
t1 = time.perf_counter()
plan = make_plan(schemes, BROWSE_SPLIT, site_info(), mode=mode)
t2 = time.perf_counter()
save_plan(plan, sys.argv[3])
t3 = time.perf_counter()
t = plan.totals
print(json.dumps({"decode": decode, "plan": t2 - t1, "save": t3 - t2, "total": decode + (t3 - t1),
                  "rss_mib": peak_rss_mib(),
                  "added": t["grants_added"], "removed": t["grants_removed"], "changed": t["schemes_changed"]}))
"""

_BODY = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.bench.bench_planner import make_schemes_json
data = json.dumps({"permissionSchemes": make_schemes_json(int(sys.argv[3]), int(sys.argv[4]))}).encode()
open(sys.argv[2], "wb").write(data)
print("{}")
"""

_LOAD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tests.bench.bench_planner import peak_rss_mib
from migrate.planfile import load_plan
from migrate.rederive import rederive
t0 = time.perf_counter()
plan = load_plan(sys.argv[2])
t1 = time.perf_counter()
rederive(plan)
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "rederive": t2 - t1, "total": t2 - t0,
                  "rss_mib": peak_rss_mib()}))
"""


def _child(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, str(ROOT), *args], capture_output=True, text=True, cwd=str(ROOT))
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _show(plan: Path) -> dict:
    t0 = time.perf_counter()
    # the bench process is small when it starts the CLI (the body is made in another process), so the
    # peak RSS wait4 reports is the CLI's own
    p = subprocess.Popen([sys.executable, "-m", "migrate", "show", str(plan)], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, cwd=str(ROOT), env=dict(os.environ, PYTHONPATH=str(ROOT)))
    size = 0
    for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
        size += len(chunk)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("migrate show failed")
    return {"total": seconds, "rss_mib": usage.ru_maxrss / 1024, "output_mib": size / 2**20}


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schemes", type=int, default=10_000)
    ap.add_argument("--grants", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    print_machine()
    compile_package()
    print(f"input: {args.schemes:,} schemes x {args.grants} grants = {args.schemes * args.grants:,} grants; "
          f"median of {args.repeat} runs, each in a new process; peak RSS of the process (largest run)\n")
    flush()
    with tempfile.TemporaryDirectory() as d:
        body = Path(d) / "schemes.json"
        _child(_BODY, str(body), str(args.schemes), str(args.grants))  # made elsewhere: this process stays small
        plan_path, finish_path = Path(d) / "plan.json", Path(d) / "finish.json"
        plans = [_child(_PLAN, str(body), str(plan_path), "add") for _ in range(args.repeat)]
        finishes = [_child(_PLAN, str(body), str(finish_path), "finish") for _ in range(args.repeat)]
        loads = [_child(_LOAD, str(plan_path)) for _ in range(args.repeat)]
        shows = [_show(plan_path) for _ in range(args.repeat)]
        size = plan_path.stat().st_size / 2**20
        body_mib = body.stat().st_size / 2**20
    p0, f0 = plans[0], finishes[0]
    rows = [
        ("plan: decode the REST JSON", _median(plans, "decode"), "", f"{body_mib:.0f} MiB body"),
        ("plan: make the plan (add mode)", _median(plans, "plan"), "",
         f"{p0['changed']:,} schemes, +{p0['added']:,} grants"),
        ("plan: save it (checksum, fsync)", _median(plans, "save"), "", f"{size:.1f} MiB file"),
        ("REST JSON to a saved plan", _median(plans, "total"), max(r["rss_mib"] for r in plans), ""),
        ("finish plan: decode, make and save", _median(finishes, "total"), "",
         f"-{f0['removed']:,} grants"),
        ("load: checksum and typed decoding", _median(loads, "load"), "", ""),
        ("load: re-derive every scheme", _median(loads, "rederive"), "", ""),
        ("load and re-derive (before apply, verify, rollback)", _median(loads, "total"), max(r["rss_mib"] for r in loads), ""),
        ("`migrate show PLAN` (CLI, start-up included)", _median(shows, "total"), max(r["rss_mib"] for r in shows),
         f"{shows[0]['output_mib']:.1f} MiB of diff"),
    ]
    print(table(f"Planner: {args.schemes:,} schemes x {args.grants} grants",
                ("stage", "median s", "peak RSS MiB", "output"), rows))
    result = {"schemes": args.schemes, "grants": args.grants, "plan_runs": plans, "finish_runs": finishes,
              "load_runs": loads, "show_runs": shows, "plan_file_mib": size, "body_mib": body_mib,
              "rows": [dict(zip(("stage", "median_s", "rss_mib", "output"), r)) for r in rows]}
    save_results("planner", result)
    return result


if __name__ == "__main__":
    main()
