// The other components of `payments-api`, each with its own pipeline and deployment strategy:
// the webhooks Lambda (ACME's deploy stage to staging, a rolling deployment to production) and
// the settlement worker, a container on ECS (ACME's image construct, deployed blue/green by
// CodeDeploy as a canary, smoke-tested with credentials kept encrypted in git with SOPS).
// Self-contained like `pipelines.rs`: compiled into the library and the build script alike.

use std::time::Duration;

use acme_platform::{ContainerImage, DeployStage, RUST_IMAGE, RustServiceCi};
use pipeline_core::prelude::*;
use pipeline_templates::practices::strategies::{
    Batch, CodeDeploy, DeploymentConfig, EcsService, HealthCheck, LambdaCode, LambdaFunction, Rolling, TaskDefinition,
};
use pipeline_templates::practices::supply_chain::SopsDecrypt;

/// The webhooks Lambda: ACME's CI of `payments-webhooks`; staging through ACME's deploy stage;
/// production as a rolling deployment (half the traffic, watched for two minutes, then all of
/// it), behind an approval, rolled back when its error alarm fires.
pub fn webhooks() -> Pipeline {
    let ci = RustServiceCi::new("payments-webhooks");
    let staging = DeployStage::new("staging", "payments-webhooks-staging")
        .after(&ci)
        .url("https://webhooks.staging.payments.example.com");
    let code = LambdaCode::zip(ci.artifact(), format!("dist/{}", ci.archive()));
    let production = Rolling::new("production", LambdaFunction::new("payments-webhooks", code))
        .tier(Tier::Production)
        .region(acme_platform::REGION)
        .approval(Approval::new().instructions("Check the webhook delivery dashboard on staging first."))
        .batch(Batch::Percent(50))
        .bake(Duration::from_secs(120))
        .alarm("payments-webhooks-errors")
        .health_check(HealthCheck::http("https://webhooks.payments.example.com/health"))
        .when(Condition::branch("main"))
        .needs(ci.version().job)
        .needs("staging-deploy");
    Pipeline::new("webhooks")
        .name("payments-webhooks delivery")
        .on(Trigger::push().branches(["main"]).paths(["webhooks/**", "Cargo.lock"]))
        .on(Trigger::pull_request()
            .branches(["main"])
            .paths(["webhooks/**", "Cargo.lock"]))
        .with(&ci)
        .add("staging", &staging)
        .add("production", &production)
}

/// The settlement worker on ECS: audited, its image built once and pushed to ECR, its task
/// definition registered with that image, deployed by CodeDeploy as a 10% canary for five minutes
/// (rolled back by CodeDeploy on its alarm), then smoke-tested with credentials decrypted from
/// git by SOPS through the OIDC role.
pub fn worker() -> Pipeline {
    // The production deploy role is assumed only under the production environment; the jobs
    // before and after it (registering, smoke-testing) use the worker's own role.
    let role =
        |variable: &str, session: &str| AwsRole::new(Expr::var(variable), acme_platform::REGION).session_name(session);
    let audit = Job::new("audit")
        .name("Dependency audit")
        .role(JobRole::SECURITY_SCAN)
        .runner(Runner::linux().image(RUST_IMAGE))
        .step(Step::checkout())
        .step(Step::script(
            "cargo install cargo-audit --locked --version 0.22.1\ncargo audit --deny warnings\n",
        ))
        .timeout_minutes(15);
    let image = ContainerImage::new("payments-worker")
        .context("worker")
        .dockerfile("worker/Dockerfile");
    let task_definition = Job::new("task-definition")
        .name("Register the task definition")
        .needs("image")
        .env("IMAGE", OutputRef::new("image", "image"))
        .step(Step::checkout())
        .step(Step::assume_aws_role(role("WORKER_ROLE_ARN", "payments-worker-register")))
        .step(Step::script(
            "jq --arg image \"$IMAGE\" '.containerDefinitions[0].image = $image' deploy/worker-taskdef.json > taskdef.json",
        ))
        .step(
            Step::set_output(
                "arn",
                "aws ecs register-task-definition --cli-input-json file://taskdef.json --query taskDefinition.taskDefinitionArn --output text",
            )
            // A call no construct knows: the step declares it, scoped to the task family.
            .uses_aws(AwsUse::statement(
                ["ecs:RegisterTaskDefinition"],
                ["arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-worker:*"],
            )),
        )
        .timeout_minutes(10);
    let service = EcsService::new(
        TaskDefinition::Arn(OutputRef::new("task-definition", "arn").into()),
        "worker",
        8080,
    )
    .termination_wait_minutes(5);
    let deploy = CodeDeploy::ecs("production", "payments-worker", "payments-worker-production", service)
        .tier(Tier::Production)
        .region(acme_platform::REGION)
        .aws_role(role("WORKER_DEPLOY_ROLE_ARN", "payments-worker-deploy"))
        .approval(Approval::new().instructions("Check the settlement queue depth before approving."))
        .config(DeploymentConfig::EcsCanary10Percent5Minutes)
        .alarm("payments-worker-errors")
        .when(Condition::branch("main"))
        .needs("task-definition");
    let smoke = SopsDecrypt::new(role("WORKER_ROLE_ARN", "payments-worker-smoke"))
        .kms_key("arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-0000-4000-8000-000000000001")
        .file("deploy/smoke-credentials.enc.json", ".secrets/smoke-credentials.json")
        .apply(
            Job::new("smoke-test")
                .name("Smoke test the worker")
                .needs("production-deploy")
                .when(Condition::branch("main"))
                .step(Step::checkout())
                .timeout_minutes(10),
        )
        .step(Step::script(
            "./scripts/smoke-test-worker.sh .secrets/smoke-credentials.json",
        ));
    let mut pipeline = Pipeline::new("worker")
        .name("payments-worker delivery")
        .on(Trigger::push().branches(["main"]).paths(["worker/**", "deploy/**"]))
        .job(audit)
        .with(&image)
        .add("production", &deploy)
        .job(smoke);
    if let Some(job) = pipeline.find_job_mut("image") {
        job.needs.push("audit".into());
    }
    pipeline.jobs.insert(2, task_definition);
    pipeline
}

/// The pipelines of this file.
pub fn pipelines() -> Vec<Pipeline> {
    vec![webhooks(), worker()]
}
