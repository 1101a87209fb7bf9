//! Pipelines of test reports, checkouts of other repositories and reusable workflows
//! (docs/guide/reports-checkout-reuse.md): snapshots and conformance checks run on them.

use pipeline_core::prelude::*;

/// Test reports (docs/SEMANTICS.md, "Test reports"): a matrix job writing a JUnit report, and a
/// job with a report of two files beside an artifact upload.
pub fn test_reports() -> Pipeline {
    let unit = Job::new("unit")
        .matrix(Matrix::new().axis("toolchain", ["stable", "beta"]))
        .env("TOOLCHAIN", Expr::matrix("toolchain"))
        .step(Step::checkout())
        .step(Step::script(
            "rustup default \"$TOOLCHAIN\"\ncargo nextest run --profile ci --locked",
        ))
        .test_report(TestReport::junit("target/nextest/ci/junit.xml"));
    let e2e = Job::new("e2e")
        .needs(&unit)
        .step(Step::checkout())
        .step(Step::script("./e2e/run.sh --junit reports/e2e.xml"))
        .step(Step::from(Upload::new("screenshots", ["e2e/screenshots"])).when(Condition::failure()))
        .test_report(TestReport::junit("reports/*.xml").path("e2e/junit.xml"));
    Pipeline::new("reports")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .job(unit)
        .job(e2e)
}
