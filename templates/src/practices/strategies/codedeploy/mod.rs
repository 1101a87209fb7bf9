//! AWS CodeDeploy deployments of a Lambda function or an ECS service, through a deployment
//! configuration (canary, linear, all at once), with CodeDeploy's alarm-based automatic rollback.
//!
//! The job runs `aws deploy create-deployment` with an AppSpec generated as JSON from typed
//! values (through [`pipeline_core::yaml`], never by a text template), then waits with
//! `aws deploy wait deployment-successful` until CodeDeploy finishes; CodeDeploy shifts the
//! traffic, watches the alarms and rolls back by itself. The same job runs on every platform:
//! it only needs AWS credentials (the OIDC role step).
//!
//! On CodePipeline the job stays a CodeBuild action rather than a native deploy action:
//! CodePipeline's `CodeDeploy` action deploys to EC2 and on-premises instances only, and its
//! `CodeDeployToECS` action needs `taskdef.json` and `appspec.yaml` artifacts written by an
//! earlier action; neither deploys a Lambda version, and a native action would make the
//! deployment differ between platforms. The cost is CodeBuild minutes while CodeDeploy bakes.

use pipeline_core::EnvironmentName;
use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use serde::Serialize;

use super::lambda::{self, LambdaFunction, Publish};
use super::script;
use super::settings::{DeploySettings, settings_builders};

mod appspec;
mod config;
mod target;

pub use config::{ComputePlatform, DeploymentConfig};
pub use target::{CodeDeployTarget, EcsService, Hooks, TaskDefinition};

use appspec::{CURRENT_VERSION, TARGET_VERSION, TASK_DEFINITION};

/// A deployment through AWS CodeDeploy: CodeDeploy shifts the traffic as its deployment
/// configuration says, watches the alarms, and rolls back automatically on a failure or an
/// alarm (`--auto-rollback-configuration` with `DEPLOYMENT_FAILURE` and
/// `DEPLOYMENT_STOP_ON_ALARM`).
///
/// - Lambda: the job publishes a version (as the other Lambda strategies do), and CodeDeploy
///   moves the alias from the current version to it.
/// - ECS: the job registers the task definition (from a file) or takes an ARN, and CodeDeploy
///   starts a replacement task set and moves the load balancer to it.
///
/// Jobs (local ids): `deploy` and, unless left out, `rollback` (it stops this run's deployment
/// if it is still in progress, with CodeDeploy's rollback). Step ids of `deploy`: `download`
/// (Lambda zip code) or `checkout` (ECS task definition file), `credentials`, `publish` (Lambda),
/// `deploy`.
///
/// ```
/// use pipeline_templates::practices::strategies::{CodeDeploy, DeploymentConfig, EcsService, LambdaCode, LambdaFunction, TaskDefinition};
/// use pipeline_core::prelude::*;
///
/// let lambda = CodeDeploy::lambda("production", "payments", "payments-api", LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")))
///     .config(DeploymentConfig::LambdaCanary10Percent5Minutes)
///     .alarm("payments-api-errors")
///     .needs("build");
/// let ecs = CodeDeploy::ecs("production", "web", "web-production", EcsService::new(TaskDefinition::File("deploy/taskdef.json".into()), "web", 8080))
///     .config(DeploymentConfig::EcsLinear10PercentEvery1Minutes);
/// assert!(lambda.problems().is_empty() && ecs.problems().is_empty());
///
/// // A configuration for the other compute platform is refused.
/// let wrong = ecs.clone().config(DeploymentConfig::LambdaAllAtOnce);
/// assert_eq!(wrong.problems()[0].code, "codedeploy-config");
///
/// let build = Job::new("build").step(Step::script("make dist/payments-api.zip")).step(Step::upload("lambda", ["dist/payments-api.zip"]));
/// let p = Pipeline::new("d").on(Trigger::push()).job(build).add("lambda", &lambda).add("web", &ecs);
/// let deploy = p.find_job("web-deploy").expect("deploy job");
/// assert!(matches!(&deploy.steps[2].kind, StepKind::Script(s) if s.contains("aws deploy create-deployment")));
/// pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeDeploy {
    /// The CodeDeploy application.
    pub application: String,
    /// Its deployment group.
    pub deployment_group: String,
    /// How CodeDeploy shifts traffic (default: a 10% canary for 5 minutes).
    pub config: DeploymentConfig,
    /// What is deployed.
    pub target: CodeDeployTarget,
    /// Lifecycle hooks.
    pub hooks: Hooks,
    /// CloudWatch alarms (names) that stop and roll back the deployment; none means the
    /// deployment group's own alarms.
    pub alarms: Vec<String>,
    /// Roll back when the deployment fails or an alarm fires (default: yes).
    pub auto_rollback: bool,
    /// The environment, role, ordering and rollback job.
    pub settings: DeploySettings,
}

