//! Pipelines that exercise the model: every trigger, value, condition and step kind, so each
//! backend's snapshot shows how it lowers all of them and conformance checks run on all of them.

use pipeline_core::prelude::*;

/// Every feature of the portable model in one valid pipeline.
///
/// Backends that cannot express a feature report it; see each backend's diagnostics tests.
pub fn everything() -> Pipeline {
    let build = Job::new("build")
        .name("Build")
        .runner(Runner::linux().image("rust:1.95-bookworm"))
        .env("RUST_LOG", "info")
        .step(Step::checkout_with(Checkout {
            fetch_depth: Some(0),
            submodules: true,
            ..Checkout::default()
        }))
        .step(Step::cache(
            Cache::new("cargo", ["target", ".cargo-home"]).hash_files(["Cargo.lock"]),
        ))
        .step(
            Step::script("cargo build --release --locked\nmkdir -p dist\ncp target/release/app dist/\n")
                .id("compile")
                .name("Compile")
                .env("CARGO_HOME", ".cargo-home"),
        )
        .step(Step::set_output("version", "cargo pkgid | cut -d'#' -f2"))
        .step(Step::set_output("image_tag", "git rev-parse --short HEAD").id("tag"))
        .step(Step::upload("app", ["dist/app"]).id("upload-app"))
        .step(
            Step::from(Upload::new("reports", ["reports"]).retention_days(5))
                .when(Condition::always())
                .id("upload-reports"),
        )
        .timeout_minutes(25);

    let test = Job::new("test")
        .name("Test")
        .runner(Runner::linux().image("rust:1.95-bookworm"))
        .matrix(
            Matrix::new()
                .axis("toolchain", ["stable", "beta"])
                .axis("features", ["default", "all"])
                .fail_fast(false)
                .max_parallel(2),
        )
        .env("TOOLCHAIN", Expr::matrix("toolchain"))
        .env("FEATURES", Expr::matrix("features"))
        .service(
            Service::new("postgres", "postgres:17")
                .env("POSTGRES_PASSWORD", "postgres")
                .port(5432),
        )
        .service(Service::new("redis", "redis:7"))
        .step(Step::checkout())
        .step(
            Step::script("rustup default \"$TOOLCHAIN\"\ncargo test --locked --features \"$FEATURES\"\n")
                .continue_on_error(),
        )
        .step(Step::script("echo 'tests failed: collecting logs'").when(Condition::failure()))
        .retry(1);

    let lint = Job::new("lint")
        .runner(Runner::pool(["linux"]).image("rust:1.95-bookworm"))
        .step(Step::checkout())
        .step(Step::action(
            ActionStep::new(Action::new(
                "actions/setup-node",
                "820762786026740c76f36085b0efc47a31fe5020",
                "v7.0.0",
            ))
            .with("node-version", "22")
            .fallback("node --version"),
        ))
        .step(Step::script("npx --yes markdownlint-cli2 '**/*.md'").working_directory("docs"))
        .allow_failure();

    let publish = Job::new("publish")
        .needs(&build)
        .needs(&test)
        .runner(Runner::linux_arm64())
        .when((Condition::branch("main") & Condition::event(Event::Push)) | Condition::tag())
        .env("VERSION", build.output("version"))
        .env(
            "IMAGE",
            Expr::concat(["registry.example.com/app:".into(), build.output("image_tag").into()]),
        )
        .env("COMMIT", Builtin::CommitSha)
        .env("REF", Builtin::RefName)
        .env("RUN", Builtin::RunId)
        .env("REPOSITORY", Builtin::Repository)
        .env("WORKSPACE_DIR", Builtin::Workspace)
        .env("EVENT", Builtin::EventName)
        .env("REGISTRY", Expr::var("REGISTRY_HOST"))
        .step(Step::download_to("app", "dist"))
        .step(Step::assume_aws_role(
            AwsRole::new("arn:aws:iam::111111111111:role/publisher", "eu-west-1")
                .session_name("publish")
                .duration_seconds(1800)
                .chain(Expr::var("REGISTRY_ROLE_ARN")),
        ))
        .step(
            Step::script("./scripts/publish.sh \"$IMAGE\" \"$VERSION\"")
                .env("REGISTRY_TOKEN", Expr::secret("REGISTRY_TOKEN")),
        )
        .concurrency(Concurrency::new("publish"));

    let deploy = Job::new("deploy")
        .name("Deploy")
        .needs(&publish)
        .needs(&build)
        .when(Condition::branch("main") & !Condition::input_equals("dry_run", "true"))
        .environment(
            Environment::new("production")
                .tier(Tier::Production)
                .url("https://app.example.com")
                .approval(
                    Approval::new()
                        .instructions("Check the dashboards first.")
                        .review_url("https://dashboards.example.com")
                        .notify(),
                ),
        )
        .env("VERSION", build.output("version"))
        .env("TARGET", Expr::input("target"))
        .env("REASON", Expr::input("reason"))
        .env("AUTHOR", Builtin::Actor)
        .step(Step::download("app"))
        .step(Step::script(
            "./scripts/deploy.sh \"$TARGET\" \"$VERSION\"\necho \"deployed by $AUTHOR: $REASON\"\n",
        ))
        .timeout_minutes(15);

    let rollback = Job::new("rollback")
        .needs(&deploy)
        .when(Condition::failure())
        .step(Step::script("./scripts/rollback.sh"))
        .timeout_minutes(10);

    let notify = Job::new("notify")
        .needs(&deploy)
        .when(Condition::always() & (Condition::event(Event::Schedule) | Condition::event(Event::Manual)))
        .env("HEAD", Builtin::HeadRef)
        .step(Step::script("echo \"finished: $HEAD\""));

    Pipeline::new("everything")
        .name("Everything: yes, on, 0777, 1:20, 2024-01-01")
        .on(Trigger::push()
            .branches(["main", "develop/**"])
            .paths(["src/**", "Cargo.lock"]))
        .on(Trigger::pull_request().branches(["main"]).paths(["src/**"]))
        .on(Trigger::schedule("30 4 * * 1-5"))
        .on(Trigger::manual()
            .input(Input::choice("target", "Where to deploy", ["staging", "production"]))
            .input(Input::string("reason", "Why: yes, on, 1:20").default_value("routine"))
            .input(Input::boolean("dry_run", "Only print what would happen", false)))
        .env("GLOBAL", "on")
        .env("OCTAL", "0777")
        .concurrency(
            Concurrency::new(Expr::concat(["everything-".into(), Builtin::RefName.into()])).cancel_in_progress(),
        )
        .default_timeout_minutes(40)
        .secret(Secret::new("REGISTRY_TOKEN").aws_secrets_manager("ci/registry", Some("token")))
        .jobs([build, test, lint, publish, deploy, rollback, notify])
}

