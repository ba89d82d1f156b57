"""Writes the Parquet files tests/parquet.rs reads, with pyarrow and DuckDB.

Never run by the tests: the files are committed. To remake them (README.md says which versions
made them):

    python3 -m venv /tmp/pq-venv && /tmp/pq-venv/bin/pip install pyarrow duckdb
    cd tests/data/parquet && /tmp/pq-venv/bin/python make.py

Every value is a function of the row number `i`, so that the tests can check each one.
"""

import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 1000


def people_table():
    """Every type the reader supports, with nulls, a nested struct, dates and timestamps."""
    i = list(range(ROWS))
    epoch = datetime.datetime(2024, 1, 1)
    return pa.table(
        {
            "id": pa.array(i, pa.int64()),
            "name": pa.array([f"name-{k}" if k % 7 else None for k in i], pa.string()),
            "small": pa.array([k % 100 - 50 for k in i], pa.int8()),
            "count": pa.array([k * 3 for k in i], pa.uint32()),
            "score": pa.array([k / 8 if k % 5 else None for k in i], pa.float64()),
            "ratio": pa.array([k / 4 for k in i], pa.float32()),
            "active": pa.array([k % 3 == 0 for k in i], pa.bool_()),
            "born": pa.array(
                [datetime.date(2000, 1, 1) + datetime.timedelta(days=k) for k in i], pa.date32()
            ),
            "seen": pa.array(
                [epoch + datetime.timedelta(seconds=k * 61, microseconds=k) for k in i],
                pa.timestamp("us"),
            ),
            "seen_utc": pa.array(
                [
                    (epoch + datetime.timedelta(minutes=k)).replace(tzinfo=datetime.timezone.utc)
                    if k % 11
                    else None
                    for k in i
                ],
                pa.timestamp("ms", tz="UTC"),
            ),
            "address": pa.array(
                [
                    {"city": f"city-{k % 10}", "zip": 10000 + k} if k % 13 else None
                    for k in i
                ],
                pa.struct([("city", pa.string()), ("zip", pa.int32())]),
            ),
            "ignored": pa.array([f"never read {k}" for k in i], pa.string()),
        }
    )


def main():
    table = people_table()
    # Several row groups (1000 rows in groups of 150: 7 groups, the last short), snappy.
    pq.write_table(table, "people_snappy.parquet", row_group_size=150, compression="snappy")
    # The same rows, zstd, in groups of 400.
    pq.write_table(table, "people_zstd.parquet", row_group_size=400, compression="zstd")
    # Three files of one table for a directory and a glob: rows 0-299, 300-699, 700-999.
    for n, (lo, hi) in enumerate([(0, 300), (300, 700), (700, 1000)]):
        pq.write_table(
            table.slice(lo, hi - lo), f"parts/part-{n}.parquet", row_group_size=128
        )
    # DuckDB's own writer: 1BRC-like readings, snappy (DuckDB's default), 2 row groups.
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute(
        """
        COPY (
            SELECT i AS id,
                   'station-' || (i % 17) AS station,
                   CAST((i % 199) - 99 AS DOUBLE) / 10 AS temperature,
                   DATE '2020-02-29' + CAST(i AS INTEGER) AS day
            FROM range(3000) t(i) ORDER BY i
        ) TO 'duckdb_readings.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)
        """
    )


if __name__ == "__main__":
    main()
