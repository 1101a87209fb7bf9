//! `AWS::CodePipeline::Pipeline` (V2).

use pipeline_core::yaml::OrderedMap;
use serde::Serialize;

use super::{CfnString, Name};

/// How the pipeline handles a new execution while one runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionMode {
    /// Executions wait for the running one to finish the stage (the model's queueing group).
    Queued,
    /// A newer execution replaces an older one waiting to enter a stage (cancel in progress).
    Superseded,
    /// Executions run independently of each other.
    Parallel,
}

/// The pipeline's properties.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pipeline {
    /// The pipeline's name.
    pub name: CfnString,
    /// Always `V2` (triggers, variables and stage conditions need it).
    pub pipeline_type: &'static str,
    /// The execution mode.
    pub execution_mode: ExecutionMode,
    /// The service role of CodePipeline.
    pub role_arn: CfnString,
    /// Where artifacts are stored.
    pub artifact_store: ArtifactStore,
    /// Pipeline-level variables (the manual inputs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<VariableDeclaration>,
    /// Git triggers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// The stages, in order.
    pub stages: Vec<StageDeclaration>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// `ArtifactStore`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArtifactStore {
    /// Always `S3`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The bucket.
    pub location: CfnString,
}

/// A pipeline variable.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VariableDeclaration {
    /// Name.
    pub name: String,
    /// Default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    /// Description (one line, at most 200 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A trigger of the source action.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Trigger {
    /// Always `CodeStarSourceConnection`.
    pub provider_type: &'static str,
    /// The Git filters.
    pub git_configuration: GitConfiguration,
}

/// `GitConfiguration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GitConfiguration {
    /// The source action the trigger belongs to.
    pub source_action_name: String,
    /// Push filters (at most 3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub push: Vec<GitPushFilter>,
    /// Pull request filters (at most 3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pull_request: Vec<GitPullRequestFilter>,
}

/// A push filter: tags alone, branches, or branches and file paths.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GitPushFilter {
    /// Tag patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<GitTagFilter>,
    /// Branch patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branches: Option<GitBranchFilter>,
    /// File path patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_paths: Option<GitFilePathFilter>,
}

/// A pull request filter.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GitPullRequestFilter {
    /// The pull request events that start the pipeline.
    pub events: Vec<PullRequestEvent>,
    /// Target branch patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branches: Option<GitBranchFilter>,
    /// File path patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_paths: Option<GitFilePathFilter>,
}

/// A pull request event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullRequestEvent {
    /// Opened.
    Open,
    /// New commits pushed.
    Updated,
    /// Closed or merged.
    Closed,
}

macro_rules! include_exclude {
    ($($(#[$m:meta])* $name:ident),*) => {$(
        $(#[$m])*
        #[derive(Clone, Debug, Default, Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            /// Patterns to include (at most 8).
            #[serde(skip_serializing_if = "Vec::is_empty")]
            pub includes: Vec<String>,
            /// Patterns to exclude (at most 8).
            #[serde(skip_serializing_if = "Vec::is_empty")]
            pub excludes: Vec<String>,
        }
    )*};
}

include_exclude!(
    /// Tag patterns.
    GitTagFilter,
    /// Branch patterns.
    GitBranchFilter,
    /// File path patterns.
    GitFilePathFilter
);

/// A stage.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StageDeclaration {
    /// Name.
    pub name: String,
    /// Its actions.
    pub actions: Vec<ActionDeclaration>,
    /// What happens when the stage fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<FailureConditions>,
}

/// `OnFailure` of a stage.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailureConditions {
    /// `ROLLBACK` or `RETRY`.
    pub result: StageResult,
    /// How to retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_configuration: Option<RetryConfiguration>,
}

/// What a failed stage does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StageResult {
    /// Roll the stage back to the last successful execution's artifacts.
    Rollback,
    /// Retry once.
    Retry,
}

/// `RetryConfiguration`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetryConfiguration {
    /// `FAILED_ACTIONS` or `ALL_ACTIONS`.
    pub retry_mode: &'static str,
}

/// An action.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionDeclaration {
    /// Name, unique in the stage.
    pub name: String,
    /// What kind of action.
    pub action_type_id: ActionTypeId,
    /// Order inside the stage (1 first; equal orders run in parallel).
    pub run_order: u32,
    /// Provider-specific settings; values are strings.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub configuration: OrderedMap<Name, CfnString>,
    /// Input artifacts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_artifacts: Vec<ArtifactRef>,
    /// Output artifacts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_artifacts: Vec<ArtifactRef>,
    /// Namespace of the variables the action exports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `ActionTypeId`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionTypeId {
    /// `Source`, `Build`, `Approval`, ...
    pub category: &'static str,
    /// `AWS`.
    pub owner: &'static str,
    /// `CodeStarSourceConnection`, `CodeBuild`, `Manual`, ...
    pub provider: &'static str,
    /// `1`.
    pub version: &'static str,
}

/// A named artifact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArtifactRef {
    /// Name.
    pub name: Name,
}