/// [`everything`] as far as AWS CodePipeline can express it: the publish job runs on `main`
/// (CodePipeline does not tell actions which event or whether a tag started the run), the notify
/// job runs on manual runs asking for it instead of `always()` after the deploy, and no value
/// reads the event name. Each removed feature is asserted as a diagnostic in the CodePipeline
/// conformance tests. (The actor, read from the execution record on CodePipeline, is removed
/// too, to keep this fixture's output stable; the break-glass fixtures cover it.)
pub fn everything_codepipeline() -> Pipeline {
    let mut p = everything();
    // CodeBuild resolves the publish job's secret before any condition is tested: a pipeline
    // triggered by pull requests may hold no secrets on CodePipeline.
    p.triggers.retain(|t| !matches!(t, Trigger::PullRequest(_)));
    if let Some(publish) = p.find_job_mut("publish") {
        publish.condition = Some(Condition::branch("main"));
        publish.env.remove("EVENT");
    }
    if let Some(deploy) = p.find_job_mut("deploy") {
        deploy.env.remove("AUTHOR");
    }
    if let Some(notify) = p.find_job_mut("notify") {
        notify.condition = Some(Condition::input_equals("dry_run", "false"));
    }
    p
}

/// A release pipeline: tag pushes build once (no caches: a release must not restore a cache a
/// pull request could have written), attest, and publish.
pub fn release() -> Pipeline {
    let build = Job::new("build")
        .runner(Runner::linux().image("rust:1.95-bookworm"))
        .step(Step::checkout())
        .step(Step::script("cargo build --release --locked"))
        .step(Step::upload("release", ["target/release/app"]));
    let publish = Job::new("publish")
        .needs(&build)
        .environment(Environment::new("releases").tier(Tier::Production))
        .step(Step::download("release"))
        .step(
            Step::script("./scripts/publish.sh target/release/app").env("RELEASE_TOKEN", Expr::secret("RELEASE_TOKEN")),
        );
    Pipeline::new("release")
        .name("Release")
        .on(Trigger::push().tags(["v*"]))
        .jobs([build, publish])
}

