"""TPC-H Q1, Q3, Q5 and Q6 straight from the .tbl files of a directory: DuckDB, Polars and the
project's systems (benches/tpch_queries.rs: the example's `pipeline!` jobs and hand-written
rayon + hashbrown code; benches/tpch_csv.rs: Q1 and Q6 through other record types), one process
per run, systems alternated within each round. Driven by tpch_peers.sh.

    python tpch_peers.py run duckdb|polars q1|q3|q5|q6 DIR THREADS    # one run: answer, then times
    python tpch_peers.py table DIR THREADS ROUNDS SYSTEMS QUERIES BENCH_QUERIES BENCH_CSV

Every run prints its answer rows (`|`-separated, no header, as examples/tpch prints them:
Q1's numbers and Q6's revenue to 2 decimals, Q3's and Q5's revenue to 4) and, last,
`time WALL_S CPU_S` for the query alone, measured inside the process (interpreter start and
imports excluded). Every system's answer must equal DuckDB's in the same round (Q1's averages
and Q6's revenue rounded to the cent, so f64 sums compare equal), and at SF1 TPC-H's: Q6 revenue
123141078.23; Q1 (A,F) count 1478493, sum_qty 37734107; Q3 first row 2456423, 406181.0111,
1995-03-05, 0; Q5 INDONESIA 55502041.1697 first of five.
"""

import datetime as dt
import os
import statistics
import subprocess
import sys
import time

# The tables' columns and the queries' SQL, as the test data's reference answers were made.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/data/tpch"))
from answers import QUERIES, TABLES, connect  # noqa: E402


def show(query, rows):
    out = ""
    for row in rows:
        if query == "q1":
            flag, status, *sums, count = row
            cells = [flag, status] + [f"{float(x):.2f}" for x in sums] + [str(count)]
        elif query == "q3":
            key, revenue, date, priority = row
            cells = [str(key), f"{float(revenue):.4f}", str(date), str(priority)]
        elif query == "q5":
            cells = [row[0], f"{float(row[1]):.4f}"]
        else:
            cells = [f"{float(row[0]):.2f}"]
        out += "|".join(cells) + "\n"
    return out


def run_duckdb(query, directory, threads):
    con = connect(directory)
    con.execute(f"SET threads = {threads}")
    return con.execute(QUERIES[query]).fetchall()


