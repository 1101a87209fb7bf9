//! The CodeBuild buildspec (version 0.2), as typed Rust, with a structural check.
//!
//! The same types serialize the buildspec embedded in a project's `Source.BuildSpec` and
//! deserialize it back (unknown keys are errors), so a conformance test reads every generated
//! buildspec back into them and runs [`Buildspec::check`].
//!
//! Reference: <https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html>.
//!
//! ```
//! use pipeline_backends::codepipeline::buildspec::{Buildspec, Phase};
//! use pipeline_core::yaml::{to_string, to_value};
//!
//! let mut spec = Buildspec::new();
//! spec.phases.build = Some(Phase::new(["make test"]));
//! assert!(spec.check().is_empty());
//! assert_eq!(
//!     to_string(&to_value(&spec).unwrap()).unwrap(),
//!     "version: '0.2'\nenv:\n  shell: bash\nphases:\n  build:\n    commands:\n      - make test\n"
//! );
//! ```

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A buildspec.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Buildspec {
    /// Always `0.2` (a string: the emitter writes no floats; CodeBuild reads both).
    pub version: String,
    /// Environment variables and the shell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Env>,
    /// What runs.
    pub phases: Phases,
    /// Test reports, by report group ARN (or name).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub reports: IndexMap<String, Report>,
    /// What the build hands on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Artifacts>,
    /// What is kept between builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<Cache>,
}

/// `yes` / `no` switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum YesNo {
    /// `yes`
    Yes,
    /// `no`
    No,
}

/// `env`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Env {
    /// `bash` or `/bin/sh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// Plain-text variables.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, String>,
    /// Variables read from SSM Parameter Store: name to parameter name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameter_store: IndexMap<String, String>,
    /// Variables CodePipeline reads after the build (`#{namespace.NAME}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exported_variables: Vec<String>,
    /// Variables read from Secrets Manager: name to `secret-id:json-key:version-stage:version-id`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secrets_manager: IndexMap<String, String>,
    /// Whether CodeBuild's Git credential helper is configured (for `git fetch` in the build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_credential_helper: Option<YesNo>,
}

/// `phases`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    /// `install`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Phase>,
    /// `pre_build`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_build: Option<Phase>,
    /// `build`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Phase>,
    /// `post_build`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_build: Option<Phase>,
}

/// One phase.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Phase {
    /// Commands, run in order in one shell session; the first failure ends the phase.
    pub commands: Vec<String>,
    /// Commands run after `commands`, even when one failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finally: Vec<String>,
}

impl Phase {
    /// A phase running `commands`.
    pub fn new<S: Into<String>>(commands: impl IntoIterator<Item = S>) -> Self {
        Self {
            commands: commands.into_iter().map(Into::into).collect(),
            finally: Vec::new(),
        }
    }
}

/// `artifacts`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Artifacts {
    /// Files of the primary artifact (relative to `base-directory`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The directory the files are relative to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_directory: Option<String>,
    /// Flatten directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discard_paths: Option<YesNo>,
    /// Secondary artifacts by identifier (the CodePipeline output artifact names).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secondary_artifacts: IndexMap<String, SecondaryArtifact>,
}

/// One entry of `artifacts.secondary-artifacts`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecondaryArtifact {
    /// Files (relative to `base-directory`).
    pub files: Vec<String>,
    /// The directory the files are relative to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_directory: Option<String>,
    /// Flatten directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discard_paths: Option<YesNo>,
}

/// One entry of `reports`: the files of a report group, read after the build whatever its
/// result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Report {
    /// Files or globs, relative to the source directory.
    pub files: Vec<String>,
    /// `JUNITXML`, `CUCUMBERJSON`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_format: Option<String>,
}

/// The report file formats CodeBuild reads (test reports).
pub const REPORT_FORMATS: [&str; 6] = [
    "JUNITXML",
    "CUCUMBERJSON",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
    "NUNITXML",
    "NUNIT3XML",
];

/// `cache` (an S3 cache: the key selects the copy, the fallback keys are tried in order when the
/// key has no copy yet).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Cache {
    /// The key, evaluated by the shell (`cargo-$(codebuild-hash-files Cargo.lock)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Keys tried when `key` has no copy (prefix matches).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_keys: Vec<String>,
    /// Cached paths.
    pub paths: Vec<String>,
}

