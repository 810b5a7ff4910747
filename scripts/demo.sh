#!/usr/bin/env bash
# `make demo`: start the emulator on a free local port, run the main job on the example
# prompts/, and stop the emulator again whatever happens.
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