def run_polars(query, directory, threads):
    import polars as pl

    assert pl.thread_pool_size() == threads, "POLARS_MAX_THREADS must be set before import"
    types = {"BIGINT": pl.Int64, "INTEGER": pl.Int32, "VARCHAR": pl.Utf8, "DATE": pl.Date}

    def scan(table):
        schema = {n: types.get(t, pl.Float64) for n, t in TABLES[table]}
        schema[f"{table}_trailing"] = pl.Utf8  # the empty field after each line's last `|`
        path = os.path.join(directory, f"{table}.tbl")
        return pl.scan_csv(path, separator="|", has_header=False, schema=schema)

    c = pl.col
    revenue = (c("l_extendedprice") * (1 - c("l_discount"))).sum().alias("revenue")
    if query == "q6":
        q = scan("lineitem").filter(
            (c("l_shipdate") >= dt.date(1994, 1, 1)) & (c("l_shipdate") < dt.date(1995, 1, 1))
            & c("l_discount").is_between(0.05, 0.07) & (c("l_quantity") < 24)
        ).select((c("l_extendedprice") * c("l_discount")).sum())
    elif query == "q1":
        disc_price = c("l_extendedprice") * (1 - c("l_discount"))
        q = (
            scan("lineitem").filter(c("l_shipdate") <= dt.date(1998, 9, 2))
            .group_by("l_returnflag", "l_linestatus")
            .agg(
                c("l_quantity").sum(), c("l_extendedprice").sum(), disc_price.sum().alias("dp"),
                (disc_price * (1 + c("l_tax"))).sum().alias("ch"),
                c("l_quantity").mean().alias("aq"), c("l_extendedprice").mean().alias("ap"),
                c("l_discount").mean().alias("ad"), pl.len(),
            )
            .sort("l_returnflag", "l_linestatus")
        )
    elif query == "q3":
        day = dt.date(1995, 3, 15)
        q = (
            scan("customer").filter(c("c_mktsegment") == "BUILDING")
            .join(scan("orders").filter(c("o_orderdate") < day), left_on="c_custkey", right_on="o_custkey")
            .join(scan("lineitem").filter(c("l_shipdate") > day), left_on="o_orderkey", right_on="l_orderkey")
            .group_by("o_orderkey", "o_orderdate", "o_shippriority")
            .agg(revenue)
            .sort(["revenue", "o_orderdate"], descending=[True, False])
            .head(10)
            .select("o_orderkey", "revenue", "o_orderdate", "o_shippriority")
        )
    else:
        q = (
            scan("region").filter(c("r_name") == "ASIA")
            .join(scan("nation"), left_on="r_regionkey", right_on="n_regionkey")
            .join(scan("customer"), left_on="n_nationkey", right_on="c_nationkey")
            .join(
                scan("orders").filter(
                    (c("o_orderdate") >= dt.date(1994, 1, 1)) & (c("o_orderdate") < dt.date(1995, 1, 1))
                ),
                left_on="c_custkey", right_on="o_custkey",
            )
            .join(scan("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
            .join(scan("supplier"), left_on=["l_suppkey", "n_nationkey"], right_on=["s_suppkey", "s_nationkey"])
            .group_by("n_name")
            .agg(revenue)
            .sort("revenue", descending=True)
        )
    return q.collect().rows()


def run(system, query, directory, threads):
    threads = int(threads)
    if system == "duckdb":
        import duckdb  # noqa: F401  (imported before the clock starts)
    else:
        import polars  # noqa: F401
    wall0, cpu0 = time.perf_counter(), time.process_time()
    rows = (run_duckdb if system == "duckdb" else run_polars)(query, directory, threads)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(show(query, rows), end="")
    print(f"time {wall:.3f} {cpu:.3f}")


def check_sf1(query, answer):
    lines = answer.splitlines()
    first = lines[0].split("|")
    if query == "q6":
        return answer.strip() == "123141078.23"
    if query == "q1":
        return first[:3] == ["A", "F", "37734107.00"] and first[-1] == "1478493"
    if query == "q3":
        return first == ["2456423", "406181.0111", "1995-03-05", "0"]
    names = [line.split("|")[0] for line in lines]
    return first == ["INDONESIA", "55502041.1697"] and names == [
        "INDONESIA", "VIETNAM", "CHINA", "INDIA", "JAPAN"]


def table(directory, threads, rounds, systems, queries, bench_queries, bench_csv):
    python = sys.executable
    env = dict(os.environ, POLARS_MAX_THREADS=threads, THREADS=threads)
    lineitem = os.path.join(directory, "lineitem.tbl")
    commands = {
        "duckdb": lambda q: [python, __file__, "run", "duckdb", q, directory, threads],
        "polars": lambda q: [python, __file__, "run", "polars", q, directory, threads],
        "dataflow": lambda q: [bench_queries, "--only", "dataflow", q, directory],
        "hand": lambda q: [bench_queries, "--only", "hand", q, directory],
    }
    for csv in ["csv", "csv-borrowed", "csv-lean", "text"]:  # Q1 and Q6 only
        commands[csv] = lambda q, csv=csv: [bench_csv, "--only", csv, q, lineitem]
    systems = systems.split(",")
    assert systems[0] == "duckdb", "DuckDB runs first: the others' answers are checked against it"
    sf1 = os.path.getsize(lineitem) == 759_863_287
    for query in queries.split(","):
        present = [s for s in systems if query in ("q1", "q6") or s in ("duckdb", "polars", "dataflow", "hand")]
        times = {s: ([], []) for s in present}
        for _ in range(int(rounds)):
            expected = None
            for system in present:
                out = subprocess.run(commands[system](query), env=env, check=True, capture_output=True, text=True)
                *answer, last = out.stdout.splitlines()
                answer = "\n".join(answer) + "\n"
                _, wall, cpu = last.split()
                expected = expected or answer
                if answer != expected:
                    sys.exit(f"{system} {query}: {answer!r} where DuckDB has {expected!r}")
                if sf1 and not check_sf1(query, answer):
                    sys.exit(f"{system} {query}: not TPC-H's answer: {answer!r}")
                times[system][0].append(float(wall))
                times[system][1].append(float(cpu))
        print(f"{query}: median of {rounds} rounds, {threads} threads; x = median per-round wall ratio")
        walls = {s: times[s][0] for s in present}
        for system, (wall, cpu) in times.items():
            ratios = "  ".join(
                f"{statistics.median(w / b for w, b in zip(wall, walls[base])):5.2f}x {base}"
                for base in ("duckdb", "polars", "hand") if base in walls
            )
            print(f"  {system:>12} {statistics.median(wall) * 1e3:8.0f} ms wall "
                  f"{statistics.median(cpu) * 1e3:8.0f} ms cpu  {ratios}")


if __name__ == "__main__":
    {"run": run, "table": table}[sys.argv[1]](*sys.argv[2:])
