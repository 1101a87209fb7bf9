//! What every deployment construct of this module shares: the environment it deploys to, the
//! AWS role it assumes, when it runs and after what, and whether a failure rolls it back.

use pipeline_core::EnvironmentName;
use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;

/// Where and how a deployment job runs.
///
/// Every construct of [`super`] holds one in its `settings` field and has the same builder
/// methods for it (`tier`, `url`, `approval`, `role_arn`, `region`, `needs`, `when`, `runner`,
/// `timeout_minutes`, `without_rollback`).
///
/// ```
/// use pipeline_templates::practices::strategies::DeploySettings;
/// use pipeline_core::prelude::*;
/// let s = DeploySettings::new("production");
/// assert_eq!(s.environment.tier, Tier::Production);
/// assert_eq!(s.role.role_arn, Expr::var("PRODUCTION_DEPLOY_ROLE_ARN"));
/// assert!(s.rollback);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploySettings {
    /// The environment deployed to (tier `Production` unless set; an approval is optional).
    pub environment: Environment,
    /// The AWS role assumed with the platform's OIDC token (default: the configuration variable
    /// `<ENVIRONMENT>_DEPLOY_ROLE_ARN`, region `us-east-1`).
    pub role: AwsRole,
    /// Jobs that must succeed first (the build of what is deployed, an earlier stage).
    pub needs: Vec<JobId>,
    /// Deploy only when this holds (for example `Condition::branch("main")`).
    pub condition: Option<Condition>,
    /// Where the jobs run: it needs the AWS CLI, `bash` and `curl` (GitHub's and CodeBuild's
    /// standard images have them; on GitLab choose an image that does).
    pub runner: Runner,
    /// Add the rollback job that runs when the deployment fails (default: yes).
    pub rollback: bool,
    /// The deploy job's timeout; computed from the bake times when `None`.
    pub timeout_minutes: Option<u32>,
}

impl DeploySettings {
    /// Deploys to `environment` (tier `Production`), with the role of the configuration variable
    /// `<ENVIRONMENT>_DEPLOY_ROLE_ARN` in `us-east-1`, and a rollback job.
    pub fn new(environment: impl Into<EnvironmentName>) -> Self {
        let name: EnvironmentName = environment.into();
        let variable: String = name
            .as_str()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        Self {
            role: AwsRole::new(Expr::var(format!("{variable}_DEPLOY_ROLE_ARN")), "us-east-1"),
            environment: Environment::new(name).tier(Tier::Production),
            needs: Vec::new(),
            condition: None,
            runner: Runner::linux(),
            rollback: true,
            timeout_minutes: None,
        }
    }

    /// The step assuming the role, with session name `session` unless the role has one.
    pub(crate) fn credentials(&self, session: &str) -> Step {
        let mut role = self.role.clone();
        if role.session_name.is_none() {
            let name: String = session
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .take(64)
                .collect();
            role = role.session_name(name);
        }
        Step::assume_aws_role(role)
            .id("credentials")
            .name("Assume the deploy role")
    }

    /// A job with the settings' environment, role, needs, condition and runner.
    pub(crate) fn deploy_job(&self, name: String) -> Job {
        let mut job = Job::new("deploy")
            .name(name)
            .role(JobRole::DEPLOY)
            .needs_all(self.needs.iter().cloned())
            .environment(self.environment.clone())
            .runner(self.runner.clone())
            .env("DEPLOY_RUN_ID", Builtin::RunId);
        if let Some(c) = &self.condition {
            job = job.when(c.clone());
        }
        job
    }

    /// The rollback job of `deploy`: it runs when the deploy job fails.
    pub(crate) fn rollback_job(&self, deploy: &Job, name: String) -> Job {
        let condition = match &self.condition {
            Some(c) => Condition::failure() & c.clone(),
            None => Condition::failure(),
        };
        // The rollback assumes the deploy role: it runs under the deploy's environment, so that a
        // trust policy bound to the environment (GitHub's OIDC `sub`, a protected GitLab
        // environment) needs no exception. An automatic rollback waits for no approval.
        let environment = Environment {
            approval: None,
            ..self.environment.clone()
        };
        Job::new("rollback")
            .name(name)
            .role(JobRole::ROLLBACK)
            .needs(deploy)
            .environment(environment)
            .runner(self.runner.clone())
            .env("DEPLOY_RUN_ID", Builtin::RunId)
            .when(condition)
            .timeout_minutes(10)
    }