/// The typed conditions every platform evaluates (docs/SEMANTICS.md, section 15): text tests on
/// the branch, the repository and an input on jobs, on matrix values on steps, with and/or/not.
pub fn conditions() -> Pipeline {
    Pipeline::new("conditions")
        .name("Conditions")
        .on(Trigger::push().branches(["main", "release/*"]))
        .on(Trigger::manual().input(Input::string("target", "Where to deploy").default_value("staging")))
        .job(
            Job::new("test")
                .matrix(Matrix::new().axis("os", ["linux", "windows"]))
                .env("OS", Expr::matrix("os"))
                .step(Step::checkout())
                .step(Step::script("make test"))
                .step(Step::script("make installer").when(Subject::matrix("os").equals("windows")))
                .step(Step::script("make lint").when(!Subject::matrix("os").starts_with("win"))),
        )
        .job(
            Job::new("release-candidate")
                .needs("test")
                .when(Subject::Branch.starts_with("release/") & Subject::Repository.equals("acme/app"))
                .step(Step::script("make candidate")),
        )
        .job(
            Job::new("deploy")
                .needs("test")
                .when(
                    Subject::input("target").starts_with("prod")
                        | (Subject::Branch.equals("main") & !Subject::Branch.contains("wip")),
                )
                .step(Step::script("make deploy")),
        )
}

/// Conditions only GitHub and GitLab can evaluate: pull request branches, forks, the actor, a
/// configuration variable (CodePipeline refuses them, naming the job).
pub fn conditions_pull_requests() -> Pipeline {
    Pipeline::new("conditions-pr")
        .name("Conditions on pull requests")
        .on(Trigger::pull_request().branches(["main", "release/*"]))
        .job(
            Job::new("preview")
                .when(Subject::PullRequestBase.equals("main") & !Condition::fork())
                .step(Step::checkout())
                .step(Step::script("make preview")),
        )
        .job(
            Job::new("untrusted")
                .when(Condition::fork() | Subject::PullRequestHead.starts_with("dependabot/"))
                .step(Step::checkout())
                .step(Step::script("make check")),
        )
        .job(
            Job::new("preview-failed")
                .needs("preview")
                .when(Condition::need("preview", JobResult::Failure) & !Condition::fork())
                .step(Step::script("make report")),
        )
        .job(
            Job::new("bots")
                .when(Subject::Actor.ends_with("[bot]") & !Subject::var("SKIP_BOTS").equals("true"))
                .step(Step::script("make bot-report")),
        )
}

/// A small pipeline: one job, one trigger.
pub fn minimal() -> Pipeline {
    Pipeline::new("minimal")
        .on(Trigger::push().branches(["main"]))
        .job(Job::new("test").step(Step::checkout()).step(Step::script("make test")))
}

