#!/usr/bin/env bash
# `make demo`: start the emulator on a free local port, run the main job on the example
# prompts and datasets, show `plan --impact` on a breaking change with recorded calls and
# `plan --eval` on a change that makes answers worse (Freeplay; the emulator's model endpoints
# answer), and stop the emulator again whatever happens.
#   scripts/demo.sh              Freeplay: prompts/ and promptsync.yaml at the repository root
#   scripts/demo.sh promptlayer  PromptLayer: examples/promptlayer/ (also: make demo BACKEND=promptlayer)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-${DEMO_BACKEND:-freeplay}}"

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

key="demo-key-$RANDOM$RANDOM"
case "$backend" in
  freeplay)
    export FREEPLAY_API_KEY="$key"
    export FREEPLAY_PROJECT_ID="8f93dd00-2eb5-4ba2-9354-86d5c6831dfd"
    flags=(--project-id "$FREEPLAY_PROJECT_ID")
    ;;
  promptlayer)
    export PROMPTLAYER_API_KEY="$key"
    flags=(--backend promptlayer)
    ;;
  *)
    echo "usage: $0 [freeplay|promptlayer]" >&2
    exit 1
    ;;
esac

promptsync emulator --port 0 --db "$work/emulator.sqlite" --ready-file "$work/url" \
  --api-key "$key" "${flags[@]}" > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 300); do
  [ -s "$work/url" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log"; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "the emulator did not start" >&2; exit 1; }
url=$(cat "$work/url")
if [ "$backend" = promptlayer ]; then
  export PROMPTLAYER_API_URL="$url"
  cd examples/promptlayer
  echo "PromptLayer emulator running at $PROMPTLAYER_API_URL (state in a temporary directory)"
else
  export FREEPLAY_API_URL="$url"
  echo "Emulator running at $FREEPLAY_API_URL (state in a temporary directory)"
fi
# Evaluation calls the models through the official SDKs: here, the emulator's model endpoints.
export ANTHROPIC_BASE_URL="$url" ANTHROPIC_API_KEY="demo-model-key"
export OPENAI_BASE_URL="$url/v1" OPENAI_API_KEY="demo-model-key"

step promptsync validate
step promptsync plan
step promptsync apply --auto-approve
step promptsync plan

[ "$backend" = freeplay ] || exit 0  # plan --impact needs recorded calls (Freeplay's search)

# Impact: an application records a few calls of support_agent in prod, then a changed copy of
# the prompts makes `tone` newly required: the plan says how many of those calls would break.
step python scripts/record_calls.py
changed="$work/changed"
mkdir -p "$changed"
cp -R promptsync.yaml prompts datasets evals "$changed/"
python - "$changed/prompts/support_agent.yaml" <<'PY'
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text().replace("      Knowledge base:\n", "      Answer in a {{tone}} tone.\n\n      Knowledge base:\n")
path.write_text(text.replace("variables:\n", "variables:\n  tone: {example: friendly}\n"))
PY
printf '\n\033[1m$ cd %s  # a copy where support_agent now requires {{tone}}\033[0m\n' "$changed"
(cd "$changed" && step promptsync plan --impact)

# Evaluation: the same copy also asks for long answers; its eval file wants short ones. The
# plan runs the new version and prod's over datasets/support_cases.yaml and compares them.
python - "$changed/prompts/support_agent.yaml" <<'PY'
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text()
path.write_text(text.replace('content: "{{question}}"', 'content: "{{question}} Please answer in detail, with examples."'))
PY
printf '\n\033[1m$ cd %s  # support_agent now asks for long answers\033[0m\n' "$changed"
(cd "$changed" && step promptsync plan --eval) && code=0 || code=$?
echo "(exit $code: 3 means the evaluation gate failed — one check regressed, on purpose)"
# The real prompts/ still match the remote.
step promptsync plan