    /// What is wrong with these settings.
    pub(crate) fn problems(&self, computed_timeout: u32) -> Vec<Problem> {
        let mut out = Vec::new();
        let timeout = self.timeout_minutes.unwrap_or(computed_timeout);
        if timeout > MAX_JOB_MINUTES {
            out.push(Problem::new(
                "strategy-duration",
                format!(
                    "the deployment takes up to {timeout} minutes; a job may run {MAX_JOB_MINUTES} minutes (GitHub-hosted runners' limit)"
                ),
                "shorten the bake times, use fewer steps, or split the rollout into stages",
            ));
        }
        out
    }
}

/// The longest job the model accepts (GitHub-hosted runners' limit), in minutes.
pub(crate) const MAX_JOB_MINUTES: u32 = 360;

/// Builder methods for the [`DeploySettings`] of a construct with a `settings` field.
macro_rules! settings_builders {
    ($ty:ty) => {
        impl $ty {
            /// Sets the environment's tier.
            #[must_use]
            pub fn tier(mut self, tier: pipeline_core::Tier) -> Self {
                self.settings.environment.tier = tier;
                self
            }

            /// Sets the URL where the deployed service answers.
            #[must_use]
            pub fn url(mut self, url: impl Into<pipeline_core::Expr>) -> Self {
                self.settings.environment.url = Some(url.into());
                self
            }

            /// Requires an approval before deploying.
            #[must_use]
            pub fn approval(mut self, approval: pipeline_core::Approval) -> Self {
                self.settings.environment.approval = Some(approval);
                self
            }

            /// Assumes the role `arn` (a literal or a configuration variable).
            #[must_use]
            pub fn role_arn(mut self, arn: impl Into<pipeline_core::Expr>) -> Self {
                self.settings.role.role_arn = arn.into();
                self
            }

            /// Sets the AWS region.
            #[must_use]
            pub fn region(mut self, region: impl Into<String>) -> Self {
                self.settings.role.region = region.into();
                self
            }

            /// Replaces the AWS role (to chain roles, or set a session name or duration).
            #[must_use]
            pub fn aws_role(mut self, role: pipeline_core::AwsRole) -> Self {
                self.settings.role = role;
                self
            }

            /// Runs after `job` (the build of what is deployed, an earlier stage).
            #[must_use]
            pub fn needs(mut self, job: impl Into<pipeline_core::JobId>) -> Self {
                self.settings.needs.push(job.into());
                self
            }

            /// Runs after the last jobs of a construct added earlier.
            #[must_use]
            pub fn after(mut self, built: &pipeline_core::Built) -> Self {
                self.settings.needs.extend(built.exit.iter().cloned());
                self
            }

            /// Deploys only when `condition` holds (for example `Condition::branch("main")`).
            #[must_use]
            pub fn when(mut self, condition: pipeline_core::Condition) -> Self {
                self.settings.condition = Some(condition);
                self
            }

            /// Sets the runner (it needs the AWS CLI, `bash` and `curl`).
            #[must_use]
            pub fn runner(mut self, runner: pipeline_core::Runner) -> Self {
                self.settings.runner = runner;
                self
            }

            /// Sets the deploy job's timeout instead of the one computed from the bake times.
            #[must_use]
            pub fn timeout_minutes(mut self, minutes: u32) -> Self {
                self.settings.timeout_minutes = Some(minutes);
                self
            }

            /// Leaves out the rollback job.
            #[must_use]
            pub fn without_rollback(mut self) -> Self {
                self.settings.rollback = false;
                self
            }
        }
    };
}

/// Builder methods for the [`Monitor`](super::Monitor) of a construct with a `monitor` field.
macro_rules! monitor_builders {
    ($ty:ty) => {
        impl $ty {
            /// Adds a health check (a command, an HTTP GET, a Lambda invocation or an alarm).
            #[must_use]
            pub fn health_check(mut self, check: $crate::practices::strategies::HealthCheck) -> Self {
                self.monitor.checks.push(check);
                self
            }

            /// Watches a CloudWatch alarm (by name): in `ALARM`, it rolls the deployment back.
            #[must_use]
            pub fn alarm(mut self, name: impl Into<pipeline_core::Expr>) -> Self {
                self.monitor
                    .checks
                    .push($crate::practices::strategies::HealthCheck::Alarm(name.into()));
                self
            }

            /// Sets the time between two rounds of checks.
            #[must_use]
            pub fn check_interval(mut self, interval: std::time::Duration) -> Self {
                self.monitor.interval = interval;
                self
            }

            /// Sets how many failed probes in a row roll the deployment back.
            #[must_use]
            pub fn failure_threshold(mut self, failures: u32) -> Self {
                self.monitor.failure_threshold = failures;
                self
            }
        }
    };
}

pub(crate) use {monitor_builders, settings_builders};
