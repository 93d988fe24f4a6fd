"""Codemod benchmark: files/s on a generated tree, beside `grep -rl BROWSE_PROJECTS` on the same tree.

    .venv/bin/python tests/bench/bench_codemod.py [--files 50000] [--hit-rate 0.015] [--jobs N] [--repeat 3]

The tree mixes the languages the codemod handles (plus some it skips: Markdown, a node_modules tree);
about --hit-rate of the files name BROWSE_PROJECTS in realistic shapes (copied from
tests/codemod/sample_app). Timed, each the median of --repeat runs on a warm page cache:

- the codemod in-process, `run(paths, mode="check")`, with 1 worker and with --jobs workers;
- the real CLI, `python -m migrate codemod TREE --check --json` (interpreter start-up included);
- `grep -rl BROWSE_PROJECTS TREE`, the floor: it only finds files, it does not parse or classify.

Not a test (pytest does not collect bench_*.py): it prints numbers and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import ROOT, flush, print_machine, save_results, table  # noqa: E402

from migrate.codemod import run  # noqa: E402

SAMPLE = ROOT / "tests" / "codemod" / "sample_app"
PLAIN = {
    ".ts": "export function f{i}(x: number): number {{\n  // helper {i}\n  return x * {i} + {j};\n}}\n",
    ".js": "module.exports.f{i} = function (x) {{\n  return [x, {i}, {j}].map((v) => v + 1);\n}};\n",
    ".py": "def f{i}(x):\n    \"\"\"Helper {i}.\"\"\"\n    return x * {i} + {j}\n",
    ".java": "package p{j};\n\npublic class C{i} {{\n    int f(int x) {{ return x * {i}; }}\n}}\n",
    ".kt": "package p{j}\n\nfun f{i}(x: Int): Int = x * {i} + {j}\n",
    ".go": "package p{j}\n\nfunc F{i}(x int) int {{\n\treturn x * {i}\n}}\n",
    ".php": "<?php\nfunction f{i}($x) {{ return $x * {i} + {j}; }}\n",
    ".groovy": "def f{i}(x) {{\n    x * {i} + {j}\n}}\n",
    ".json": '{{"name": "item-{i}", "values": [{i}, {j}], "enabled": true}}\n',
    ".yml": "name: item-{i}\nvalues:\n  - {i}\n  - {j}\n",
    ".tf": 'resource "null_resource" "r{i}" {{\n  triggers = {{ v = "{j}" }}\n}}\n',
    ".md": "# Note {i}\n\nSome text {j}.\n",
}


def sample_hits() -> list[tuple[str, str]]:
    hits = []
    for p in sorted(SAMPLE.rglob("*")):
        rel = p.relative_to(SAMPLE)
        if p.is_file() and not any(part in ("node_modules", "dist", "generated", "legacy") for part in rel.parts) and p.suffix not in (".md", ""):
            text = p.read_text()
            if "BROWSE_PROJECTS" in text:
                hits.append((p.suffix, text))
    return hits


def generate(root: Path, files: int, hit_rate: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    hits = sample_hits()
    exts = list(PLAIN)
    n_hits = 0
    for i in range(files):
        d = root / f"pkg{i % 97}" / f"mod{i % 13}"
        if i % 211 == 0:
            d = root / "node_modules" / f"lib{i % 7}"  # vendored: skipped by the codemod
        d.mkdir(parents=True, exist_ok=True)
        if rng.random() < hit_rate:
            ext, text = rng.choice(hits)
            n_hits += 1
        else:
            ext = rng.choice(exts)
            text = PLAIN[ext].format(i=i, j=rng.randint(0, 999)) * rng.randint(1, 6)
        name = "manifest_" if ext in (".yml",) else "f"
        (d / f"{name}{i}{ext}").write_text(text)
    return n_hits


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--hit-rate", type=float, default=0.015)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated tree (its path is printed)")
    args = ap.parse_args()

    print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="bench-codemod-"))
    tree = tmp / "tree"
    t0 = time.perf_counter()
    n_hits = generate(tree, args.files, args.hit_rate)
    print(f"generated {args.files:,} files ({n_hits:,} naming BROWSE_PROJECTS) in {time.perf_counter() - t0:.1f}s under {tree}")
    flush()
    rows = []
    try:
        # warm the page cache once, as every timed run after the first would be
        subprocess.run(["grep", "-rl", "BROWSE_PROJECTS", str(tree)], capture_output=True)

        g_t, g_out = median_time(lambda: subprocess.run(["grep", "-rl", "BROWSE_PROJECTS", str(tree)], capture_output=True, text=True), args.repeat)
        g_files = len(g_out.stdout.splitlines())
        rows.append(["grep -rl BROWSE_PROJECTS", args.files, g_files, "-", g_t, args.files / g_t])

        for jobs in sorted({1, args.jobs}):
            t, rep = median_time(lambda: run([str(tree)], mode="check", jobs=jobs), args.repeat)
            c = rep.counts()
            sites = f"{c['rewritten']}/{c['needs-review']}/{c['report-only']}"
            rows.append([f"codemod --check, in-process, jobs={jobs}", rep.files_scanned, rep.files_matched, sites, t, args.files / t])

        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "migrate", "codemod", str(tree), "--check", "--json", "--jobs", str(args.jobs)]
        t, p = median_time(lambda: subprocess.run(cmd, capture_output=True, text=True, env=env), args.repeat)
        if p.returncode not in (0, 1):
            raise SystemExit(f"CLI failed ({p.returncode}): {p.stderr[-2000:]}")
        rows.append([f"migrate codemod --check (CLI), jobs={args.jobs}", args.files, "-", "-", t, args.files / t])
    finally:
        if args.keep:
            print(f"tree kept at {tree}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        table(
            f"codemod on {args.files:,} files ({n_hits:,} with BROWSE_PROJECTS), median of {args.repeat}",
            ["what", "files scanned", "files matched", "sites (rw/review/report)", "seconds", "files/s"],
            rows,
        )
    )
    print("files/s is the generated tree's file count divided by wall time (grep and the CLI walk every file;")
    print("the codemod skips node_modules and unsupported files before reading them).")
    save_results("bench_codemod", {"files": args.files, "hits": n_hits, "rows": rows})


if __name__ == "__main__":
    main()
