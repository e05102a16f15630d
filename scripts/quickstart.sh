#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build, and compress a real
# sample of tool output with the embedded default model (models/kompress-mini). The compressed
# text goes to stdout, a one-line summary to stderr. The original is kept in a CCR store under
# build/, so the quickstart leaves nothing in your home folder.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

build/bin/kompress compress --json --ccr-db build/quickstart-ccr.sqlite3 samples/tool-output.txt |
  /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
print(r["compressed"])
r["key"] = r["cache_key"] or "(not stored)"
print("\nkompress: {file}: {original_tokens} words -> {compressed_tokens} ({savings_percentage:.0f}%"
      " saved) with {model_used}; the original: build/bin/kompress retrieve {key}"
      " --ccr-db build/quickstart-ccr.sqlite3".format(**r), file=sys.stderr)'
