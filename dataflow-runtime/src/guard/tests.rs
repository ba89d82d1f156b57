//! Tests of the guards: a panic anywhere in a job names its operator.

use super::panic::Seen;
use super::*;
use crate::error::Error;

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
    assert!(
        text.contains("guard/tests.rs"),
        "panic location missing: {text}"
    );
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
        text.starts_with("operator `filter` at src/job.rs:9:5 panicked: bad record on a worker"),
        "{text}"
    );
    assert!(
        text.contains("guard/tests.rs"),
        "panic location missing: {text}"
    );
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
