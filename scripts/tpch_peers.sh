#!/usr/bin/env bash
# TPC-H Q1 and Q6 straight from lineitem.tbl (SF1 by default): typed read_csv, read_text with a
# hand split (benches/tpch_csv.rs), DuckDB and Polars, same file, same thread count, one process
# per run, systems alternated in each round; median wall and CPU times of the query alone, and
# answers checked (at SF1, against TPC-H's).
#
# Optional, for people who want the comparison; never run by the tests. Needs python3 with venv
# and network access for the first `pip install` (tpchgen-cli, duckdb, polars), into its own
# virtual environment under bench-data/ (gitignored), where the data goes too.
#
#   scripts/tpch_peers.sh                      # SF1, 2 threads, 5 rounds
#   SF=0.1 THREADS=4 ROUNDS=3 scripts/tpch_peers.sh
#
# The in-process comparison of the project's systems alone is `cargo bench --bench tpch_csv`
# (LINEITEM=path to use another file).
set -euo pipefail

cd "$(dirname "$0")/.."
SF=${SF:-1}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
VENV=bench-data/venv-tpch
DIR=bench-data/tpch-sf$SF
FILE=$DIR/lineitem.tbl

if [ ! -x $VENV/bin/python ] || ! $VENV/bin/python -c "import duckdb, polars" 2>/dev/null ||
    [ ! -x $VENV/bin/tpchgen-cli ]; then
    python3 -m venv $VENV
    $VENV/bin/pip install --quiet tpchgen-cli duckdb polars
fi
$VENV/bin/python -c "import duckdb, polars; print(f'duckdb {duckdb.__version__}, polars {polars.__version__}')"

if [ ! -f "$FILE" ]; then
    mkdir -p "$DIR"
    $VENV/bin/tpchgen-cli tbl -s "$SF" --tables lineitem --output-dir "$DIR"
fi

# The bench binary's path has a hash in it: ask cargo for it.
BENCH=$(cargo bench --bench tpch_csv --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "tpch_csv":
        print(m["executable"])')
if [ -z "$BENCH" ]; then
    echo "cannot build benches/tpch_csv.rs: run cargo bench --bench tpch_csv --no-run" >&2
    exit 1
fi

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $FILE ($(stat -c %s "$FILE") bytes)"
$VENV/bin/python scripts/tpch_peers.py table "$FILE" "$THREADS" "$ROUNDS" "$BENCH"
