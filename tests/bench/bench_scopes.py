"""Scope audit benchmark: files/s of `migrate scopes` on a generated monorepo-sized app, and the cost of
reading the operation table.

    .venv/bin/python tests/bench/bench_scopes.py [--files 20000] [--hit-rate 0.05] [--repeat 3]

The tree is one Forge app (a manifest at its root) whose files are the codemod benchmark's plain files in
every language plus, at --hit-rate, source files of the corpus apps in tests/scopes/corpus (real call
shapes: Forge, ACE, Spring Boot, Ktor, Flask, Go, Guzzle, Groovy). Timed, each the median of --repeat runs
on a warm page cache:

- importing the package and reading the vendored operation table (json.loads + path trie), in a fresh
  interpreter, each on its own;
- the audit in-process, `run([tree])`: walk, read, parse files that mention a Jira REST URL, extract,
  resolve, audit;
- the real CLI, `python -m migrate scopes TREE --json` (interpreter start-up included);
- `grep -rl rest/ TREE`, the floor: it only finds files.

Not a test (pytest does not collect bench_*.py): it prints numbers and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._common import ROOT, flush, print_machine, save_results, table  # noqa: E402
from tests.bench.bench_codemod import PLAIN, median_time  # noqa: E402

from migrate.scopes import run  # noqa: E402

CORPUS = ROOT / "tests" / "scopes" / "corpus"
CODE = (".ts", ".tsx", ".js", ".jsx", ".java", ".kt", ".py", ".go", ".php", ".groovy")


def corpus_sources() -> list[tuple[str, str]]:
    out = []
    for p in sorted(CORPUS.rglob("*")):
        if p.is_file() and p.suffix in CODE and "test" not in p.name.lower() and "__tests__" not in p.parts:
            out.append((p.suffix, p.read_text()))
    return out


def generate(root: Path, files: int, hit_rate: float, seed: int = 11) -> int:
    rng = random.Random(seed)
    hits = corpus_sources()
    plain = [e for e in PLAIN if e in CODE]
    root.mkdir(parents=True)
    (root / "manifest.yml").write_text((CORPUS / "forge-issue-triage" / "manifest.yml").read_text())
    n_hits = 0
    for i in range(files):
        d = root / "packages" / f"pkg{i % 61}" / "src" / f"mod{i % 11}"
        d.mkdir(parents=True, exist_ok=True)
        if rng.random() < hit_rate:
            ext, text = rng.choice(hits)
            n_hits += 1
        else:
            ext = rng.choice(plain)
            text = PLAIN[ext].format(i=i, j=rng.randint(0, 999)) * rng.randint(1, 6)
        (d / f"f{i}{ext}").write_text(text)
    return n_hits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--hit-rate", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated tree (its path is printed)")
    args = ap.parse_args()

    print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="bench-scopes-"))
    tree = tmp / "app"
    t0 = time.perf_counter()
    n_hits = generate(tree, args.files, args.hit_rate)
    print(f"generated {args.files:,} files ({n_hits:,} with Jira REST calls) in {time.perf_counter() - t0:.1f}s under {tree}")
    flush()
    rows = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        subprocess.run(["grep", "-rl", "rest/", str(tree)], capture_output=True)  # warm the page cache
        g_t, g_out = median_time(lambda: subprocess.run(["grep", "-rl", "rest/", str(tree)], capture_output=True, text=True), args.repeat)
        rows.append(["grep -rl rest/", args.files, len(g_out.stdout.splitlines()), "-", g_t, args.files / g_t])

        load = (
            "import time; t0 = time.perf_counter(); import migrate.scopes; from migrate.scopes.operations import table; "
            "t1 = time.perf_counter(); table(); print(t1 - t0, time.perf_counter() - t1)"
        )
        _, out = median_time(lambda: subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, env=env), args.repeat)
        t_import, t_parse = (float(x) for x in out.stdout.split())
        rows.append(["import migrate.scopes (a fresh interpreter; ast-grep included)", "-", "-", "-", t_import, "-"])
        rows.append(["read the operation table (json.loads + path trie)", "-", "-", "616 operations", t_parse, "-"])

        t, rep = median_time(lambda: run([str(tree)]), args.repeat)
        c = rep.counts()
        rows.append(["scopes, in-process", rep.files_scanned, rep.files_with_calls, f"{rep.calls:,} calls, {c['missing']} missing", t, args.files / t])

        cmd = [sys.executable, "-m", "migrate", "scopes", str(tree), "--json"]
        t, p = median_time(lambda: subprocess.run(cmd, capture_output=True, text=True, env=env), args.repeat)
        if p.returncode != 0:
            raise SystemExit(f"CLI failed ({p.returncode}): {p.stderr[-2000:]}")
        rows.append(["migrate scopes --json (CLI)", args.files, "-", "-", t, args.files / t])
    finally:
        if args.keep:
            print(f"tree kept at {tree}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        table(
            f"scope audit on {args.files:,} files ({n_hits:,} with Jira REST calls), median of {args.repeat}",
            ["what", "files scanned", "files with calls", "calls", "seconds", "files/s"],
            rows,
        )
    )
    save_results("bench_scopes", {"files": args.files, "hits": n_hits, "rows": rows})


if __name__ == "__main__":
    main()
