// Progressive delivery for `payments-api`: the production stage as a canary watched by
// CloudWatch alarms (with automatic rollback on every platform), used by the delivery pipeline,
// and the feature flags released by AWS AppConfig through a pipeline of their own. Built from ACME's constructs and the
// library's practices (`pipeline_templates::practices::strategies`); self-contained, so that it
// can be compiled into the library and into the build script alike.

use std::time::Duration;

use acme_platform::RustServiceCi;
use pipeline_core::prelude::*;
use pipeline_templates::practices::strategies::{
    AppConfig, AppConfigStrategy, BlueGreen, Canary, HealthCheck, LambdaCode, LambdaFunction,
};

/// Staging as a blue/green deployment: the new version goes to the idle alias, is health-checked
/// there, then takes all the traffic at once; the previous version stays on the idle alias for an
/// instant rollback (the rollback job, or stage rollback on CodePipeline).
pub fn staging_blue_green(ci: &RustServiceCi) -> BlueGreen {
    let code = LambdaCode::zip(ci.artifact(), format!("dist/{}", ci.archive()));
    BlueGreen::new("staging", LambdaFunction::new("payments-api-staging", code))
        .tier(Tier::Staging)
        .region(acme_platform::REGION)
        .url("https://staging.payments.example.com")
        .health_check(HealthCheck::http("https://staging.payments.example.com/health"))
        .alarm("payments-api-staging-errors")
        .bake(Duration::from_secs(120))
        .when(Condition::branch("main"))
        .needs(ci.version().job)
}

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

/// The pipelines of this file: the feature flags (the canary is the delivery pipeline's
/// production stage, see `pipelines.rs`).
pub fn pipelines() -> Vec<Pipeline> {
    vec![feature_flags()]
}
