// Governance of `payments-api`: the drift practices of `pipeline_templates::practices::drift`.
// Like `pipelines.rs`, this file only uses `acme_platform`, `pipeline_core` and
// `pipeline_backends`, so it can be compiled into the library and the build script alike.

use pipeline_core::prelude::*;
use pipeline_templates::practices::drift::{BreakGlass, DefinitionCheck, ExceptBreakGlass, InfraDrift};

/// The CloudFormation stacks of the service, one per environment.
pub const STACKS: [&str; 2] = ["payments-api-staging", "payments-api-production"];

/// The generated-files check of this service: `cargo run -p example-service -- --check` in
/// ACME's Rust image, so a hand-edited workflow or a forgotten regeneration fails the run with
/// the diff.
pub fn definition_check() -> DefinitionCheck {
    DefinitionCheck::new()
        .command("cargo run -p example-service")
        .image(acme_platform::RUST_IMAGE)
}

/// `pipeline` with the generated-files check as job `definition-check` (the delivery pipeline
/// adds it: `governance::with_definition_check(delivery())`).
pub fn with_definition_check(pipeline: Pipeline) -> Pipeline {
    pipeline.with(&definition_check())
}

/// The nightly infrastructure drift check: CloudFormation drift detection of both stacks with
/// the read-only drift role, on weekdays at 05:30 UTC and on demand; the drifted resources are
/// the report, and drift fails the run.
pub fn infra_drift() -> Pipeline {
    let role = AwsRole::new(Expr::var("DRIFT_ROLE_ARN"), acme_platform::REGION).session_name("payments-api-drift");
    InfraDrift::cloudformation(role, STACKS)
        .schedule("30 5 * * 1-5")
        .pipeline("infra-drift")
        .name("payments-api infrastructure drift")
}

/// The break-glass pipeline: the kill switch of the payments Lambda (no invocation runs until
/// the reserved concurrency is removed again). Started by hand with a reason, recorded, then
/// approved in environment `break-glass` before the command runs with the break-glass role.
pub fn break_glass() -> Pipeline {
    let role =
        AwsRole::new(Expr::var("BREAK_GLASS_ROLE_ARN"), acme_platform::REGION).session_name("payments-api-break-glass");
    BreakGlass::new(
        "aws lambda put-function-concurrency --function-name payments-api --reserved-concurrent-executions 0\n",
    )
    .role(role)
    .without_checkout()
    .approval(
        Approval::new().instructions(
            "Break glass: this stops every payments-api invocation. Read the reason in the audit record (job audit) and approve only during an incident.",
        ),
    )
    .pipeline("break-glass")
    .name("payments-api break glass")
}

/// The governance pipelines of the service.
pub fn governance_pipelines() -> Vec<Pipeline> {
    vec![infra_drift(), break_glass()]
}

/// ACME's policies for a generator that includes the governance pipelines: a break-glass run is
/// an emergency, so "a security scan before every deploy" does not apply to its command job;
/// every other policy (production needs an approval, timeouts, trusted pinned actions) does.
pub fn policies() -> Vec<Box<dyn Policy>> {
    acme_platform::policies()
        .into_iter()
        .map(|policy| -> Box<dyn Policy> {
            if policy.name() == "scan-before-deploy" {
                Box::new(ExceptBreakGlass::boxed(policy))
            } else {
                policy
            }
        })
        .collect()
}
