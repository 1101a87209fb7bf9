// The cloud side of `payments-api`: the roles its pipelines assume, in which account, and what
// each may do. `pipeline_backends::aws_access` derives every trust policy from the pipelines.
// Like `pipelines.rs`, compiled into the library and the build script alike.

use pipeline_backends::aws_access::{AccessRole, AwsAccess, Grant};

/// The account the service runs in (staging and production share it in this example).
pub const WORKLOAD_ACCOUNT: &str = "111111111111";
/// The account of the CodePipeline pipelines and CodeBuild projects (tooling).
pub const TOOLING_ACCOUNT: &str = "222222222222";

/// The service's cloud side: GitHub repository `acme/payments-api`, GitLab project
/// `acme/payments/payments-api` on GitLab.com, CodePipeline in the tooling account.
pub fn access() -> AwsAccess {
    AwsAccess::new("payments-api")
        .github_repository("acme/payments-api")
        .gitlab_project("acme/payments/payments-api")
        .codepipeline(TOOLING_ACCOUNT, "acme-payments-api-artifacts")
        // What these roles may do is derived from the steps that run with them (the practices
        // and the platform's constructs declare their AWS uses): drift detection of the stacks
        // (read-only), the Lambda deployments with their alarms, the AppConfig release, the
        // CodeDeploy deployment. Only what no step declares is granted here.
        .role(AccessRole::new(
            "DRIFT_ROLE_ARN",
            WORKLOAD_ACCOUNT,
            "payments-api-drift",
        ))
        .role(AccessRole::new(
            "STAGING_DEPLOY_ROLE_ARN",
            WORKLOAD_ACCOUNT,
            "payments-api-staging-deploy",
        ))
        .role(AccessRole::new(
            "PRODUCTION_DEPLOY_ROLE_ARN",
            WORKLOAD_ACCOUNT,
            "payments-api-production-deploy",
        ))
        .role(AccessRole::new(
            "WORKER_DEPLOY_ROLE_ARN",
            WORKLOAD_ACCOUNT,
            "payments-api-worker-deploy",
        ))
        .role(
            AccessRole::new("WORKER_ROLE_ARN", WORKLOAD_ACCOUNT, "payments-api-worker").grant(Grant::statement(
                ["ecs:RegisterTaskDefinition", "kms:Decrypt"],
                [
                    "arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-worker:*",
                    "arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-0000-4000-8000-000000000001",
                ],
            )),
        )
        .role(
            AccessRole::new("BREAK_GLASS_ROLE_ARN", WORKLOAD_ACCOUNT, "payments-api-break-glass").grant(
                Grant::statement(
                    ["lambda:DeleteFunctionConcurrency", "lambda:PutFunctionConcurrency"],
                    ["arn:aws:lambda:eu-west-1:111111111111:function:payments-api"],
                ),
            ),
        )
        .role(
            AccessRole::new("RELEASE_NOTES_ROLE_ARN", TOOLING_ACCOUNT, "payments-api-release-notes").grant(
                Grant::statement(
                    ["bedrock:InvokeModel"],
                    ["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.*"],
                ),
            ),
        )
        // The platform's `ContainerImage` declares its push to the repository.
        .role(AccessRole::new(
            "ECR_PUSH_ROLE_ARN",
            TOOLING_ACCOUNT,
            "payments-api-ecr-push",
        ))
}
