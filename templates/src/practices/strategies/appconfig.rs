//! Continuous configuration: a configuration file of the repository (feature flags, operational
//! settings) deployed by AWS AppConfig, gradually, rolled back by an alarm, and released by a
//! pipeline of its own, separately from code deploys.

use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use pipeline_core::{EnvironmentName, PipelineId};
use serde::Serialize;

use super::script;
use super::settings::{DeploySettings, settings_builders};

/// How AppConfig rolls a configuration out: one of its predefined deployment strategies or one
/// of your own (by id).
///
/// ```
/// use pipeline_templates::practices::strategies::AppConfigStrategy;
/// assert_eq!(AppConfigStrategy::Canary10Percent20Minutes.id(), "AppConfig.Canary10Percent20Minutes");
/// assert_eq!(AppConfigStrategy::Canary10Percent20Minutes.minutes(), 30);
/// assert_eq!(AppConfigStrategy::custom("abc1234", 12).id(), "abc1234");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppConfigStrategy {
    /// Everything at once, then a 10 minute bake.
    AllAtOnce,
    /// 50% every 30 seconds, then a 1 minute bake (for tests and demos).
    Linear50PercentEvery30Seconds,
    /// 10% growing exponentially over 20 minutes, then a 10 minute bake (AWS's recommendation
    /// for production).
    Canary10Percent20Minutes,
    /// 20% every 6 minutes over 30 minutes, then a 30 minute bake.
    Linear20PercentEvery6Minutes,
    /// A deployment strategy of your own.
    Custom {
        /// Its id.
        id: String,
        /// How long it deploys and bakes, in minutes (for the job's timeout).
        minutes: u32,
    },
}

impl AppConfigStrategy {
    /// A strategy of your own that deploys and bakes in `minutes`.
    pub fn custom(id: impl Into<String>, minutes: u32) -> Self {
        AppConfigStrategy::Custom { id: id.into(), minutes }
    }

    /// Its id, as `start-deployment` takes it.
    pub fn id(&self) -> &str {
        match self {
            AppConfigStrategy::AllAtOnce => "AppConfig.AllAtOnce",
            AppConfigStrategy::Linear50PercentEvery30Seconds => "AppConfig.Linear50PercentEvery30Seconds",
            AppConfigStrategy::Canary10Percent20Minutes => "AppConfig.Canary10Percent20Minutes",
            AppConfigStrategy::Linear20PercentEvery6Minutes => "AppConfig.Linear20PercentEvery6Minutes",
            AppConfigStrategy::Custom { id, .. } => id,
        }
    }

    /// How long it deploys and bakes, in minutes.
    pub fn minutes(&self) -> u32 {
        match self {
            AppConfigStrategy::AllAtOnce => 10,
            AppConfigStrategy::Linear50PercentEvery30Seconds => 2,
            AppConfigStrategy::Canary10Percent20Minutes => 30,
            AppConfigStrategy::Linear20PercentEvery6Minutes => 60,
            AppConfigStrategy::Custom { minutes, .. } => *minutes,
        }
    }
}

/// A configuration file of the repository deployed by AWS AppConfig: a new hosted configuration
/// version (`create-hosted-configuration-version`), a deployment with a deployment strategy
/// (`start-deployment`), then `get-deployment` polled until it is `COMPLETE`; the job fails when
/// AppConfig rolls it back (`ROLLED_BACK`, `REVERTED`).
///
/// The rollback is AppConfig's own: with [`AppConfig::rollback_alarm`], the AppConfig
/// environment's monitor is set to that CloudWatch alarm, and AppConfig rolls the deployment
/// back when the alarm fires while it deploys or bakes. The `rollback` job (when the job fails
/// for another reason, a timeout say) stops this run's deployment if it is still in progress,
/// which rolls it back too; on CodePipeline the stage's automatic rollback redeploys the
/// previous commit's file instead.
///
/// Release it separately from code deploys with [`AppConfig::release_pipeline`]: a pipeline of
/// its own, started by pushes that touch the file's directory.
///
/// The application, environment and configuration profile ids, and the alarm, are configuration
/// variables by default (`APPCONFIG_APPLICATION_ID`, `<ENVIRONMENT>_APPCONFIG_ENVIRONMENT_ID`,
/// `APPCONFIG_PROFILE_ID`); set literals or other variables with the builder methods.
///
/// Jobs (local ids): `deploy` and, unless left out, `rollback`. Step ids of `deploy`:
/// `checkout`, `credentials`, `deploy`.
///
/// ```
/// use pipeline_templates::practices::strategies::{AppConfig, AppConfigStrategy};
/// use pipeline_core::prelude::*;
///
/// let flags = AppConfig::new("production", "config/flags.json")
///     .strategy(AppConfigStrategy::Canary10Percent20Minutes)
///     .rollback_alarm(Expr::var("FLAGS_ALARM_ARN"))
///     .rollback_alarm_role(Expr::var("FLAGS_ALARM_ROLE_ARN"));
/// let pipeline = flags.release_pipeline("feature-flags", "main");
/// assert!(matches!(&pipeline.triggers[0], Trigger::Push(p) if p.paths == ["config/**"]));
/// let deploy = pipeline.find_job("production-deploy").expect("deploy job");
/// assert_eq!(deploy.timeout_minutes, Some(45));
/// # pipeline_core::validate::assert_valid(&pipeline);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppConfig {
    /// The configuration file (a path in the repository).
    pub file: String,
    /// Its MIME type (default `application/json`, also for `AWS.AppConfig.FeatureFlags`).
    pub content_type: String,
    /// The AppConfig application's id.
    pub application: Expr,
    /// The AppConfig environment's id.
    pub appconfig_environment: Expr,
    /// The configuration profile's id (a hosted configuration profile).
    pub profile: Expr,
    /// How AppConfig rolls it out (default `Canary10Percent20Minutes`).
    pub strategy: AppConfigStrategy,
    /// The CloudWatch alarm (ARN) that rolls a deployment back.
    pub alarm: Option<Expr>,
    /// The role AppConfig assumes to read the alarm (`AlarmRoleArn`), if not its service-linked
    /// role.
    pub alarm_role: Option<Expr>,
    /// Seconds between two polls of the deployment's state (default 30).
    pub poll_seconds: u32,
    /// The environment, role, ordering and rollback job.
    pub settings: DeploySettings,
}

