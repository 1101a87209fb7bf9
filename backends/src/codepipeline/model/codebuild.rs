//! `AWS::CodeBuild::Project` (the subset a CodePipeline build action uses).

use serde::Serialize;

use super::{CfnString, Name};

/// A CodeBuild project.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Project {
    /// Name (CodePipeline actions refer to it).
    pub name: CfnString,
    /// What it builds.
    pub description: String,
    /// The role the build runs with.
    pub service_role: CfnString,
    /// Where it runs.
    pub environment: BuildEnvironment,
    /// The source: the pipeline's input artifact, with the buildspec inline.
    pub source: BuildSource,
    /// The artifacts: the pipeline's output artifacts.
    pub artifacts: BuildArtifacts,
    /// Cache between builds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<ProjectCache>,
    /// Build timeout (5 to 2160 minutes).
    pub timeout_in_minutes: u32,
}

/// `Environment`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildEnvironment {
    /// Container type.
    #[serde(rename = "Type")]
    pub kind: EnvironmentType,
    /// Machine class.
    pub compute_type: ComputeType,
    /// Image.
    pub image: Name,
    /// Docker-in-Docker (for service containers).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub privileged_mode: bool,
    /// Variables whose values come from the stack (template parameters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment_variables: Vec<BuildEnvironmentVariable>,
}

/// A project environment variable.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildEnvironmentVariable {
    /// Name.
    pub name: String,
    /// Always `PLAINTEXT` here (secrets are in the buildspec).
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Value.
    pub value: CfnString,
}

/// `Environment.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvironmentType {
    /// Linux x86-64.
    LinuxContainer,
    /// Linux ARM64.
    ArmContainer,
}

/// `Environment.ComputeType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ComputeType {
    /// 2 vCPU (x86: 3 GB, ARM: 4 GB).
    #[serde(rename = "BUILD_GENERAL1_SMALL")]
    Small,
    /// 4 vCPU (x86: 7 GB, ARM: 8 GB).
    #[serde(rename = "BUILD_GENERAL1_MEDIUM")]
    Medium,
    /// 8 vCPU (x86: 15 GB, ARM: 16 GB).
    #[serde(rename = "BUILD_GENERAL1_LARGE")]
    Large,
}

/// `Source`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildSource {
    /// Always `CODEPIPELINE`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The buildspec, as YAML text (an `Fn::Sub` when it names the stack's report groups).
    pub build_spec: CfnString,
}

/// `Artifacts`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildArtifacts {
    /// Always `CODEPIPELINE`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
}

/// `Cache`: an S3 cache (the buildspec's `cache.key` selects the copy).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectCache {
    /// `S3`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// `bucket/prefix`.
    pub location: CfnString,
}

/// `AWS::CodeBuild::ReportGroup`: where a project's test reports go.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReportGroup {
    /// Name (2 to 128 characters).
    pub name: CfnString,
    /// `TEST`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Where raw report files are exported (`NO_EXPORT`: kept by CodeBuild only).
    pub export_config: ReportExportConfig,
    /// Deletes the reports with the group (otherwise a group with reports cannot be deleted
    /// with its stack).
    pub delete_reports: bool,
}

/// `ExportConfig` of a report group.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReportExportConfig {
    /// `NO_EXPORT` or `S3`.
    pub export_config_type: &'static str,
}
