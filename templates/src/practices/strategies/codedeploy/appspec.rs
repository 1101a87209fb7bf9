//! The JSON arguments of `aws deploy create-deployment`, generated from typed values with the
//! project's emitter: the revision (an AppSpec, itself JSON, inside the revision's JSON), the
//! automatic rollback and the alarms.

use std::collections::BTreeMap;

use pipeline_core::yaml;
use serde::Serialize;

use super::target::{CodeDeployTarget, Hooks};

/// Placeholders of the AppSpec for the values known only when the job runs.
pub(crate) const CURRENT_VERSION: &str = "PIPELINE_CURRENT_VERSION";
pub(crate) const TARGET_VERSION: &str = "PIPELINE_TARGET_VERSION";
pub(crate) const TASK_DEFINITION: &str = "PIPELINE_TASK_DEFINITION_ARN";

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

/// The `--revision` value: the AppSpec as JSON inside the revision's JSON, with the run's
/// values as placeholders the script replaces.
pub(crate) fn revision(target: &CodeDeployTarget, hooks: &Hooks) -> Result<String, yaml::Error> {
    let mut resource = BTreeMap::new();
    let (key, value) = match target {
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
    let hooks = hooks
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
pub(crate) fn rollback_args(auto_rollback: bool, alarms: &[String]) -> Result<(String, Option<String>), yaml::Error> {
    let events = if auto_rollback {
        vec!["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
    } else {
        Vec::new()
    };
    let rollback = AutoRollback {
        enabled: auto_rollback,
        events,
    };
    let rollback = yaml::to_json_compact(&yaml::to_value(&rollback)?)?;
    let alarms = if alarms.is_empty() {
        None
    } else {
        let config = AlarmConfiguration {
            enabled: true,
            ignore_poll_alarm_failure: false,
            alarms: alarms.iter().map(|name| Alarm { name }).collect(),
        };
        Some(yaml::to_json_compact(&yaml::to_value(&config)?)?)
    };
    Ok((rollback, alarms))
}
