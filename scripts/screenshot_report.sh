#!/usr/bin/env bash
# Render a migrate change report (HTML) to a PNG with headless Chromium, with no network at all:
# the report must look right offline, exactly as a reviewer opening a mail attachment sees it.
#
#   scripts/screenshot_report.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
#
# Needs chromium (Debian: apt-get install -y chromium). Exit 3 when it is missing.
set -euo pipefail

report=${1:?usage: $0 REPORT.html [OUT.png] [WIDTHxHEIGHT]}
out=${2:-${report%.*}.png}
size=${3:-1280x1600}

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
  echo "chromium not found (Debian: apt-get install -y chromium)" >&2
  exit 3
fi

abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# A throwaway profile and every background fetch off; the proxy points nowhere so any request
# the page tried to make would fail instead of leaving the machine.
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --no-default-browser-check \
  --disable-extensions --hide-scrollbars --user-data-dir="$profile" \
  --proxy-server="127.0.0.1:9" --proxy-bypass-list="<-loopback>" \
  --window-size="${size/x/,}" --screenshot="$abs_out" "file://$abs_report" >/dev/null 2>&1 || true

if [ ! -s "$abs_out" ]; then
  echo "chromium did not write $abs_out" >&2
  exit 1
fi
echo "$abs_out"
