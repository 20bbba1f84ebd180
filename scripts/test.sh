#!/usr/bin/env bash
# The template's whole test suite: extensions, questions, render matrix, end to end.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not e2e"` for the fast tiers.
# Tests run on one pytest-xdist worker per CPU, shared out as tests/conftest.py says.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
exec uv run --locked pytest -n auto --dist loadgroup --no-loadscope-reorder "$@"