/// A pipeline that really runs on a developer machine (no image, no secret, no network): three
/// stages of jobs passing an artifact and a job output along, behind a manual gate, with the
/// step features that need shell lowering (environment, working directory, conditions,
/// continue on error, a step that always runs). Conformance tests execute it with
/// `gitlab-ci-local --force-shell-executor`.
pub fn runnable() -> Pipeline {
    let build = Job::new("build")
        .step(Step::checkout())
        .step(Step::script(
            "mkdir -p dist\necho 'hello from build' > dist/greeting.txt\n",
        ))
        .step(Step::set_output("version", "echo 1.2.3"))
        .step(Step::upload("site", ["dist/greeting.txt"]));

    let test = Job::new("test")
        .needs(&build)
        .step(Step::download("site"))
        .step(Step::script("test \"$(cat dist/greeting.txt)\" = 'hello from build'"))
        .step(Step::script("echo 'a flaky check fails'\nfalse\necho 'not reached'\n").continue_on_error())
        .step(
            Step::script("pwd > where.txt\necho \"$GREETING\" >> where.txt\n")
                .working_directory("dist")
                .env("GREETING", "hi: yes, on, $HOME"),
        )
        .step(Step::script("echo 'tag-only step ran' > tag-only.txt").when(Condition::tag()))
        .step(Step::script("echo 'main-only step ran' > main-only.txt").when(Condition::branch("main")))
        .step(Step::upload("checks", ["dist/where.txt", "main-only.txt"]));

    let deploy = Job::new("deploy")
        .needs(&build)
        .needs(&test)
        .environment(Environment::new("production").approval(Approval::new().instructions("Ship it?")))
        .env("VERSION", build.output("version"))
        .step(Step::download("site"))
        .step(Step::script(
            "mkdir -p out\nprintf '%s %s\\n' \"$VERSION\" \"$(cat dist/greeting.txt)\" > out/deployed.txt\n",
        ))
        .step(Step::upload("deployment", ["out/deployed.txt"]));

    let verify = Job::new("verify")
        .needs(&deploy)
        .step(Step::download("deployment"))
        .step(Step::script("echo \"verified: $(cat out/deployed.txt)\""))
        .step(Step::script("echo 'failure-only step ran'").when(Condition::failure()))
        .step(Step::script("echo 'cleanup always runs'").when(Condition::always()));

    Pipeline::new("runnable")
        .on(Trigger::push().branches(["main"]))
        .jobs([build, test, deploy, verify])
}

/// The supply-chain practices in a release pipeline: tag pushes pass a signed-commit (and
/// signed-tag) gate, build once without caches, write an attested SBOM, attest provenance and
/// sign keyless (with an AWS KMS key on CodeBuild, which has no OIDC identity), and publish a
/// release summary written by Amazon Bedrock that never blocks the release.
pub fn supply_chain_release() -> Pipeline {
    use pipeline_templates::practices::supply_chain::{Provenance, ReleaseSummary, Sbom, SignedCommits, Signing};

    let key = "alias/release-signing";
    let gate = SignedCommits::ssh(Expr::secret("ALLOWED_SIGNERS")).verify_tags();
    let build = Job::new("build")
        .needs("verify-commits")
        .runner(Runner::linux().image("rust:1.95-bookworm"))
        .timeout_minutes(30)
        .step(Step::checkout())
        .step(Step::script(
            "cargo build --release --locked\nmkdir -p dist\ncp target/release/app dist/app\n",
        ))
        .step(Step::upload("app", ["dist/app"]));
    let build = Sbom::directory(".")
        .attest("dist/app")
        .codebuild_kms_key(key)
        .apply(build);
    let build = Provenance::new("dist/app").codebuild_kms_key(key).apply(build);
    let build = Signing::keyless("dist/app").codebuild_kms_key(key).apply(build);
    let summary = ReleaseSummary::new(
        AwsRole::new(Expr::var("BEDROCK_ROLE_ARN"), "us-east-1").session_name("release-summary"),
        Expr::var("BEDROCK_MODEL_ID"),
    )
    .after("build");
    Pipeline::new("supply-chain-release")
        .name("Supply chain: release")
        .on(Trigger::push().tags(["v*"]))
        .with(&gate)
        .job(build)
        .with(&summary)
}

