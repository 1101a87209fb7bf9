// Progressive delivery for `payments-api`: the production stage as a canary watched by
// CloudWatch alarms (with automatic rollback on every platform), and the feature flags released
// by AWS AppConfig through a pipeline of their own. Built from ACME's constructs and the
// library's practices (`pipeline_backends::practices::strategies`); self-contained, so that it
// can be compiled into the library and into the build script alike.

use std::time::Duration;

use acme_platform::{DeployStage, RustServiceCi};
use pipeline_backends::practices::strategies::{
    AppConfig, AppConfigStrategy, Canary, HealthCheck, LambdaCode, LambdaFunction,
};
use pipeline_core::prelude::*;

/// Production as a canary: 10% of the traffic, then 50%, then all of it, each step watched for
/// five minutes; the function's error alarm, its latency alarm (a configuration variable) and
/// the health endpoint must stay healthy, or all the traffic goes back to the previous version
/// and the rollback job runs (stage rollback on CodePipeline). Deploys the artifact `ci` builds,
/// from `main`, after an approval.
pub fn production_canary(ci: &RustServiceCi) -> Canary {
    let code = LambdaCode::zip(ci.artifact(), format!("dist/{}", ci.archive()));
    Canary::new("production", LambdaFunction::new("payments-api", code))
        .region(acme_platform::REGION)
        .url("https://payments.example.com")
        .approval(Approval::new().instructions("Check the staging dashboard and the change log before approving."))
        .steps([10, 50, 100])
        .bake(Duration::from_secs(5 * 60))
        .alarm("payments-api-errors")
        .alarm(Expr::var("PAYMENTS_API_LATENCY_ALARM"))
        .health_check(HealthCheck::http("https://payments.example.com/health"))
        .when(Condition::branch("main"))
        .needs(ci.version().job)
}

/// The delivery pipeline with the production stage as a canary: every push to `main` is tested,
/// built once, deployed to staging (ACME's deploy stage), then, after an approval, rolled out to
/// production gradually.
pub fn canary_delivery(ci: RustServiceCi) -> Pipeline {
    let staging = DeployStage::new("staging", "payments-api-staging")
        .after(&ci)
        .url("https://staging.payments.example.com");
    let production = production_canary(&ci);
    let mut pipeline = Pipeline::new("delivery-canary")
        .name("payments-api delivery (canary)")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::manual())
        .env("CARGO_TERM_COLOR", "always")
        .with(&ci);
    let mut scope = pipeline.scope();
    let staged = scope.add("staging", &staging);
    let canary = scope.add("production", &production);
    scope.needs(&canary, &staged);
    drop(scope);
    pipeline
}

/// The feature flags: `config/flags.json` released by AWS AppConfig on its own, whenever a push
/// to `main` changes `config/`, independently of code deploys. The file is validated and checked
/// for secrets first; AppConfig rolls it out over 20 minutes (10% first) and rolls it back when
/// the alarm of the configuration variable `FLAGS_ALARM_ARN` fires.
pub fn feature_flags() -> Pipeline {
    let flags = AppConfig::new("production", "config/flags.json")
        .region(acme_platform::REGION)
        .strategy(AppConfigStrategy::Canary10Percent20Minutes)
        .rollback_alarm(Expr::var("FLAGS_ALARM_ARN"))
        .rollback_alarm_role(Expr::var("FLAGS_ALARM_ROLE_ARN"))
        .approval(Approval::new().instructions("Review the flag changes in the merge request."))
        .when(Condition::branch("main"))
        .needs("check");
    let check = Job::new("check")
        .name("Validate the flags")
        .role(JobRole::TEST)
        .role(JobRole::SECURITY_SCAN)
        .step(Step::checkout())
        .step(
            Step::script(
                "python3 -m json.tool config/flags.json > /dev/null\n\
                 if grep -nEi '\"[^\"]*(secret|password|token|api[_-]?key)[^\"]*\"[[:space:]]*:' config/flags.json; then\n  \
                 echo 'Feature flags must not hold secrets' >&2\n  exit 1\nfi\n",
            )
            .name("Check the JSON and that it holds no secrets"),
        )
        .timeout_minutes(5);
    let mut pipeline = flags.release_pipeline("feature-flags", "main");
    pipeline.jobs.insert(0, check);
    pipeline
}

/// The pipelines of this file: the canary delivery and the feature flags.
pub fn pipelines(ci: RustServiceCi) -> Vec<Pipeline> {
    vec![canary_delivery(ci), feature_flags()]
}
