//! Reusable workflows: [`Reusable`] makes a pipeline's GitHub workflow callable from other
//! workflows (`on: workflow_call`), with the pipeline's manual inputs as typed inputs and the
//! secrets its jobs read as the secrets the caller passes. A platform team's construct crate can
//! publish a pipeline this way; GitLab reaches the same pipeline by `include:` of its generated
//! file, CodePipeline has no callable pipelines (the setting is GitHub's only).

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::yaml::OrderedMap;
use pipeline_core::{InputKind, Pipeline, Trigger};

use super::model as gh;

/// Makes the pipeline's workflow reusable: `on: workflow_call` beside its other triggers.
///
/// ```
/// use pipeline_backends::github::{Github, Reusable};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let deploy = Pipeline::new("deploy")
///     .on(Trigger::manual().input(Input::string("environment", "Where to deploy").required()))
///     .extend(Reusable::new())
///     .job(Job::new("deploy").env("TOKEN", Expr::secret("DEPLOY_TOKEN")).env("ENV", Expr::input("environment")).step(Step::script("./deploy.sh \"$ENV\"")));
/// let yaml = Github::new().render(&deploy, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("  workflow_call:\n    inputs:\n      environment:"));
/// assert!(yaml.contains("    secrets:\n      DEPLOY_TOKEN:\n        description: "));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reusable {}

impl Reusable {
    /// The setting.
    pub fn new() -> Self {
        Self::default()
    }
}

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