/// The supply-chain practices in a delivery pipeline: an OpenPGP signed-commit gate on pushes
/// and pull requests, a CycloneDX SBOM of the binary, signing with an AWS KMS key on every
/// platform, SOPS secrets decrypted for the deploy through the deploy role, and a blocking
/// release summary on `main`.
pub fn supply_chain_delivery() -> Pipeline {
    use pipeline_templates::practices::supply_chain::{ReleaseSummary, Sbom, SignedCommits, Signing, SopsDecrypt};

    let gate = SignedCommits::gpg(Expr::var("SIGNING_KEYS")).max_commits(100);
    let build = Job::new("build")
        .needs("verify-commits")
        .timeout_minutes(20)
        .step(Step::checkout())
        .step(Step::script("make dist/app"))
        .step(Step::upload("app", ["dist/app"]));
    let build = Sbom::file("dist/app").cyclonedx().artifact("app-sbom").apply(build);
    let build = Signing::aws_kms("dist/*", "alias/app-signing")
        .role(AwsRole::new(Expr::var("SIGNING_ROLE_ARN"), "eu-west-1").session_name("signing"))
        .artifact("app-signatures")
        .apply(build);
    let deploy = Job::new("deploy")
        .needs("build")
        .when(Condition::branch("main"))
        .environment(Environment::new("staging").tier(Tier::Staging))
        .timeout_minutes(15)
        .step(Step::checkout())
        .step(Step::download_to("app", "dist"));
    let deploy = SopsDecrypt::new(AwsRole::new(Expr::var("STAGING_ROLE_ARN"), "eu-west-1").session_name("deploy"))
        .file("config/staging.enc.yaml", ".secrets/staging.yaml")
        .file("config/db.enc.json", ".secrets/db.json")
        .apply(deploy)
        .step(Step::script("./scripts/deploy.sh dist/app .secrets/staging.yaml"));
    let summary = ReleaseSummary::new(
        AwsRole::new(Expr::var("BEDROCK_ROLE_ARN"), "us-east-1"),
        "amazon.nova-lite-v1:0",
    )
    .after("deploy")
    .when(Condition::branch("main"))
    .max_commits(50)
    .blocking();
    Pipeline::new("supply-chain-delivery")
        .name("Supply chain: delivery")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request().branches(["main"]))
        .with(&gate)
        .jobs([build, deploy])
        .with(&summary)
}

/// The drift practices' fixtures (`pipeline_templates::practices::drift`): a delivery pipeline
/// with the generated-files check, CloudFormation and Terraform drift checks, and a break-glass
/// pipeline, each with the values a platform team would set.
pub fn drift() -> Vec<Pipeline> {
    vec![
        drift_definition_checked(),
        drift_cloudformation(),
        drift_terraform(),
        drift_break_glass(),
    ]
}

/// A push and pull request pipeline with the generated-files check (cached `target/`).
pub fn drift_definition_checked() -> Pipeline {
    use pipeline_templates::practices::drift::DefinitionCheck;
    Pipeline::new("checked")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .job(
            Job::new("test")
                .runner(Runner::linux().image("rust:1.95-bookworm"))
                .step(Step::checkout())
                .step(Step::script("cargo test --locked"))
                .timeout_minutes(20),
        )
        .with(&DefinitionCheck::new().command("cargo run -p ci").cache())
}

/// CloudFormation drift detection of two stacks, nightly.
pub fn drift_cloudformation() -> Pipeline {
    use pipeline_templates::practices::drift::InfraDrift;
    let role = AwsRole::new(Expr::var("DRIFT_ROLE_ARN"), "eu-west-1").session_name("infra-drift");
    InfraDrift::cloudformation(role, ["payments-api-staging", "payments-api-production"])
        .schedule("0 5 * * *")
        .pipeline("cfn-drift")
}

