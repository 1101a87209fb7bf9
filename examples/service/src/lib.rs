//! The pipelines of a Rust service (`payments-api`): its delivery pipeline (lint, tests, a
//! security scan, one release artifact promoted from staging to production behind an approval,
//! with automatic rollback) and a nightly dependency audit.
//!
//! `cargo run -p example-service` regenerates the files under `examples/service/`.

use pipeline_core::prelude::*;

const RUST_IMAGE: &str = "rust:1.95-bookworm";
const AWS_REGION: &str = "eu-west-1";

fn cargo_cache() -> Step {
    Step::cache(Cache::new("cargo", ["target"]).hash_files(["Cargo.lock"]))
}

fn rust_job(id: &str) -> Job {
    Job::new(id)
        .runner(Runner::linux().image(RUST_IMAGE))
        .step(Step::checkout())
        .step(cargo_cache())
}

/// The delivery pipeline: every push to `main` (deployed through staging to production), pull
/// requests (checked, not deployed) and manual runs.
pub fn delivery() -> Pipeline {
    let lint = rust_job("lint")
        .name("Lint")
        .step(Step::script("cargo fmt --all --check").name("Formatting"))
        .step(Step::script("cargo clippy --all-targets --locked -- -D warnings").name("Clippy"))
        .timeout_minutes(15);

    let unit_tests = rust_job("unit-tests")
        .name("Unit tests")
        .matrix(Matrix::new().axis("profile", ["dev", "release"]).fail_fast(false))
        .env("CARGO_PROFILE", Expr::matrix("profile"))
        .step(Step::script(
            "cargo test --lib --bins --locked --profile \"$CARGO_PROFILE\"",
        ))
        .timeout_minutes(20);

    let integration_tests = rust_job("integration-tests")
        .name("Integration tests")
        .service(
            Service::new("postgres", "postgres:17")
                .env("POSTGRES_PASSWORD", "postgres")
                .env("POSTGRES_DB", "payments")
                .port(5432),
        )
        .env("DATABASE_URL", "postgres://postgres:postgres@postgres:5432/payments")
        .step(Step::script("cargo test --test '*' --locked"))
        .timeout_minutes(20);

    let security_scan = rust_job("security-scan")
        .name("Security scan")
        .step(Step::script(
            "cargo install cargo-audit --locked --version 0.22.1\ncargo audit --deny warnings\n",
        ))
        .timeout_minutes(15);

    let build = rust_job("build")
        .name("Build release artifact")
        .needs_all([&lint, &unit_tests, &integration_tests, &security_scan])
        .step(Step::script(
            "cargo build --release --locked\n\
             mkdir -p dist\n\
             cp target/release/payments-api dist/bootstrap\n\
             (cd dist && zip -q payments-api.zip bootstrap && sha256sum payments-api.zip > payments-api.zip.sha256)\n",
        ))
        .step(Step::set_output("version", "cargo pkgid | cut -d'#' -f2"))
        .step(
            Step::upload(
                "payments-api",
                ["dist/payments-api.zip", "dist/payments-api.zip.sha256"],
            )
            .id("upload"),
        )
        .timeout_minutes(30);

    let deploy = |id: &str, environment: Environment, role: &str| {
        Job::new(id)
            .needs(&build)
            .environment(environment)
            .env("VERSION", build.output("version"))
            .env("ARTIFACT_BUCKET", Expr::var("ARTIFACT_BUCKET"))
            .step(Step::download_to("payments-api", "dist"))
            .step(Step::assume_aws_role(
                AwsRole::new(Expr::var(role), AWS_REGION).session_name("payments-api-deploy"),
            ))
            .timeout_minutes(20)
    };

    let deploy_staging = deploy(
        "deploy-staging",
        Environment::new("staging")
            .tier(Tier::Staging)
            .url("https://staging.payments.example.com"),
        "STAGING_DEPLOY_ROLE_ARN",
    )
    .name("Deploy to staging")
    .when(Condition::branch("main"))
    .step(
        Step::script(DEPLOY_SCRIPT)
            .name("Deploy")
            .env("FUNCTION", "payments-api-staging"),
    )
    .step(
        Step::script(SMOKE_TEST)
            .name("Smoke test")
            .env("URL", "https://staging.payments.example.com"),
    );

    let deploy_production = deploy(
        "deploy-production",
        Environment::new("production")
            .tier(Tier::Production)
            .url("https://payments.example.com")
            .approval(Approval::new().instructions("Check the staging dashboard and the change log before approving.")),
        "PRODUCTION_DEPLOY_ROLE_ARN",
    )
    .name("Deploy to production")
    .needs(&deploy_staging)
    .when(Condition::branch("main"))
    .step(
        Step::script(DEPLOY_SCRIPT)
            .name("Deploy")
            .env("FUNCTION", "payments-api"),
    )
    .step(
        Step::script(SMOKE_TEST)
            .name("Smoke test")
            .env("URL", "https://payments.example.com"),
    );

    let rollback = Job::new("rollback-production")
        .name("Roll production back")
        .needs(&deploy_production)
        .when(Condition::failure() & Condition::branch("main"))
        .step(Step::assume_aws_role(
            AwsRole::new(Expr::var("PRODUCTION_DEPLOY_ROLE_ARN"), AWS_REGION).session_name("payments-api-rollback"),
        ))
        .step(
            Step::script(ROLLBACK_SCRIPT)
                .name("Point the live alias at the previous version")
                .env("FUNCTION", "payments-api"),
        )
        .timeout_minutes(10);

    Pipeline::new("delivery")
        .name("payments-api delivery")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request().branches(["main"]))
        .on(Trigger::manual())
        .env("CARGO_TERM_COLOR", "always")
        .jobs([
            lint,
            unit_tests,
            integration_tests,
            security_scan,
            build,
            deploy_staging,
            deploy_production,
            rollback,
        ])
}

