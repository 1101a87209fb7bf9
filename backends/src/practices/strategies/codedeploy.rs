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

use std::borrow::Cow;
use std::collections::BTreeMap;

use pipeline_core::EnvironmentName;
use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use pipeline_core::yaml;
use serde::Serialize;

use super::lambda::{LambdaCode, LambdaFunction};
use super::script;
use super::settings::{DeploySettings, settings_builders};

/// A CodeDeploy deployment configuration: how CodeDeploy shifts traffic. The predefined ones,
/// or one of your own by name.
///
/// ```
/// use pipeline_backends::practices::strategies::DeploymentConfig;
/// assert_eq!(DeploymentConfig::LambdaCanary10Percent5Minutes.name(), "CodeDeployDefault.LambdaCanary10Percent5Minutes");
/// assert_eq!(DeploymentConfig::EcsLinear10PercentEvery1Minutes.name(), "CodeDeployDefault.ECSLinear10PercentEvery1Minutes");
/// assert_eq!(DeploymentConfig::custom("Payments.Canary25Percent10Minutes", 10).name(), "Payments.Canary25Percent10Minutes");
/// assert_eq!(DeploymentConfig::LambdaLinear10PercentEvery10Minutes.shift_minutes(), 90);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeploymentConfig {
    /// Lambda: all the traffic at once.
    LambdaAllAtOnce,
    /// Lambda: 10% for 5 minutes, then the rest.
    LambdaCanary10Percent5Minutes,
    /// Lambda: 10% for 10 minutes, then the rest.
    LambdaCanary10Percent10Minutes,
    /// Lambda: 10% for 15 minutes, then the rest.
    LambdaCanary10Percent15Minutes,
    /// Lambda: 10% for 30 minutes, then the rest.
    LambdaCanary10Percent30Minutes,
    /// Lambda: 10% more every minute.
    LambdaLinear10PercentEvery1Minute,
    /// Lambda: 10% more every 2 minutes.
    LambdaLinear10PercentEvery2Minutes,
    /// Lambda: 10% more every 3 minutes.
    LambdaLinear10PercentEvery3Minutes,
    /// Lambda: 10% more every 10 minutes.
    LambdaLinear10PercentEvery10Minutes,
    /// ECS: all the traffic at once.
    EcsAllAtOnce,
    /// ECS: 10% for 5 minutes, then the rest.
    EcsCanary10Percent5Minutes,
    /// ECS: 10% for 15 minutes, then the rest.
    EcsCanary10Percent15Minutes,
    /// ECS: 10% more every minute.
    EcsLinear10PercentEvery1Minutes,
    /// ECS: 10% more every 3 minutes.
    EcsLinear10PercentEvery3Minutes,
    /// A configuration of your own (created with `aws deploy create-deployment-config`).
    Custom {
        /// Its name.
        name: String,
        /// How long it takes to shift all the traffic, in minutes (for the job's timeout).
        minutes: u32,
    },
}

/// What a deployment configuration deploys to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputePlatform {
    /// AWS Lambda.
    Lambda,
    /// Amazon ECS.
    Ecs,
}

impl DeploymentConfig {
    /// A configuration of your own that shifts all the traffic in `minutes`.
    pub fn custom(name: impl Into<String>, minutes: u32) -> Self {
        DeploymentConfig::Custom {
            name: name.into(),
            minutes,
        }
    }

