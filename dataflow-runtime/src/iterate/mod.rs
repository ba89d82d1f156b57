//! Bulk and delta iterations: what the code of a loop written in the `pipeline!` DSL calls
//! between the stages of its step.
//!
//! A loop's step is compiled like a job of its own (stages, fused loops, exchanges); each round
//! runs its stages. This module holds what the rounds share:
//! - [`drive_cloned`]: a stage over a data set that outlives the round (one bound outside the
//!   loop, or the solution set), whose records are cloned as they are read;
//! - [`Witness`] and [`StepRecords`]: the check that a step yields the loop's own record type,
//!   reported on the step's last chain;
//! - [`SolutionSet`] (`solution.rs`): a delta iteration's solution set, hash-partitioned by its
//!   key and updated in place, partition by partition, in parallel.
//!
//! Order: a round's records keep the order contract of the operators in the step; the loop
//! adds none of its own, so the result does not depend on the parallelism.

mod solution;

pub use solution::SolutionSet;

use crate::driver::CANCEL_CHECK_ITEMS;
use crate::error::Result;
use crate::guard::{CancelOnFailure, JobScope};
use crate::job::Context;
use crate::Partitions;
use rayon::prelude::*;
use std::marker::PhantomData;

/// Runs `body` over a clone of every record of `input`, one task per partition, returning the
/// states in partition order: [`crate::driver::drive_partitions`] over data that a later round
/// reads again.
pub fn drive_cloned<T, L, I, B>(
    ctx: &Context,
    input: &Partitions<T>,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    T: Clone + Sync,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, T) + Sync + Send,
{
    drive_slices(ctx, input.iter().map(Vec::as_slice).collect(), init, body)
}

/// [`drive_cloned`] over slices (a solution set's partitions).
pub(crate) fn drive_slices<T, L, I, B>(
    ctx: &Context,
    input: Vec<&[T]>,
    init: I,
    body: B,
) -> Result<Vec<L>>
where
    T: Clone + Sync,
    L: Send,
    I: Fn() -> L + Sync + Send,
    B: Fn(&mut L, T) + Sync + Send,
{
    ctx.record_stage_input(input.iter().map(|part| part.len() as u64).sum());
    let (scope, _reenter) = JobScope::fan_out();
    Ok(input
        .into_par_iter()
        .map(|part| {
            scope.enter();
            let _cancel_on_failure = CancelOnFailure(ctx);
            let mut local = init();
            for block in part.chunks(CANCEL_CHECK_ITEMS) {
                if ctx.is_cancelled() {
                    break;
                }
                for item in block {
                    body(&mut local, item.clone());
                }
            }
            local
        })
        .collect())
}

/// The number of records of a round's data set (a termination criterion, a work set).
pub fn records<T>(data: &Partitions<T>) -> usize {
    data.iter().map(Vec::len).sum()
}

/// The record type of a loop, taken from its first partial solution (or work set), so that
/// each round's result is checked against it where the user wrote the step.
pub struct Witness<T>(PhantomData<fn() -> T>);

/// The witness of the records of `data`.
pub fn witness<T>(_data: &Partitions<T>) -> Witness<T> {
    Witness(PhantomData)
}

impl<T> Witness<T> {
    /// `next` as the loop's next partial solution: it compiles only if the step's result holds
    /// records of the loop's type (see [`StepRecords`]).
    #[inline(always)]
    pub fn check<U: StepRecords<T>>(&self, next: Partitions<U>) -> Partitions<T> {
        U::into_loop(next)
    }
}

/// Implemented only for `T` itself: a step must yield the records it was given.
#[diagnostic::on_unimplemented(
    message = "the step of this loop yields `{Self}` records, but the loop's records are `{T}`",
    label = "this chain, the step's result, must yield `{T}`",
    note = "a loop's step gets the partial solution and must return the next one, of the same type: end the step with a chain that yields `{T}` (e.g. a `map` back to that type)"
)]
pub trait StepRecords<T>: Sized {
    /// The partitions, unchanged.
    fn into_loop(next: Partitions<Self>) -> Partitions<T>;
}

impl<T> StepRecords<T> for T {
    #[inline(always)]
    fn into_loop(next: Partitions<T>) -> Partitions<T> {
        next
    }
}

/// How a loop ended, for `explain`-style reports and the job's metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rounds {
    /// Rounds run.
    pub rounds: usize,
    /// Whether it stopped before its maximum (its termination set or work set was empty).
    pub converged: bool,
}

#[cfg(test)]
mod tests;
