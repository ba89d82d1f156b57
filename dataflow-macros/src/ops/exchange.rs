//! Repartitioning operators: each ends a stage; the next stage reads the new partitions.

use super::{OpSpec, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exchange {
    Rebalance,
    PartitionByHash,
    MapPartition,
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "rebalance",
        flink: "rebalance",
        role: Role::Exchange(Exchange::Rebalance),
        min_args: 0,
        max_args: 0,
        usage: "rebalance()",
        options: &[],
    },
    OpSpec {
        name: "partition_by_hash",
        flink: "partitionByHash",
        role: Role::Exchange(Exchange::PartitionByHash),
        min_args: 1,
        max_args: 1,
        usage: "partition_by_hash(|x: &T| key)",
        options: &[],
    },
    OpSpec {
        name: "map_partition",
        flink: "mapPartition",
        role: Role::Exchange(Exchange::MapPartition),
        min_args: 1,
        max_args: 1,
        usage: "map_partition(|records| iterator)",
        options: &[],
    },
];
