#!/usr/bin/env bash
# Render the template with its default answers and materialize the project on its embedded
# DuckDB: `bash scripts/demo.sh [DESTINATION]` (default: ./demo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
template="$PWD"
dst="$(realpath -m "${1:-demo}")"

if [ -e "$dst" ]; then
  if [ -f "$dst/.copier-answers.yml" ] && [ -f "$dst/.demo" ]; then
    rm -rf "$dst"  # a previous demo: start again
  else
    echo "error: $dst already exists and is not a previous demo; remove it or pass another path" >&2
    exit 1
  fi
fi

uv run --locked copier copy --trust --defaults --quiet --vcs-ref HEAD \
  -d project_name="Acme Data" "$template" "$dst"
touch "$dst/.demo"
cd "$dst"
uv sync --quiet
log="$(mktemp)"
echo "Materializing every asset, partition 2025-01-01 (log: $log)"
if ! uv run dg launch --assets '*' --partition 2025-01-01 > "$log" 2>&1; then
  tail -n 40 "$log" >&2
  exit 1
fi
uv run python - <<'PY'
import duckdb

conn = duckdb.connect("data/warehouse.duckdb", read_only=True)
print("\nmarts.fct_orders: completed orders, customers and revenue per country")
for row in conn.execute(
    "SELECT country, COUNT(*), COUNT(DISTINCT customer_id), SUM(amount)"
    " FROM marts.fct_orders GROUP BY country ORDER BY country"
).fetchall():
    print("  %-3s %4d orders %3d customers %10s" % row)
print("\nanalytics.order_summary, partition 2025-01-01")
for row in conn.execute(
    "SELECT country, orders, customers, revenue FROM analytics.order_summary ORDER BY country"
).fetchall():
    print("  %-3s %4d orders %3d customers %10s" % row)
PY
echo
echo "Project rendered in $dst. Next: cd $dst && uv run dg dev"
