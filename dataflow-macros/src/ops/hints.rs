//! What to say about an operator name that is not in the catalogue: Flink's name (or a common
//! one) for one of ours, an operator that is planned but not available yet, or, failing both, a
//! close spelling of one of ours. The names are one data table, [`HINTS`].

use super::OpSpec;

/// What a name in [`HINTS`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Another name for one of our operators.
    Ours(&'static str),
    /// Planned and not available yet; what to do meanwhile.
    Planned(&'static str),
}

use Hint::*;

/// Names that are not ours, and what they stand for. A name matches whatever its case and
/// underscores (`groupBy`, `group_by` and `GROUPBY` are one name); names that differ from one of
/// ours only so (`flatMap`, `minBy`, `reduceGroup`, `partitionByHash`, `mapPartition`,
/// `fromCollection`) need no entry.
pub const HINTS: &[(&str, Hint)] = &[
    // Flink's DataSet API.
    ("groupBy", Ours("key_by")),
    ("readTextFile", Ours("read_text")),
    ("readCsvFile", Ours("read_csv")),
    ("writeAsText", Ours("write_text")),
    ("writeAsCsv", Ours("write_csv")),
    ("ParquetInputFormat", Ours("read_parquet")),
    ("ParquetOutputFormat", Ours("write_parquet")),
    ("fromElements", Ours("from_collection")),
    ("generateSequence", Ours("range")),
    ("output", Ours("for_each")),
    ("project", Ours("map")),
    ("setParallelism", Ours("#![parallelism = N]")),
    // Other engines and Rust's iterators.
    ("keyBy", Ours("key_by")),
    ("foreach", Ours("for_each")),
    ("average", Ours("avg")),
    ("mean", Ours("avg")),
    ("take", Ours("first")),
    ("limit", Ours("first")),
    ("head", Ours("first")),
    ("dedup", Ours("distinct")),
    ("unique", Ours("distinct")),
    ("repartition", Ours("rebalance")),
    ("shuffle", Ours("rebalance")),
    ("summarize", Ours("statistics")),
    ("describe", Ours("statistics")),
    ("read_csv_file", Ours("read_csv")),
    ("from_vec", Ours("from_collection")),
    ("from_elements", Ours("from_collection")),
    ("write", Ours("write_text")),
    ("read_jsonl", Ours("read_json")),
    ("read_ndjson", Ours("read_json")),
    ("read_json_lines", Ours("read_json")),
    ("write_jsonl", Ours("write_json")),
    ("write_ndjson", Ours("write_json")),
    // Planned.
    // Joins and friends under other names.
    ("inner_join", Ours("join")),
    ("left_join", Ours("left_outer_join")),
    ("right_join", Ours("right_outer_join")),
    ("outer_join", Ours("full_outer_join")),
    ("full_join", Ours("full_outer_join")),
    ("joinWithTiny", Ours("join(other, |l| key, |r| key, strategy = broadcast_right)")),
    ("joinWithHuge", Ours("join(other, |l| key, |r| key, strategy = broadcast_left)")),
    ("crossWithTiny", Ours("cross(other, strategy = broadcast_right)")),
    ("crossWithHuge", Ours("cross(other, strategy = broadcast_left)")),
    ("withBroadcastSet", Ours("broadcast")),
    ("broadcast_set", Ours("broadcast")),
    ("concat", Ours("union")),
    ("union_all", Ours("union")),
    ("cartesian", Ours("cross")),
    ("cross_join", Ours("cross")),
    ("exists", Ours("semi_join")),
    ("left_semi_join", Ours("semi_join")),
    ("left_anti_join", Ours("anti_join")),
    ("not_exists", Ours("anti_join")),
    ("sort", Ours("sort_by")),
    ("order_by", Ours("sort_by")),
    ("sort_by_key", Ours("sort_by")),
    ("top_n", Ours("top_by")),
    ("nlargest", Ours("top_by")),
    ("nsmallest", Ours("bottom_by")),
    ("sort_group", Ours("reduce_group(|key, values| ..., sort_by = |x| key)` (or `first(n, sort_by = |x| key)")),
    ("zip_with_index", Planned("meanwhile, `collect()` and number the records with `.into_iter().enumerate()` after `run()`")),
    ("sample", Planned("meanwhile, `filter` with a seeded hash of each record, e.g. `filter(|r| hash(r) % 100 < 5)` for about 5%")),
    ("window", Planned("streaming is not supported; meanwhile, `key_by` a window number computed from each record's time")),
];

/// `groupBy`, `group_by` and `GROUPBY` as one name.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What to add to "unknown operator `name`": `; ...` or ` (did you mean ...)`, or nothing.
/// `known` are the operators that fit where the name stands: all of them, or the sources at the
/// head of a chain. `spec` looks one of ours up.
pub fn unknown_operator(
    name: &str,
    known: &[&'static str],
    spec: impl Fn(&str) -> Option<&'static OpSpec>,
) -> String {
    let normalized = normalize(name);
    let ours = |op: &str| match spec(op) {
        Some(spec) if known.contains(&spec.name) => format!(": it is `{}` here", spec.usage),
        Some(spec) => format!(": it is `{}` here, which is not a source", spec.name),
        // Not an operator (a job option): say how to write it.
        None => format!(": write `{op}`"),
    };
    if let Some(op) = known.iter().find(|k| normalize(k) == normalized) {
        return ours(op);
    }
    for (other, hint) in HINTS {
        if normalize(other) == normalized {
            return match hint {
                Ours(op) => ours(op),
                Planned(meanwhile) => format!(": it is planned but not available yet; {meanwhile}"),
            };
        }
    }
    did_you_mean(name, known)
}

/// ` (did you mean `x`?)` for a known name that is a likely misspelling of `name`. Short names
/// are never guessed: `join` is two edits from `min`, which says nothing about what it means.
pub fn did_you_mean(name: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (distance(name, k), *k))
        .filter(|(d, k)| *d > 0 && *d <= name.len().min(k.len()) / 4)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours
/// as one edit (optimal string alignment), so that `evnes` is one edit from `evens`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{catalogue, lookup, names};

    fn say(name: &str) -> String {
        unknown_operator(name, &names(), lookup)
    }

    #[test]
    fn flink_names_point_to_ours() {
        for (flink, ours) in [
            ("groupBy", "key_by(|x: &T| key)"),
            ("group_by", "key_by(|x: &T| key)"),
            ("flatMap", "flat_map(|x| iterator)"),
            ("reduceGroup", "reduce_group("),
            ("minBy", "min_by(|x: &T| value)"),
            ("partitionByHash", "partition_by_hash("),
            ("mapPartition", "map_partition("),
            ("writeAsText", "write_text("),
            ("readTextFile", "read_text("),
            ("readCsvFile", "read_csv::<Record>("),
            ("fromCollection", "from_collection(vec)"),
            ("FIRST", "first(n)"),
            ("readJsonl", "read_json"),
            ("read_ndjson", "read_json"),
        ] {
            let hint = say(flink);
            assert!(
                hint.starts_with(&format!(": it is `{ours}")),
                "{flink}: {hint}"
            );
        }
    }

    #[test]
    fn flink_join_names_point_to_ours() {
        assert_eq!(say("leftOuterJoin"), ": it is `left_outer_join(other, |l| key, |r| key)` or `left_outer_join(other, |l| key, |r| key, |l, r: Option<&R>| output)` here");
        assert_eq!(
            say("coGroup"),
            format!(": it is `{}` here", lookup("co_group").unwrap().usage)
        );
        assert_eq!(say("groupBy"), ": it is `key_by(|x: &T| key)` here");
        assert!(
            say("joinWithTiny").contains("strategy = broadcast_right"),
            "{}",
            say("joinWithTiny")
        );
        assert!(say("withBroadcastSet").contains("broadcast()"));
        assert!(say("left_join").starts_with(": it is `left_outer_join("));
    }

    #[test]
    fn planned_operators_say_so_with_what_to_do_meanwhile() {
        for (name, hint) in HINTS {
            if let Planned(_) = hint {
                let hint = say(name);
                assert!(
                    hint.starts_with(": it is planned but not available yet; ")
                        && hint.contains("meanwhile, "),
                    "{name}: {hint}"
                );
            }
        }
    }

    #[test]
    fn close_misspellings_are_guessed_and_far_or_short_names_are_not() {
        assert_eq!(say("flat_mapp"), " (did you mean `flat_map`?)");
        assert_eq!(say("colect"), " (did you mean `collect`?)");
        assert_eq!(say("distnct"), " (did you mean `distinct`?)");
        assert_eq!(say("min_byy"), " (did you mean `min_by`?)");
        assert_eq!(say("fitler"), " (did you mean `filter`?)");
        assert_eq!(
            did_you_mean("evnes", &["evens", "odds"]),
            " (did you mean `evens`?)"
        );
        for far in ["mix", "sor", "zip", "window_all", "xyz", "tail"] {
            assert_eq!(say(far), "", "{far}");
        }
    }

    #[test]
    fn every_hint_names_an_operator_of_ours_or_a_job_option() {
        for (name, hint) in HINTS {
            assert!(lookup(name).is_none(), "`{name}` is ours: remove its hint");
            if let Ours(op) = hint {
                // An operator, a job option, or a call of one of ours written out.
                let head: String = op
                    .chars()
                    .skip_while(|c| !c.is_ascii_alphabetic())
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    lookup(op).is_some() || op.starts_with("#![") || lookup(&head).is_some(),
                    "the hint for `{name}` names `{op}`, which is not an operator"
                );
            }
        }
    }

    /// Every operator's Flink name (the first word of its `flink` entry) leads to an operator.
    #[test]
    fn every_flink_name_of_the_catalogue_leads_somewhere() {
        for op in catalogue() {
            let flink: String = op
                .flink
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if flink.is_empty() || lookup(&flink).is_some() {
                continue;
            }
            assert!(
                say(&flink).starts_with(": it is `"),
                "{flink}: {}",
                say(&flink)
            );
        }
    }

    #[test]
    fn at_the_head_of_a_chain_an_operator_that_is_not_a_source_says_so() {
        let sources = ["from_collection", "read_text"];
        assert_eq!(
            unknown_operator("groupBy", &sources, lookup),
            ": it is `key_by` here, which is not a source"
        );
        assert!(
            unknown_operator("readTextFile", &sources, lookup).starts_with(": it is `read_text(")
        );
    }
}
