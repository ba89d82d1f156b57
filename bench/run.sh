#!/usr/bin/env bash
# The whole comparison in one command: dataflow, hand-written Rust, DuckDB and Polars on every
# workload (1BRC, word count, TPC-H Q1/Q3/Q5/Q6, h2o group-by q1..q10 and join j1..j5),
# alternating, each run in its own process under /usr/bin/time -v, every answer checked
# against DuckDB's (and TPC-H's at SF1); rewrites the results table of BENCHMARKS.md.
#
#   bench/run.sh                 # full sizes: 1BRC 1e8 rows, 512 MB of text, SF1, h2o 1e7 rows
#   QUICK=1 bench/run.sh         # small sizes, a few minutes
#   THREADS=2 ROUNDS=3 WORKLOADS=h2o,tpch bench/run.sh   # some workloads only: 1brc, wordcount,
#                                # tpch, h2o (both), h2ogroupby, h2ojoin (name prefixes)
#   WRITE=0 bench/run.sh         # print the table, leave BENCHMARKS.md alone
#   python3 bench/run.py --self-test   # tests the table's merge (standard library only)
#
# The table has a section per workload, each saying when and how it was measured. A run
# rewrites the sections of the workloads it ran and keeps the others (bench/table.py); it
# writes after each workload, so that a run stopped early keeps what it measured.
#
# Needs the Rust toolchain, python3 with venv, network access the first time (pip installs
# duckdb, polars and tpchgen-cli into .venv, git-ignored), /usr/bin/time (apt-get install -y
# time) and a few GB of disk under bench-data/ (git-ignored). The tests never need any of this.
set -euo pipefail
cd "$(dirname "$0")/.."

# The command as given (the settings the caller chose), for the line above each table.
COMMAND=""
for name in QUICK WORKLOADS ROUNDS THREADS BRC_ROWS WORDCOUNT_MB TPCH_SF TPCH_QUERIES H2O_ROWS; do
    value=${!name:-}
    [ -z "$value" ] && continue
    [[ $value =~ ^[A-Za-z0-9_.,-]+$ ]] || value="'$value'"
    COMMAND+="$name=$value "
done
export COMMAND="${COMMAND}bench/run.sh"

export QUICK=${QUICK:-0}
export THREADS=${THREADS:-2}
export ROUNDS=${ROUNDS:-3}
if [ "$QUICK" = 1 ]; then
    export BRC_ROWS=${BRC_ROWS:-1e7} WORDCOUNT_MB=${WORDCOUNT_MB:-64} TPCH_SF=${TPCH_SF:-0.1} H2O_ROWS=${H2O_ROWS:-1e6}
else
    export BRC_ROWS=${BRC_ROWS:-1e8} WORDCOUNT_MB=${WORDCOUNT_MB:-512} TPCH_SF=${TPCH_SF:-1} H2O_ROWS=${H2O_ROWS:-1e7}
fi
export TPCH_QUERIES=${TPCH_QUERIES:-q1,q3,q5,q6}

if [ ! -x /usr/bin/time ]; then
    echo "needs /usr/bin/time: apt-get update && apt-get install -y time" >&2
    exit 1
fi
if ! .venv/bin/python -c "import duckdb, polars" 2>/dev/null || [ ! -x .venv/bin/tpchgen-cli ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet duckdb polars tpchgen-cli
fi
PEERS=$(.venv/bin/python -c "import duckdb, polars; print(f'DuckDB {duckdb.__version__}, Polars {polars.__version__}')")
export PEERS
echo "$PEERS"

# Which workloads this run covers: WORKLOADS' entries match the start of a workload's name,
# ignoring case, spaces and punctuation ("1brc", "wordcount", "tpch", "h2o", "h2o join"), as
# bench/run.py matches them; only their binaries are built and their data made.
squash() { tr 'A-Z' 'a-z' <<<"$1" | tr -cd 'a-z0-9'; }
wanted() {
    [ -z "${WORKLOADS:-}" ] && return 0
    local entry
    for entry in ${WORKLOADS//,/ }; do
        [[ "$(squash "$1")" == "$(squash "$entry")"* ]] && return 0
    done
    return 1
}
examples=() benches=()
wanted 1brc && examples+=(--example brc) benches+=(brc)
wanted wordcount && examples+=(--example wordcount) benches+=(wordcount)
wanted tpch && benches+=(tpch_queries)
{ wanted h2ogroupby || wanted h2ojoin; } && examples+=(--example h2o)
[ ${#examples[@]} -gt 0 ] && cargo build --release "${examples[@]}"
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
for bench in "${benches[@]}"; do
    binary=$(bench_binary "$bench")
    [ -x "$binary" ] || { echo "cargo bench --bench $bench --no-run failed" >&2; exit 1; }
    export "$(tr a-z A-Z <<<"${bench%%_*}")_BENCH=$binary"   # BRC_BENCH, WORDCOUNT_BENCH, TPCH_BENCH
done
export BRC_EXAMPLE=target/release/examples/brc WORDCOUNT_EXAMPLE=target/release/examples/wordcount
export H2O_EXAMPLE=target/release/examples/h2o

# The data, made once under bench-data/.
mkdir -p bench-data
number() { python3 -c "import sys; print(int(float(sys.argv[1])))" "$1"; }
export BRC_FILE=bench-data/brc-$(number "$BRC_ROWS").txt
if wanted 1brc && [ ! -f "$BRC_FILE" ]; then
    $BRC_EXAMPLE --generate "$(number "$BRC_ROWS")" "$BRC_FILE"
fi
export WORDCOUNT_DIR=bench-data/wordcount-${WORDCOUNT_MB}mb MB=$WORDCOUNT_MB REPS=1
# The word-count bench writes its corpus (bench-data/wordcount-<MB>mb) when it is missing.
if wanted wordcount && [ ! -f "$WORDCOUNT_DIR.done" ]; then
    "$WORDCOUNT_BENCH" --bench --only hand
fi
export TPCH_DIR=bench-data/tpch-sf$TPCH_SF
TABLES=lineitem,orders,customer,supplier,nation,region
for table in ${TABLES//,/ }; do
    if wanted tpch && [ ! -f "$TPCH_DIR/$table.tbl" ]; then
        mkdir -p "$TPCH_DIR"
        .venv/bin/tpchgen-cli tbl -s "$TPCH_SF" --tables "$TABLES" --output-dir "$TPCH_DIR" --overwrite
        break
    fi
done
export H2O_G1=bench-data/G1_$H2O_ROWS.csv H2O_JOIN=bench-data/join-$H2O_ROWS
if wanted h2ogroupby && [ ! -f "$H2O_G1" ]; then
    $H2O_EXAMPLE generate groupby "$H2O_ROWS" "$H2O_G1"
fi
if wanted h2ojoin && [ ! -f "$H2O_JOIN/big.csv" ]; then
    $H2O_EXAMPLE generate join "$H2O_ROWS" "$H2O_JOIN"
fi

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)"
exec .venv/bin/python bench/run.py
