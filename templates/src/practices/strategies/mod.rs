//! Deployment strategies, AWS CodeDeploy deployments and AWS AppConfig feature flags, with
//! monitoring and automatic rollback on every platform.
//!
//! **Why.** A deployment that moves all traffic to new code at once, and is undone by hand,
//! turns every bad release into an outage. These constructs move traffic gradually or switch
//! it atomically, watch health checks and CloudWatch alarms while they do, and undo the change
//! automatically when something fails; every service that uses them does it the same way.
//!
//! **What.**
//!
//! | construct | what it does |
//! |---|---|
//! | [`Rolling`] | equal batches of traffic (25%, 50%, 75%, 100%), a monitored bake between batches |
//! | [`Canary`] | traffic steps (10% -> 50% -> 100%), a monitored bake after each |
//! | [`BlueGreen`] | the new version behind an idle alias, health-checked, then all the traffic at once; the old color kept for a rollback |
//! | [`CodeDeploy`] | the same through an AWS CodeDeploy deployment configuration ([`DeploymentConfig`]: Lambda or ECS, canary, linear, all at once), with CodeDeploy's alarm-based automatic rollback |
//! | [`AppConfig`] | a configuration file of the repository (feature flags) deployed by AWS AppConfig with a deployment strategy, rolled back by an alarm, released by its own pipeline |
//!
//! The first three deploy an AWS Lambda function ([`LambdaFunction`]) through an alias with
//! weighted routing. Each watches a [`Monitor`]: [`HealthCheck`]s (a command, an HTTP GET, a
//! Lambda invocation) probed every interval and CloudWatch alarms that must stay out of `ALARM`.
//! A failed bake sends all the traffic back to the stable version at once, then fails the job.
//!
//! **Automatic rollback on each platform.** Every construct adds a `rollback` job (role
//! [`JobRole::ROLLBACK`](pipeline_core::JobRole::ROLLBACK)) that runs when the deploy job fails,
//! whatever failed (a health check, a timeout, the runner):
//!
//! - GitHub Actions: `if: failure() && contains(needs.*.result, 'failure')`;
//! - GitLab CI: `when: on_failure` in the job's rules;
//! - AWS CodePipeline: the deploy job's stage gets `OnFailure: {Result: ROLLBACK}`: CodePipeline
//!   redeploys the stage with the last successful execution's artifacts (the rollback job's own
//!   steps do not run there, and the backend says so with the notice `codepipeline-rollback`).
//!   The in-job rollback of a failed bake happens on CodePipeline too, before the stage fails.
//!
//! The rollback is safe to run anywhere: it only undoes what this run changed (the Lambda
//! strategies record the deployment in the alias's description; CodeDeploy and AppConfig
//! deployments are found by this run's id).
//!
//! **What each platform gets.** Every job is the same sequence of steps everywhere; the
//! differences are in how the platforms run jobs:
//!
//! | | GitHub Actions | GitLab CI | AWS CodePipeline |
//! |---|---|---|---|
//! | AWS credentials | OIDC (`aws-actions/configure-aws-credentials`, `id-token: write`) | `id_tokens` + `assume-role-with-web-identity` | the CodeBuild role assumes the deploy role |
//! | environment, approval | `environment:` (reviewers are a repository setting) | `environment:` with its tier; a manual gate | a stage per deploy; an `Approval` action first |
//! | one deployment at a time | `concurrency` per environment | `resource_group` per environment | `ExecutionMode: QUEUED` |
//! | failed bake | the step restores the stable version, the job fails | same | same, then the stage fails |
//! | rollback job | `if: failure() && contains(needs.*.result, 'failure')` | `when: on_failure` | stage `OnFailure: ROLLBACK` (the job's steps do not run) |
//! | bake time | within the job's timeout (at most 6 hours on hosted runners) | within the job's and the project's timeout | a CodeBuild action (billed while it bakes) |
//!
//! On CodePipeline, deploy jobs that run in the same layer of the `needs` graph share a stage,
//! and the stage's rollback redeploys all of them; order them one after another to roll them
//! back separately. On GitLab, use an image that has the AWS CLI (`runner(..)`). AWS CodeDeploy
//! runs through the CLI on CodePipeline too, not as a native action: see [`CodeDeploy`].
//!
//! **Scripts** come from minijinja templates (`templates/templates/scripts/strategies/`) through
//! [`crate::render_script`]: every value is shell-quoted, runtime values come
//! through environment variables, and a template that fails to render is a problem of the job.
//! JSON arguments (CodeDeploy's AppSpec, rollback and alarm configurations) are generated from
//! typed values with [`pipeline_core::yaml`], never by a template.
//!
//! **Parameters** have defaults and builder methods; [`DeploySettings`] are shared by all of
//! them (environment and tier, approval, AWS role through the platform's OIDC token, needs,
//! condition, runner, timeout). Wrong parameters (traffic steps that do not increase or do not
//! end at 100, a bake longer than a job may run, nothing to watch) are problems of the deploy
//! job, which validation reports with their path before anything is written.
//!
//! ```
//! use std::time::Duration;
//! use pipeline_templates::practices::strategies::{Canary, HealthCheck, LambdaCode, LambdaFunction, Rolling};
//! use pipeline_core::prelude::*;
//!
//! let build = Job::new("build")
//!     .step(Step::checkout())
//!     .step(Step::script("make dist/api.zip"))
//!     .step(Step::upload("lambda", ["dist/api.zip"]));
//! let code = LambdaCode::zip("lambda", "dist/api.zip");
//! let staging = Rolling::new("staging", LambdaFunction::new("api-staging", code.clone()))
//!     .tier(Tier::Staging)
//!     .alarm("api-staging-errors")
//!     .needs("build");
//! let production = Canary::new("production", LambdaFunction::new("api", code))
//!     .steps([10, 50, 100])
//!     .bake(Duration::from_secs(300))
//!     .alarm("api-errors")
//!     .health_check(HealthCheck::http("https://api.example.com/health"))
//!     .approval(Approval::new());
//!
//! let mut pipeline = Pipeline::new("delivery").on(Trigger::push().branches(["main"])).job(build);
//! let mut scope = pipeline.scope();
//! let staged = scope.add("staging", &staging);
//! let prod = scope.add("production", &production);
//! scope.needs(&prod, &staged);
//! drop(scope);
//!
//! // The rollback job is not on the success path: production follows staging's deploy job.
//! assert_eq!(pipeline.find_job("production-deploy").map(|j| j.needs.clone()), Some(vec!["staging-deploy".into()]));
//! let out = pipeline_core::Generator::new("example", ".")
//!     .backends(pipeline_templates::all())
//!     .pipeline(pipeline)
//!     .render(&[])
//!     .expect("renders on every platform");
//! assert!(out.files.iter().any(|(_, f)| f.contents.contains("AdditionalVersionWeights")));
//! ```

mod appconfig;
mod blue_green;
mod canary;
mod codedeploy;
mod health;
mod lambda;
mod script;
mod settings;

pub use appconfig::{AppConfig, AppConfigStrategy};
pub use blue_green::BlueGreen;
pub use canary::{Batch, Canary, Rolling, traffic_problems};
pub use codedeploy::{
    CodeDeploy, CodeDeployTarget, ComputePlatform, DeploymentConfig, EcsService, Hooks, TaskDefinition,
};
pub use health::{HealthCheck, Monitor};
pub use lambda::{LambdaCode, LambdaFunction};
pub use settings::DeploySettings;