/// Terraform drift detection (`-refresh-only`) of one root module, on weekdays.
pub fn drift_terraform() -> Pipeline {
    use pipeline_templates::practices::drift::{InfraDrift, TerraformDrift};
    let role = AwsRole::new(Expr::var("DRIFT_ROLE_ARN"), "eu-west-1");
    InfraDrift::terraform(role, TerraformDrift::new("infra/production").refresh_only()).pipeline("terraform-drift")
}

/// A break-glass pipeline running an emergency script with an AWS role.
pub fn drift_break_glass() -> Pipeline {
    use pipeline_templates::practices::drift::BreakGlass;
    BreakGlass::new("./scripts/emergency.sh \"$BREAK_GLASS_RECORD\"")
        .role(AwsRole::new(Expr::var("BREAK_GLASS_ROLE_ARN"), "eu-west-1").session_name("break-glass"))
        .pipeline("break-glass")
}

/// Deployment strategies on AWS Lambda: one zip built once, a rolling deployment to staging,
/// then a canary to production behind an approval, and a blue/green deployment of a second
/// function; each watches alarms and health checks and rolls back automatically.
pub fn strategies() -> Pipeline {
    use pipeline_templates::practices::strategies::{
        Batch, BlueGreen, Canary, HealthCheck, LambdaCode, LambdaFunction, Rolling,
    };
    use std::time::Duration;

    let build = Job::new("build")
        .role(JobRole::BUILD)
        .runner(Runner::linux().image("rust:1.95-bookworm"))
        .step(Step::checkout())
        .step(Step::script(
            "cargo build --release --locked\nmkdir -p dist\ncp target/release/payments-api bootstrap\nzip -q dist/payments-api.zip bootstrap\n",
        ))
        .step(Step::upload("lambda", ["dist/payments-api.zip"]))
        .timeout_minutes(20);
    let code = LambdaCode::zip("lambda", "dist/payments-api.zip");
    let staging = Rolling::new("staging", LambdaFunction::new("payments-api-staging", code.clone()))
        .tier(Tier::Staging)
        .region("eu-west-1")
        .url("https://staging.payments.example.com")
        .batch(Batch::Percent(50))
        .bake(Duration::from_secs(60))
        .alarm("payments-api-staging-errors")
        .health_check(HealthCheck::http("https://staging.payments.example.com/health"))
        .when(Condition::branch("main"))
        .needs("build");
    let production = Canary::new("production", LambdaFunction::new("payments-api", code.clone()))
        .region("eu-west-1")
        .url("https://payments.example.com")
        .approval(Approval::new().instructions("Check the staging dashboard first."))
        .steps([10, 50, 100])
        .bake(Duration::from_secs(300))
        .alarm("payments-api-errors")
        .alarm(Expr::var("PAYMENTS_LATENCY_ALARM"))
        .health_check(HealthCheck::http(
            "https://payments.example.com/health?deep=1&source=canary",
        ))
        .when(Condition::branch("main"));
    let worker = BlueGreen::new("production-worker", LambdaFunction::new("payments-worker", code).alias("prod"))
        .region("eu-west-1")
        .health_check(HealthCheck::invoke(r#"{"source": "pipeline", "check": "health"}"#))
        .health_check(HealthCheck::command(
            "aws lambda get-function-configuration --function-name payments-worker --qualifier \"$DEPLOY_QUALIFIER\" --query State --output text | grep -qx Active",
        ))
        .alarm("payments-worker-errors")
        .bake(Duration::from_secs(600))
        .when(Condition::branch("main"))
        .needs("build");

    let mut pipeline = Pipeline::new("strategies")
        .name("Deployment strategies")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::manual())
        .job(build);
    let mut scope = pipeline.scope();
    let staged = scope.add("staging", &staging);
    let prod = scope.add("production", &production);
    scope.needs(&prod, &staged);
    scope.add("worker", &worker);
    drop(scope);
    pipeline
}

/// Deployments through AWS CodeDeploy: a Lambda function as a linear shift with the deployment
/// group's alarms overridden, and an ECS service as a canary from a task definition file.
pub fn codedeploy() -> Pipeline {
    use pipeline_templates::practices::strategies::{
        CodeDeploy, DeploymentConfig, EcsService, Hooks, LambdaCode, LambdaFunction, TaskDefinition,
    };

    let build = Job::new("build")
        .role(JobRole::BUILD)
        .step(Step::checkout())
        .step(Step::script("make dist/events.zip"))
        .step(Step::upload("events", ["dist/events.zip"]))
        .timeout_minutes(15);
    let events = CodeDeploy::lambda(
        "production",
        "payments",
        "payments-events",
        LambdaFunction::new("payments-events", LambdaCode::zip("events", "dist/events.zip")),
    )
    .region("eu-west-1")
    .config(DeploymentConfig::LambdaLinear10PercentEvery1Minute)
    .hooks(Hooks::new().before_allow_traffic("payments-events-pre-traffic"))
    .alarm("payments-events-errors")
    .alarm("payments-events-throttles")
    .when(Condition::branch("main"))
    .needs("build");
    let web = CodeDeploy::ecs(
        "production-web",
        "payments-web",
        "payments-web-production",
        EcsService::new(TaskDefinition::File("deploy/taskdef.json".into()), "web", 8080)
            .platform_version("LATEST")
            .termination_wait_minutes(5),
    )
    .region("eu-west-1")
    .config(DeploymentConfig::EcsCanary10Percent5Minutes)
    .hooks(Hooks::new().after_allow_test_traffic("payments-web-smoke-test"))
    .when(Condition::branch("main"))
    .needs("build");
    Pipeline::new("codedeploy")
        .name("CodeDeploy deployments")
        .on(Trigger::push().branches(["main"]))
        .job(build)
        .add("events", &events)
        .add("web", &web)
}

/// Feature flags released by AWS AppConfig, separately from code: a pipeline started by pushes
/// that touch `config/`, deploying with a canary strategy and rolling back on an alarm.
pub fn feature_flags() -> Pipeline {
    use pipeline_templates::practices::strategies::{AppConfig, AppConfigStrategy};

    AppConfig::new("production", "config/flags.json")
        .region("eu-west-1")
        .strategy(AppConfigStrategy::Canary10Percent20Minutes)
        .rollback_alarm(Expr::var("FLAGS_ALARM_ARN"))
        .rollback_alarm_role(Expr::var("FLAGS_ALARM_ROLE_ARN"))
        .when(Condition::branch("main"))
        .release_pipeline("feature-flags", "main")
}

/// The example service's feature-flags pipeline
/// (`examples/service/src/strategies.rs`).
pub fn service_strategies() -> Vec<Pipeline> {
    example_service::strategies::pipelines()
}

/// Step state (docs/SEMANTICS.md, section 17): a step exports a variable, a `PATH` entry and an
/// output that the later steps of its job read.
pub fn step_state() -> Pipeline {
    let meta = Step::script(
        "echo \"TOOL_HOME=$PWD/tool\" >> \"$PIPELINE_ENV\"\necho tool/bin >> \"$PIPELINE_PATH\"\necho \"version=$(cat VERSION)\" >> \"$PIPELINE_OUTPUT\"\n",
    )
    .id("meta")
    .exports_env("TOOL_HOME")
    .adds_path()
    .exports_output("version");
    let version = meta.output("version");
    Pipeline::new("state").on(Trigger::push()).job(
        Job::new("build")
            .step(Step::checkout())
            .step(meta)
            .step(Step::script("tool --release \"$VERSION\"").env("VERSION", version)),
    )
}

/// Runners and matrices: a runner axis with include and exclude entries and extra values per
/// cell, a plain product matrix with fail-fast and max-parallel, and jobs on ARM and larger
/// runners. `oses` are the runner axis's systems besides Linux x64 (`[]` for CodePipeline, which
/// runs Linux only); the pipeline is `runners`, or `runners-all-os` with other systems.
pub fn runners_matrices(oses: &[Runner]) -> Pipeline {
    let rust = Axis::new("rust");
    let features = Axis::new("features");
    let mut axis = vec![Runner::linux()];
    axis.extend(oses.iter().cloned());
    let mut matrix = Matrix::new()
        .runners(axis)
        .axis(&rust, ["stable", "1.85"])
        .include([("features", "default")])
        .include_runner(Runner::linux_arm64(), [("rust", "stable"), ("features", "default")])
        .include([("runner", "linux-x64"), ("rust", "stable"), ("features", "all")])
        .include([("runner", "linux-x64"), ("rust", "nightly"), ("features", "default")])
        .max_parallel(4);
    for os in oses {
        matrix = matrix.exclude([("runner", os.key()), ("rust", "1.85".to_owned())]);
    }
    let test = Job::new("test")
        .matrix(matrix)
        .env("RUST_TOOLCHAIN", rust.value())
        .env("FEATURES", features.value())
        .env("MACHINE", Axis::runner().value())
        .step(Step::checkout())
        .step(Step::script(
            "rustup default \"$RUST_TOOLCHAIN\"\ncargo test --locked --features \"$FEATURES\"\necho \"ran on $MACHINE\"",
        ));
    let lint = Job::new("lint")
        .matrix(Matrix::new().axis("toolchain", ["stable", "beta"]).fail_fast(false))
        .env("TOOLCHAIN", Expr::matrix("toolchain"))
        .step(Step::checkout())
        .step(Step::script("rustup default \"$TOOLCHAIN\"\ncargo clippy --locked"));
    let arm = Job::new("bench")
        .needs(&test)
        .runner(Runner::linux_arm64().size(Size::Medium))
        .step(Step::checkout())
        .step(Step::script("cargo bench --locked"));
    Pipeline::new(if oses.is_empty() { "runners" } else { "runners-all-os" })
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .jobs([lint, test, arm])
}

/// Reach (issue 10): per-platform jobs and steps, service containers with an entrypoint and a
/// command, a job-level path filter (`docs`, kept off CodePipeline, which refuses it). GitHub's file has `attest` and not `queue-test` (its service has a command, which
/// GitHub's service containers cannot take); GitLab's and CodePipeline's have `queue-test` and
/// not `attest`; only GitLab runs the coverage step.
pub fn reach() -> Pipeline {
    use pipeline_core::Platform;
    let test = Job::new("test")
        .service(
            Service::new("cache", "redis:7.4-alpine")
                .entrypoint("redis-server")
                .port(6379),
        )
        .step(Step::checkout())
        .step(Step::script("cargo test --locked"))
        .step(
            Step::script("./scripts/upload-coverage.sh")
                .name("Coverage")
                .only_on(Platform::Gitlab),
        );
    let queue = Job::new("queue-test")
        .only_on([Platform::Gitlab, Platform::CodePipeline])
        .service(
            Service::new("queue", "redis:7.4-alpine")
                .entrypoint("redis-server")
                .command(["--appendonly", "yes", "--port", "6380"])
                .port(6380),
        )
        .step(Step::checkout())
        .step(Step::script("cargo test --locked --test queue"));
    let attest = Job::new("attest")
        .only_on(Platform::Github)
        .needs(&test)
        .step(Step::checkout())
        .step(Step::script("./scripts/attest.sh"));
    let docs = Job::new("docs")
        .only_on([Platform::Github, Platform::Gitlab])
        .when_changed(["docs/**", "*.md"])
        .step(Step::checkout())
        .step(Step::script("./scripts/check-links.sh"));
    Pipeline::new("reach")
        .name("Reach")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request().branches(["main"]))
        .jobs([test, queue, attest, docs])
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures_are_valid() {
        for p in [
            super::everything(),
            super::everything_codepipeline(),
            super::minimal(),
            super::release(),
            super::runnable(),
            super::supply_chain_release(),
            super::supply_chain_delivery(),
            super::strategies(),
            super::codedeploy(),
            super::feature_flags(),
        ]
        .into_iter()
        .chain(super::service_strategies())
        {
            let d = pipeline_core::validate::validate(&p);
            assert!(!d.has_errors(), "{d}");
        }
    }
}
