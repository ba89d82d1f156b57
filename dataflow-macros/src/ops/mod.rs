//! The operator catalogue: one entry per operator, grouped by family, one file per family.
//! Each entry says how the operator is called (arguments, options), what it consumes and
//! produces (its [`Role`]), and its Flink name for the README's table. Code generation for a
//! family lives beside its entries.

pub mod aggregate;
pub mod elementwise;
pub mod exchange;
pub mod hints;
pub mod sinks;
pub mod sources;

/// What an operator does in a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Starts a chain.
    Source(sources::Source),
    /// Record-at-a-time; fused into the stage's loop.
    Elementwise(elementwise::Elementwise),
    /// Sets the key for the next operator.
    KeyBy,
    /// An aggregation: per key after `key_by`, over everything otherwise.
    Aggregation(aggregate::Aggregation),
    /// Repartitions: ends a stage, the next stage reads the new partitions.
    Exchange(exchange::Exchange),
    /// Ends a chain and yields one of the job's results.
    Sink(sinks::Sink),
}

/// One operator of the catalogue.
#[derive(Debug)]
pub struct OpSpec {
    pub name: &'static str,
    /// The Flink DataSet operator it corresponds to (checked against the README's table).
    #[cfg_attr(not(test), allow(dead_code))]
    pub flink: &'static str,
    pub role: Role,
    /// Allowed number of positional arguments.
    pub min_args: usize,
    pub max_args: usize,
    /// How a call looks, shown in messages: `map(|x| ...)`.
    pub usage: &'static str,
    /// Allowed named options (`delimiter = b';'`).
    pub options: &'static [&'static str],
}

/// Every operator, in the order the README lists them.
pub fn catalogue() -> impl Iterator<Item = &'static OpSpec> {
    sources::OPS
        .iter()
        .chain(elementwise::OPS)
        .chain(aggregate::OPS)
        .chain(exchange::OPS)
        .chain(sinks::OPS)
}

/// The operator called `name`.
pub fn lookup(name: &str) -> Option<&'static OpSpec> {
    catalogue().find(|op| op.name == name)
}

/// The catalogue's names, for "did you mean" hints.
pub fn names() -> Vec<&'static str> {
    catalogue().map(|op| op.name).collect()
}

#[cfg(test)]
mod tests {
    /// The README's operator table must list every operator with its Flink name.
    #[test]
    fn readme_table_lists_every_operator() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
            .expect("README.md at the workspace root");
        let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
        for op in super::catalogue() {
            let needle = format!("`{}", op.name);
            let row = rows
                .iter()
                .find(|r| r.split('|').nth(1).is_some_and(|c| c.contains(&needle)))
                .unwrap_or_else(|| panic!("README operator table has no row for `{}`", op.name));
            let flink_names = op.flink.split(" / ").next().expect("a Flink name");
            assert!(
                row.contains(flink_names.split(',').next().unwrap().trim()),
                "README row for `{}` does not name Flink's `{}`: {row}",
                op.name,
                op.flink
            );
        }
    }
}
