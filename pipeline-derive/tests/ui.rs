//! Compile-fail tests: each file under `tests/ui/` is a class of mistake, and its `.stderr` the
//! errors it must produce. After changing a message, regenerate with
//! `TRYBUILD=overwrite cargo test -p pipeline-derive --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
