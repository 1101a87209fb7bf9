//! # Drift: generated files, infrastructure, break-glass runs
//!
//! Three practices that keep what runs equal to what is reviewed, and leave a record when it
//! cannot be:
//!
//! - [`DefinitionCheck`]: a job that runs the generator with `--check`, so a pipeline file
//!   edited by hand (or left stale after a change to the pipeline code) fails the run with the
//!   diff. Add it to one pipeline as a construct, or to every pipeline a generator writes with
//!   [`GeneratorDriftExt::definition_check`].
//! - [`InfraDrift`]: a scheduled pipeline that compares the deployed infrastructure with its
//!   definition, uploads a report and fails when they differ: CloudFormation stack drift
//!   detection ([`DriftTool::CloudFormation`]) or `terraform plan -detailed-exitcode`
//!   ([`DriftTool::Terraform`]), with AWS credentials from the platform's OIDC token.
//! - [`BreakGlass`]: a manually started pipeline for emergencies: a mandatory reason, an
//!   audit record (who, why, commit, run, UTC time) written as an artifact and printed to the
//!   log, then its own approval before the emergency command runs. It bypasses the delivery
//!   path on purpose: [`ExceptBreakGlass`] keeps a policy such as "a scan before every deploy"
//!   from applying to it, while the others (an approval for production) still do.
//!
//! ```
//! use pipeline_templates::practices::drift::{BreakGlass, DefinitionCheck, GeneratorDriftExt, InfraDrift};
//! use pipeline_core::prelude::*;
//!
//! let role = AwsRole::new(Expr::var("DRIFT_ROLE_ARN"), "eu-west-1");
//! let drift = InfraDrift::cloudformation(role.clone(), ["payments-api-production"]).pipeline("infra-drift");
//! let break_glass = BreakGlass::new("./scripts/emergency-rollback.sh")
//!     .role(AwsRole::new(Expr::var("BREAK_GLASS_ROLE_ARN"), "eu-west-1"))
//!     .pipeline("break-glass");
//! let delivery = Pipeline::new("delivery")
//!     .on(Trigger::push().branches(["main"]))
//!     .job(Job::new("build").step(Step::checkout()).step(Step::script("cargo build --locked")));
//!
//! let generator = Generator::new("ci", ".")
//!     .backends(pipeline_templates::all())
//!     .pipelines([delivery, drift, break_glass])
//!     .definition_check(DefinitionCheck::new()); // a `definition-check` job in each pipeline
//! let rendered = generator.render(&[]).expect("valid everywhere");
//! let workflow = |path: &str| rendered.files.iter().find(|(_, f)| f.path.as_str() == path).map(|(_, f)| f.contents.clone());
//! assert!(workflow(".github/workflows/delivery.yml").is_some_and(|w| w.contains("cargo run --locked -p ci -- --check")));
//! assert!(workflow(".github/workflows/infra-drift.yml").is_some_and(|w| w.contains("aws cloudformation detect-stack-drift")));
//! assert!(workflow(".github/workflows/break-glass.yml").is_some_and(|w| w.contains("reason:")));
//! ```
//!
//! ## What each platform gets
//!
//! | practice | GitHub Actions | GitLab CI | CodePipeline V2 + CodeBuild |
//! |---|---|---|---|
//! | definition check | a job in each workflow, in a Rust container | a job in each pipeline file | a CodeBuild action in the first stage |
//! | infra drift schedule | `on.schedule` | a pipeline schedule (a project setting, reported as a notice) | an EventBridge rule |
//! | AWS credentials | `configure-aws-credentials` with the OIDC token | `id_tokens` + `assume-role-with-web-identity` | `sts assume-role` from the CodeBuild role |
//! | Terraform | `hashicorp/setup-terraform`, pinned by SHA | the checksum-verified install script | the checksum-verified install script |
//! | drift report | an artifact | job artifacts | a secondary artifact of the build |
//! | break-glass start | `workflow_dispatch` with a required `reason` | "Run pipeline" with a prefilled `reason` variable | a pipeline variable `reason` |
//! | who started it | `github.actor` | `$GITLAB_USER_LOGIN` (the audit job is not a manual job, so it is the person who started the pipeline) | the execution record's trigger: the IAM principal that called `StartPipelineExecution` |
//! | approval | environment `break-glass` with required reviewers (a repository setting) | a manual job on a protected environment | a Manual approval action |
//!
//! The approval itself is recorded by the platform, next to the audit record: GitHub's
//! deployment review history, the user who played GitLab's manual job, the approval action's
//! reviewer and comment in CodePipeline's execution history (`aws codepipeline
//! list-action-executions`).
//!
//! ### Platform limits, reported as diagnostics
//!
//! - GitHub cannot make an environment require reviewers from the workflow file:
//!   `github-environment-reviewers` names the setting.
//! - GitLab cannot make an input mandatory (`gitlab-input-required`) nor keep a schedule in the
//!   file (`gitlab-schedule-setting`); the audit job refuses an empty reason before anything runs.
//! - CodePipeline substitutes the typed reason into the CodeBuild action's environment
//!   variables (a JSON string) without escaping it reliably (`codepipeline-free-text-input`):
//!   enter a ticket reference such as `INC-4711` there. The actor comes from the execution
//!   record (`codepipeline-actor`: the CodeBuild role needs `codepipeline:GetPipelineExecution`).
//!
//! Script bodies are rendered from templates (`templates/templates/scripts/drift/`) with every value
//! quoted for the shell; a template that fails to render is a problem of the job, reported by
//! validation before anything is written.

