//! Reusable workflows: [`Reusable`] makes a pipeline's GitHub workflow callable from other
//! workflows (`on: workflow_call`), with the pipeline's manual inputs as typed inputs and the
//! secrets its jobs read as the secrets the caller passes. A platform team's construct crate can
//! publish a pipeline this way; GitLab reaches the same pipeline by `include:` of its generated
//! file, CodePipeline has no callable pipelines (the setting is GitHub's only).

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::yaml::OrderedMap;
use pipeline_core::{InputKind, Job, Pipeline, Trigger};

use super::model::{self as gh, WithValue};
use super::settings::{CallWorkflow, Reusable};
use super::{escape, expr};

/// `on.workflow_call` of `pipeline`, when it is [`Reusable`].
pub(super) fn workflow_call(pipeline: &Pipeline, diagnostics: &mut Diagnostics) -> Option<gh::WorkflowCall> {
    pipeline.extensions.get::<Reusable>()?;
    let mut inputs = OrderedMap::new();
    for (i, trigger) in pipeline.triggers.iter().enumerate() {
        let Trigger::Manual(m) = trigger else { continue };
        for input in &m.inputs {
            let (kind, default) = match &input.kind {
                InputKind::String { default } => ("string", default.clone().map(gh::InputDefault::String)),
                InputKind::Choice { default, .. } => {
                    diagnostics.push(
                        Diagnostic::warning(
                            "github-call-choice",
                            Path::pipeline(pipeline.id.as_str()).trigger(i).input(input.name.as_str()),
                            format!(
                                "a caller of the reusable workflow {:?} passes input {:?} as any string: workflow_call has no choice type, so its options are checked only when the workflow is started by hand",
                                pipeline.id.as_str(),
                                input.name.as_str()
                            ),
                        )
                        .with_hint("check the value in the first step, or use a boolean or separate inputs")
                        .on_platform(super::PLATFORM),
                    );
                    ("string", default.clone().map(gh::InputDefault::String))
                }
                InputKind::Boolean { default } => ("boolean", Some(gh::InputDefault::Bool(*default))),
            };
            inputs.insert(
                input.name.to_string(),
                gh::DispatchInput {
                    description: input.description.clone(),
                    required: input.required,
                    kind,
                    default,
                    options: Vec::new(),
                },
            );
        }
    }
    let mut names: Vec<&str> = pipeline.jobs.iter().flat_map(|j| j.secret_names()).collect();
    names.sort_unstable();
    names.dedup();
    let secrets = names
        .into_iter()
        .map(|n| {
            (
                n.to_owned(),
                gh::CallSecret {
                    description: format!("Secret {n} of pipeline {}", pipeline.id.as_str()),
                    required: true,
                },
            )
        })
        .collect();
    Some(gh::WorkflowCall { inputs, secrets })
}

/// `lowered` turned into a job that calls `call`'s workflow: no runner, steps, environment,
/// timeout or env of its own (GitHub refuses them on a calling job); the steps still run on the
/// other platforms (warning `github-workflow-call`).
pub(super) fn call(
    pipeline: &Pipeline,
    job: &Job,
    call: &CallWorkflow,
    mut lowered: gh::Job,
    path: Path,
    diagnostics: &mut Diagnostics,
) -> gh::Job {
    if let Some(problem) = call.problem() {
        diagnostics.push(
            Diagnostic::error(
                "github-workflow-call",
                path.field("uses"),
                format!("job {:?} calls {:?}: {problem}", job.id.as_str(), call.workflow),
            )
            .with_hint("call `./.github/workflows/<file>.yml` of this repository, or `owner/repo/.github/workflows/<file>.yml@<40-character commit SHA>`")
            .on_platform(super::PLATFORM),
        );
    }
    let dropped: Vec<&str> = [
        (job.environment.is_some(), "environment"),
        (!job.services.is_empty(), "services"),
        (job.runner.image.is_some(), "container image"),
        (!job.env.is_empty(), "env"),
        (!job.test_reports.is_empty(), "test reports"),
        (job.allow_failure, "allow failure"),
        (job.outputs().next().is_some(), "outputs of its own"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    if !dropped.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "github-workflow-call",
                path.clone(),
                format!(
                    "job {:?} calls a reusable workflow on GitHub, where a calling job has no {}",
                    job.id.as_str(),
                    dropped.join(", ")
                ),
            )
            .with_hint("set them in the called workflow, or call it from a job without them")
            .on_platform(super::PLATFORM),
        );
    }
    diagnostics.push(
        Diagnostic::warning(
            "github-workflow-call",
            path,
            format!(
                "on GitHub job {:?} runs the reusable workflow {} instead of its {} step(s); the other platforms run the steps",
                job.id.as_str(),
                call.workflow,
                job.steps.len()
            ),
        )
        .with_hint("keep the steps equivalent to the called workflow (a platform team's construct can build both from one definition), or keep the job on GitHub only with `.only_on(Platform::Github)`")
        .on_platform(super::PLATFORM),
    );
    // A file of this repository in GitHub's self-repository form (`$/`), which zizmor asks for
    // over the workspace-relative `./`.
    let uses = match call.workflow.strip_prefix("./") {
        Some(file) => ["$/", file].concat(),
        None => call.workflow.clone(),
    };
    lowered.uses = Some(escape::literal(&uses));
    lowered.with = call
        .with
        .iter()
        .map(|(k, v)| (k.clone(), WithValue::String(expr::value(v, pipeline))))
        .collect();
    lowered.secrets = call
        .secrets
        .iter()
        .map(|(k, v)| (k.clone(), expr::value(v, pipeline)))
        .collect();
    lowered.permissions = call.permissions.iter().map(|(p, a)| (p.key(), a.as_str())).collect();
    lowered.runs_on = None;
    lowered.timeout_minutes = None;
    lowered.container = None;
    lowered.services = OrderedMap::new();
    lowered.environment = None;
    lowered.env = OrderedMap::new();
    lowered.steps = Vec::new();
    lowered.outputs = OrderedMap::new();
    lowered.continue_on_error = false;
    lowered
}
