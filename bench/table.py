"""The results block of BENCHMARKS.md (between its markers), as bench/run.py writes it: a note on
how to read it, then one section per workload (1BRC, word count, TPC-H, h2o group-by, h2o join),
each a line saying when and how it was measured and a table of its rows.

A run covers some workloads (WORKLOADS=...): `merge` replaces the sections of the workloads it
measured and keeps every other section as it was, with its own line, so that a partial run never
erases the figures of the workloads it did not run. Pure text functions, no imports beyond the
standard library: `python3 bench/run.py --self-test` runs the tests at the end of this file.
"""

import re
import unittest

BEGIN = "<!-- bench/run.sh results: begin (rewritten by the script; edit the script, not this) -->"
END = "<!-- bench/run.sh results: end -->"

# The workloads, in the order the block shows them; a section's key is the one its title starts
# with (a title names the size too: "1BRC, 1e8 rows from the file").
KEYS = ("1BRC", "word count", "TPC-H", "h2o groupby", "h2o join")

HEADER = ("| workload | dataflow | hand-written | DuckDB | Polars | dataflow / best peer | "
          "dataflow / hand | peak RSS MiB (dataflow, hand, DuckDB, Polars) | answers match DuckDB |")
RULE = "|---|---|---|---|---|---|---|---|---|"

PREFACE = (
    "Each section says when and how it was measured (the last run that covered that workload; "
    "a run of some workloads, `WORKLOADS=...`, rewrites their sections only). **The machine is "
    "shared** (other sessions compile on its 2 cores): CPU time (user + system) is the steadier "
    "figure. Cells: median wall s / CPU s. Ratios: median of the per-round ratios, wall (CPU); "
    "the best peer is the faster of DuckDB and Polars by median wall time. 1BRC and word count are "
    "timed from outside the process (start, Python imports and reading included); TPC-H and h2o "
    "by each system around the query alone (h2o: data loaded first, as the benchmark does). "
    "Peak RSS: the whole process (h2o: with the table in memory)."
)

SECTION = re.compile(r"^\*\*(?P<title>.+?)\*\*: ")
# The block as the script wrote it before sections: one sentence for all rows, and a table whose
# workloads start with an italic row `| *title* | | ...`.
LEGACY_GROUP = re.compile(r"^\| \*(?P<title>.+?)\* \|")


def key_of(title):
    """The workload a section title names: its key in KEYS, or the whole title if none fits."""
    return next((k for k in KEYS if title.lower().startswith(k.lower())), title)


def squash(name):
    """A workload name as WORKLOADS matches it: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def select(items, only, title):
    """The items whose title starts with an entry of `only` (comma-separated, compared as
    squash() writes them: "tpch" matches "TPC-H SF1 ...", "wordcount" "word count, ..."), in
    the order given, each once; all of them if `only` is empty. ValueError for an entry that
    matches nothing."""
    entries = [squash(k) for k in only.split(",") if k.strip()]
    if not entries:
        return list(items)
    chosen = []
    for entry in entries:
        matching = [w for w in items if squash(title(w)).startswith(entry)]
        if not matching:
            names = sorted({key_of(title(w)) for w in items}, key=order_of)
            raise ValueError(f"{entry!r} matches no workload; they are {', '.join(names)}")
        chosen += [w for w in matching if w not in chosen]
    return chosen


def order_of(key):
    return (KEYS.index(key), "") if key in KEYS else (len(KEYS), key)


def section(title, measured, rows):
    """A section's lines: the title and the line saying how it was measured, then its table."""
    return [f"**{title}**: {measured}", "", HEADER, RULE, *rows]


def parse(block):
    """The sections of a block ({key: [lines]}): the text between the markers if it has them,
    else all of it. Reads the older single-table block as well, each workload then keeping the
    one sentence that table had."""
    if BEGIN in block and END in block:
        block = block[block.index(BEGIN) + len(BEGIN): block.index(END)]
    lines = block.splitlines()
    sections, current = {}, None
    for line in lines:
        m = SECTION.match(line)
        if m:
            current = sections[key_of(m["title"])] = [line]
        elif current is not None:
            current.append(line)
    if sections:
        for body in sections.values():
            while body and not body[-1].strip():
                body.pop()
        return sections
    return parse_legacy(lines)


def parse_legacy(lines):
    measured = next((line for line in lines if line.startswith("`")), "")
    measured = measured.split(" **The machine is shared**")[0].rstrip(" ;.") + "."
    sections, title, rows = {}, None, []
    for line in lines:
        m = LEGACY_GROUP.match(line)
        if m:
            if title:
                sections[key_of(title)] = section(title, measured, rows)
            title, rows = m["title"], []
        elif title and line.startswith("| "):
            rows.append(line)
    if title:
        sections[key_of(title)] = section(title, measured, rows)
    return sections


def render(sections):
    """The whole block, markers included, sections in the order of KEYS."""
    lines = [BEGIN, "", PREFACE, ""]
    for key in sorted(sections, key=order_of):
        lines += sections[key] + [""]
    return "\n".join(lines + [END])


def merge(document, new_sections):
    """The document with its block rewritten: the sections of new_sections ({key: lines})
    replace those of the same workload, every other section stays as it was."""
    if BEGIN not in document or END not in document:
        raise ValueError(f"no markers {BEGIN!r} ... {END!r}")
    start, end = document.index(BEGIN), document.index(END) + len(END)
    sections = parse(document[start:end])
    sections.update(new_sections)
    return document[:start] + render(sections) + document[end:]