mod break_glass;
mod definition;
mod infra;

use std::collections::BTreeMap;

use pipeline_core::Step;
use pipeline_core::diagnostic::Problem;

pub use break_glass::{BreakGlass, ExceptBreakGlass};
pub use definition::{DefinitionCheck, GeneratorDriftExt};
pub use infra::{CloudFormationDrift, DEFAULT_TERRAFORM_VERSION, DriftTool, InfraDrift, TerraformDrift};

/// The Rust image the definition check runs in by default.
pub const RUST_IMAGE: &str = "rust:1.95-bookworm";

/// A value of a script template.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(untagged)]
enum Value {
    Text(String),
    List(Vec<String>),
    Flag(bool),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Text(n.to_string())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Flag(b)
    }
}

impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::List(v)
    }
}

/// Renders template `name` with `values` (each quoted for the shell unless marked `|safe`).
fn render(name: &str, values: Vec<(&str, Value)>) -> Result<String, String> {
    let context: BTreeMap<&str, Value> = values.into_iter().collect();
    crate::render_builtin(&format!("drift/{name}"), context).map_err(|e| e.to_string())
}

/// The script of template `name`; a rendering failure becomes a problem of the job (reported
/// by validation, with its path, before anything is written) and a script that fails.
fn script(problems: &mut Vec<Problem>, name: &str, values: Vec<(&str, Value)>) -> String {
    render(name, values).unwrap_or_else(|e| {
        problems.push(Problem::new(
            "template",
            format!("script template {name} failed: {e}"),
            "fix the practice's parameters",
        ));
        "exit 1\n".to_owned()
    })
}

/// A script step from template `name` (see [`script`]).
fn script_step(problems: &mut Vec<Problem>, name: &str, values: Vec<(&str, Value)>) -> Step {
    Step::script(script(problems, name, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_quotes_its_values() {
        let s = render(
            "drift-verdict.sh",
            vec![("report_dir", "drift report".into()), ("artifact", "it's".into())],
        )
        .expect("renders");
        assert!(s.contains("verdict=\"$(cat 'drift report'/verdict)\""), "{s}");
        assert!(s.contains("%s.\\n' 'it'\\''s' >&2"), "{s}");
    }

    #[test]
    fn a_missing_value_is_a_problem_of_the_job() {
        let mut problems = Vec::new();
        let body = script(&mut problems, "drift-verdict.sh", Vec::new());
        assert_eq!(body, "exit 1\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("drift-verdict.sh"), "{:?}", problems[0]);
        let mut problems = Vec::new();
        let _ = script(&mut problems, "nope.sh", Vec::new());
        assert!(
            problems[0].message.contains("no built-in script template"),
            "{:?}",
            problems[0]
        );
    }
}