settings_builders!(AppConfig);

impl AppConfig {
    /// Deploys `file` to AppConfig for `environment`, as a canary over 20 minutes.
    pub fn new(environment: impl Into<EnvironmentName>, file: impl Into<String>) -> Self {
        let settings = DeploySettings::new(environment);
        let prefix: String = settings
            .environment
            .name
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
            file: file.into(),
            content_type: "application/json".into(),
            application: Expr::var("APPCONFIG_APPLICATION_ID"),
            appconfig_environment: Expr::var(format!("{prefix}_APPCONFIG_ENVIRONMENT_ID")),
            profile: Expr::var("APPCONFIG_PROFILE_ID"),
            strategy: AppConfigStrategy::Canary10Percent20Minutes,
            alarm: None,
            alarm_role: None,
            poll_seconds: 30,
            settings,
        }
    }

    /// Sets the AppConfig application's id.
    #[must_use]
    pub fn application(mut self, id: impl Into<Expr>) -> Self {
        self.application = id.into();
        self
    }

    /// Sets the AppConfig environment's id.
    #[must_use]
    pub fn appconfig_environment(mut self, id: impl Into<Expr>) -> Self {
        self.appconfig_environment = id.into();
        self
    }

    /// Sets the configuration profile's id.
    #[must_use]
    pub fn profile(mut self, id: impl Into<Expr>) -> Self {
        self.profile = id.into();
        self
    }

    /// Sets the file's MIME type.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Sets the deployment strategy.
    #[must_use]
    pub fn strategy(mut self, strategy: AppConfigStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Rolls a deployment back when the CloudWatch alarm with this ARN fires (the AppConfig
    /// environment's monitor).
    #[must_use]
    pub fn rollback_alarm(mut self, arn: impl Into<Expr>) -> Self {
        self.alarm = Some(arn.into());
        self
    }

    /// The role AppConfig assumes to read the alarm.
    #[must_use]
    pub fn rollback_alarm_role(mut self, arn: impl Into<Expr>) -> Self {
        self.alarm_role = Some(arn.into());
        self
    }

    /// Sets the seconds between two polls of the deployment's state.
    #[must_use]
    pub fn poll_seconds(mut self, seconds: u32) -> Self {
        self.poll_seconds = seconds;
        self
    }

    /// The directory whose changes release the configuration (`config/**` for
    /// `config/flags.json`).
    pub fn paths(&self) -> Vec<String> {
        match self.file.rsplit_once('/') {
            Some((dir, _)) if !dir.is_empty() => vec![format!("{dir}/**")],
            _ => vec![self.file.clone()],
        }
    }

    /// A pipeline of its own that releases the configuration: pushes to `branch` that touch
    /// the file's directory, and manual runs. Its jobs are this construct's, named after the
    /// environment (`production-deploy`).
    pub fn release_pipeline(&self, id: impl Into<PipelineId>, branch: &str) -> Pipeline {
        let name = self.settings.environment.name.to_string();
        Pipeline::new(id)
            .name(format!("Configuration release ({name})"))
            .on(Trigger::push().branches([branch]).paths(self.paths()))
            .on(Trigger::manual())
            .add(&name, self)
    }

    /// The deploy job's timeout: the strategy's deployment and bake, plus 15 minutes.
    pub fn computed_timeout(&self) -> u32 {
        self.strategy.minutes().saturating_add(15)
    }

    /// What is wrong with the parameters (validation reports these on the deploy job).
    ///
    /// ```
    /// use pipeline_templates::practices::strategies::AppConfig;
    /// assert_eq!(AppConfig::new("production", "/etc/flags.json").problems()[0].code, "appconfig-file");
    /// ```
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let f = &self.file;
        if f.trim().is_empty() || f.starts_with('/') || f.split('/').any(|c| c == "..") {
            out.push(Problem::new(
                "appconfig-file",
                format!("{f:?} is not a relative path to a file of the repository"),
                "give the configuration file's path in the repository, e.g. \"config/flags.json\"",
            ));
        }
        if !self.content_type.contains('/') {
            out.push(Problem::new(
                "appconfig-content-type",
                format!("{:?} is not a MIME type", self.content_type),
                "e.g. \"application/json\" or \"application/x-yaml\"",
            ));
        }
        if self.strategy.id().trim().is_empty() {
            out.push(Problem::new(
                "appconfig-strategy",
                "the custom deployment strategy has no id",
                "give the id of a strategy created with `aws appconfig create-deployment-strategy`",
            ));
        }
        if self.alarm_role.is_some() && self.alarm.is_none() {
            out.push(Problem::new(
                "appconfig-alarm",
                "a role to read the rollback alarm, and no alarm",
                "set the alarm with `.rollback_alarm(..)`",
            ));
        }
        if self.poll_seconds == 0 {
            out.push(Problem::new(
                "appconfig-poll",
                "the deployment's state is polled every 0 seconds",
                "poll every 10 to 60 seconds",
            ));
        }
        out
    }
}