const DEPLOY_SCRIPT: &str = r#"key="payments-api/$VERSION/payments-api.zip"
aws s3 cp dist/payments-api.zip "s3://$ARTIFACT_BUCKET/$key"
aws lambda update-function-code --function-name "$FUNCTION" --s3-bucket "$ARTIFACT_BUCKET" --s3-key "$key" --publish --query Version --output text > published-version
aws lambda update-alias --function-name "$FUNCTION" --name live --function-version "$(cat published-version)"
"#;

const SMOKE_TEST: &str = r#"curl --fail --silent --show-error --retry 5 --retry-all-errors "$URL/health""#;

const ROLLBACK_SCRIPT: &str = r#"previous="$(aws lambda list-versions-by-function --function-name "$FUNCTION" --query 'Versions[-2].Version' --output text)"
aws lambda update-alias --function-name "$FUNCTION" --name live --function-version "$previous"
echo "Rolled $FUNCTION back to version $previous"
"#;

/// The nightly audit: known vulnerabilities in dependencies, on a schedule or by hand.
pub fn nightly() -> Pipeline {
    Pipeline::new("nightly")
        .name("payments-api nightly audit")
        .on(Trigger::schedule("17 3 * * 1-5"))
        .on(Trigger::manual())
        .job(
            Job::new("audit")
                .name("Dependency audit")
                .runner(Runner::linux().image(RUST_IMAGE))
                .step(Step::checkout())
                .step(Step::script(
                    "cargo install cargo-audit --locked --version 0.22.1\ncargo audit --deny warnings\n",
                ))
                .timeout_minutes(15),
        )
}

/// Every pipeline of the service.
pub fn pipelines() -> Vec<Pipeline> {
    vec![delivery(), nightly()]
}

/// The generator `cargo run -p example-service` runs: every platform, written under
/// `examples/service/`.
pub fn generator() -> pipeline_core::Generator {
    pipeline_core::generator!()
        .output_root(env!("CARGO_MANIFEST_DIR"))
        .backends(pipeline_backends::all())
        .pipelines(pipelines())
}