    /// Its name, as CodeDeploy knows it.
    pub fn name(&self) -> Cow<'_, str> {
        use DeploymentConfig::*;
        let predefined = match self {
            LambdaAllAtOnce => "LambdaAllAtOnce",
            LambdaCanary10Percent5Minutes => "LambdaCanary10Percent5Minutes",
            LambdaCanary10Percent10Minutes => "LambdaCanary10Percent10Minutes",
            LambdaCanary10Percent15Minutes => "LambdaCanary10Percent15Minutes",
            LambdaCanary10Percent30Minutes => "LambdaCanary10Percent30Minutes",
            LambdaLinear10PercentEvery1Minute => "LambdaLinear10PercentEvery1Minute",
            LambdaLinear10PercentEvery2Minutes => "LambdaLinear10PercentEvery2Minutes",
            LambdaLinear10PercentEvery3Minutes => "LambdaLinear10PercentEvery3Minutes",
            LambdaLinear10PercentEvery10Minutes => "LambdaLinear10PercentEvery10Minutes",
            EcsAllAtOnce => "ECSAllAtOnce",
            EcsCanary10Percent5Minutes => "ECSCanary10Percent5Minutes",
            EcsCanary10Percent15Minutes => "ECSCanary10Percent15Minutes",
            EcsLinear10PercentEvery1Minutes => "ECSLinear10PercentEvery1Minutes",
            EcsLinear10PercentEvery3Minutes => "ECSLinear10PercentEvery3Minutes",
            Custom { name, .. } => return Cow::Borrowed(name),
        };
        Cow::Owned(format!("CodeDeployDefault.{predefined}"))
    }

    /// What it deploys to (`None` for a custom configuration).
    pub fn platform(&self) -> Option<ComputePlatform> {
        use DeploymentConfig::*;
        match self {
            LambdaAllAtOnce
            | LambdaCanary10Percent5Minutes
            | LambdaCanary10Percent10Minutes
            | LambdaCanary10Percent15Minutes
            | LambdaCanary10Percent30Minutes
            | LambdaLinear10PercentEvery1Minute
            | LambdaLinear10PercentEvery2Minutes
            | LambdaLinear10PercentEvery3Minutes
            | LambdaLinear10PercentEvery10Minutes => Some(ComputePlatform::Lambda),
            EcsAllAtOnce
            | EcsCanary10Percent5Minutes
            | EcsCanary10Percent15Minutes
            | EcsLinear10PercentEvery1Minutes
            | EcsLinear10PercentEvery3Minutes => Some(ComputePlatform::Ecs),
            Custom { .. } => None,
        }
    }

    /// How long it takes to shift all the traffic, in minutes.
    pub fn shift_minutes(&self) -> u32 {
        use DeploymentConfig::*;
        match self {
            LambdaAllAtOnce | EcsAllAtOnce => 0,
            LambdaCanary10Percent5Minutes | EcsCanary10Percent5Minutes => 5,
            LambdaCanary10Percent10Minutes => 10,
            LambdaCanary10Percent15Minutes | EcsCanary10Percent15Minutes => 15,
            LambdaCanary10Percent30Minutes => 30,
            // Ten steps of 10%: nine waits.
            LambdaLinear10PercentEvery1Minute | EcsLinear10PercentEvery1Minutes => 9,
            LambdaLinear10PercentEvery2Minutes => 18,
            LambdaLinear10PercentEvery3Minutes | EcsLinear10PercentEvery3Minutes => 27,
            LambdaLinear10PercentEvery10Minutes => 90,
            Custom { minutes, .. } => *minutes,
        }
    }
}

/// The ECS task definition a deployment runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskDefinition {
    /// A task definition JSON file of the repository (the `register-task-definition` input),
    /// registered by the job.
    File(String),
    /// An already registered task definition's ARN (for example an earlier job's output).
    Arn(Expr),
}

/// An ECS service deployed blue/green by CodeDeploy (its deployment controller is
/// `CODE_DEPLOY`; the deployment group knows the cluster, service, load balancer and target
/// groups).
///
/// ```
/// use pipeline_backends::practices::strategies::{EcsService, TaskDefinition};
/// let svc = EcsService::new(TaskDefinition::File("deploy/taskdef.json".into()), "web", 8080);
/// assert_eq!(svc.termination_wait_minutes, 60);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcsService {
    /// The task definition to run.
    pub task_definition: TaskDefinition,
    /// The container the load balancer sends traffic to.
    pub container: String,
    /// Its port.
    pub port: u16,
    /// The Fargate platform version, if any.
    pub platform_version: Option<String>,
    /// How long the deployment group keeps the original tasks after the switch (its
    /// termination wait time, default 60 minutes): the deployment succeeds after it, so the
    /// job's timeout includes it.
    pub termination_wait_minutes: u32,
}

impl EcsService {
    /// Runs `task_definition`, with traffic to `container` on `port`.
    pub fn new(task_definition: TaskDefinition, container: impl Into<String>, port: u16) -> Self {
        Self {
            task_definition,
            container: container.into(),
            port,
            platform_version: None,
            termination_wait_minutes: 60,
        }
    }

    /// Sets the Fargate platform version.
    #[must_use]
    pub fn platform_version(mut self, version: impl Into<String>) -> Self {
        self.platform_version = Some(version.into());
        self
    }

