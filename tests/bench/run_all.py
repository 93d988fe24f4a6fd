"""Run every benchmark and print its tables (one command; results also saved as JSON).

    .venv/bin/python tests/bench/run_all.py [--quick] [--only planner,api,walltime,bulk,codemod,scopes] [--out DIR]

Full run on 2 cores: about 40-50 minutes (the 5,000-scheme site, the naive baseline and 100 local sites dominate).
--quick shrinks every size so the whole set runs in a couple of minutes (for checking the scripts).
Benchmarks never assert on time; they print numbers for README's Performance section.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

BENCHES = {
    "planner": (["bench_planner.py"], ["bench_planner.py", "--schemes", "1000", "--repeat", "1"]),
    "api": (["bench_api_efficiency.py"], ["bench_api_efficiency.py", "--sizes", "10,100"]),
    "walltime": (["bench_apply_walltime.py"], ["bench_apply_walltime.py", "--schemes", "20", "--repeat", "1"]),
    "bulk": (["bench_bulk_sites.py"], ["bench_bulk_sites.py", "--sizes", "1,3", "--schemes", "5", "--repeat", "1"]),
    "clientcpu": (["bench_client_cpu.py"], ["bench_client_cpu.py", "--requests", "200", "--repeat", "1"]),
    "codemod": (["bench_codemod.py"], ["bench_codemod.py", "--files", "2000", "--repeat", "1"]),
    "scopes": (["bench_scopes.py"], ["bench_scopes.py", "--files", "2000", "--repeat", "1"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default=",".join(BENCHES))
    ap.add_argument("--out", default=None, help="also save each benchmark's numbers as JSON in this folder")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if args.out:
        env["BENCH_RESULTS_DIR"] = args.out
    failed = []
    for name in args.only.split(","):
        full, quick = BENCHES[name]
        script = HERE / (quick if args.quick else full)[0]
        if not script.exists():
            print(f"## {name}: {script.name} not found, skipped\n", flush=True)
            continue
        cmd = [sys.executable, str(script), *(quick if args.quick else full)[1:]]
        print(f"## {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, cwd=str(ROOT), env=env)
        print(f"({name}: {time.perf_counter() - t0:.0f} s, exit {rc})\n", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
