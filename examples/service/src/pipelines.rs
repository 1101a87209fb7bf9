// The pipelines of `payments-api`, a Rust service on AWS Lambda, built from ACME's platform
// constructs. This file is compiled twice: into the library (`src/lib.rs`, used by `cargo run`
// and the tests) and into the build script (`build.rs`), so both entry points generate from
// the same code.

use acme_platform::RustServiceCi;
use pipeline_core::prelude::*;
use pipeline_templates::practices::strategies::{BlueGreen, Canary};

use crate::governance;

/// The service's CI: ACME's Rust construct, with a Postgres database for the integration tests.
pub fn ci() -> RustServiceCi {
    RustServiceCi::new("payments-api")
        .with_service(
            Service::new("postgres", "postgres:17")
                .env("POSTGRES_PASSWORD", "postgres")
                .env("POSTGRES_DB", "payments")
                .port(5432),
        )
        .integration_env("DATABASE_URL", "postgres://postgres:postgres@postgres:5432/payments")
}

/// The delivery pipeline, as a plain struct of ACME's constructs: field names become job ids
/// (`staging-deploy`, `production-rollback`...), attributes order them.
#[derive(Clone, Debug, Pipeline)]
#[pipeline(
    id = "delivery",
    name = "payments-api delivery",
    on(push(branches("main")), pull_request(branches("main")), manual)
)]
pub struct Delivery {
    /// Tests, audit and the release artifact (its jobs keep their ids: `lint`, `build`...).
    #[construct(flatten)]
    pub ci: RustServiceCi,
    /// Staging, after the artifact is built: blue/green, switched after a health check.
    #[construct(needs(ci))]
    pub staging: BlueGreen,
    /// Production, after staging, behind an approval: a canary watched by alarms.
    #[construct(needs(staging))]
    pub production: Canary,
}

/// The delivery pipeline: every push to `main` is tested, built once, deployed to staging
/// (blue/green), then, after a manual approval, to production (a canary); a failed deploy rolls
/// back. Pull requests are tested only; manual runs behave like a push.
pub fn delivery() -> Pipeline {
    let ci = ci();
    let delivery = Delivery {
        staging: crate::strategies::staging_blue_green(&ci),
        production: crate::strategies::production_canary(&ci),
        ci,
    };
    let pipeline = delivery
        .to_pipeline()
        .env("CARGO_TERM_COLOR", "always")
        // Extension point: the service lists the artifact right after ACME's packaging step.
        .edit_job("build", |job| {
            job.insert_after(
                "package",
                Step::script("ls -l dist").id("show-artifact").name("Show the artifact"),
            )
        });
    // Governance: a hand-edited or stale generated file fails the run. On CodePipeline the
    // check is a stage of its own, so a stale file also stops the build: accepted.
    governance::with_definition_check(pipeline).acknowledge(Divergence::StageLayering)
}

/// The nightly audit: known vulnerabilities in dependencies, every weekday night or by hand.
pub fn nightly() -> Pipeline {
    Pipeline::new("nightly")
        .name("payments-api nightly audit")
        .on(Trigger::schedule("17 3 * * 1-5"))
        .on(Trigger::manual())
        .job(
            Job::new("audit")
                .name("Dependency audit")
                .role(JobRole::SECURITY_SCAN)
                .runner(Runner::linux().image(acme_platform::RUST_IMAGE))
                .step(Step::checkout())
                .step(Step::script(
                    "cargo install cargo-audit --locked --version 0.22.1\ncargo audit --deny warnings\n",
                ))
                .timeout_minutes(15),
        )
}

/// Every pipeline of the service.
pub fn pipelines() -> Vec<Pipeline> {
    let mut all = vec![delivery(), nightly(), crate::supply_chain::release()];
    all.extend(crate::strategies::pipelines());
    all.extend(crate::components::pipelines());
    all.extend(governance::governance_pipelines());
    all
}

/// The generator both entry points run: every platform and the cloud side (`access.rs`),
/// ACME's policies, files under `examples/service/`.
pub fn generator() -> pipeline_core::Generator {
    pipeline_core::generator!()
        .output_root(env!("CARGO_MANIFEST_DIR"))
        .backends(pipeline_backends::platforms_with_aws_access(crate::access::access()))
        .backend(pipeline_templates::Docs::new())
        .policies(governance::policies())
        .pipelines(pipelines())
}