settings_builders!(CodeDeploy);

impl CodeDeploy {
    /// Deploys Lambda `function` through `application`'s deployment group `group`, in
    /// `environment`, as a 10% canary for 5 minutes.
    pub fn lambda(
        environment: impl Into<EnvironmentName>,
        application: impl Into<String>,
        group: impl Into<String>,
        function: LambdaFunction,
    ) -> Self {
        Self::new(
            environment,
            application,
            group,
            CodeDeployTarget::Lambda(function),
            DeploymentConfig::LambdaCanary10Percent5Minutes,
        )
    }

    /// Deploys ECS `service` through `application`'s deployment group `group`, in
    /// `environment`, as a 10% canary for 5 minutes.
    pub fn ecs(
        environment: impl Into<EnvironmentName>,
        application: impl Into<String>,
        group: impl Into<String>,
        service: EcsService,
    ) -> Self {
        Self::new(
            environment,
            application,
            group,
            CodeDeployTarget::Ecs(service),
            DeploymentConfig::EcsCanary10Percent5Minutes,
        )
    }

    fn new(
        environment: impl Into<EnvironmentName>,
        application: impl Into<String>,
        group: impl Into<String>,
        target: CodeDeployTarget,
        config: DeploymentConfig,
    ) -> Self {
        Self {
            application: application.into(),
            deployment_group: group.into(),
            config,
            target,
            hooks: Hooks::new(),
            alarms: Vec::new(),
            auto_rollback: true,
            settings: DeploySettings::new(environment),
        }
    }

    /// Sets the deployment configuration.
    #[must_use]
    pub fn config(mut self, config: DeploymentConfig) -> Self {
        self.config = config;
        self
    }

    /// Stops and rolls back the deployment when alarm `name` fires (replacing the deployment
    /// group's alarms for this deployment).
    #[must_use]
    pub fn alarm(mut self, name: impl Into<String>) -> Self {
        self.alarms.push(name.into());
        self
    }

    /// Sets the lifecycle hooks.
    #[must_use]
    pub fn hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Leaves rolling back to whoever watches (no automatic rollback by CodeDeploy).
    #[must_use]
    pub fn without_auto_rollback(mut self) -> Self {
        self.auto_rollback = false;
        self
    }

    /// The deploy job's timeout: the traffic shift, ECS's termination wait, plus 20 minutes.
    pub fn computed_timeout(&self) -> u32 {
        let wait = match &self.target {
            CodeDeployTarget::Ecs(s) => s.termination_wait_minutes,
            CodeDeployTarget::Lambda(_) => 0,
        };
        self.config.shift_minutes().saturating_add(wait).saturating_add(20)
    }

