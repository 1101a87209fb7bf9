//! The committed generated files are what the generators produce now: this repository's own CI
//! workflow (`cargo run -p ci`), the example service's files (`cargo run -p example-service`) and
//! the open-source example's (`cargo run -p oss-rust`).
//! A stale file fails here with the diff and the command that regenerates it.

use pipeline_tests::run;

fn check(generator: pipeline_core::Generator, command: &str) {
    let out = run(&generator, &["--check"]);
    assert_eq!(
        out.code, 0,
        "generated files are stale; run `{command}`\n{}\n{}",
        out.stdout, out.stderr
    );
}

#[test]
fn this_repositorys_ci_workflow_is_up_to_date() {
    check(ci::generator(), "cargo run -p ci");
}

#[test]
fn the_example_services_files_are_up_to_date() {
    check(example_service::generator(), "cargo run -p example-service");
}

#[test]
fn the_oss_rust_examples_files_are_up_to_date() {
    check(oss_rust::generator(), "cargo run -p oss-rust");
}

#[test]
fn a_stale_file_fails_the_check() {
    let dir = pipeline_tests::TempDir::new("stale");
    let generator = example_service::generator().output_root(dir.path());
    assert_eq!(run(&generator, &[]).code, 0);
    let workflow = dir.path().join(".github/workflows/delivery.yml");
    let text = std::fs::read_to_string(&workflow).expect("read");
    std::fs::write(&workflow, text.replace("timeout-minutes: 20", "timeout-minutes: 21")).expect("write");
    let out = run(&generator, &["--check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("-    timeout-minutes: 21\n+    timeout-minutes: 20\n"),
        "{}",
        out.stdout
    );
}
