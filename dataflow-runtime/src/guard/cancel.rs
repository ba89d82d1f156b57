//! Cancelling a job at its first failure.

/// Cancels the job when dropped by an unwind: a task holds one while it runs, so that the first
/// failure (a panicking closure, a [`fail`](super::fail)) tells every other task to stop taking
/// input, and the job returns its error without scanning the rest. Tasks check
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
