#!/usr/bin/env bash
# The template's whole test suite: extensions, questions, render matrix, end to end.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not e2e"` for the fast tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
exec uv run --locked pytest "$@"
