//! The GitLab CI configuration format (`.gitlab-ci.yml` and the files it includes), as typed
//! Rust: the subset the lowering emits, serialized in the order a person would write it.
//!
//! Reference: <https://docs.gitlab.com/ci/yaml/>. Every keyword name here was checked against
//! GitLab's own JSON schema (vendored by check-jsonschema as `vendor.gitlab-ci`).

use indexmap::IndexMap;
use pipeline_core::yaml::Spaced;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// One GitLab CI file: global keywords first, then the jobs, one blank line between top-level
/// entries.
#[derive(Clone, Debug, Default)]
pub struct CiFile {
    /// `workflow:` (pipeline name, rules, auto-cancel); only in the root file.
    pub workflow: Option<Workflow>,
    /// `stages:`, in run order.
    pub stages: Vec<String>,
    /// Global `variables:` (every job's environment; prefilled manual-run variables).
    pub variables: IndexMap<String, GlobalVariable>,
    /// `include:` of other files of the repository (several pipelines).
    pub include: Vec<Include>,
    /// Jobs by name.
    pub jobs: IndexMap<String, Job>,
}

impl CiFile {
    /// Whether the file defines neither jobs nor includes.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty() && self.include.is_empty()
    }
}

/// The top-level keys, in order; jobs are top-level keys too.
struct Entries<'a>(&'a CiFile);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(workflow) = &f.workflow {
            map.serialize_entry("workflow", workflow)?;
        }
        if !f.stages.is_empty() {
            map.serialize_entry("stages", &f.stages)?;
        }
        if !f.variables.is_empty() {
            map.serialize_entry("variables", &f.variables)?;
        }
        if !f.include.is_empty() {
            map.serialize_entry("include", &f.include)?;
        }
        for (name, job) in &f.jobs {
            map.serialize_entry(name, job)?;
        }
        map.end()
    }
}

impl Serialize for CiFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Spaced(Entries(self)).serialize(serializer)
    }
}

/// `workflow:`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Workflow {
    /// The pipeline's name in the GitLab UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Auto-cancel of redundant pipelines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_cancel: Option<AutoCancel>,
    /// Which events create a pipeline (no rule matching: no pipeline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// `workflow:auto_cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AutoCancel {
    /// `on_new_commit`: `conservative`, `interruptible` or `none`.
    pub on_new_commit: &'static str,
}

/// One rule of `workflow:rules`, `include:rules` or a job's `rules`: it matches when `if` holds
/// and (when given) a file matching `changes` changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Rule {
    /// A CI/CD variable expression.
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// File patterns (Ruby `File.fnmatch` globs, `**` recursive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// What happens when the rule matches (jobs: `on_success` by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// Auto-cancel for pipelines created by this rule (workflow rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_cancel: Option<AutoCancel>,
}

/// `when:` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Only when every earlier (needed) job succeeded: the default.
    OnSuccess,
    /// Only when an earlier (needed) job failed.
    OnFailure,
    /// Whatever happened before.
    Always,
    /// Never (excluded from the pipeline).
    Never,
    /// Only when someone starts it.
    Manual,
}

/// A global variable: a plain value, or a variable prefilled in the "Run pipeline" form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum GlobalVariable {
    /// A value for every job.
    Value(String),
    /// A manual-run variable with a description (and optionally choices).
    Prefilled(Prefilled),
}

/// A variable shown (prefilled) when someone runs the pipeline by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prefilled {
    /// Shown next to the field.
    pub description: String,
    /// The default value (one of `options` when there are options).
    pub value: String,
    /// The allowed values (a drop-down).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// `include:` of a local file (a path from the repository root), under rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Include {
    /// The file, relative to the repository root.
    pub local: String,
    /// When the file is included.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// A job.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Job {
    /// Its stage.
    pub stage: String,
    /// The container image its script runs in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Service containers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// Runner tags (all must match).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Jobs that must finish first (a DAG across stages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Need>,
    /// When the job is part of the pipeline, and how it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// How it runs when it has no rules (`manual` for gates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// Whether a failure (or, for a manual job, not running it) lets the pipeline continue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_failure: Option<bool>,
    /// The confirmation shown before a manual job starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_confirmation: Option<String>,
    /// The environment it deploys to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// At most one job of the group runs at a time, across pipelines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Cancelled when a newer pipeline for the same ref starts (with `workflow:auto_cancel`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interruptible: Option<bool>,
    /// Maximum duration (`30m`, `1h 30m`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retries after a failure (0 to 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<u8>,
    /// A matrix of parallel jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<Parallel>,
    /// Job variables (expanded by GitLab when the job starts).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, String>,
    /// OIDC ID tokens, by the variable that holds them.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub id_tokens: IndexMap<String, IdToken>,
    /// Caches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache: Vec<Cache>,
    /// The commands, run in one shell; a multi-line entry is one block.
    pub script: Vec<String>,
    /// Commands run after `script` in a new shell, whatever its result.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after_script: Vec<String>,
    /// Files kept after the job, and reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Artifacts>,
}

/// A service container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Service {
    /// The image.
    pub name: String,
    /// The host name the job reaches it by.
    pub alias: String,
    /// The executable replacing the image's entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entrypoint: Vec<String>,
    /// The arguments replacing the image's command.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Its environment.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, String>,
}

/// One entry of `needs:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Need {
    /// The job's name.
    pub job: String,
    /// Whether its artifacts (files and dotenv outputs) are downloaded.
    pub artifacts: bool,
    /// Whether the need is ignored when the job is not in the pipeline.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// `environment:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Environment {
    /// Its name.
    pub name: String,
    /// Where the deployment can be seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `production`, `staging`, `testing`, `development` or `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_tier: Option<&'static str>,
}

/// `parallel:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Parallel {
    /// One job per combination of the values of each entry's variables.
    pub matrix: Vec<IndexMap<String, Vec<String>>>,
}

/// An `id_tokens` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdToken {
    /// The token's audience.
    pub aud: String,
}

/// One cache of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cache {
    /// Its key.
    pub key: CacheKey,
    /// The cached paths.
    pub paths: Vec<String>,
    /// When it is saved (`on_success` by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// A cache key: fixed, or the hash of some files with a prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CacheKey {
    /// A fixed key.
    Fixed(String),
    /// `{files, prefix}`.
    Files {
        /// Files whose content (at the commit) makes the key.
        files: Vec<String>,
        /// A readable prefix.
        prefix: String,
    },
}

/// `artifacts:`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Artifacts {
    /// The archive's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Files and directories kept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// When they are uploaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// How long they are kept (`5 days`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_in: Option<String>,
    /// Reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports: Option<Reports>,
}

/// `artifacts:reports:`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reports {
    /// A dotenv file whose variables later jobs (needing this one) receive: job outputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dotenv: Option<String>,
    /// JUnit XML test reports (files or globs), shown in the Tests tab.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub junit: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::yaml;

    #[test]
    fn root_entries_are_spaced_and_jobs_are_top_level() {
        let mut jobs = IndexMap::new();
        jobs.insert(
            "build".to_owned(),
            Job {
                stage: "stage-1".into(),
                script: vec!["make".into()],
                ..Job::default()
            },
        );
        let file = CiFile {
            stages: vec!["stage-1".into()],
            jobs,
            ..CiFile::default()
        };
        let text = yaml::to_value(&file).and_then(|v| yaml::to_string(&v));
        assert_eq!(
            text.as_deref(),
            Ok("stages:\n  - stage-1\n\nbuild:\n  stage: stage-1\n  script:\n    - make\n")
        );
    }
}
