#!/usr/bin/env python3
"""Parquet read + aggregation: dataflow against DuckDB and Polars on the same file.

Run through scripts/parquet_peers.sh, which makes the virtual environment, builds
`examples/parquet` and writes the file.

    parquet_peers.py table FILE THREADS RUNS EXAMPLE_EXE
        runs the three systems RUNS times each, alternating (dataflow, DuckDB, Polars, then
        again), each run a process of its own; checks every answer against dataflow's; prints
        the median query wall time and CPU time (user + system, all threads, measured inside
        the process around the query only) and the ratios.
    parquet_peers.py duckdb|polars FILE THREADS
        one run of one peer: `station;min;mean;max;count` lines on stdout, the query's wall and
        CPU seconds on stderr, as `examples/parquet --query` prints them.

The query is the One Billion Row Challenge's: min, mean and max of `temperature` (double) per
`station` (string), over a Parquet file of those two columns.
"""

import os
import re
import statistics
import subprocess
import sys
import time


def report(rows, wall, cpu):
    for station, lo, mean, hi, count in sorted(rows, key=lambda r: r[0]):
        print(f"{station};{lo};{mean};{hi};{count}")
    print(f"query {wall:.6f} s wall, {cpu:.6f} s CPU", file=sys.stderr)


def run_duckdb(path, threads):
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    cpu, started = time.process_time(), time.perf_counter()
    rows = con.execute(
        """
        SELECT station, min(temperature), avg(temperature), max(temperature), count(*)
        FROM read_parquet(?) GROUP BY station
        """,
        [path],
    ).fetchall()
    report(rows, time.perf_counter() - started, time.process_time() - cpu)


def run_polars(path, threads):
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    import polars as pl

    assert pl.thread_pool_size() == threads, pl.thread_pool_size()
    cpu, started = time.process_time(), time.perf_counter()
    df = (
        pl.scan_parquet(path)
        .group_by("station")
        .agg(
            pl.col("temperature").min().alias("lo"),
            pl.col("temperature").mean().alias("mean"),
            pl.col("temperature").max().alias("hi"),
            pl.len().alias("n"),
        )
        .collect()
    )
    rows = df.rows()
    report(rows, time.perf_counter() - started, time.process_time() - cpu)


def one_run(command):
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    m = re.search(r"query ([0-9.]+) s wall, ([0-9.]+) s CPU", done.stderr)
    answer = {}
    for line in done.stdout.splitlines():
        station, lo, mean, hi, count = line.rsplit(";", 4)
        answer[station] = (float(lo), float(mean), float(hi), int(count))
    return float(m.group(1)), float(m.group(2)), answer


def same(a, b):
    if a.keys() != b.keys():
        return False
    for k in a:
        (lo, mean, hi, n), (lo2, mean2, hi2, n2) = a[k], b[k]
        if (lo, hi, n) != (lo2, hi2, n2) or abs(mean - mean2) > 1e-9 * max(1.0, abs(mean)):
            return False
    return True


def table(path, threads, runs, example):
    me = [sys.executable, os.path.abspath(__file__)]
    systems = {
        "dataflow": [example, "--query", path, "--threads", str(threads)],
        "duckdb": me + ["duckdb", path, str(threads)],
        "polars": me + ["polars", path, str(threads)],
    }
    times = {name: [] for name in systems}
    reference = None
    for _ in range(runs):
        for name, command in systems.items():
            wall, cpu, answer = one_run(command)
            if reference is None:
                reference = answer
            elif not same(answer, reference):
                sys.exit(f"{name} gives another answer than dataflow")
            times[name].append((wall, cpu))
    print(f"{len(reference)} stations, answers agree; {threads} threads, median of {runs} alternating runs")
    print(f"{'system':<10} {'wall s':>8} {'CPU s':>8} {'wall / dataflow':>16} {'CPU / dataflow':>15}")
    base_wall = statistics.median(w for w, _ in times["dataflow"])
    base_cpu = statistics.median(c for _, c in times["dataflow"])
    for name, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        print(f"{name:<10} {wall:>8.3f} {cpu:>8.3f} {wall / base_wall:>16.2f} {cpu / base_cpu:>15.2f}")


def main():
    command = sys.argv[1]
    if command == "table":
        table(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif command == "duckdb":
        run_duckdb(sys.argv[2], int(sys.argv[3]))
    elif command == "polars":
        run_polars(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
