//! The panic hook, which notes what it saw of a panic in job code for the guard that the
//! unwind drops next, and [`catch_task`], which turns an unwind into an [`Error`].

use super::scope::{JobScope, Noted, SCOPE};
use crate::error::{Error, Result};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// What the hook saw of a panic: its message and where it happened.
pub(super) struct Seen {
    pub(super) message: String,
    pub(super) location: Option<String>,
}

thread_local! {
    /// How deeply this thread is inside job code; the hook stays quiet while it is above zero.
    static IN_JOB: Cell<u32> = const { Cell::new(0) };
    /// What the hook saw of the panic unwinding on this thread, until a guard notes it.
    pub(super) static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
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
                let message = panic_message(info.payload());
                SEEN.with(|s| *s.borrow_mut() = Some(Seen { message, location }));
            } else {
                previous(info);
            }
        }));
    });
}

/// Stops the current task with `error`: it unwinds to the enclosing [`catch_task`], which returns
/// it as `Err`. For runtime code inside a fused loop, which has no `Result` to return.
#[cold]
pub fn fail(error: Error) -> ! {
    // Not a panic: what the hook saw of an earlier one (caught inside a user closure) must not
    // be noted with this unwind.
    SEEN.with(|s| s.borrow_mut().take());
    panic::resume_unwind(Box::new(error))
}

/// Runs a job's body (or one task of it) in a fresh `JobScope` and turns any unwind into an
/// [`Error`].
pub fn catch_task<R>(f: impl FnOnce() -> R) -> Result<R> {
    let scope = JobScope::default();
    let outer = SCOPE.with(|s| s.borrow_mut().replace(scope.clone()));
    IN_JOB.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_JOB.with(|d| d.set(d.get() - 1));
    // A job run from inside another job's task gives the thread back to the outer job.
    SCOPE.with(|s| *s.borrow_mut() = outer);
    result.map_err(|payload| payload_to_error(payload, scope.take()))
}

/// Converts an unwind payload into the error it stands for, with the guard's note if any.
fn payload_to_error(payload: Box<dyn Any + Send>, noted: Option<Noted>) -> Error {
    // Whatever the payload, nothing of this panic is left for the next one.
    let seen_here = SEEN.with(|s| s.borrow_mut().take());
    let payload = match payload.downcast::<Error>() {
        // A runtime failure raised by `fail`: it says what went wrong itself.
        Ok(error) => return *error,
        Err(other) => other,
    };
    match noted {
        Some(Noted { op, seen }) => {
            // The guard's thread saw the panic, unless rayon carried it from a thread outside
            // every guard (a parallel merge under a guard on the job's thread).
            let (message, location) = match seen {
                Some(seen) => (seen.message, seen.location),
                None => (panic_message(&*payload), None),
            };
            Error::UserPanic {
                operator: op.name,
                file: op.file,
                line: op.line,
                column: op.column,
                message,
                panic_location: location,
            }
        }
        None => {
            let location = seen_here.and_then(|s| s.location);
            Error::Internal(format!(
                "{}{}",
                panic_message(&*payload),
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
