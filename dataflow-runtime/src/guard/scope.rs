//! The job's scope: where a guard notes the first panic of a job, shared by every thread that
//! runs one of the job's tasks, so that [`catch_task`](super::catch_task) finds the note
//! wherever rayon carried the unwind.

use super::panic::Seen;
use super::OpInfo;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// A panic noted by a guard: the operator, and what the hook saw when it ran on that thread.
pub(super) struct Noted {
    pub(super) op: &'static OpInfo,
    pub(super) seen: Option<Seen>,
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

    pub(super) fn note(&self, op: &'static OpInfo, seen: Option<Seen>) {
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

    pub(super) fn take(&self) -> Option<Noted> {
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
    /// The scope of the job whose task this thread runs.
    pub(super) static SCOPE: RefCell<Option<JobScope>> = const { RefCell::new(None) };
}
