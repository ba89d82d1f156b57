#!/usr/bin/env bash
# Parquet read + a group-by: dataflow's `read_parquet` against DuckDB and Polars reading the same
# file at the same thread count. Prints median wall and CPU times of alternating runs, and the
# ratios; checks that the three answers agree.
#
# Optional, never run by the tests. Needs python3 (with venv) and network access for the first
# `pip install` (into .venv, ignored by git).
#
#   scripts/parquet_peers.sh                       # 2e7 rows, 2 threads, 5 runs each
#   ROWS=1e8 THREADS=2 RUNS=5 scripts/parquet_peers.sh
#
# The file is bench-data/parquet-<ROWS>/brc.parquet, written by `examples/parquet --rows ROWS
# --dir bench-data/parquet-<ROWS>` (1BRC measurements, `station` string and `temperature`
# double, snappy, row groups of 128 Ki rows) if missing.
set -euo pipefail

cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
RUNS=${RUNS:-5}
ROWS=$(python3 -c "import sys; print(int(float(sys.argv[1])))" "${ROWS:-20000000}")
DIR=bench-data/parquet-$ROWS

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import duckdb, polars" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet duckdb polars
fi
.venv/bin/python -c "import duckdb, polars; print(f'duckdb {duckdb.__version__}, polars {polars.__version__}')"

cargo build --release --example parquet
EXAMPLE=target/release/examples/parquet
if [ ! -f "$DIR/brc.parquet" ]; then
    "$EXAMPLE" --rows "$ROWS" --dir "$DIR"
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $DIR/brc.parquet, $(du -h "$DIR/brc.parquet" | cut -f1), $ROWS rows"
.venv/bin/python scripts/parquet_peers.py table "$DIR/brc.parquet" "$THREADS" "$RUNS" "$EXAMPLE"
