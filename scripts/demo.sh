#!/usr/bin/env bash
# `make demo`: the main job on the example prompts/.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step promptsync validate
step promptsync schema prompt | head -n 12
