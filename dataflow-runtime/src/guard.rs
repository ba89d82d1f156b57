//! Panics in user closures become errors that name the operator.
//!
//! The macro wraps every call of a user closure in [`guard`]. When the closure panics, the guard
//! re-raises the unwind with a [`UserPanic`] payload that carries the operator's name and source
//! location; the driver that runs the morsel ([`catch_task`]) catches it and turns it into
//! [`Error::UserPanic`]. Failures inside runtime code that runs within a fused loop (a sink that
//! cannot write) travel the same way, as an [`Error`] payload raised by [`fail`].
//!
//! `catch_unwind` costs nothing on the path that does not panic, and a closure that cannot panic
//! loses its landing pad entirely, so the guard does not stop the fused loop from vectorizing.

use crate::error::{Error, Result};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// Where an operator stands in the user's source. The macro emits one `static` per operator.
#[derive(Debug)]
pub struct OpInfo {
    /// The operator's name as written in the pipeline, e.g. `flat_map`.
    pub name: &'static str,
    /// The file holding the `pipeline!` invocation.
    pub file: &'static str,
    /// 1-based line of the operator.
    pub line: u32,
    /// 1-based column of the operator.
    pub column: u32,
}

/// The unwind payload of a panic in user code, tagged with its operator.
#[derive(Debug)]
pub struct UserPanic {
    /// The operator whose closure panicked.
    pub op: &'static OpInfo,
    /// The panic message.
    pub message: String,
    /// file:line:column of the panic, when the hook saw it.
    pub location: Option<String>,
}

thread_local! {
    /// How deeply this thread is inside job code; the hook stays quiet while it is above zero.
    static IN_JOB: Cell<u32> = const { Cell::new(0) };
    /// The location the hook saw for the last panic on this thread.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Marks the current thread as a job worker for its whole life (called by the pool's start
/// handler), so that the hook records, rather than prints, panics raised on it.
pub fn mark_worker_thread() {
    IN_JOB.with(|d| d.set(d.get() + 1));
}

/// Installs (once per process) a panic hook that records where a panic in job code happened and
/// keeps it off stderr: it is reported as an `Err` instead. Panics elsewhere reach the previous hook.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_JOB.with(|d| d.get()) > 0 {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LAST_LOCATION.with(|l| *l.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Calls `f`, the call of a user closure; a panic in it unwinds on with a [`UserPanic`] payload
/// naming `op`.
#[inline(always)]
pub fn guard<R>(op: &'static OpInfo, f: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => panic::resume_unwind(tag(op, payload)),
    }
}

#[cold]
#[inline(never)]
fn tag(op: &'static OpInfo, payload: Box<dyn Any + Send>) -> Box<dyn Any + Send> {
    // A payload that is already tagged (a nested guard, or a runtime failure) passes unchanged.
    if payload.is::<UserPanic>() || payload.is::<Error>() {
        return payload;
    }
    let location = LAST_LOCATION.with(|l| l.borrow_mut().take());
    Box::new(UserPanic {
        op,
        message: panic_message(&*payload),
        location,
    })
}

/// Stops the current task with `error`: it unwinds to the enclosing [`catch_task`], which returns
/// it as `Err`. For runtime code inside a fused loop, which has no `Result` to return.
#[cold]
pub fn fail(error: Error) -> ! {
    panic::resume_unwind(Box::new(error))
}

/// Runs one task (a morsel, a partition merge) and turns any unwind into an [`Error`].
pub fn catch_task<R>(f: impl FnOnce() -> R) -> Result<R> {
    IN_JOB.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_JOB.with(|d| d.set(d.get() - 1));
    result.map_err(payload_to_error)
}

