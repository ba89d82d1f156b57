"""The h2o db-benchmark's group-by (q1..q10) and join (j1..j5) questions in DuckDB and Polars,
over the tables `examples/h2o` generates, loaded into memory first (load time excluded, as the
benchmark does; string id columns as ENUM / Categorical, as its DuckDB and Polars solutions
load them). Driven by bench/run.py.

    python h2o_peers.py groupby duckdb|polars FILE THREADS [1,2,..]
    python h2o_peers.py join duckdb|polars DIR THREADS [1,2,..]

Prints one line per question, as `examples/h2o` does: `q3 ROWS CHK.. | WALL CPU`, the result's
row count, the sum of each result column (db-benchmark's `chk`) and the query's wall and CPU
seconds (the answer materialized: a DuckDB table, a Polars DataFrame).
"""

import os
import sys
import time

GROUPBY = {
    1: "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
    2: "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
    3: "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    4: "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    5: "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    6: "SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    7: "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    8: "SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER "
       "(PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) s WHERE order_v3 <= 2",
    9: "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    10: "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x "
        "GROUP BY id1, id2, id3, id4, id5, id6",
}
# The measure columns of each answer, for the check.
GROUPBY_MEASURES = {1: ["v1"], 2: ["v1"], 3: ["v1", "v3"], 4: ["v1", "v2", "v3"], 5: ["v1", "v2", "v3"],
                    6: ["median_v3", "sd_v3"], 7: ["range_v1_v2"], 8: ["largest2_v3"], 9: ["r2"],
                    10: ["v3", "count"]}
JOIN = {
    1: "SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)",
    2: "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 "
       "FROM x JOIN medium USING (id2)",
    3: "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 "
       "FROM x LEFT JOIN medium USING (id2)",
    4: "SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 "
       "FROM x JOIN medium USING (id5)",
    5: "SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, "
       "big.id6 AS big_id6, v2 FROM x JOIN big USING (id3)",
}


def line(name, rows, chk, wall, cpu):
    print(f"{name} {rows} {' '.join(repr(float(c or 0.0)) for c in chk)} | {wall:.4f} {cpu:.4f}", flush=True)


def duckdb_run(task, path, threads, questions):
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    if task == "groupby":
        con.execute(f"CREATE TABLE x AS SELECT * FROM read_csv('{path}', header = true)")
        for col in ("id1", "id2", "id3"):  # the benchmark's DuckDB solution loads them as ENUMs
            con.execute(f"CREATE TYPE {col}_enum AS ENUM (SELECT DISTINCT {col} FROM x WHERE {col} IS NOT NULL)")
            con.execute(f"ALTER TABLE x ALTER {col} TYPE {col}_enum")
        sql, measures = GROUPBY, GROUPBY_MEASURES
    else:
        for t in ("x", "small", "medium", "big"):
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_csv('{path}/{t}.csv', header = true)")
        sql, measures = JOIN, {j: ["v1", "v2"] for j in JOIN}
    prefix = "q" if task == "groupby" else "j"
    for q in questions:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        con.execute(f"CREATE OR REPLACE TEMP TABLE ans AS {sql[q]}")
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        sums = ", ".join(f"sum({m})" for m in measures[q])
        rows, *chk = con.execute(f"SELECT count(*), {sums} FROM ans").fetchone()
        line(f"{prefix}{q}", rows, chk, wall, cpu)


def polars_run(task, path, threads, questions):
    import polars as pl

    assert pl.thread_pool_size() == threads, "POLARS_MAX_THREADS must be set before import"
    c = pl.col
    prefix = "q" if task == "groupby" else "j"
    if task == "groupby":
        x = pl.read_csv(path, schema_overrides={"id4": pl.Int32, "id5": pl.Int32, "id6": pl.Int32,
                                                "v1": pl.Int32, "v2": pl.Int32, "v3": pl.Float64})
        # As the benchmark's Polars solution: the string ids as Categorical.
        x = x.with_columns(c("id1", "id2", "id3").cast(pl.Categorical)).rechunk()
        queries = {
            1: lambda: x.group_by("id1").agg(c("v1").sum()),
            2: lambda: x.group_by("id1", "id2").agg(c("v1").sum()),
            3: lambda: x.group_by("id3").agg(c("v1").sum(), c("v3").mean()),
            4: lambda: x.group_by("id4").agg(c("v1").mean(), c("v2").mean(), c("v3").mean()),
            5: lambda: x.group_by("id6").agg(c("v1").sum(), c("v2").sum(), c("v3").sum()),
            6: lambda: x.group_by("id4", "id5").agg(c("v3").median().alias("median_v3"),
                                                    c("v3").std().alias("sd_v3")),
            7: lambda: x.group_by("id3").agg((c("v1").max() - c("v2").min()).alias("range_v1_v2")),
            8: lambda: x.drop_nulls("v3").group_by("id6").agg(c("v3").top_k(2).alias("largest2_v3"))
                        .explode("largest2_v3"),
            9: lambda: x.group_by("id2", "id4").agg((pl.corr("v1", "v2") ** 2).alias("r2")),
            10: lambda: x.group_by("id1", "id2", "id3", "id4", "id5", "id6")
                         .agg(c("v3").sum().alias("v3"), pl.len().alias("count")),
        }
        measures = GROUPBY_MEASURES
    else:
        t = {n: pl.read_csv(f"{path}/{n}.csv") for n in ("x", "small", "medium", "big")}
        x = t["x"]
        queries = {
            1: lambda: x.join(t["small"], on="id1"),
            2: lambda: x.join(t["medium"], on="id2"),
            3: lambda: x.join(t["medium"], on="id2", how="left"),
            4: lambda: x.join(t["medium"], on="id5"),
            5: lambda: x.join(t["big"], on="id3"),
        }
        measures = {j: ["v1", "v2"] for j in queries}
    for q in questions:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        ans = queries[q]()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        line(f"{prefix}{q}", ans.height, [ans[m].cast(pl.Float64).sum() for m in measures[q]], wall, cpu)


def main(argv):
    if len(argv) not in (5, 6) or argv[1] not in ("groupby", "join") or argv[2] not in ("duckdb", "polars"):
        sys.exit(__doc__)
    task, system, path, threads = argv[1], argv[2], argv[3], int(argv[4])
    everything = list(GROUPBY if task == "groupby" else JOIN)
    questions = [int(q) for q in argv[5].split(",")] if len(argv) == 6 else everything
    if system == "polars":
        os.environ["POLARS_MAX_THREADS"] = str(threads)
    (duckdb_run if system == "duckdb" else polars_run)(task, path, threads, questions)


if __name__ == "__main__":
    main(sys.argv)
