//! The CloudFormation template format, as typed Rust: the subset the lowering emits, serialized
//! in the order a person would write it.
//!
//! References:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-codepipeline-pipeline.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-codebuild-project.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html>.

mod codebuild;
mod events;
mod intrinsic;
mod pipeline;

use indexmap::IndexMap;
use pipeline_core::yaml::Spaced;
use serde::Serialize;

pub use codebuild::{
    BuildArtifacts, BuildEnvironment, BuildEnvironmentVariable, BuildSource, ComputeType, EnvironmentType, Project,
    ProjectCache, ReportExportConfig, ReportGroup,
};
pub use events::{Rule, RuleTarget};
pub use intrinsic::{CfnString, Name, SubPart, UnresolvedReference};
pub use pipeline::{
    ActionDeclaration, ActionTypeId, ArtifactRef, ArtifactStore, ExecutionMode, FailureConditions, GitBranchFilter,
    GitConfiguration, GitFilePathFilter, GitPullRequestFilter, GitPushFilter, GitTagFilter, Pipeline, PullRequestEvent,
    RetryConfiguration, StageDeclaration, StageResult, Tag, Trigger, VariableDeclaration,
};

fn no_parameters(p: &Spaced<IndexMap<String, Parameter>>) -> bool {
    p.0.is_empty()
}

/// A CloudFormation template.
#[derive(Clone, Debug, Serialize)]
pub struct Template {
    /// Always `2010-09-09`.
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub format_version: &'static str,
    /// What the stack is.
    #[serde(rename = "Description")]
    pub description: String,
    /// Inputs of the stack, by name.
    #[serde(rename = "Parameters", skip_serializing_if = "no_parameters")]
    pub parameters: Spaced<IndexMap<String, Parameter>>,
    /// The resources, by logical id.
    #[serde(rename = "Resources")]
    pub resources: Spaced<IndexMap<String, Resource>>,
    /// What the stack exports, by name.
    #[serde(rename = "Outputs", skip_serializing_if = "IndexMap::is_empty")]
    pub outputs: IndexMap<String, Output>,
}

impl Template {
    /// An empty template.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            format_version: "2010-09-09",
            description: description.into(),
            parameters: Spaced(IndexMap::new()),
            resources: Spaced(IndexMap::new()),
            outputs: IndexMap::new(),
        }
    }
}

/// A template parameter (always of type `String` here).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// Always `String`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// What to fill in.
    pub description: String,
    /// The value when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// A regular expression the value must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// Shown when the value does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
    /// The allowed values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    /// The longest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
}

impl Parameter {
    /// A string parameter.
    pub fn string(description: impl Into<String>) -> Self {
        Self {
            kind: "String",
            description: description.into(),
            ..Self::default()
        }
    }
}

/// A resource: its type and properties.
#[derive(Clone, Debug, Serialize)]
pub struct Resource {
    /// `AWS::CodePipeline::Pipeline`, ...
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Its properties.
    #[serde(rename = "Properties")]
    pub properties: Properties,
}

/// The properties of a [`Resource`].
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Properties {
    /// `AWS::CodePipeline::Pipeline`.
    Pipeline(Box<Pipeline>),
    /// `AWS::CodeBuild::Project`.
    Project(Box<Project>),
    /// `AWS::Events::Rule`.
    Rule(Box<Rule>),
    /// `AWS::CodeBuild::ReportGroup`.
    ReportGroup(Box<ReportGroup>),
}

impl From<ReportGroup> for Resource {
    fn from(g: ReportGroup) -> Self {
        Resource {
            kind: "AWS::CodeBuild::ReportGroup",
            properties: Properties::ReportGroup(Box::new(g)),
        }
    }
}

impl From<Pipeline> for Resource {
    fn from(p: Pipeline) -> Self {
        Resource {
            kind: "AWS::CodePipeline::Pipeline",
            properties: Properties::Pipeline(Box::new(p)),
        }
    }
}

impl From<Project> for Resource {
    fn from(p: Project) -> Self {
        Resource {
            kind: "AWS::CodeBuild::Project",
            properties: Properties::Project(Box::new(p)),
        }
    }
}

impl From<Rule> for Resource {
    fn from(r: Rule) -> Self {
        Resource {
            kind: "AWS::Events::Rule",
            properties: Properties::Rule(Box::new(r)),
        }
    }
}

/// A stack output.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// What it is.
    pub description: String,
    /// Its value.
    pub value: CfnString,
}