/// Converts an unwind payload into the error it stands for.
pub fn payload_to_error(payload: Box<dyn Any + Send>) -> Error {
    let payload = match payload.downcast::<Error>() {
        Ok(error) => return *error,
        Err(other) => other,
    };
    match payload.downcast::<UserPanic>() {
        Ok(p) => Error::UserPanic {
            operator: p.op.name,
            file: p.op.file,
            line: p.op.line,
            column: p.op.column,
            message: p.message,
            panic_location: p.location,
        },
        Err(other) => {
            let location = LAST_LOCATION.with(|l| l.borrow_mut().take());
            Error::Internal(format!(
                "{}{}",
                panic_message(&*other),
                location.map(|l| format!(" at {l}")).unwrap_or_default()
            ))
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static OP: OpInfo = OpInfo {
        name: "map",
        file: "src/main.rs",
        line: 3,
        column: 12,
    };

    #[test]
    fn a_panic_in_a_guarded_closure_names_the_operator() {
        install_panic_hook();
        let err = catch_task(|| guard(&OP, || -> u32 { panic!("boom {}", 7) })).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("operator `map` at src/main.rs:3:12 panicked: boom 7"),
            "{text}"
        );
        assert!(text.contains("guard.rs"), "panic location missing: {text}");
    }

    #[test]
    fn a_failure_payload_passes_through_guards() {
        let err = catch_task(|| {
            guard(&OP, || {
                fail(Error::NoInput {
                    pattern: "x".into(),
                })
            })
        })
        .unwrap_err();
        assert!(matches!(err, Error::NoInput { .. }));
    }

    #[test]
    fn no_panic_no_error() {
        assert_eq!(catch_task(|| guard(&OP, || 5)).unwrap(), 5);
    }
}

/// Typed guards: the generated code calls every user closure through one of these. Passing the
/// input *before* the closure lets rustc deduce the closure's parameter types from the value
/// (closures need no annotations), and the bound on `f` makes a wrong return type an error on the
/// user's closure rather than inside generated code.
pub mod call {
    use super::{guard, OpInfo};

    /// `map`, `reduce_group` and friends: `f(value)`.
    #[inline(always)]
    pub fn map<T, R>(op: &'static OpInfo, value: T, f: impl FnOnce(T) -> R) -> R {
        guard(op, move || f(value))
    }

    /// `filter`: `f(&value)` must be a `bool`.
    #[inline(always)]
    pub fn filter<T: ?Sized>(op: &'static OpInfo, value: &T, f: impl FnOnce(&T) -> bool) -> bool {
        guard(op, move || f(value))
    }

    /// `flat_map`: `f(value)` must be iterable; it is iterated inside the same guard (lazy
    /// iterators run user code while iterating), feeding each item to `each`.
    #[inline(always)]
    pub fn flat_map<T, I: IntoIterator>(
        op: &'static OpInfo,
        value: T,
        f: impl FnOnce(T) -> I,
        each: impl FnMut(I::Item),
    ) {
        guard(op, move || f(value).into_iter().for_each(each))
    }

    /// `filter_map`: `f(value)` must be an `Option`.
    #[inline(always)]
    pub fn filter_map<T, R>(
        op: &'static OpInfo,
        value: T,
        f: impl FnOnce(T) -> Option<R>,
    ) -> Option<R> {
        guard(op, move || f(value))
    }

    /// `inspect`, `for_each`: `f(&value)` for its effect.
    #[inline(always)]
    pub fn inspect<T: ?Sized>(op: &'static OpInfo, value: &T, f: impl FnOnce(&T)) {
        guard(op, move || f(value))
    }

    /// `key_by`, `partition_by_hash`: `f(&value)` must be a key (`Hash + Eq`), so that a key
    /// that is not is reported on the user's closure.
    #[inline(always)]
    pub fn key<T: ?Sized, K: std::hash::Hash + Eq>(
        op: &'static OpInfo,
        value: &T,
        f: impl FnOnce(&T) -> K,
    ) -> K {
        guard(op, move || f(value))
    }

    /// The value closures of aggregations: `f(&value)`.
    #[inline(always)]
    pub fn extract<T: ?Sized, R>(op: &'static OpInfo, value: &T, f: impl FnOnce(&T) -> R) -> R {
        guard(op, move || f(value))
    }

    /// `reduce_group`: `f(&key, values)` must be iterable; each output goes to `each`.
    #[inline(always)]
    pub fn group<K, T, I: IntoIterator>(
        op: &'static OpInfo,
        key: K,
        values: Vec<T>,
        f: impl FnOnce(&K, Vec<T>) -> I,
        each: impl FnMut(I::Item),
    ) {
        guard(op, move || f(&key, values).into_iter().for_each(each))
    }

    /// Two-argument closures (`reduce`, `fold`): `f(a, b)`.
    #[inline(always)]
    pub fn combine<A, B, R>(op: &'static OpInfo, a: A, b: B, f: impl FnOnce(A, B) -> R) -> R {
        guard(op, move || f(a, b))
    }
}
