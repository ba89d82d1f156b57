//! Panics in user closures become errors that name the operator.
//!
//! The macro wraps every call of a user closure in [`guard`], a drop guard: on the path that
//! does not panic it is forgotten and costs nothing. When the closure panics, the hook has
//! already noted the message and location for the thread; the unwind then drops the guard,
//! and the innermost guard notes its operator with them in the job's `JobScope`. The job's
//! [`catch_task`] catches the unwind, wherever rayon carried it, and turns the note into
//! [`Error::UserPanic`](crate::Error::UserPanic). Failures inside runtime code that runs
//! within a fused loop (a sink that cannot write) unwind as an [`Error`](crate::Error) payload
//! raised by [`fail`], returned as they are.
//!
//! Why a drop guard and not `catch_unwind`: `catch_unwind` calls the closure through a data
//! pointer, so the closure's result is stored to memory and read back; for a key or record of a
//! few words that cost word count with an inline 40-byte key 23%, and plain word count 8%. A
//! drop guard leaves the closure and its caller free to be inlined into one loop.
//!
//! The note travels through the job's scope, not the payload (a drop guard cannot change the
//! payload): every thread that runs a task of the job enters the scope first, and the thread
//! that fanned the tasks out enters it again after them (`JobScope::fan_out`, used by every
//! function that runs work on the pool), so a panic on any worker is noted where `catch_task`
//! finds it, even when jobs share the pool.
//!
//! One concern per file: [`OpInfo`] and [`guard`] here; the panic hook, [`fail`] and
//! [`catch_task`] in `panic.rs`; the job's scope, which carries the note across the pool's
//! threads, in `scope.rs`; [`CancelOnFailure`] in `cancel.rs`; the typed guards the generated
//! code calls, [`call`], in `call.rs`.

pub mod call;
mod cancel;
mod panic;
mod scope;
#[cfg(test)]
mod tests;

pub use cancel::CancelOnFailure;
pub use panic::{catch_task, fail, install_panic_hook, mark_worker_thread};
pub(crate) use scope::JobScope;

use panic::SEEN;
use scope::SCOPE;

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

/// Calls `f`, the call of a user closure; a panic in it unwinds on, noted as coming from `op`
/// (unless a guard nested inside noted its own operator first).
#[inline(always)]
pub fn guard<R>(op: &'static OpInfo, f: impl FnOnce() -> R) -> R {
    let on_unwind = NoteOnUnwind(op);
    let r = f();
    // Not unwinding: nothing to note.
    std::mem::forget(on_unwind);
    r
}

/// Dropped only while an unwind passes through a [`guard`].
struct NoteOnUnwind(&'static OpInfo);

impl Drop for NoteOnUnwind {
    #[cold]
    fn drop(&mut self) {
        // The innermost guard takes what the hook saw; the outer ones find it taken, and their
        // notes lose to the first.
        let seen = SEEN.with(|s| s.borrow_mut().take());
        SCOPE.with(|s| {
            if let Some(scope) = &*s.borrow() {
                scope.note(self.0, seen);
            }
        });
    }
}