    /// Sets the deployment group's termination wait time (for the job's timeout).
    #[must_use]
    pub fn termination_wait_minutes(mut self, minutes: u32) -> Self {
        self.termination_wait_minutes = minutes;
        self
    }
}

/// What CodeDeploy deploys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeDeployTarget {
    /// A Lambda function's alias (the deployment group's compute platform is Lambda).
    Lambda(LambdaFunction),
    /// An ECS service (the deployment group's compute platform is ECS).
    Ecs(EcsService),
}

/// Lambda functions CodeDeploy calls at lifecycle events (validation tests); each must report
/// its result with `PutLifecycleEventHookExecutionStatus`.
///
/// ```
/// use pipeline_backends::practices::strategies::Hooks;
/// let hooks = Hooks::new().before_allow_traffic("payments-api-pre-traffic");
/// assert_eq!(hooks.before_allow_traffic.as_deref(), Some("payments-api-pre-traffic"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    /// ECS only: before the replacement task set is created.
    pub before_install: Option<String>,
    /// ECS only: after the replacement task set is created.
    pub after_install: Option<String>,
    /// ECS only: after the test listener routes to the replacement task set.
    pub after_allow_test_traffic: Option<String>,
    /// Before production traffic moves.
    pub before_allow_traffic: Option<String>,
    /// After all production traffic moved.
    pub after_allow_traffic: Option<String>,
}

impl Hooks {
    /// No hooks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `function` before production traffic moves.
    #[must_use]
    pub fn before_allow_traffic(mut self, function: impl Into<String>) -> Self {
        self.before_allow_traffic = Some(function.into());
        self
    }

    /// Calls `function` after all production traffic moved.
    #[must_use]
    pub fn after_allow_traffic(mut self, function: impl Into<String>) -> Self {
        self.after_allow_traffic = Some(function.into());
        self
    }

    /// ECS: calls `function` before the replacement task set is created.
    #[must_use]
    pub fn before_install(mut self, function: impl Into<String>) -> Self {
        self.before_install = Some(function.into());
        self
    }

    /// ECS: calls `function` after the replacement task set is created.
    #[must_use]
    pub fn after_install(mut self, function: impl Into<String>) -> Self {
        self.after_install = Some(function.into());
        self
    }

    /// ECS: calls `function` after the test listener routes to the replacement task set.
    #[must_use]
    pub fn after_allow_test_traffic(mut self, function: impl Into<String>) -> Self {
        self.after_allow_test_traffic = Some(function.into());
        self
    }