class Tests(unittest.TestCase):
    ROW = "| 1BRC | 1.000 / 2.000 | 1 / 1 | 3 / 3 | 2 / 2 | 0.50 (0.50) vs Polars | 1.00 (1.00) | 4, 5, 6, 7 | yes |"

    def doc(self, *sections):
        return "# Benchmarks\n\nintro\n\n" + render(dict(sections)) + "\n\n## Machine\n"

    def brc(self, when, row=ROW):
        return "1BRC", section("1BRC, 1e8 rows from the file", f"`bench/run.sh`, {when}.", [row])

    def tpch(self, when):
        rows = [f"| TPC-H Q{q} | 1 / 1 | 1 / 1 | 1 / 1 | 1 / 1 | 1 | 1 | 1, 1, 1, 1 | yes |" for q in (1, 6)]
        return "TPC-H", section("TPC-H SF1 from the .tbl files", f"`WORKLOADS=tpch bench/run.sh`, {when}.", rows)

    def test_a_partial_run_keeps_the_other_workloads_and_their_lines(self):
        old = self.doc(self.brc("2026-11-30 10:00"), self.tpch("2026-11-30 11:00"))
        new = merge(old, dict([self.tpch("2026-11-30 12:00")]))
        self.assertIn("`bench/run.sh`, 2026-11-30 10:00.", new)
        self.assertIn(self.ROW, new)
        self.assertIn("`WORKLOADS=tpch bench/run.sh`, 2026-11-30 12:00.", new)
        self.assertNotIn("11:00", new)
        self.assertEqual(new.count("| TPC-H Q1 |"), 1)
        self.assertTrue(new.startswith("# Benchmarks\n\nintro\n\n" + BEGIN))
        self.assertTrue(new.endswith(END + "\n\n## Machine\n"))

    def test_a_rerun_replaces_its_own_rows(self):
        old = self.doc(self.brc("2026-11-30 10:00"))
        row = self.ROW.replace("1.000 / 2.000", "9.000 / 9.000")
        new = merge(old, dict([self.brc("2026-11-30 13:00", row)]))
        self.assertIn(row, new)
        self.assertNotIn(self.ROW, new)
        self.assertNotIn("10:00", new)

    def test_sections_keep_the_workload_order_whatever_ran_first(self):
        h2o = ("h2o groupby", section("h2o groupby, 1e7 rows in memory", "`x`.", []))
        new = merge(self.doc(h2o), dict([self.tpch("t"), self.brc("t")]))
        positions = [new.index(f"**{t}") for t in ("1BRC", "TPC-H", "h2o groupby")]
        self.assertEqual(positions, sorted(positions))

    def test_merging_twice_is_stable(self):
        once = merge(self.doc(self.brc("a")), dict([self.tpch("b")]))
        self.assertEqual(merge(once, {}), once)
        self.assertEqual(parse(once), dict([self.brc("a"), self.tpch("b")]))

    def test_the_older_single_table_block_is_read_per_workload(self):
        legacy = "\n".join([
            BEGIN, "",
            "`ROUNDS=1 WORKLOADS='h2o groupby,h2o join' bench/run.sh`, 2026-11-30 18:14 – 18:30 UTC, 2 threads; "
            "load 1 2 3. **The machine is shared** (other sessions ...) more text.",
            "", HEADER, RULE,
            "| *h2o groupby, 1e7 rows in memory (load excluded)* | | | | | | | | |",
            "| h2o q1 | a | b | c | d | e | f | g | yes |",
            "| *h2o join, 1e7 rows in memory (load excluded)* | | | | | | | | |",
            "| h2o j1 | a | b | c | d | e | f | g | yes |",
            "", END,
        ])
        sections = parse(legacy)
        self.assertEqual(sorted(sections), ["h2o groupby", "h2o join"])
        first = sections["h2o groupby"]
        self.assertEqual(first[0], "**h2o groupby, 1e7 rows in memory (load excluded)**: "
                         "`ROUNDS=1 WORKLOADS='h2o groupby,h2o join' bench/run.sh`, 2026-11-30 18:14 – 18:30 UTC, "
                         "2 threads; load 1 2 3.")
        self.assertEqual(first[-1], "| h2o q1 | a | b | c | d | e | f | g | yes |")
        new = merge("x\n" + legacy + "\ny", dict([self.brc("now")]))
        self.assertIn("| h2o j1 | a |", new)
        self.assertLess(new.index("**1BRC"), new.index("**h2o groupby"))

    def test_workloads_are_chosen_by_name_ignoring_case_and_punctuation(self):
        titles = ["1BRC, 1e8 rows from the file", "word count, 512 MB of Zipf text", "TPC-H SF1 from the .tbl files",
                  "TPC-H SF1 from the .tbl files", "h2o groupby, 1e7 rows", "h2o join, 1e7 rows"]
        items = list(enumerate(titles))  # TPC-H has one item per query, all under one title
        pick = lambda only: [titles[i] for i, _ in select(items, only, title=lambda w: w[1])]  # noqa: E731
        self.assertEqual(pick(""), titles)
        self.assertEqual(pick("wordcount,tpch"), titles[1:4])
        self.assertEqual(pick("TPC-H, 1brc"), titles[2:4] + titles[:1])
        self.assertEqual(pick("h2o,h2o join"), titles[4:])
        self.assertEqual(pick("h2o join"), titles[5:])
        with self.assertRaisesRegex(ValueError, "'tpcds' matches no workload; they are 1BRC, word count, TPC-H"):
            pick("tpch,tpcds")

    def test_a_document_without_markers_is_refused(self):
        with self.assertRaises(ValueError):
            merge("no table here", {})


def self_test():
    result = unittest.main(module=__name__, argv=["run.py --self-test"], exit=False).result
    return 0 if result.wasSuccessful() else 1