    /// What is wrong with the parameters (validation reports these on the deploy job).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let name_ok = |s: &str| {
            !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.+@=,".contains(c))
        };
        for (what, name) in [
            ("application", &self.application),
            ("deployment group", &self.deployment_group),
        ] {
            if !name_ok(name) {
                out.push(Problem::new(
                    "codedeploy-name",
                    format!("{name:?} is not a CodeDeploy {what} name"),
                    "use letters, digits and '-_.+@=,' (at most 100 characters)",
                ));
            }
        }
        let (platform, target) = match &self.target {
            CodeDeployTarget::Lambda(f) => {
                out.extend(f.problems());
                (ComputePlatform::Lambda, "a Lambda function")
            }
            CodeDeployTarget::Ecs(s) => {
                if let TaskDefinition::File(path) = &s.task_definition {
                    if path.trim().is_empty() || path.starts_with('/') || path.split('/').any(|c| c == "..") {
                        out.push(Problem::new(
                            "codedeploy-task-definition",
                            format!("{path:?} is not a relative path to a task definition file"),
                            "give the JSON file's path in the repository, e.g. \"deploy/taskdef.json\"",
                        ));
                    }
                }
                if s.container.trim().is_empty() || s.port == 0 {
                    out.push(Problem::new(
                        "codedeploy-task-definition",
                        "the load balancer's container and port are required for an ECS deployment",
                        "name the container that serves traffic and its port",
                    ));
                }
                (ComputePlatform::Ecs, "an ECS service")
            }
        };
        match self.config.platform() {
            Some(p) if p != platform => out.push(Problem::new(
                "codedeploy-config",
                format!(
                    "the deployment configuration {} is for {}, and this deployment is to {target}",
                    self.config.name(),
                    if p == ComputePlatform::Lambda { "Lambda" } else { "ECS" }
                ),
                "choose a configuration of the target's compute platform",
            )),
            None if self.config.name().trim().is_empty() => out.push(Problem::new(
                "codedeploy-config",
                "the custom deployment configuration has no name",
                "name the configuration created with `aws deploy create-deployment-config`",
            )),
            _ => {}
        }
        if platform == ComputePlatform::Lambda {
            let ecs_only: Vec<&str> = self
                .hooks
                .entries()
                .into_iter()
                .filter(|(n, _)| !matches!(*n, "BeforeAllowTraffic" | "AfterAllowTraffic"))
                .map(|(n, _)| n)
                .collect();
            if !ecs_only.is_empty() {
                out.push(Problem::new(
                    "codedeploy-hooks",
                    format!("the hooks {} exist for ECS deployments only", ecs_only.join(", ")),
                    "use BeforeAllowTraffic and AfterAllowTraffic for a Lambda function",
                ));
            }
        }
        if self.alarms.len() > 10 {
            out.push(Problem::new(
                "codedeploy-alarms",
                format!(
                    "{} alarms; a CodeDeploy deployment watches at most 10",
                    self.alarms.len()
                ),
                "combine alarms into a composite alarm",
            ));
        }
        out
    }
}

#[derive(Serialize)]
struct Substitution {
    token: &'static str,
    var: &'static str,
    what: &'static str,
}

#[derive(Serialize)]
struct DeployContext<'a> {
    prelude: &'a str,
    revision: &'a str,
    substitutions: Vec<Substitution>,
    application: &'a str,
    group: &'a str,
    config: &'a str,
    rollback: &'a str,
    alarms: Option<&'a str>,
}

#[derive(Serialize)]
struct LambdaPreludeContext<'a> {
    state: &'a str,
}

#[derive(Serialize)]
struct EcsPreludeContext<'a> {
    file: Option<&'a str>,
}

#[derive(Serialize)]
struct RollbackContext<'a> {
    application: &'a str,
    group: &'a str,
}

impl CodeDeploy {
    /// The AWS access of the deploy and rollback steps: the deployment group's deployments with
    /// this deployment configuration.
    fn aws_use(&self) -> AwsUse {
        AwsUse::CodeDeploy {
            application: self.application.as_str().into(),
            group: self.deployment_group.as_str().into(),
            config: Some(self.config.name().into_owned().into()),
        }
    }
}

