#!/usr/bin/env python3
"""The One Billion Row Challenge: DuckDB and Polars side by side with the project's binaries.

Run through scripts/bench_peers.sh, which makes the virtual environment and builds the binaries.

    bench_peers.py table FILE THREADS RUNS BENCH_EXE EXAMPLE_EXE
        times every system RUNS times, each in a process of its own under /usr/bin/time -v,
        checks every output line against the hand-written solution's, and prints medians,
        peak resident memory and ratios.
    bench_peers.py duckdb|polars FILE THREADS
        one run of one peer: the challenge's output line on stdout, the query time on stderr.
    bench_peers.py wordcount duckdb|polars DIR THREADS
        one word count of the text files of DIR (words split on spaces, as the Zipf corpus is
        written): prints `WORDS words, DISTINCT distinct` (the counts materialized per word).
    bench_peers.py groupby duckdb|polars ROWS KEYS THREADS REPS
        group-by sum over ROWS in-memory rows (u64 key with KEYS distinct values, u64 value in
        0..1000), the shape `cargo bench --bench groupby` measures; the result is materialized
        (one row per group); prints the median query time of REPS runs (data generation
        excluded), the number of groups and the sum of all sums.

The peers compute min, max, sum and count per station (DuckDB over DECIMAL(3,1), exact; Polars
over Float64) and the line is formatted here from integer tenths, rounding the mean half up as
the challenge does, so that every system's output can be compared byte for byte.
"""

import os
import re
import statistics
import subprocess
import sys
import time


def tenths(x):
    """A temperature (Decimal or float with one decimal) as integer tenths."""
    return int(round(float(x) * 10)) if isinstance(x, float) else int(x * 10)


def fmt(t):
    sign = "-" if t < 0 else ""
    return f"{sign}{abs(t) // 10}.{abs(t) % 10}"


def output_line(rows):
    """rows: (station, min, max, sum, count) with temperatures in degrees."""
    parts = []
    for station, lo, hi, total, count in sorted(rows, key=lambda r: r[0]):
        # Mean in tenths, rounded half up: floor((2 * sum + count) / (2 * count)).
        mean = (2 * tenths(total) + count) // (2 * count)
        parts.append(f"{station}={fmt(tenths(lo))}/{fmt(mean)}/{fmt(tenths(hi))}")
    return "{" + ", ".join(parts) + "}"


def run_duckdb(path, threads):
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    started = time.perf_counter()
    rows = con.execute(
        """
        SELECT station, min(temp), max(temp), sum(temp), count(*)
        FROM read_csv(?, delim = ';', header = false, quote = '', escape = '',
                      columns = {'station': 'VARCHAR', 'temp': 'DECIMAL(3,1)'})
        GROUP BY station
        """,
        [path],
    ).fetchall()
    elapsed = time.perf_counter() - started
    return rows, elapsed


def run_polars(path, threads):
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    import polars as pl

    assert pl.thread_pool_size() == threads, pl.thread_pool_size()
    started = time.perf_counter()
    df = (
        pl.scan_csv(
            path,
            separator=";",
            has_header=False,
            quote_char=None,
            schema={"station": pl.String, "temp": pl.Float64},
        )
        .group_by("station")
        .agg(
            pl.col("temp").min().alias("min"),
            pl.col("temp").max().alias("max"),
            pl.col("temp").sum().alias("sum"),
            pl.len().alias("count"),
        )
        .collect()
    )
    elapsed = time.perf_counter() - started
    return df.rows(), elapsed


def measure(cmd, env, expected):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS KiB, stdout line)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    out = proc.stdout.strip()
    if expected is not None and out != expected:
        sys.exit(f"{' '.join(cmd)}: output differs from the hand-written solution's")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    # The time each system reports for its own work (no process start, no Python imports).
    inner = re.search(r"query ([\d.]+) s|([\d.]+) ms on \d+ threads|stations in ([\d.]+) s", proc.stderr)
    work = float(inner[1] or inner[3]) if inner[2] is None else float(inner[2]) / 1e3
    wall = re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", proc.stderr)[1]
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    cpu = sum(
        float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", proc.stderr)[1])
        for kind in ("User", "System")
    )
    return seconds, cpu, rss, work, out


