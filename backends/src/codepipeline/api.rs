//! The `aws codepipeline create-pipeline --cli-input-json` input: the same pipeline as the
//! template's `AWS::CodePipeline::Pipeline`, in the API's camelCase form, with every template
//! parameter replaced by its value (JSON holds no CloudFormation intrinsics).
//!
//! Reference: <https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_CreatePipeline.html>.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::model::{self, CfnString, UnresolvedReference};

/// `CreatePipelineInput`.
#[derive(Clone, Debug, Serialize)]
pub struct CreatePipelineInput {
    /// The pipeline.
    pub pipeline: PipelineDeclaration,
    /// Tags of the pipeline.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `PipelineDeclaration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineDeclaration {
    /// Name.
    pub name: String,
    /// CodePipeline's service role.
    pub role_arn: String,
    /// `V2`.
    pub pipeline_type: &'static str,
    /// `QUEUED`, `SUPERSEDED` or `PARALLEL`.
    pub execution_mode: model::ExecutionMode,
    /// The artifact bucket.
    pub artifact_store: ArtifactStore,
    /// Pipeline variables.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    /// Triggers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Stages.
    pub stages: Vec<Stage>,
}

/// `Tag`.
#[derive(Clone, Debug, Serialize)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// `ArtifactStore`.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactStore {
    /// `S3`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Bucket name.
    pub location: String,
}

/// `PipelineVariableDeclaration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    /// Name.
    pub name: String,
    /// Default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PipelineTriggerDeclaration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    /// `CodeStarSourceConnection`.
    pub provider_type: &'static str,
    /// Filters.
    pub git_configuration: GitConfiguration,
}

/// `GitConfiguration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitConfiguration {
    /// The source action.
    pub source_action_name: String,
    /// Push filters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub push: Vec<PushFilter>,
    /// Pull request filters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pull_request: Vec<PullRequestFilter>,
}

/// `GitPushFilter`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushFilter {
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Patterns>,
    /// Branches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branches: Option<Patterns>,
    /// File paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_paths: Option<Patterns>,
}

/// `GitPullRequestFilter`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestFilter {
    /// Events.
    pub events: Vec<model::PullRequestEvent>,
    /// Branches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branches: Option<Patterns>,
    /// File paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_paths: Option<Patterns>,
}

/// Include and exclude patterns.
#[derive(Clone, Debug, Serialize)]
pub struct Patterns {
    /// Included.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// Excluded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
}

/// `StageDeclaration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// Name.
    pub name: String,
    /// Actions.
    pub actions: Vec<Action>,
    /// On failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<FailureConditions>,
}

/// `FailureConditions`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureConditions {
    /// Result.
    pub result: model::StageResult,
    /// Retry mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_configuration: Option<RetryConfiguration>,
}

/// `RetryConfiguration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryConfiguration {
    /// Retry mode.
    pub retry_mode: &'static str,
}

/// `ActionDeclaration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Name.
    pub name: String,
    /// Type.
    pub action_type_id: ActionTypeId,
    /// Run order.
    pub run_order: u32,
    /// Configuration.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub configuration: IndexMap<String, String>,
    /// Inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_artifacts: Vec<Artifact>,
    /// Outputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_artifacts: Vec<Artifact>,
    /// Namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `ActionTypeId`.
#[derive(Clone, Debug, Serialize)]
pub struct ActionTypeId {
    /// Category.
    pub category: &'static str,
    /// Owner.
    pub owner: &'static str,
    /// Provider.
    pub provider: &'static str,
    /// Version.
    pub version: &'static str,
}

/// An input or output artifact.
#[derive(Clone, Debug, Serialize)]
pub struct Artifact {
    /// Name.
    pub name: String,
}

fn patterns(includes: &[String], excludes: &[String]) -> Patterns {
    Patterns {
        includes: includes.to_vec(),
        excludes: excludes.to_vec(),
    }
}

/// The `create-pipeline` input of `pipeline`, with `values` (template parameter name to value)
/// substituted for every reference.
///
/// # Errors
/// A reference `values` lacks.
pub fn from_template(
    pipeline: &model::Pipeline,
    values: &BTreeMap<String, String>,
) -> Result<CreatePipelineInput, UnresolvedReference> {
    let resolve = |s: &CfnString| s.resolve(values);
    let mut stages = Vec::new();
    for stage in &pipeline.stages {
        let mut actions = Vec::new();
        for a in &stage.actions {
            let mut configuration = IndexMap::new();
            for (k, v) in &a.configuration {
                configuration.insert(k.to_string(), resolve(v)?);
            }
            actions.push(Action {
                name: a.name.clone(),
                action_type_id: ActionTypeId {
                    category: a.action_type_id.category,
                    owner: a.action_type_id.owner,
                    provider: a.action_type_id.provider,
                    version: a.action_type_id.version,
                },
                run_order: a.run_order,
                configuration,
                input_artifacts: a
                    .input_artifacts
                    .iter()
                    .map(|r| Artifact {
                        name: r.name.to_string(),
                    })
                    .collect(),
                output_artifacts: a
                    .output_artifacts
                    .iter()
                    .map(|r| Artifact {
                        name: r.name.to_string(),
                    })
                    .collect(),
                namespace: a.namespace.clone(),
            });
        }
        stages.push(Stage {
            name: stage.name.clone(),
            actions,
            on_failure: stage.on_failure.as_ref().map(|f| FailureConditions {
                result: f.result,
                retry_configuration: f.retry_configuration.as_ref().map(|r| RetryConfiguration {
                    retry_mode: r.retry_mode,
                }),
            }),
        });
    }
    let triggers = pipeline
        .triggers
        .iter()
        .map(|t| Trigger {
            provider_type: t.provider_type,
            git_configuration: GitConfiguration {
                source_action_name: t.git_configuration.source_action_name.clone(),
                push: t
                    .git_configuration
                    .push
                    .iter()
                    .map(|p| PushFilter {
                        tags: p.tags.as_ref().map(|f| patterns(&f.includes, &f.excludes)),
                        branches: p.branches.as_ref().map(|f| patterns(&f.includes, &f.excludes)),
                        file_paths: p.file_paths.as_ref().map(|f| patterns(&f.includes, &f.excludes)),
                    })
                    .collect(),
                pull_request: t
                    .git_configuration
                    .pull_request
                    .iter()
                    .map(|p| PullRequestFilter {
                        events: p.events.clone(),
                        branches: p.branches.as_ref().map(|f| patterns(&f.includes, &f.excludes)),
                        file_paths: p.file_paths.as_ref().map(|f| patterns(&f.includes, &f.excludes)),
                    })
                    .collect(),
            },
        })
        .collect();
    Ok(CreatePipelineInput {
        pipeline: PipelineDeclaration {
            name: resolve(&pipeline.name)?,
            role_arn: resolve(&pipeline.role_arn)?,
            pipeline_type: pipeline.pipeline_type,
            execution_mode: pipeline.execution_mode,
            artifact_store: ArtifactStore {
                kind: pipeline.artifact_store.kind,
                location: resolve(&pipeline.artifact_store.location)?,
            },
            variables: pipeline
                .variables
                .iter()
                .map(|v| Variable {
                    name: v.name.clone(),
                    default_value: v.default_value.clone(),
                    description: v.description.clone(),
                })
                .collect(),
            triggers,
            stages,
        },
        tags: pipeline
            .tags
            .iter()
            .map(|t| Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect(),
    })
}