/// The buildspec version this module writes.
pub const VERSION: &str = "0.2";

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_artifact_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Buildspec {
    /// An empty version 0.2 buildspec running commands in bash.
    pub fn new() -> Self {
        Self {
            version: VERSION.to_owned(),
            env: Some(Env {
                shell: Some("bash".to_owned()),
                ..Env::default()
            }),
            ..Self::default()
        }
    }

    /// The env section, created when missing.
    pub fn env_mut(&mut self) -> &mut Env {
        self.env.get_or_insert_with(Env::default)
    }

    /// Checks the structure against the version 0.2 reference beyond what the types enforce;
    /// returns one message per problem (empty when the buildspec is valid).
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.version != VERSION {
            problems.push(format!("version is {:?}, expected {VERSION:?}", self.version));
        }
        if let Some(env) = &self.env {
            if let Some(shell) = &env.shell {
                if !matches!(shell.as_str(), "bash" | "/bin/sh") {
                    problems.push(format!("env.shell {shell:?} is not a Linux shell tag (bash, /bin/sh)"));
                }
            }
            let sections = [
                ("variables", &env.variables),
                ("parameter-store", &env.parameter_store),
                ("secrets-manager", &env.secrets_manager),
            ];
            let mut seen: IndexMap<&str, &str> = IndexMap::new();
            for (section, vars) in sections {
                for (name, value) in vars {
                    if !is_env_name(name) {
                        problems.push(format!("env.{section}.{name} is not a valid variable name"));
                    }
                    if name.starts_with("CODEBUILD_") {
                        problems.push(format!("env.{section}.{name} uses the reserved prefix CODEBUILD_"));
                    }
                    if section != "variables" && value.trim().is_empty() {
                        problems.push(format!("env.{section}.{name} names no parameter or secret"));
                    }
                    if let Some(first) = seen.insert(name, section) {
                        problems.push(format!(
                            "env variable {name} is set in both env.{first} and env.{section}"
                        ));
                    }
                }
            }
            for name in &env.exported_variables {
                if !is_env_name(name) {
                    problems.push(format!("env.exported-variables: {name:?} is not a valid variable name"));
                }
                if name.starts_with("AWS_") {
                    problems.push(format!(
                        "env.exported-variables: {name} starts with AWS_, which cannot be exported"
                    ));
                }
                if env.secrets_manager.contains_key(name) || env.parameter_store.contains_key(name) {
                    problems.push(format!(
                        "env.exported-variables: {name} is a secret, which cannot be exported"
                    ));
                }
            }
        }
        let phases = [
            ("install", &self.phases.install),
            ("pre_build", &self.phases.pre_build),
            ("build", &self.phases.build),
            ("post_build", &self.phases.post_build),
        ];
        if phases.iter().all(|(_, p)| p.is_none()) {
            problems.push("phases has no phase".to_owned());
        }
        for (name, phase) in phases {
            if let Some(phase) = phase {
                if phase.commands.is_empty() {
                    problems.push(format!("phases.{name}.commands is empty"));
                }
                for (i, c) in phase.commands.iter().chain(&phase.finally).enumerate() {
                    if c.trim().is_empty() {
                        problems.push(format!("phases.{name}: command {} is empty", i + 1));
                    }
                }
            }
        }
        if let Some(a) = &self.artifacts {
            if a.files.is_empty() && a.secondary_artifacts.is_empty() {
                problems.push("artifacts has neither files nor secondary-artifacts".to_owned());
            }
            for (id, s) in &a.secondary_artifacts {
                if !is_artifact_name(id) {
                    problems.push(format!(
                        "artifacts.secondary-artifacts: identifier {id:?} is not a CodePipeline artifact name"
                    ));
                }
                if s.files.is_empty() {
                    problems.push(format!("artifacts.secondary-artifacts.{id}.files is empty"));
                }
            }
            for f in a
                .files
                .iter()
                .chain(a.secondary_artifacts.values().flat_map(|s| &s.files))
            {
                if f.trim().is_empty() {
                    problems.push("artifacts: an empty file pattern".to_owned());
                }
            }
        }
        for (group, report) in &self.reports {
            if report.files.is_empty() || report.files.iter().any(|f| f.trim().is_empty()) {
                problems.push(format!("reports.{group}.files is empty or holds an empty pattern"));
            }
            if let Some(format) = &report.file_format {
                if !REPORT_FORMATS.contains(&format.as_str()) {
                    problems.push(format!(
                        "reports.{group}.file-format {format:?} is not a test report format"
                    ));
                }
            }
        }
        if let Some(c) = &self.cache {
            if c.paths.is_empty() {
                problems.push("cache.paths is empty".to_owned());
            }
            if c.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
                problems.push("cache.key is empty".to_owned());
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finds_structural_problems() {
        let mut spec = Buildspec::new();
        assert_eq!(spec.check(), ["phases has no phase"]);
        spec.version = "0.1".into();
        spec.phases.build = Some(Phase::new(Vec::<String>::new()));
        let env = spec.env_mut();
        env.variables.insert("CODEBUILD_X".into(), "1".into());
        env.secrets_manager.insert("TOKEN".into(), "ci/token".into());
        env.exported_variables = vec!["AWS_REGION".into(), "TOKEN".into()];
        spec.artifacts = Some(Artifacts::default());
        spec.reports.insert(
            "tests".into(),
            Report {
                files: Vec::new(),
                file_format: Some("XML".into()),
            },
        );
        let problems = spec.check();
        assert_eq!(problems.len(), 8, "{problems:#?}");
    }
}
