//! Reusable workflows: [`Reusable`] makes a pipeline's GitHub workflow callable from other
//! workflows (`on: workflow_call`), with the pipeline's manual inputs as typed inputs and the
//! secrets its jobs read as the secrets the caller passes. A platform team's construct crate can
//! publish a pipeline this way; GitLab reaches the same pipeline by `include:` of its generated
//! file, CodePipeline has no callable pipelines (the setting is GitHub's only).

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::yaml::OrderedMap;
use pipeline_core::{InputKind, Job, Pipeline, Trigger};

use super::model::{self as gh, WithValue};
use super::settings::{CallInput, CallWorkflow, Reusable};
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
        .map(|(k, v)| {
            let v = match v {
                CallInput::Expr(e) => WithValue::String(expr::value(e, pipeline)),
                CallInput::Bool(b) => WithValue::Bool(*b),
                CallInput::Number(n) => WithValue::Int(*n),
            };
            (k.clone(), v)
        })
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

/// Checks every call of a workflow generated in the same run (a [`CallWorkflow`] of
/// `./.github/workflows/<id>.yml` where pipeline `<id>` is [`Reusable`]) against the inputs the
/// called workflow declares: an unknown input, a required input not passed and a literal of the
/// wrong type are errors (`github-call-input`). Expressions are not checked: their type is known
/// only when the workflow runs.
pub(super) fn check_calls(pipelines: &[Pipeline], diagnostics: &mut Diagnostics) {
    let reusable: Vec<(String, &Pipeline)> = pipelines
        .iter()
        .filter(|p| p.extensions.get::<Reusable>().is_some())
        .map(|p| (super::Github::path(p), p))
        .collect();
    if reusable.is_empty() {
        return;
    }
    for caller in pipelines {
        let caller = caller.for_platform(pipeline_core::Platform::Github);
        for job in &caller.jobs {
            let Some(call) = job.extensions.get::<CallWorkflow>() else {
                continue;
            };
            let Some(file) = call
                .workflow
                .strip_prefix("./")
                .or_else(|| call.workflow.strip_prefix("$/"))
            else {
                continue;
            };
            let Some((_, called)) = reusable.iter().find(|(path, _)| path == file) else {
                continue;
            };
            let declared: Vec<&pipeline_core::Input> = called
                .triggers
                .iter()
                .filter_map(|t| match t {
                    Trigger::Manual(m) => Some(m.inputs.iter()),
                    _ => None,
                })
                .flatten()
                .collect();
            let path = Path::pipeline(caller.id.as_str()).job(job.id.as_str()).field("with");
            let mut error = |input: &str, message: String| {
                diagnostics.push(
                    Diagnostic::error(
                        "github-call-input",
                        path.input(input),
                        format!(
                            "job {:?} calls the reusable workflow {:?} (pipeline {:?}): {message}",
                            job.id.as_str(),
                            call.workflow,
                            called.id.as_str()
                        ),
                    )
                    .with_hint("pass the inputs the called pipeline's manual trigger declares, with `with` (strings, expressions), `with_bool` or `with_number`")
                    .on_platform(super::PLATFORM),
                );
            };
            for (name, value) in &call.with {
                match declared.iter().find(|i| i.name.as_str() == name) {
                    None => error(name, format!("it declares no input {name:?}")),
                    Some(input) => {
                        let expected = match input.kind {
                            InputKind::Boolean { .. } => "boolean",
                            InputKind::String { .. } | InputKind::Choice { .. } => "string",
                        };
                        if let Some(given) = value.literal_type().filter(|given| *given != expected) {
                            error(
                                name,
                                format!("input {name:?} is declared `type: {expected}` but is passed a {given}"),
                            );
                        }
                    }
                }
            }
            for input in declared.iter().filter(|i| i.required) {
                let name = input.name.as_str();
                if !call.with.iter().any(|(n, _)| n == name) {
                    error(name, format!("the required input {name:?} is not passed"));
                }
            }
        }
    }
}
