"""Every system on every workload, alternating, each run in a process of its own under
/usr/bin/time -v; every answer checked against DuckDB's; the results table of BENCHMARKS.md
rewritten between its markers. Run through bench/run.sh, which builds the binaries, makes the
data and the virtual environment and passes their paths here as environment variables.

The peers' code is in scripts/: bench_peers.py (1BRC, word count), tpch_peers.py (TPC-H),
h2o_peers.py (h2o group-by and join); the project's in examples/ and benches/. The results
block is merged by workload (bench/table.py): a run rewrites the sections of the workloads it ran
and keeps the others. `python3 bench/run.py --self-test` tests that merge (standard library only).
"""

import datetime as dt
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import table  # noqa: E402  (the results block of BENCHMARKS.md: merge by workload)

if __name__ == "__main__" and sys.argv[1:] == ["--self-test"]:
    sys.exit(table.self_test())  # before importing the peers: needs no virtual environment

import tpch_peers  # noqa: E402  (its SF1 reference answers)

PY = sys.executable
SYSTEMS = ["duckdb", "polars", "dataflow", "hand"]  # DuckDB first: the reference answer
LABEL = {"duckdb": "DuckDB", "polars": "Polars", "dataflow": "dataflow", "hand": "hand-written Rust"}


def env(name):
    # Empty for a workload this run does not cover (run.sh builds and exports only those it does).
    return os.environ.get(name, "")


def script(name):
    return os.path.join(ROOT, "scripts", name)


def timed(cmd, threads):
    """Runs cmd under /usr/bin/time -v: (stdout, wall s, CPU s, peak RSS MiB)."""
    e = dict(os.environ, THREADS=str(threads), POLARS_MAX_THREADS=str(threads), DATAFLOW_PROGRESS="never")
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], env=e, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    err = proc.stderr
    wall = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", err)[1].split(":"):
        wall = wall * 60 + float(part)
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", err)[1]) for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)[1]) / 1024
    return proc.stdout, wall, cpu, rss


# Each workload: (title, {system: command}, parse, same). parse(stdout, wall, cpu) gives
# {row: (answer, wall, cpu)}: one row per question; a workload timed from outside the process
# uses the process's wall and CPU time.
def workloads(threads, quick):
    t = str(threads)
    out = []
    brc = env("BRC_FILE")
    out.append((
        f"1BRC, {env('BRC_ROWS')} rows from the file",
        {
            "duckdb": [PY, script("bench_peers.py"), "duckdb", brc, t],
            "polars": [PY, script("bench_peers.py"), "polars", brc, t],
            "dataflow": [env("BRC_EXAMPLE"), "--parallelism", t, brc],
            "hand": [env("BRC_BENCH"), "--only", "hand", brc],
        },
        lambda s, w, c: {"1BRC": (s.strip(), w, c)},
        str.__eq__,
    ))
    words = env("WORDCOUNT_DIR")

    def parse_words(s, w, c):
        m = re.search(r"(\d+) words, (\d+) distinct", s) or re.search(r"(), (\d+) distinct words", s)
        return {"word count": ((m[1], m[2]), w, c)}

    out.append((
        f"word count, {env('WORDCOUNT_MB')} MB of Zipf text from the files",
        {
            "duckdb": [PY, script("bench_peers.py"), "wordcount", "duckdb", words, t],
            "polars": [PY, script("bench_peers.py"), "wordcount", "polars", words, t],
            "dataflow": [env("WORDCOUNT_EXAMPLE"), "--parallelism", t, words],
            # Splits as the example does (split_whitespace); prints the distinct words only.
            "hand": [env("WORDCOUNT_BENCH"), "--bench", "--only", "hand-unicode"],
        },
        parse_words,
        lambda a, ref: a[1] == ref[1] and a[0] in ("", ref[0]),
    ))
    tpch, sf1 = env("TPCH_DIR"), env("TPCH_SF") == "1"
    for q in env("TPCH_QUERIES").split(","):
        def parse_tpch(s, w, c, q=q):
            *answer, last = s.strip().splitlines()
            _, wall, cpu = last.split()
            answer = "\n".join(answer) + "\n"
            if sf1 and not tpch_peers.check_sf1(q, answer):
                sys.exit(f"TPC-H {q}: not TPC-H's answer at SF1: {answer!r}")
            return {f"TPC-H {q.upper()}": (answer, float(wall), float(cpu))}

        out.append((
            f"TPC-H SF{env('TPCH_SF')} from the .tbl files",
            {
                "duckdb": [PY, script("tpch_peers.py"), "run", "duckdb", q, tpch, t],
                "polars": [PY, script("tpch_peers.py"), "run", "polars", q, tpch, t],
                "dataflow": [env("TPCH_BENCH"), "--only", "dataflow", q, tpch],
                "hand": [env("TPCH_BENCH"), "--only", "hand", q, tpch],
            },
            parse_tpch,
            str.__eq__,
        ))

    def parse_h2o(s, w, c):
        rows = {}
        for line in s.strip().splitlines():
            answer, times = line.split("|")
            name, count, *chk = answer.split()
            wall, cpu = times.split()
            rows[f"h2o {name}"] = ((int(count), [float(x) for x in chk]), float(wall), float(cpu))
        return rows

    def same_h2o(a, ref):
        close = all(abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0) for x, y in zip(a[1], ref[1]))
        return a[0] == ref[0] and len(a[1]) == len(ref[1]) and close

    for task, path in (("groupby", env("H2O_G1")), ("join", env("H2O_JOIN"))):
        out.append((
            f"h2o {task}, {env('H2O_ROWS')} rows in memory (load excluded)",
            {
                "duckdb": [PY, script("h2o_peers.py"), task, "duckdb", path, t],
                "polars": [PY, script("h2o_peers.py"), task, "polars", path, t],
                "dataflow": [env("H2O_EXAMPLE"), task, path, "--threads", t],
                "hand": [env("H2O_EXAMPLE"), task, path, "--threads", t, "--system", "hand"],
            },
            parse_h2o,
            same_h2o,
        ))
    try:
        return table.select(out, os.environ.get("WORKLOADS", ""), title=lambda w: w[0])
    except ValueError as e:
        sys.exit(f"WORKLOADS: {e}")


