//! CodeDeploy's deployment configurations: how it shifts traffic, and to what.

use std::borrow::Cow;

/// A CodeDeploy deployment configuration: how CodeDeploy shifts traffic. The predefined ones,
/// or one of your own by name.
///
/// ```
/// use pipeline_templates::practices::strategies::DeploymentConfig;
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
