//! Compile-fail tests for `pipeline!`: each case in `tests/ui/` must be rejected with the
//! message recorded in its `.stderr` (regenerate with `TRYBUILD=overwrite cargo test --test ui`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    match std::env::var("UI_ONLY") {
        Ok(only) => t.compile_fail(format!("tests/ui/{only}.rs")),
        Err(_) => t.compile_fail("tests/ui/*.rs"),
    }
}
