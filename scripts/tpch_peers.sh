#!/usr/bin/env bash
# TPC-H Q1, Q3, Q5 and Q6 straight from the .tbl files (SF1 by default): DuckDB, Polars, the
# example's pipeline! jobs and hand-written rayon + hashbrown code (benches/tpch_queries.rs),
# and for Q1/Q6 optionally the record types of benches/tpch_csv.rs; same files, same thread
# count, one process per run, systems alternated in each round; median wall and CPU times of
# the query alone, every answer checked against DuckDB's of the same round (at SF1 also against
# TPC-H's).
#
# Optional, for people who want the comparison; never run by the tests. Needs python3 with venv
# and network access for the first `pip install` (tpchgen-cli, duckdb, polars), into .venv
# (gitignored, shared with bench/run.sh); the data goes under bench-data/ (SF1: 960 MB).
#
#   scripts/tpch_peers.sh                      # SF1, 2 threads, 5 rounds, Q1 Q3 Q5 Q6
#   SF=0.1 THREADS=4 ROUNDS=3 QUERIES=q3,q5 scripts/tpch_peers.sh
#   SYSTEMS=duckdb,polars,csv,csv-borrowed,csv-lean,text QUERIES=q6,q1 scripts/tpch_peers.sh
#
# SYSTEMS (DuckDB first; the others are checked against it): duckdb, polars, dataflow, hand,
# and for Q1/Q6 only csv, csv-borrowed, csv-lean, text (see benches/tpch_csv.rs).
# The in-process comparisons of the project's systems alone: `cargo bench --bench
# tpch_queries` (TPCH_DIR=dir) and `cargo bench --bench tpch_csv` (LINEITEM=file).
set -euo pipefail

cd "$(dirname "$0")/.."
SF=${SF:-1}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
SYSTEMS=${SYSTEMS:-duckdb,polars,dataflow,hand}
QUERIES=${QUERIES:-q1,q3,q5,q6}
VENV=.venv   # the one bench/run.sh makes
DIR=bench-data/tpch-sf$SF
TABLES=lineitem,orders,customer,supplier,nation,region

if [ ! -x $VENV/bin/python ] || ! $VENV/bin/python -c "import duckdb, polars" 2>/dev/null ||
    [ ! -x $VENV/bin/tpchgen-cli ]; then
    python3 -m venv $VENV
    $VENV/bin/pip install --quiet tpchgen-cli duckdb polars
fi
$VENV/bin/python -c "import duckdb, polars; print(f'duckdb {duckdb.__version__}, polars {polars.__version__}')"

for table in ${TABLES//,/ }; do
    if [ ! -f "$DIR/$table.tbl" ]; then
        mkdir -p "$DIR"
        $VENV/bin/tpchgen-cli tbl -s "$SF" --tables "$TABLES" --output-dir "$DIR" --overwrite
        break
    fi
done

# A bench binary's path has a hash in it: ask cargo for it.
bench_binary() {
    cargo bench --bench "$1" --no-run --message-format=json 2>/dev/null |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[1]:
        print(m["executable"])' "$1"
}
BENCH_QUERIES=$(bench_binary tpch_queries)
BENCH_CSV=$(bench_binary tpch_csv)
if [ -z "$BENCH_QUERIES" ] || [ -z "$BENCH_CSV" ]; then
    echo "cannot build the benches: run cargo bench --bench tpch_queries --no-run (and tpch_csv)" >&2
    exit 1
fi

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $DIR ($(du -sh "$DIR" | cut -f1)), systems: $SYSTEMS"
$VENV/bin/python scripts/tpch_peers.py table "$DIR" "$THREADS" "$ROUNDS" "$SYSTEMS" "$QUERIES" \
    "$BENCH_QUERIES" "$BENCH_CSV"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
