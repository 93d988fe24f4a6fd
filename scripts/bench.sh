#!/usr/bin/env bash
# Every benchmark, tables on stdout (README "Performance"). Not part of the test run.
#   scripts/bench.sh            full run (30-40 min on 2 cores)
#   scripts/bench.sh --quick    small sizes, to check the scripts work
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
exec "$PY" tests/bench/run_all.py "$@"