#[derive(Serialize)]
struct DeployContext<'a> {
    file: &'a str,
    content_type: &'a str,
    strategy: &'a str,
    alarm: bool,
    alarm_role: bool,
    interval: u32,
}

impl AppConfig {
    /// The AWS access of the deploy and rollback steps: deployments of the profile to the
    /// AppConfig environment with the strategy.
    fn aws_use(&self) -> AwsUse {
        AwsUse::AppConfig {
            application: self.application.clone(),
            environment: self.appconfig_environment.clone(),
            profile: self.profile.clone(),
            strategy: self.strategy.id().into(),
        }
    }
}

impl Construct for AppConfig {
    fn build(&self, scope: &mut Scope<'_>) {
        let s = &self.settings;
        let mut job = s
            .deploy_job(format!("Release the configuration to {}", s.environment.name))
            .env("APPCONFIG_APPLICATION_ID", self.application.clone())
            .env("APPCONFIG_ENVIRONMENT_ID", self.appconfig_environment.clone())
            .env("APPCONFIG_PROFILE_ID", self.profile.clone());
        if let Some(alarm) = &self.alarm {
            job = job.env("APPCONFIG_ALARM_ARN", alarm.clone());
        }
        if let Some(role) = &self.alarm_role {
            job = job.env("APPCONFIG_ALARM_ROLE_ARN", role.clone());
        }
        job.problems.extend(self.problems());
        let computed = self.computed_timeout();
        job.problems.extend(s.problems(computed));
        job = job
            .step(Step::checkout().id("checkout"))
            .step(s.credentials(&format!("{}-appconfig", s.environment.name)));
        let deploy = script::step(
            &mut job.problems,
            "appconfig-deploy.sh",
            DeployContext {
                file: &self.file,
                content_type: &self.content_type,
                strategy: self.strategy.id(),
                alarm: self.alarm.is_some(),
                alarm_role: self.alarm_role.is_some(),
                interval: self.poll_seconds,
            },
        );
        let mut deploy = deploy
            .id("deploy")
            .name("Deploy the configuration with AppConfig")
            .uses_aws(self.aws_use());
        if let Some(role) = &self.alarm_role {
            deploy = deploy.uses_aws(AwsUse::PassRole {
                roles: vec![role.clone()],
                service: "appconfig.amazonaws.com".into(),
            });
        }
        job = job.step(deploy).timeout_minutes(
            s.timeout_minutes
                .unwrap_or(computed)
                .min(super::settings::MAX_JOB_MINUTES),
        );
        let rollback = s.rollback.then(|| {
            let mut r = s
                .rollback_job(
                    &job,
                    format!("Stop the configuration release to {}", s.environment.name),
                )
                .env("APPCONFIG_APPLICATION_ID", self.application.clone())
                .env("APPCONFIG_ENVIRONMENT_ID", self.appconfig_environment.clone());
            let body = script::step(&mut r.problems, "appconfig-rollback.sh", ());
            r.step(s.credentials(&format!("{}-appconfig-rollback", s.environment.name)))
                .step(
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
