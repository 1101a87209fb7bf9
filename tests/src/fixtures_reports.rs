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

/// Checkouts (docs/SEMANTICS.md, "Checkouts"): the repository being built with its whole
/// history, submodules and LFS; another repository at a tag into a directory with a token from a
/// secret; the repository's own `main` branch into a directory. CodePipeline cannot fetch the
/// last two: they are kept off it (`only_on`), and `checkouts_refused_on_codepipeline` shows the
/// refusal.
pub fn checkouts() -> Pipeline {
    let build = Job::new("build")
        .step(Step::checkout_with(
            Checkout::default().fetch_depth(0).submodules().lfs(),
        ))
        .step(
            Step::checkout_with(
                Checkout::repository("acme/build-tools")
                    .git_ref("v2.1.0")
                    .path("tools")
                    .token(Expr::secret("TOOLS_TOKEN")),
            )
            .id("tools")
            .only_on([Platform::Github, Platform::Gitlab]),
        )
        .step(
            Step::checkout_with(Checkout::default().git_ref("main").path("base"))
                .id("base")
                .only_on([Platform::Github, Platform::Gitlab]),
        )
        .step(Step::script("tools/bin/build --compare base"));
    Pipeline::new("checkouts")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .secret(Secret::new("TOOLS_TOKEN"))
        .job(build)
}

/// A reusable pipeline (docs/SEMANTICS.md, "Reusable workflows"): a deploy that other workflows
/// call on GitHub (`on: workflow_call`, the manual inputs as typed inputs, the secrets its jobs
/// read as the caller's secrets), and that GitLab includes and CodePipeline runs as it is.
pub fn reusable() -> Pipeline {
    let deploy = Job::new("deploy")
        .env("TARGET", Expr::input("environment"))
        .env("DRY_RUN", Expr::input("dry_run"))
        .step(Step::checkout())
        .step(Step::script("./deploy.sh \"$TARGET\" \"$DRY_RUN\"").env("DEPLOY_TOKEN", Expr::secret("DEPLOY_TOKEN")));
    Pipeline::new("deploy-service")
        .on(Trigger::manual()
            .input(Input::string("environment", "Environment to deploy to").default_value("staging"))
            .input(Input::boolean("dry_run", "Only show what would change", false)))
        .secret(Secret::new("DEPLOY_TOKEN"))
        .extend(pipeline_backends::github::Reusable::new())
        .job(deploy)
}

/// A pipeline whose deploy job calls the reusable [`reusable`] pipeline on GitHub
/// (`jobs.deploy.uses`) and runs the same deploy as steps on the other platforms.
pub fn caller() -> Pipeline {
    let build = Job::new("build")
        .step(Step::checkout())
        .step(Step::script("make release"));
    let deploy = Job::new("deploy")
        .needs(&build)
        .extend(
            pipeline_backends::github::CallWorkflow::new("./.github/workflows/deploy-service.yml")
                .with("environment", "production")
                .with_bool("dry_run", false)
                .secret("DEPLOY_TOKEN", Expr::secret("DEPLOY_TOKEN"))
                .permission(Permission::Contents, Access::Read),
        )
        .step(Step::checkout())
        .step(Step::script("./deploy.sh production false").env("DEPLOY_TOKEN", Expr::secret("DEPLOY_TOKEN")));
    Pipeline::new("release-service")
        .on(Trigger::push().branches(["main"]))
        .secret(Secret::new("DEPLOY_TOKEN"))
        .job(build)
        .job(deploy)
}