def table(path, threads, runs, bench_exe, example_exe):
    env = dict(os.environ, THREADS=str(threads), POLARS_MAX_THREADS=str(threads))
    py = sys.executable
    me = os.path.abspath(__file__)
    systems = [
        ("hand-written Rust", [bench_exe, "--only", "hand", path]),
        ("pipeline! (bench)", [bench_exe, "--only", "pipeline", path]),
        ("examples/brc", [example_exe, "--parallelism", str(threads), path]),
        ("DuckDB", [py, me, "duckdb", path, str(threads)]),
        ("Polars", [py, me, "polars", path, str(threads)]),
    ]
    expected = None
    results = []
    # Interleave the systems run by run, so that a burst of load on a shared machine is spread
    # over all of them rather than hitting one.
    samples = {name: [] for name, _ in systems}
    for _ in range(runs):
        for name, cmd in systems:
            wall, cpu, rss, work, out = measure(cmd, env, expected)
            expected = expected if expected is not None else out
            samples[name].append((wall, cpu, rss, work))
    for name, cmd in systems:
        wall = statistics.median(s[0] for s in samples[name])
        cpu = statistics.median(s[1] for s in samples[name])
        rss = max(s[2] for s in samples[name])
        work = statistics.median(s[3] for s in samples[name])
        results.append((name, wall, cpu, rss, work, cmd))
    hand, hand_cpu = results[0][1], results[0][2]
    ours, ours_cpu = results[1][1], results[1][2]
    size = os.path.getsize(path)
    print(
        f"1brc: {path} ({size / 1e9:.2f} GB), {threads} threads, one process per run, "
        f"medians of {runs}"
    )
    print("  wall: the whole process (for the peers, Python's start and imports included);")
    print("  work: the time the system reports for the query alone;")
    print("  CPU: user + system time of the process (steadier than wall time on a shared machine);")
    print("  ratios: wall time (CPU time) over the hand-written solution's and over pipeline!'s")
    print(
        f"  {'system':<18} {'wall s':>7} {'work s':>7} {'CPU s':>7} {'peak RSS MiB':>13}"
        f" {'/ hand':>13} {'/ pipeline':>13}"
    )
    def ratio(a, b):
        # /usr/bin/time reports to 10 ms: a tiny input can measure 0.
        return f"{a / b:.2f}" if b > 0 else "n/a"

    for name, wall, cpu, rss, work, _ in results:
        print(
            f"  {name:<18} {wall:>7.2f} {work:>7.2f} {cpu:>7.2f} {rss / 1024:>13.1f}"
            f" {ratio(wall, hand):>6} ({ratio(cpu, hand_cpu)}) {ratio(wall, ours):>6} ({ratio(cpu, ours_cpu)})"
        )
    print("  all outputs identical")
    print("commands:")
    for name, _, _, _, _, cmd in results:
        print(f"  {name}: {' '.join(cmd)}")


def groupby(system, rows, keys, threads, reps):
    """Times `SELECT k, sum(v) ... GROUP BY k` on in-memory data; returns (median s, groups, total)."""
    times = []
    if system == "duckdb":
        import duckdb

        con = duckdb.connect(config={"threads": threads})
        con.execute(
            "CREATE TABLE t AS SELECT hash(i) % ? AS k, hash(i + ?) % 1000 AS v FROM range(?) r(i)",
            [keys, rows, rows],
        )
        for _ in range(reps):
            started = time.perf_counter()
            con.execute("CREATE OR REPLACE TEMP TABLE g AS SELECT k, sum(v) AS s FROM t GROUP BY k")
            times.append(time.perf_counter() - started)
        groups, total = con.execute("SELECT count(*), sum(s) FROM g").fetchone()
    else:
        os.environ["POLARS_MAX_THREADS"] = str(threads)
        import polars as pl

        i = pl.int_range(0, rows, dtype=pl.UInt64, eager=True)
        df = pl.DataFrame({"k": i.hash(seed=1) % keys, "v": i.hash(seed=2) % 1000})
        for _ in range(reps):
            started = time.perf_counter()
            g = df.group_by("k").agg(pl.col("v").sum().alias("s"))
            times.append(time.perf_counter() - started)
        groups, total = g.height, g["s"].sum()
    return statistics.median(times), groups, int(total)


def wordcount(system, directory, threads):
    """Counts words per distinct word; returns (words, distinct words)."""
    files = os.path.join(directory, "*.txt")
    if system == "duckdb":
        import duckdb

        con = duckdb.connect(config={"threads": threads})
        con.execute(
            """
            CREATE TEMP TABLE counts AS
            SELECT w, count(*) AS n
            FROM (SELECT unnest(string_split(line, ' ')) AS w
                  FROM read_csv(?, delim = '\t', header = false, quote = '', escape = '',
                                columns = {'line': 'VARCHAR'}))
            WHERE w <> ''
            GROUP BY w
            """,
            [files],
        )
        return con.execute("SELECT sum(n), count(*) FROM counts").fetchone()
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    import polars as pl

    counts = (
        pl.scan_csv(files, has_header=False, separator="\t", quote_char=None,
                    schema={"line": pl.String})
        .select(pl.col("line").str.split(" ").explode().alias("w"))
        .filter(pl.col("w") != "")
        .group_by("w")
        .len()
        .collect()
    )
    return counts["len"].sum(), counts.height


def main(argv):
    if len(argv) == 4 and argv[1] in ("duckdb", "polars"):
        run = run_duckdb if argv[1] == "duckdb" else run_polars
        rows, elapsed = run(argv[2], int(argv[3]))
        print(output_line(rows))
        print(f"{argv[1]}: query {elapsed:.3f} s", file=sys.stderr)
    elif len(argv) == 5 and argv[1] == "wordcount":
        words, distinct = wordcount(argv[2], argv[3], int(argv[4]))
        print(f"{words} words, {distinct} distinct")
    elif len(argv) == 7 and argv[1] == "groupby":
        system, rows, keys, threads, reps = argv[2], *(int(float(a)) for a in argv[3:])
        median, groups, total = groupby(system, rows, keys, threads, reps)
        print(
            f"  {system:<7} rows {rows} keys {keys:>9}: {median * 1e3:>9.1f} ms"
            f"  ({groups} groups, sum of sums {total})"
        )
    elif len(argv) == 7 and argv[1] == "table":
        table(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
