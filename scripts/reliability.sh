#!/usr/bin/env bash
# The whole reliability suite (README "Reliability"): the always-on checks plus the long runs marked
# `reliability`: fault soak (100 seeds x 2), kill -9 trials (50),
# input fuzzing (thousands of examples per loader), secrets canary. Prints each part's counts.
#   scripts/reliability.sh                 everything
#   SOAK_SEEDS=20 CRASH_TRIALS=10 scripts/reliability.sh    smaller
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${RELIABILITY_OUT:-${TMPDIR:-/tmp}/migrate-reliability}
mkdir -p "$OUT"
export SOAK_LOG="$OUT/soak.jsonl" CRASH_LOG="$OUT/crash.jsonl"
rm -f "$SOAK_LOG" "$CRASH_LOG"
"$PY" -m pytest -m "not bench" tests/reliability -p no:randomly -s -q -rfE "$@" 2>&1 | tee "$OUT/pytest.txt" \
  | grep -E "^(SOAK|CRASH|FUZZ|CANARY)|passed|failed|^FAILED|^ERROR"
exit "${PIPESTATUS[0]}"
