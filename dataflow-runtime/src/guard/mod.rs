//! Panics in user closures become errors that name the operator.
//!
//! The macro wraps every call of a user closure in [`guard`], a drop guard: on the path that
//! does not panic it is forgotten and costs nothing. When the closure panics, the hook has
//! already noted the message and location for the thread; the unwind then drops the guard,
//! and the innermost guard notes its operator with them in the job's `JobScope`. The job's
//! [`catch_task`] catches the unwind, wherever rayon carried it, and turns the note into
//! [`Error::UserPanic`]. Failures inside runtime code that runs within a fused loop (a sink that
//! cannot write) unwind as an [`Error`] payload raised by [`fail`], returned as they are.
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

use crate::error::{Error, Result};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Once};

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

/// What the hook saw of a panic: its message and where it happened.
struct Seen {
    message: String,
    location: Option<String>,
}

/// A panic noted by a guard: the operator, and what the hook saw when it ran on that thread.
struct Noted {
    op: &'static OpInfo,
    seen: Option<Seen>,
}

/// One job's note of its first panic in user code, shared by the threads that run its tasks.
#[derive(Clone, Default)]
pub(crate) struct JobScope(Arc<Mutex<Option<Noted>>>);

impl JobScope {
    /// The scope of the job the calling thread runs, to hand to the tasks it fans out to.
    fn current() -> JobScope {
        SCOPE.with(|s| s.borrow().clone()).unwrap_or_default()
    }

    /// Makes this the scope of the calling thread (a task of the job starts on it).
    #[inline]
    pub(crate) fn enter(&self) {
        SCOPE.with(|s| {
            let mut current = s.borrow_mut();
            if !matches!(&*current, Some(c) if Arc::ptr_eq(&c.0, &self.0)) {
                *current = Some(self.clone());
            }
        });
    }

    /// For a function that fans work out to the pool: the job's scope (entered on the calling
    /// thread), to [`enter`](Self::enter) at the start of each task, and a guard that enters it
    /// again on the calling thread when the function returns or unwinds. While that thread waits
    /// for the tasks, rayon may have it run tasks of other jobs, which enter their own scopes.
    pub(crate) fn fan_out() -> (JobScope, Reenter) {
        let scope = JobScope::current();
        (scope.clone(), Reenter(scope))
    }

    fn note(&self, op: &'static OpInfo, seen: Option<Seen>) {
        let mut noted = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // The first panic of the job is the one reported; a note without what the hook saw (a
        // `fail`, or an unwind carried from another thread) gives way to one with it.
        let replace = match &*noted {
            None => true,
            Some(earlier) => earlier.seen.is_none() && seen.is_some(),
        };
        if replace {
            *noted = Some(Noted { op, seen });
        }
    }

