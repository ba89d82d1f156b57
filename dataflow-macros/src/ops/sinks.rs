//! Sinks: each ends a chain and contributes one value to the job's result.

use super::{OpSpec, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    Collect,
    Print,
    ForEach,
    WriteText,
    WriteCsv,
    WriteJson,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "collect",
        flink: "collect",
        role: Role::Sink(Sink::Collect),
        min_args: 0,
        max_args: 0,
        usage: "collect() or collect::<HashMap<_, _>>()",
        options: &[],
    },
    OpSpec {
        name: "print",
        flink: "print",
        role: Role::Sink(Sink::Print),
        min_args: 0,
        max_args: 0,
        usage: "print()",
        options: &[],
    },
    OpSpec {
        name: "for_each",
        flink: "output(OutputFormat)",
        role: Role::Sink(Sink::ForEach),
        min_args: 1,
        max_args: 1,
        usage: "for_each(|x| ...)",
        options: &[],
    },
    OpSpec {
        name: "write_text",
        flink: "writeAsText",
        role: Role::Sink(Sink::WriteText),
        min_args: 1,
        max_args: 1,
        usage: "write_text(\"out.txt\")",
        options: &["sync"],
    },
    OpSpec {
        name: "write_csv",
        flink: "writeAsCsv",
        role: Role::Sink(Sink::WriteCsv),
        min_args: 1,
        max_args: 1,
        usage: "write_csv(\"out.csv\")",
        options: &["header", "delimiter", "sync"],
    },
    OpSpec {
        name: "write_json",
        flink: "(JSON lines; no DataSet equivalent)",
        role: Role::Sink(Sink::WriteJson),
        min_args: 1,
        max_args: 1,
        usage: "write_json(\"out.jsonl\")",
        options: &["sync"],
    },
];
