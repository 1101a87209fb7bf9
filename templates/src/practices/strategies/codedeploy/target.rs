//! What CodeDeploy deploys: a Lambda function's alias or an ECS service, and the lifecycle
//! hooks it calls.

use pipeline_core::Expr;

use crate::practices::strategies::LambdaFunction;

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
/// use pipeline_templates::practices::strategies::{EcsService, TaskDefinition};
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
/// use pipeline_templates::practices::strategies::Hooks;
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
    pub(crate) fn entries(&self) -> Vec<(&'static str, &str)> {
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