    fn take(&self) -> Option<Noted> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Enters its scope again when dropped; see [`JobScope::fan_out`].
pub(crate) struct Reenter(JobScope);

impl Drop for Reenter {
    fn drop(&mut self) {
        self.0.enter();
    }
}

thread_local! {
    /// How deeply this thread is inside job code; the hook stays quiet while it is above zero.
    static IN_JOB: Cell<u32> = const { Cell::new(0) };
    /// What the hook saw of the panic unwinding on this thread, until a guard notes it.
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
    /// The scope of the job whose task this thread runs.
    static SCOPE: RefCell<Option<JobScope>> = const { RefCell::new(None) };
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

/// Stops the current task with `error`: it unwinds to the enclosing [`catch_task`], which returns
/// it as `Err`. For runtime code inside a fused loop, which has no `Result` to return.
#[cold]
pub fn fail(error: Error) -> ! {
    // Not a panic: what the hook saw of an earlier one (caught inside a user closure) must not
    // be noted with this unwind.
    SEEN.with(|s| s.borrow_mut().take());
    panic::resume_unwind(Box::new(error))
}

/// Cancels the job when dropped by an unwind: a task holds one while it runs, so that the first
/// failure (a panicking closure, a [`fail`]) tells every other task to stop taking input, and the
/// job returns its error without scanning the rest. Tasks check
/// [`Context::is_cancelled`](crate::job::Context::is_cancelled) once per block of records or
/// per morsel, never per record.
///
/// One per task, not per record: creating it is free, and its drop reads a thread-local.
pub struct CancelOnFailure<'c>(pub &'c crate::job::Context);

impl Drop for CancelOnFailure<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.cancel();
        }
    }
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

    /// A panic on a worker thread (not the one that runs the job's body) reaches the job's
    /// error with its operator, message and location, though rayon carries the unwind across
    /// threads and the note does not travel with it.
    #[test]
    fn a_panic_on_another_worker_names_its_operator() {
        static FILTER: OpInfo = OpInfo {
            name: "filter",
            file: "src/job.rs",
            line: 9,
            column: 5,
        };
        let job = crate::Job::new("", Some(4), |ctx: &crate::Context| {
            let body_thread = std::thread::current().id();
            let waited = std::sync::atomic::AtomicBool::new(false);
            crate::driver::drive_indexed(
                ctx,
                &OP,
                0..200_000u32,
                || 0u32,
                |n, x| {
                    if std::thread::current().id() == body_thread {
                        // Give the other workers time to take the rest of the input.
                        if !waited.swap(true, std::sync::atomic::Ordering::Relaxed) {
                            std::thread::sleep(std::time::Duration::from_millis(50));
                        }
                    } else {
                        guard(&FILTER, || {
                            if x > 10 {
                                panic!("bad record {}", "on a worker")
                            }
                        });
                    }
                    *n += 1;
                },
            )
        });
        let text = job.run().unwrap_err().to_string();
        assert!(
            text.starts_with(
                "operator `filter` at src/job.rs:9:5 panicked: bad record on a worker"
            ),
            "{text}"
        );
        assert!(text.contains("guard.rs"), "panic location missing: {text}");
    }

    /// Jobs that share a pool (same parallelism, run at once from several threads) and all
    /// panic each report their own operator and message: a thread that waits for its job's
    /// tasks may run another job's meanwhile, and must come back to its own job's scope for
    /// the next stage.
    #[test]
    fn jobs_sharing_a_pool_report_their_own_panics() {
        static OPS: [OpInfo; 2] = [
            OpInfo {
                name: "map",
                file: "a.rs",
                line: 1,
                column: 1,
            },
            OpInfo {
                name: "filter",
                file: "b.rs",
                line: 2,
                column: 2,
            },
        ];
        let threads: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..20usize {
                        let which = (t + i) % 2;
                        let job = crate::Job::new("", Some(3), move |ctx: &crate::Context| {
                            // A first stage, during which this thread may run other jobs' tasks.
                            let each = |_: &mut (), x: u32| {
                                std::hint::black_box(x);
                            };
                            crate::driver::drive_indexed(ctx, &OP, 0..50_000u32, || (), each)?;
                            crate::driver::drive_indexed(
                                ctx,
                                &OP,
                                0..50_000u32,
                                || (),
                                |_, x| {
                                    guard(&OPS[which], || {
                                        if x % 9_973 == 9_972 {
                                            panic!("job {t}/{i} in op {which}")
                                        }
                                    })
                                },
                            )
                        });
                        let err = job.run().unwrap_err();
                        match &err {
                            Error::UserPanic {
                                operator, message, ..
                            } => {
                                assert_eq!(*operator, OPS[which].name, "{err}");
                                assert_eq!(message, &format!("job {t}/{i} in op {which}"));
                            }
                            other => panic!("{other}"),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }

    /// A note that carries what the hook saw replaces one that does not (left by a `fail` or
    /// an unwind carried from another thread), and never the other way round.
    #[test]
    fn a_note_with_the_panic_replaces_one_without() {
        static OTHER: OpInfo = OpInfo {
            name: "filter",
            file: "src/x.rs",
            line: 1,
            column: 1,
        };
        let seen = |m: &str| {
            Some(Seen {
                message: m.to_string(),
                location: None,
            })
        };
        let scope = JobScope::default();
        scope.note(&OTHER, None);
        scope.note(&OP, seen("first"));
        scope.note(&OTHER, seen("second"));
        scope.note(&OTHER, None);
        let noted = scope.take().unwrap();
        assert_eq!(noted.op.name, "map");
        assert_eq!(noted.seen.unwrap().message, "first");
        assert!(scope.take().is_none());
    }

    /// A guard outside the panicking thread (one that waits on a parallel merge) still names
    /// its operator; the message comes from the payload.
    #[test]
    fn a_panic_in_a_parallel_step_under_a_guard_names_the_guard() {
        install_panic_hook();
        let err = catch_task(|| {
            guard(&OP, || {
                rayon::join(|| (), || panic!("in a merge"));
            })
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::UserPanic { operator: "map", message, .. } if message == "in a merge"),
            "{err}"
        );
    }

    #[test]
    fn a_panic_outside_any_guard_is_internal() {
        install_panic_hook();
        let err = catch_task(|| -> u32 { panic!("runtime bug") }).unwrap_err();
        assert!(
            matches!(&err, Error::Internal(m) if m.starts_with("runtime bug at ")),
            "{err}"
        );
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