impl Construct for CodeDeploy {
    fn build(&self, scope: &mut Scope<'_>) {
        let s = &self.settings;
        let mut job = s.deploy_job(format!(
            "CodeDeploy deployment to {} ({})",
            s.environment.name,
            self.config.name()
        ));
        job.problems.extend(self.problems());
        let computed = self.computed_timeout();
        job.problems.extend(s.problems(computed));
        let (prelude, substitutions, session) = match &self.target {
            CodeDeployTarget::Lambda(f) => {
                job = lambda::publish(job, s, f, Publish::Refuse);
                let state = lambda::state(&mut job.problems, f, true);
                let prelude = script::fragment(
                    &mut job.problems,
                    "codedeploy-lambda.sh",
                    LambdaPreludeContext { state: &state },
                );
                let subs = vec![
                    Substitution {
                        token: CURRENT_VERSION,
                        var: "current_version",
                        what: "current version",
                    },
                    Substitution {
                        token: TARGET_VERSION,
                        var: "target_version",
                        what: "target version",
                    },
                ];
                (prelude, subs, f.name.clone())
            }
            CodeDeployTarget::Ecs(svc) => {
                let file = match &svc.task_definition {
                    TaskDefinition::File(path) => {
                        job = job.step(Step::checkout().id("checkout"));
                        Some(path.as_str())
                    }
                    TaskDefinition::Arn(arn) => {
                        job = job.env("DEPLOY_TASK_DEFINITION", arn.clone());
                        None
                    }
                };
                job = job.step(s.credentials(&format!("{}-deploy", self.deployment_group)));
                let prelude = script::fragment(
                    &mut job.problems,
                    "codedeploy-ecs-register.sh",
                    EcsPreludeContext { file },
                );
                let subs = vec![Substitution {
                    token: TASK_DEFINITION,
                    var: "task_definition",
                    what: "task definition ARN",
                }];
                (prelude, subs, self.deployment_group.clone())
            }
        };
        let args = appspec::revision(&self.target, &self.hooks)
            .and_then(|r| appspec::rollback_args(self.auto_rollback, &self.alarms).map(|a| (r, a)));
        match args {
            Ok((revision, (rollback, alarms))) => {
                let config = self.config.name();
                let deploy = script::step(
                    &mut job.problems,
                    "codedeploy-deploy.sh",
                    DeployContext {
                        prelude: &prelude,
                        revision: &revision,
                        substitutions,
                        application: &self.application,
                        group: &self.deployment_group,
                        config: &config,
                        rollback: &rollback,
                        alarms: alarms.as_deref(),
                    },
                );
                let mut deploy = deploy
                    .id("deploy")
                    .name("Deploy with CodeDeploy and wait for it")
                    .uses_aws(self.aws_use());
                if let CodeDeployTarget::Lambda(f) = &self.target {
                    deploy = deploy.uses_aws(AwsUse::lambda_deploy([f.name.as_str()]));
                }
                job = job.step(deploy);
            }
            Err(e) => job.problems.push(Problem::new(
                "codedeploy-appspec",
                format!("cannot write the AppSpec: {e}"),
                "report this: the AppSpec is generated from typed values",
            )),
        }
        let job = job.timeout_minutes(
            s.timeout_minutes
                .unwrap_or(computed)
                .min(super::settings::MAX_JOB_MINUTES),
        );
        let rollback = s.rollback.then(|| {
            let mut r = s.rollback_job(
                &job,
                format!("Stop the CodeDeploy deployment to {}", s.environment.name),
            );
            let body = script::step(
                &mut r.problems,
                "codedeploy-rollback.sh",
                RollbackContext {
                    application: &self.application,
                    group: &self.deployment_group,
                },
            );
            r.step(s.credentials(&format!("{session}-rollback"))).step(
                body.id("rollback")
                    .name("Stop this run's deployment and roll it back")
                    .uses_aws(self.aws_use()),
            )
        });
        scope.add_job(job);
        if let Some(r) = rollback {
            scope.add_job(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::practices::strategies::LambdaCode;

    fn lambda() -> CodeDeploy {
        CodeDeploy::lambda(
            "production",
            "payments",
            "payments-api",
            LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")),
        )
    }

    #[test]
    fn the_revision_is_json_with_the_appspec_as_a_json_string() {
        let c = lambda().hooks(Hooks::new().before_allow_traffic("pre-traffic"));
        let r = appspec::revision(&c.target, &c.hooks).expect("json");
        assert_eq!(
            r,
            r#"{"revisionType":"AppSpecContent","appSpecContent":{"content":"{\"version\":0,\"Resources\":[{\"Function\":{\"Type\":\"AWS::Lambda::Function\",\"Properties\":{\"Name\":\"payments-api\",\"Alias\":\"live\",\"CurrentVersion\":\"PIPELINE_CURRENT_VERSION\",\"TargetVersion\":\"PIPELINE_TARGET_VERSION\"}}}],\"Hooks\":[{\"BeforeAllowTraffic\":\"pre-traffic\"}]}"}}"#
        );
    }

    #[test]
    fn rollback_arguments_are_json() {
        let c = lambda().alarm("a \"quoted\" alarm");
        let (rollback, alarms) = appspec::rollback_args(c.auto_rollback, &c.alarms).expect("json");
        assert_eq!(
            rollback,
            r#"{"enabled":true,"events":["DEPLOYMENT_FAILURE","DEPLOYMENT_STOP_ON_ALARM"]}"#
        );
        assert_eq!(
            alarms.as_deref(),
            Some(r#"{"enabled":true,"ignorePollAlarmFailure":false,"alarms":[{"name":"a \"quoted\" alarm"}]}"#)
        );
        let (off, none) = appspec::rollback_args(false, &[]).expect("json");
        assert_eq!((off.as_str(), none), (r#"{"enabled":false,"events":[]}"#, None));
    }

    #[test]
    fn ecs_hooks_are_refused_for_lambda() {
        let p = lambda()
            .hooks(Hooks::new().after_install("x").after_allow_traffic("y"))
            .problems();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, "codedeploy-hooks");
        assert!(p[0].message.contains("AfterInstall"), "{}", p[0].message);
    }
}
