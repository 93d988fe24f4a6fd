"""Codemod benchmark: the CLI on a generated git tree, beside grep on the same tree with the same exclusions,
and the CLI's start-up beside the interpreter's.

    .venv/bin/python tests/bench/bench_codemod.py [--files 50000] [--hit-rates 0.001,0.015] [--repeat 5]

The tree is a git repository (files committed) with a .gitignore (a generated folder, log files), vendored
folders (node_modules, vendor) and the languages the codemod handles, plus some it skips (Markdown). A
share of the files (--hit-rates: few, then many) name BROWSE_PROJECTS in realistic shapes (copied from
tests/codemod/sample_app). Timed on a warm page cache, whole processes (start-up included), each figure the
median of --repeat runs, the CLI and grep run in turn so that the ratio is taken pair by pair:

- `migrate codemod TREE --check --json`, the real CLI (ripgrep prefilter when installed), wall and CPU time
  (user + system, ripgrep's included);
- `grep -rl -F -e BROWSE -e rowse` with --exclude-dir/--exclude for the same folders and files the codemod
  leaves out (VCS, vendored, .gitignore'd): the floor, it only lists files; `git grep -l` beside it;
- in-process `run(paths, mode="check")` with each prefilter (ripgrep, Python), for the library's share.

Peak RSS is the largest single process of the run (the operating system's account, not tracemalloc).
Bytecode is compiled first, as it is after any first run. Not a test (pytest does not collect bench_*.py):
it prints numbers and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import ROOT, compile_package, flush, print_machine, save_results, table  # noqa: E402

from migrate.codemod import run  # noqa: E402
from migrate.codemod.scanner import VCS_DIRS, VENDORED_DIRS  # noqa: E402

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


GITIGNORE = ["/generated/", "*.log"]


def generate(root: Path, files: int, hit_rate: float, seed: int = 7) -> int:
    """A git repository of `files` files; returns how many of the files the codemod reads name the key."""
    rng = random.Random(seed)
    hits = sample_hits()
    exts = list(PLAIN)
    n_hits = 0
    root.mkdir(parents=True)
    (root / ".gitignore").write_text("".join(line + "\n" for line in GITIGNORE))
    for i in range(files):
        d = root / f"pkg{i % 97}" / f"mod{i % 13}"
        skipped = True
        if i % 211 == 0:
            d = root / "node_modules" / f"lib{i % 7}"  # vendored
        elif i % 307 == 0:
            d = root / "vendor" / f"v{i % 5}"  # vendored
        elif i % 401 == 0:
            d = root / "generated" / f"g{i % 3}"  # .gitignore'd folder
        else:
            skipped = False
        d.mkdir(parents=True, exist_ok=True)
        if i % 503 == 0:
            (d / f"run{i}.log").write_text("BROWSE_PROJECTS in a log line\n")  # .gitignore'd file
            continue
        if rng.random() < hit_rate:
            ext, text = rng.choice(hits)
            n_hits += not skipped
        else:
            ext = rng.choice(exts)
            text = PLAIN[ext].format(i=i, j=rng.randint(0, 999)) * rng.randint(1, 6)
        name = "manifest_" if ext in (".yml",) else "f"
        (d / f"{name}{i}{ext}").write_text(text)
    git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "tree"], check=True)
    return n_hits


def grep_cmd(tree: Path) -> list[str]:
    """grep over the same files the codemod walks: VCS, vendored and .gitignore'd folders and files left out."""
    dirs = sorted(VCS_DIRS | VENDORED_DIRS | {g.strip("/") for g in GITIGNORE if g.endswith("/")})
    return ["grep", "-rl", "-F", "-e", "BROWSE", "-e", "rowse", *[f"--exclude-dir={d}" for d in dirs],
            *[f"--exclude={g}" for g in GITIGNORE if not g.endswith("/")], str(tree)]


def git_grep_cmd(tree: Path) -> list[str]:
    return ["git", "-C", str(tree), "grep", "-l", "-F", "-e", "BROWSE", "-e", "rowse"]


def migrate_cmd(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("migrate")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "migrate", *args]


