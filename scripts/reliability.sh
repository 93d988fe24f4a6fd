#!/usr/bin/env bash
# The whole reliability suite (README "Reliability"): the always-on checks plus the long runs marked
# `reliability`: fault soak (100 seeds x 2 concurrencies), kill -9 trials (50), input fuzzing
# (1,500-3,000 examples per target), secrets canary, and the lifecycle model (200 random sequences of
# plan / apply / rollback / other admins' edits from two machines). Prints each part's counts
# (SOAK/CRASH/FUZZ/CANARY/MODEL lines), the slowest tests and the pytest summary. About 20 minutes on 2 cores.
#   scripts/reliability.sh                                  everything
#   SOAK_SEEDS=20 CRASH_TRIALS=10 MODEL_EXAMPLES=40 scripts/reliability.sh    smaller
#   scripts/reliability.sh -k soak                          one part (extra args go to pytest)
# Full pytest output: $RELIABILITY_OUT/pytest.txt; per-run records: soak.jsonl, crash.jsonl there.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${RELIABILITY_OUT:-${TMPDIR:-/tmp}/migrate-reliability}
mkdir -p "$OUT"
export SOAK_LOG="$OUT/soak.jsonl" CRASH_LOG="$OUT/crash.jsonl" MODEL_LOG="$OUT/model.json"
rm -f "$SOAK_LOG" "$CRASH_LOG" "$MODEL_LOG"
start=$SECONDS
"$PY" -m pytest -m "not bench" tests/reliability -p no:randomly -s -rfE --durations=10 "$@" 2>&1 \
  | tee "$OUT/pytest.txt" \
  | grep --line-buffered -E "^(SOAK|CRASH|FUZZ|CANARY|MODEL)|^[0-9.]+s (call|setup|teardown)|slowest|passed|failed|^FAILED|^ERROR"
rc=${PIPESTATUS[0]}
echo "reliability: exit $rc in $((SECONDS - start)) s; full output $OUT/pytest.txt; records $SOAK_LOG, $CRASH_LOG, $MODEL_LOG"
exit "$rc"
