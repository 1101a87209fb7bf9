//! The GitHub Actions workflow format, as typed Rust (the subset the lowering emits), serialized
//! in the order a person would write it.
//!
//! Reference: <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax>.

use pipeline_core::yaml::{Commented, OrderedMap, Spaced};
use serde::Serialize;

fn is_false(b: &bool) -> bool {
    !*b
}

/// A workflow file.
#[derive(Clone, Debug, Serialize)]
pub struct Workflow {
    /// Display name.
    pub name: String,
    /// Triggers.
    pub on: On,
    /// Workflow-level token permissions (`{}`: none; jobs get their own).
    pub permissions: Permissions,
    /// Workflow-level concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
    /// Workflow-level environment.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub env: OrderedMap<String, String>,
    /// Defaults for `run:` steps.
    pub defaults: Defaults,
    /// Jobs by id.
    pub jobs: Spaced<OrderedMap<String, Job>>,
}

/// `on:`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct On {
    /// `push`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushFilter>,
    /// `pull_request`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequestFilter>,
    /// `schedule`
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<Cron>,
    /// `workflow_dispatch`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_dispatch: Option<WorkflowDispatch>,
    /// `workflow_call`: the workflow is reusable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_call: Option<WorkflowCall>,
}

/// `on.workflow_call`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WorkflowCall {
    /// Inputs by name (`string`, `boolean`).
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub inputs: OrderedMap<String, DispatchInput>,
    /// Secrets the caller passes, by name.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub secrets: OrderedMap<String, CallSecret>,
}

/// A `workflow_call` secret.
#[derive(Clone, Debug, Serialize)]
pub struct CallSecret {
    /// What it is for.
    pub description: String,
    /// Must be passed.
    pub required: bool,
}

/// `on.push`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PushFilter {
    /// Branch patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
    /// Tag patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Path patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// `on.pull_request`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PullRequestFilter {
    /// Target branch patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
    /// Path patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// One `on.schedule` entry.
#[derive(Clone, Debug, Serialize)]
pub struct Cron {
    /// The cron expression.
    pub cron: String,
}

/// `on.workflow_dispatch`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WorkflowDispatch {
    /// Inputs by name.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub inputs: OrderedMap<String, DispatchInput>,
}

/// A `workflow_dispatch` input.
#[derive(Clone, Debug, Serialize)]
pub struct DispatchInput {
    /// Shown in the UI.
    pub description: String,
    /// Must be filled in.
    pub required: bool,
    /// `string`, `choice` or `boolean`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<InputDefault>,
    /// Choices.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// A default of the input's type.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum InputDefault {
    /// For `string` and `choice`.
    String(String),
    /// For `boolean`.
    Bool(bool),
}

/// `permissions:` as an explicit map (empty: no permissions).
pub type Permissions = OrderedMap<&'static str, &'static str>;

/// `concurrency:`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Concurrency {
    /// Group name.
    pub group: String,
    /// Cancel the running member.
    pub cancel_in_progress: bool,
}

/// `defaults:`.
#[derive(Clone, Debug, Serialize)]
pub struct Defaults {
    /// `defaults.run`.
    pub run: RunDefaults,
}

/// `defaults.run`.
#[derive(Clone, Debug, Serialize)]
pub struct RunDefaults {
    /// The shell (`bash`: `bash --noprofile --norc -eo pipefail`).
    pub shell: &'static str,
}

/// `runs-on:`: one label or several.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum RunsOn {
    /// A single label.
    Label(String),
    /// All of these labels.
    Labels(Vec<String>),
}

/// A job.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Job {
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Jobs to wait for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Condition.
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Runner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_on: Option<RunsOn>,
    /// Container the steps run in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// Service containers.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub services: OrderedMap<String, Container>,
    /// Deployment environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    /// Token permissions.
    pub permissions: Permissions,
    /// Concurrency group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
    /// Timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
    /// Failure does not fail the workflow.
    #[serde(skip_serializing_if = "is_false")]
    pub continue_on_error: bool,
    /// Matrix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    /// Outputs for later jobs.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub outputs: OrderedMap<String, String>,
    /// Environment.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub env: OrderedMap<String, String>,
    /// Steps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// A reusable workflow the job runs instead of steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    /// Inputs of the called workflow.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub with: OrderedMap<String, WithValue>,
    /// Secrets passed to the called workflow.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub secrets: OrderedMap<String, String>,
}

/// A container (job container or service).
#[derive(Clone, Debug, Serialize)]
pub struct Container {
    /// Image.
    pub image: String,
    /// Environment.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub env: OrderedMap<String, String>,
    /// Published ports (`"5432:5432"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Docker options (`--entrypoint NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
}

/// `environment:`.
#[derive(Clone, Debug, Serialize)]
pub struct EnvironmentRef {
    /// Name.
    pub name: String,
    /// URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `strategy.matrix:`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum MatrixDef {
    /// Axes (a plain product).
    Axes(OrderedMap<String, Vec<String>>),
    /// Every cell, listed (`include:`), with the values each cell sets.
    Cells {
        /// The cells.
        include: Vec<OrderedMap<String, CellValue>>,
    },
    /// A matrix read at run time (`${{ fromJSON(..) }}`).
    Expr(String),
}

/// A value of a listed matrix cell.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum CellValue {
    /// A string.
    One(String),
    /// A list (a `runs-on` of several labels).
    Many(Vec<String>),
}

/// `strategy:`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Strategy {
    /// The matrix.
    pub matrix: MatrixDef,
    /// Cancel other cells on failure (always written: GitHub's own default is `true`).
    pub fail_fast: bool,
    /// Parallel limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_parallel: Option<u32>,
}

/// A step.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Step {
    /// Id (for outputs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Condition.
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Action, pinned, with the release as a comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<Commented<String>>,
    /// Action inputs.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub with: OrderedMap<String, WithValue>,
    /// Environment.
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub env: OrderedMap<String, String>,
    /// Working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The script's shell, when not the workflow's default (bash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<ShellName>,
    /// Failure does not fail the job.
    #[serde(skip_serializing_if = "is_false")]
    pub continue_on_error: bool,
}

/// A step's `shell:`, with a comment where the shell was chosen knowingly against an auditor's
/// advice (`cmd`: zizmor cannot analyse it).
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum ShellName {
    /// The name alone.
    Plain(&'static str),
    /// The name and a comment.
    Commented(Commented<&'static str>),
}

/// An action input value.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum WithValue {
    /// Text.
    String(String),
    /// A switch.
    Bool(bool),
    /// A number.
    Int(i64),
}

impl From<String> for WithValue {
    fn from(s: String) -> Self {
        WithValue::String(s)
    }
}

impl From<&str> for WithValue {
    fn from(s: &str) -> Self {
        WithValue::String(s.to_owned())
    }
}

impl From<bool> for WithValue {
    fn from(b: bool) -> Self {
        WithValue::Bool(b)
    }
}