def timed_process(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one whole process; CPU is user + system time of the process
    and of the children it waited for (ripgrep), as the operating system accounts them."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    code = subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), code


def peak_rss(cmd: list[str]) -> float | str:
    """Peak RSS (MiB) of the largest process of one run of `cmd`, as GNU time reads it from the kernel.

    Not this script's own wait4(): a child's high-water mark starts at its parent's at fork, so it would
    never read below this script's size."""
    gnu_time = Path("/usr/bin/time")
    if not gnu_time.exists() or sys.platform != "linux":
        return "n/a"
    p = subprocess.run([str(gnu_time), "-f", "%M", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    return int(p.stderr.strip().splitlines()[-1]) / 1024


def paired(cmd: list[str], base: list[str], repeat: int) -> dict:
    """Run `cmd` and `base` in turn `repeat` times: medians of wall and CPU time, and the medians of the
    pairwise ratios (CPU time moves less than wall time with the machine's load)."""
    runs = []
    for _ in range(repeat):
        wa, ca, code = timed_process(cmd)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({code})")
        wb, cb, _ = timed_process(base)
        runs.append((wa, ca, wb, cb))
    med = [statistics.median(r[i] for r in runs) for i in range(4)]
    return {
        "seconds": med[0], "cpu": med[1], "base": med[2], "base_cpu": med[3],
        "ratio": statistics.median(r[0] / r[2] for r in runs), "cpu_ratio": statistics.median(r[1] / r[3] for r in runs),
        "rss": peak_rss(cmd),
    }


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_tree(files: int, hit_rate: float, repeat: int, jobs: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-codemod-"))
    tree = tmp / "tree"
    try:
        t0 = time.perf_counter()
        n_hits = generate(tree, files, hit_rate)
        print(f"generated {files:,} files ({n_hits:,} naming BROWSE_PROJECTS where the codemod reads) in {time.perf_counter() - t0:.1f}s")
        flush()
        grep = grep_cmd(tree)
        cli_cmd = migrate_cmd("codemod", str(tree), "--check", "--json")
        os.sync()  # the generated files and git's objects on disk, not being written back while timed
        for cmd in (grep, git_grep_cmd(tree), cli_cmd):  # warm the page cache
            subprocess.run(cmd, capture_output=True)
        grep_files = len(subprocess.run(grep, capture_output=True).stdout.splitlines())
        cli = paired(cli_cmd, grep, repeat)
        git_grep = paired(git_grep_cmd(tree), grep, repeat)
        rep = run([str(tree)], mode="check", jobs=jobs)
        c = rep.counts()
        rows = [
            [f"`grep -rl` (same exclusions), {grep_files:,} files listed", "", cli["base"], 1.0, cli["base_cpu"], 1.0, "", ""],
            ["`git grep -l`", "", git_grep["seconds"], git_grep["ratio"], git_grep["cpu"], git_grep["cpu_ratio"], "", ""],
            [f"`migrate codemod --check` (CLI, start-up included), {jobs} workers", f"{rep.files_scanned:,} / {rep.files_matched:,}",
             cli["seconds"], cli["ratio"], cli["cpu"], cli["cpu_ratio"], cli["rss"], "at most 2x grep"],
        ]
        for prefilter in ("ripgrep", "python"):
            t, _ = median_time(lambda: run([str(tree)], mode="check", jobs=jobs, prefilter=prefilter), repeat)
            rows.append([f"`run()` in-process, {prefilter} prefilter", "", t, t / cli["base"], "", "", "", ""])
        return {
            "files": files, "hit_rate": hit_rate, "hits": n_hits, "rows": rows,
            "sites": f"{c['rewritten']}/{c['needs-review']}/{c['report-only']}",
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_startup(repeat: int) -> list[list]:
    """Whole-process medians of the CLI's start-up beside its floors (the interpreter, the interpreter + typer)."""
    cmds = [
        ("`python -c pass`", [sys.executable, "-c", "pass"]),
        ("`python -c 'import typer'`", [sys.executable, "-c", "import typer"]),
        ("`migrate --version`", migrate_cmd("--version")),
        ("`migrate --help`", migrate_cmd("--help")),
        ("`migrate codemod --help`", migrate_cmd("codemod", "--help")),
    ]
    times: dict[str, list[float]] = {name: [] for name, _ in cmds}
    for _ in range(repeat):
        for name, cmd in cmds:  # in turn, so a slow moment of the machine hits every command alike
            times[name].append(timed_process(cmd)[0])
    rss = {name: peak_rss(cmd) for name, cmd in cmds}
    med = {name: statistics.median(v) for name, v in times.items()}
    floor, typer_floor = med["`python -c pass`"], med["`python -c 'import typer'`"]
    return [
        [name, med[name] * 1000, med[name] / floor, med[name] / typer_floor, rss[name], "under 150 ms" if name.startswith("`migrate") else ""]
        for name, _ in cmds
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--hit-rates", default="0.001,0.015", help="comma-separated shares of files naming the key")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    print_machine()
    compile_package()
    startup = bench_startup(max(args.repeat, 11))
    print()
    print(table(f"start-up, median of {max(args.repeat, 11)} whole processes", ["command", "ms", "vs python", "vs python + typer", "peak RSS MiB", "target"], startup))
    flush()
    trees = []
    for rate in (float(r) for r in args.hit_rates.split(",")):
        res = bench_tree(args.files, rate, args.repeat, args.jobs)
        trees.append(res)
        print()
        print(table(
            f"codemod on {args.files:,} files, {res['hits']:,} naming BROWSE_PROJECTS ({res['sites']} sites rewritten/review/report), median of {args.repeat}",
            ["what", "files scanned / with the key", "seconds", "vs grep", "CPU seconds", "CPU vs grep", "peak RSS MiB", "target"],
            res["rows"],
        ))
        flush()
    print("vs grep: the median of run-by-run ratios (the CLI and grep run in turn); in-process rows divide by grep's median.")
    print("CPU: user + system seconds of the process and the children it waited for (ripgrep).")
    save_results("bench_codemod", {"startup": startup, "trees": trees})


if __name__ == "__main__":
    main()