    /// The hooks in lifecycle order, with their AppSpec names.
    fn entries(&self) -> Vec<(&'static str, &str)> {
        [
            ("BeforeInstall", &self.before_install),
            ("AfterInstall", &self.after_install),
            ("AfterAllowTestTraffic", &self.after_allow_test_traffic),
            ("BeforeAllowTraffic", &self.before_allow_traffic),
            ("AfterAllowTraffic", &self.after_allow_traffic),
        ]
        .into_iter()
        .filter_map(|(name, f)| f.as_deref().map(|f| (name, f)))
        .collect()
    }
}

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
/// use pipeline_backends::practices::strategies::{CodeDeploy, DeploymentConfig, EcsService, LambdaCode, LambdaFunction, TaskDefinition};
/// use pipeline_core::prelude::*;
///
/// let lambda = CodeDeploy::lambda("production", "payments", "payments-api", LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")))
///     .config(DeploymentConfig::LambdaCanary10Percent5Minutes)
///     .alarm("payments-api-errors");
/// let ecs = CodeDeploy::ecs("production", "web", "web-production", EcsService::new(TaskDefinition::File("deploy/taskdef.json".into()), "web", 8080))
///     .config(DeploymentConfig::EcsLinear10PercentEvery1Minutes);
/// assert!(lambda.problems().is_empty() && ecs.problems().is_empty());
///
/// // A configuration for the other compute platform is refused.
/// let wrong = ecs.clone().config(DeploymentConfig::LambdaAllAtOnce);
/// assert_eq!(wrong.problems()[0].code, "codedeploy-config");
///
/// let p = Pipeline::new("d").on(Trigger::push()).add("lambda", &lambda).add("web", &ecs);
/// let deploy = p.find_job("web-deploy").expect("deploy job");
/// assert!(matches!(&deploy.steps[2].kind, StepKind::Script(s) if s.contains("aws deploy create-deployment")));
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

    /// The `--revision` value: the AppSpec as JSON inside the revision's JSON, with the run's
    /// values as placeholders the script replaces.
    fn revision(&self) -> Result<String, yaml::Error> {
        let mut resource = BTreeMap::new();
        let (key, value) = match &self.target {
            CodeDeployTarget::Lambda(f) => (
                "Function",
                Resource {
                    kind: "AWS::Lambda::Function",
                    properties: Properties::Lambda {
                        name: &f.name,
                        alias: &f.alias,
                        current_version: CURRENT_VERSION,
                        target_version: TARGET_VERSION,
                    },
                },
            ),
            CodeDeployTarget::Ecs(s) => (
                "TargetService",
                Resource {
                    kind: "AWS::ECS::Service",
                    properties: Properties::Ecs {
                        task_definition: TASK_DEFINITION,
                        load_balancer_info: LoadBalancerInfo {
                            container_name: &s.container,
                            container_port: s.port,
                        },
                        platform_version: s.platform_version.as_deref(),
                    },
                },
            ),
        };
        resource.insert(key, value);
        let hooks = self
            .hooks
            .entries()
            .into_iter()
            .map(|(name, f)| BTreeMap::from([(name, f)]))
            .collect();
        let appspec = AppSpec {
            version: 0,
            resources: vec![resource],
            hooks,
        };
        let content = yaml::to_json_compact(&yaml::to_value(&appspec)?)?;
        let revision = Revision {
            revision_type: "AppSpecContent",
            app_spec_content: AppSpecContent { content },
        };
        yaml::to_json_compact(&yaml::to_value(&revision)?)
    }

    /// `--auto-rollback-configuration` and `--override-alarm-configuration` values.
    fn rollback_args(&self) -> Result<(String, Option<String>), yaml::Error> {
        let events = if self.auto_rollback {
            vec!["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
        } else {
            Vec::new()
        };
        let rollback = AutoRollback {
            enabled: self.auto_rollback,
            events,
        };
        let rollback = yaml::to_json_compact(&yaml::to_value(&rollback)?)?;
        let alarms = if self.alarms.is_empty() {
            None
        } else {
            let config = AlarmConfiguration {
                enabled: true,
                ignore_poll_alarm_failure: false,
                alarms: self.alarms.iter().map(|name| Alarm { name }).collect(),
            };
            Some(yaml::to_json_compact(&yaml::to_value(&config)?)?)
        };
        Ok((rollback, alarms))
    }
}

/// Placeholders of the AppSpec for the values known only when the job runs.
const CURRENT_VERSION: &str = "PIPELINE_CURRENT_VERSION";
const TARGET_VERSION: &str = "PIPELINE_TARGET_VERSION";
const TASK_DEFINITION: &str = "PIPELINE_TASK_DEFINITION_ARN";

/// The AppSpec (its `version` is the only value AWS accepts, `0.0`, written as the number 0 as
/// JSON serializers write a YAML AppSpec's `0.0`).
#[derive(Serialize)]
struct AppSpec<'a> {
    version: u8,
    #[serde(rename = "Resources")]
    resources: Vec<BTreeMap<&'static str, Resource<'a>>>,
    #[serde(rename = "Hooks", skip_serializing_if = "Vec::is_empty")]
    hooks: Vec<BTreeMap<&'static str, &'a str>>,
}

#[derive(Serialize)]
struct Resource<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(rename = "Properties")]
    properties: Properties<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Properties<'a> {
    Lambda {
        #[serde(rename = "Name")]
        name: &'a str,
        #[serde(rename = "Alias")]
        alias: &'a str,
        #[serde(rename = "CurrentVersion")]
        current_version: &'static str,
        #[serde(rename = "TargetVersion")]
        target_version: &'static str,
    },
    Ecs {
        #[serde(rename = "TaskDefinition")]
        task_definition: &'static str,
        #[serde(rename = "LoadBalancerInfo")]
        load_balancer_info: LoadBalancerInfo<'a>,
        #[serde(rename = "PlatformVersion", skip_serializing_if = "Option::is_none")]
        platform_version: Option<&'a str>,
    },
}

