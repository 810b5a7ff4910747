#!/usr/bin/env bash
# `make demo`: start the emulator on a free local port, run the main job on the example
# prompts/, show `plan --impact` on a breaking change with recorded calls, and stop the
# emulator again whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

export FREEPLAY_API_KEY="demo-key-$RANDOM$RANDOM"
export FREEPLAY_PROJECT_ID="8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"

promptsync emulator --port 0 --db "$work/emulator.sqlite" --ready-file "$work/url" \
  --api-key "$FREEPLAY_API_KEY" --project-id "$FREEPLAY_PROJECT_ID" > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 300); do
  [ -s "$work/url" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log"; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "the emulator did not start" >&2; exit 1; }
export FREEPLAY_API_URL
FREEPLAY_API_URL=$(cat "$work/url")
echo "Emulator running at $FREEPLAY_API_URL (state in a temporary directory)"

step promptsync validate
step promptsync plan
step promptsync apply --auto-approve
step promptsync plan

# Impact: an application records a few calls of support_agent in prod, then a changed copy of
# the prompts makes `tone` newly required: the plan says how many of those calls would break.
step python scripts/record_calls.py
changed="$work/changed"
mkdir -p "$changed"
cp -R promptsync.yaml prompts "$changed/"
python - "$changed/prompts/support_agent.yaml" <<'PY'
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text().replace("      Knowledge base:\n", "      Answer in a {{tone}} tone.\n\n      Knowledge base:\n")
path.write_text(text.replace("variables:\n", "variables:\n  tone: {example: friendly}\n"))
PY
printf '\n\033[1m$ cd %s  # a copy where support_agent now requires {{tone}}\033[0m\n' "$changed"
(cd "$changed" && step promptsync plan --impact)
# The real prompts/ still match the remote.
step promptsync plan