def median_ratio(a, b):
    ratios = [x / y for x, y in zip(a, b) if y > 0]
    return statistics.median(ratios) if ratios else float("nan")


def main():
    threads, rounds, quick = int(env("THREADS")), int(env("ROUNDS")), env("QUICK") == "1"
    results = {}  # row -> {system: [(wall, cpu)]}, and rss, matched
    rss, matched, titles, order = {}, {}, {}, []
    started, measured = {}, {}  # title -> (time, load average) of its start; its measurement line
    for title, commands, parse, same in workloads(threads, quick):
        print(f"== {title}", flush=True)
        started.setdefault(title, (dt.datetime.now(dt.timezone.utc), load_average()))
        for r in range(rounds):
            reference = None
            for system in SYSTEMS:
                stdout, wall, cpu, peak = timed(commands[system], threads)
                rows = parse(stdout, wall, cpu)
                if reference is None:
                    reference = {row: a for row, (a, _, _) in rows.items()}
                for row, (answer, w, c) in rows.items():
                    if row not in results:
                        order.append(row)
                        titles[row] = title
                        results[row] = {s: [] for s in SYSTEMS}
                        rss[row] = {s: 0.0 for s in SYSTEMS}
                        matched[row] = {s: True for s in SYSTEMS}
                    results[row][system].append((w, c))
                    rss[row][system] = max(rss[row][system], peak)
                    ok = row in reference and same(answer, reference[row])
                    matched[row][system] &= ok
                    print(f"  round {r + 1} {system:>8} {row:<14} {w:8.3f} s wall {c:8.3f} s CPU"
                          f" {peak:8.0f} MiB{'' if ok else '  ANSWER DIFFERS from DuckDB: ' + repr(answer)[:200]}",
                          flush=True)
        # Rewritten after each workload, so that a run stopped early keeps what it measured.
        measured[title] = measurement(threads, rounds, *started[title])
        write({
            table.key_of(t): table.section(t, line, rows_of(t, order, titles, results, rss, matched))
            for t, line in measured.items()
        })


def load_average():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def measurement(threads, rounds, started, load_before):
    """The line saying when and how a workload was measured."""
    finished = dt.datetime.now(dt.timezone.utc)
    return (
        f"`{os.environ.get('COMMAND', 'bench/run.sh')}`, {started:%Y-%m-%d %H:%M} – {finished:%H:%M} UTC, "
        f"{threads} threads, {rounds} rounds (one round = one run of each system, each in its own "
        f"process), {os.environ.get('PEERS', 'DuckDB and Polars')}; load average {load_before} before, "
        f"{load_average()} after, on {os.cpu_count()} CPUs."
    )


def rows_of(title, order, titles, results, rss, matched):
    """The table rows of one workload."""
    lines = []
    for row in (r for r in order if titles[r] == title):
        res = results[row]
        med = {s: (statistics.median(w for w, _ in res[s]), statistics.median(c for _, c in res[s])) for s in SYSTEMS}
        cell = {s: f"{med[s][0]:.3f} / {med[s][1]:.3f}" for s in SYSTEMS}
        best = min(("duckdb", "polars"), key=lambda s: med[s][0])
        ours = res["dataflow"]

        def ratio(base):
            b = res[base]
            return (f"{median_ratio([w for w, _ in ours], [w for w, _ in b]):.2f} "
                    f"({median_ratio([c for _, c in ours], [c for _, c in b]):.2f})")
        memory = ", ".join(f"{rss[row][s]:.0f}" for s in ("dataflow", "hand", "duckdb", "polars"))
        ok = "yes" if all(matched[row].values()) else "no: " + ", ".join(s for s in SYSTEMS if not matched[row][s])
        lines.append(f"| {row} | {cell['dataflow']} | {cell['hand']} | {cell['duckdb']} | {cell['polars']} | "
                     f"{ratio(best)} vs {LABEL[best]} | {ratio('hand')} | {memory} | {ok} |")
    return lines


def write(sections):
    """Merges the sections measured into BENCHMARKS.md's block (the others stay as they were)."""
    path = os.path.join(ROOT, "BENCHMARKS.md")
    try:
        text = table.merge(open(path).read(), sections)
    except ValueError as e:
        sys.exit(f"{path}: {e}")
    block = text[text.index(table.BEGIN): text.index(table.END) + len(table.END)]
    print(block)
    if os.environ.get("WRITE", "1") == "1":
        open(path, "w").write(text)
        print(f"rewrote the results of {', '.join(sections)} in {path}")


if __name__ == "__main__":
    main()