#[derive(Serialize)]
struct LoadBalancerInfo<'a> {
    #[serde(rename = "ContainerName")]
    container_name: &'a str,
    #[serde(rename = "ContainerPort")]
    container_port: u16,
}

#[derive(Serialize)]
struct Revision {
    #[serde(rename = "revisionType")]
    revision_type: &'static str,
    #[serde(rename = "appSpecContent")]
    app_spec_content: AppSpecContent,
}

#[derive(Serialize)]
struct AppSpecContent {
    content: String,
}

#[derive(Serialize)]
struct AutoRollback {
    enabled: bool,
    events: Vec<&'static str>,
}

#[derive(Serialize)]
struct AlarmConfiguration<'a> {
    enabled: bool,
    #[serde(rename = "ignorePollAlarmFailure")]
    ignore_poll_alarm_failure: bool,
    alarms: Vec<Alarm<'a>>,
}

#[derive(Serialize)]
struct Alarm<'a> {
    name: &'a str,
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

#[derive(Serialize)]
struct StateContext<'a> {
    function: &'a str,
    alias: &'a str,
    strict: bool,
}

#[derive(Serialize)]
struct PublishContext<'a> {
    function: &'a str,
    alias: &'a str,
    code: &'static str,
    zip: &'a str,
    reset: bool,
    alarms: Vec<String>,
    alarm_count: usize,
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
                let (code, zip) = match &f.code {
                    LambdaCode::Zip { artifact, path } => {
                        job = job.step(
                            Step::download(artifact.clone())
                                .id("download")
                                .name("Download the function's code"),
                        );
                        ("zip", path.as_str())
                    }
                    LambdaCode::S3 { bucket, key } => {
                        job = job
                            .env("DEPLOY_CODE_BUCKET", bucket.clone())
                            .env("DEPLOY_CODE_KEY", key.clone());
                        ("s3", "")
                    }
                    LambdaCode::Image(uri) => {
                        job = job.env("DEPLOY_IMAGE_URI", uri.clone());
                        ("image", "")
                    }
                };
                job = job.step(s.credentials(&format!("{}-deploy", f.name)));
                let publish = script::step(
                    &mut job.problems,
                    "lambda-publish.sh",
                    PublishContext {
                        function: &f.name,
                        alias: &f.alias,
                        code,
                        zip,
                        reset: false,
                        alarms: Vec::new(),
                        alarm_count: 0,
                    },
                );
                job = job.step(publish.id("publish").name("Publish the new version"));
                let state = script::fragment(
                    &mut job.problems,
                    "lambda-state.sh",
                    StateContext {
                        function: &f.name,
                        alias: &f.alias,
                        strict: true,
                    },
                );
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
        let args = self.revision().and_then(|r| self.rollback_args().map(|a| (r, a)));
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
                job = job.step(deploy.id("deploy").name("Deploy with CodeDeploy and wait for it"));
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
            r.step(s.credentials(&format!("{session}-rollback")))
                .step(body.id("rollback").name("Stop this run's deployment and roll it back"))
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
        let r = lambda()
            .hooks(Hooks::new().before_allow_traffic("pre-traffic"))
            .revision()
            .expect("json");
        assert_eq!(
            r,
            r#"{"revisionType":"AppSpecContent","appSpecContent":{"content":"{\"version\":0,\"Resources\":[{\"Function\":{\"Type\":\"AWS::Lambda::Function\",\"Properties\":{\"Name\":\"payments-api\",\"Alias\":\"live\",\"CurrentVersion\":\"PIPELINE_CURRENT_VERSION\",\"TargetVersion\":\"PIPELINE_TARGET_VERSION\"}}}],\"Hooks\":[{\"BeforeAllowTraffic\":\"pre-traffic\"}]}"}}"#
        );
    }

    #[test]
    fn rollback_arguments_are_json() {
        let (rollback, alarms) = lambda().alarm("a \"quoted\" alarm").rollback_args().expect("json");
        assert_eq!(
            rollback,
            r#"{"enabled":true,"events":["DEPLOYMENT_FAILURE","DEPLOYMENT_STOP_ON_ALARM"]}"#
        );
        assert_eq!(
            alarms.as_deref(),
            Some(r#"{"enabled":true,"ignorePollAlarmFailure":false,"alarms":[{"name":"a \"quoted\" alarm"}]}"#)
        );
        let (off, none) = lambda().without_auto_rollback().rollback_args().expect("json");
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
