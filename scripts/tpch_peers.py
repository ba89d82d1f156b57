"""TPC-H Q1 and Q6 straight from lineitem.tbl: DuckDB, Polars and the project's benches/tpch_csv.rs
systems, one process per run, systems alternated within each round. Driven by tpch_peers.sh.

    python tpch_peers.py run duckdb|polars q1|q6 FILE THREADS   # one run: answer, then times
    python tpch_peers.py table FILE THREADS ROUNDS BENCH_BINARY  # the comparison

Every run prints its answer (Q6: the revenue; Q1: one line per group,
flag|status|sum_qty|...|count) and, last, `time WALL_S CPU_S` for the query alone, measured
inside the process (interpreter start and imports excluded). Answers are checked against TPC-H's
at SF1: Q6 revenue 123141078.23; Q1 (A,F) count 1478493, sum_qty 37734107.
"""

import os
import statistics
import subprocess
import sys
import time

COLUMNS = [
    ("l_orderkey", "BIGINT"), ("l_partkey", "BIGINT"), ("l_suppkey", "BIGINT"),
    ("l_linenumber", "INTEGER"), ("l_quantity", "DECIMAL(15,2)"),
    ("l_extendedprice", "DECIMAL(15,2)"), ("l_discount", "DECIMAL(15,2)"),
    ("l_tax", "DECIMAL(15,2)"), ("l_returnflag", "VARCHAR"), ("l_linestatus", "VARCHAR"),
    ("l_shipdate", "DATE"), ("l_commitdate", "DATE"), ("l_receiptdate", "DATE"),
    ("l_shipinstruct", "VARCHAR"), ("l_shipmode", "VARCHAR"), ("l_comment", "VARCHAR"),
]

SQL = {
    "q6": """
        SELECT sum(l_extendedprice * l_discount) FROM lineitem
        WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
          AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24""",
    "q1": """
        SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice),
               sum(l_extendedprice * (1 - l_discount)),
               sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)),
               avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*)
        FROM lineitem WHERE l_shipdate <= DATE '1998-09-02'
        GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus""",
}


def show(query, rows):
    if query == "q6":
        return f"{float(rows[0][0]):.2f}\n"
    out = ""
    for flag, status, *sums, count in rows:
        out += "|".join([flag, status] + [f"{float(x):.2f}" for x in sums] + [str(count)]) + "\n"
    return out


def run_duckdb(query, path, threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    columns = "{" + ", ".join(f"'{n}': '{t}'" for n, t in COLUMNS) + "}"
    source = f"read_csv('{path}', delim = '|', header = false, columns = {columns})"
    return con.execute(SQL[query].replace("FROM lineitem", f"FROM {source}")).fetchall()


def run_polars(query, path, threads):
    import polars as pl

    assert pl.thread_pool_size() == threads, "POLARS_MAX_THREADS must be set before import"
    types = {"BIGINT": pl.Int64, "INTEGER": pl.Int32, "VARCHAR": pl.Utf8, "DATE": pl.Date}
    schema = {n: types.get(t, pl.Float64) for n, t in COLUMNS}
    schema["trailing"] = pl.Utf8  # the empty field after each line's last `|`
    li = pl.scan_csv(path, separator="|", has_header=False, schema=schema)
    c = pl.col
    if query == "q6":
        import datetime as dt

        q = li.filter(
            (c("l_shipdate") >= dt.date(1994, 1, 1)) & (c("l_shipdate") < dt.date(1995, 1, 1))
            & c("l_discount").is_between(0.05, 0.07) & (c("l_quantity") < 24)
        ).select((c("l_extendedprice") * c("l_discount")).sum())
        return q.collect().rows()
    import datetime as dt

    disc_price = c("l_extendedprice") * (1 - c("l_discount"))
    q = (
        li.filter(c("l_shipdate") <= dt.date(1998, 9, 2))
        .group_by("l_returnflag", "l_linestatus")
        .agg(
            c("l_quantity").sum(), c("l_extendedprice").sum(), disc_price.sum().alias("dp"),
            (disc_price * (1 + c("l_tax"))).sum().alias("ch"), c("l_quantity").mean().alias("aq"),
            c("l_extendedprice").mean().alias("ap"), c("l_discount").mean().alias("ad"),
            pl.len(),
        )
        .sort("l_returnflag", "l_linestatus")
    )
    return q.collect().rows()


def run(system, query, path, threads):
    threads = int(threads)
    if system == "duckdb":
        import duckdb  # noqa: F401  (imported before the clock starts)
    else:
        import polars  # noqa: F401
    wall0, cpu0 = time.perf_counter(), time.process_time()
    rows = (run_duckdb if system == "duckdb" else run_polars)(query, path, threads)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(show(query, rows), end="")
    print(f"time {wall:.3f} {cpu:.3f}")


def check(query, answer):
    if query == "q6":
        return answer.strip() == "123141078.23"
    first = answer.splitlines()[0].split("|")
    return first[:3] == ["A", "F", "37734107.00"] and first[-1] == "1478493"


def table(path, threads, rounds, bench):
    python = sys.executable
    env = dict(os.environ, POLARS_MAX_THREADS=threads, THREADS=threads)
    systems = {
        "duckdb": lambda q: [python, __file__, "run", "duckdb", q, path, threads],
        "polars": lambda q: [python, __file__, "run", "polars", q, path, threads],
        "csv": lambda q: [bench, "--only", "csv", q, path],
        "csv-borrowed": lambda q: [bench, "--only", "csv-borrowed", q, path],
        "csv-lean": lambda q: [bench, "--only", "csv-lean", q, path],
        "text": lambda q: [bench, "--only", "text", q, path],
    }
    sf1 = os.path.getsize(path) == 759_863_287
    for query in ["q6", "q1"]:
        times = {s: ([], []) for s in systems}
        for _ in range(int(rounds)):
            for system, cmd in systems.items():
                out = subprocess.run(cmd(query), env=env, check=True, capture_output=True, text=True)
                *answer, last = out.stdout.splitlines()
                _, wall, cpu = last.split()
                if sf1 and not check(query, "\n".join(answer)):
                    sys.exit(f"{system} {query}: wrong answer {answer}")
                times[system][0].append(float(wall))
                times[system][1].append(float(cpu))
        text_wall = times["text"][0]
        print(f"{query}: median of {rounds} rounds, {threads} threads; ratio = median per-round wall / text's")
        for system, (wall, cpu) in times.items():
            ratio = statistics.median(w / t for w, t in zip(wall, text_wall))
            print(f"  {system:>9} {statistics.median(wall) * 1e3:8.0f} ms wall "
                  f"{statistics.median(cpu) * 1e3:8.0f} ms cpu  {ratio:5.2f}x text")


if __name__ == "__main__":
    {"run": run, "table": table}[sys.argv[1]](*sys.argv[2:])
