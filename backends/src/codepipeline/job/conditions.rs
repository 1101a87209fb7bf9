//! Conditions -> shell tests, given how failures are recorded.

use pipeline_core::{Condition, Subject, TextTest};

use super::{BRANCH_VAR, FAILED_VAR, JobLowering, REPOSITORY_VAR};
use crate::codepipeline::expr::{self, Unsupported};
use crate::codepipeline::model::{CfnString, SubPart};

/// The shell test of a condition, given how failures are recorded.
pub(super) struct TestCtx {
    pub(super) status_mode: bool,
}

impl<'l, 'a> JobLowering<'l, 'a> {
    /// A condition as a shell test.
    pub(super) fn test(&mut self, c: &Condition, ctx: &TestCtx) -> Result<String, Unsupported> {
        fn go(jl: &mut JobLowering<'_, '_>, c: &Condition, ctx: &TestCtx, top: bool) -> Result<String, Unsupported> {
            Ok(match c {
                Condition::Always => "true".into(),
                Condition::Failure if ctx.status_mode => format!("[ -n \"${{{FAILED_VAR}:-}}\" ]"),
                Condition::Failure => "false".into(),
                Condition::Branch(b) => {
                    jl.out.action_env.retain(|(n, _)| n != BRANCH_VAR);
                    jl.out.action_env.push((
                        BRANCH_VAR.to_owned(),
                        vec![SubPart::Text("#{SourceVariables.BranchName}".into())],
                    ));
                    format!("[ \"${BRANCH_VAR}\" = {} ]", expr::quote(b))
                }
                Condition::InputEquals(name, value) => {
                    let var = format!("PIPELINE_INPUT_{name}");
                    jl.out.action_env.retain(|(n, _)| *n != var);
                    jl.out
                        .action_env
                        .push((var.clone(), vec![SubPart::Text(format!("#{{variables.{name}}}"))]));
                    format!("[ \"${var}\" = {} ]", expr::quote(value))
                }
                Condition::Tag => {
                    return Err(Unsupported {
                        feature: "the condition `tag` (the run builds a tag)".into(),
                        hint: "CodePipeline does not tell its actions whether a tag started the execution; use a separate pipeline whose push trigger filters tags".into(),
                    });
                }
                Condition::Event(e) => {
                    return Err(Unsupported {
                        feature: format!("the condition `event == {}`", e.name()),
                        hint: "CodePipeline does not tell its actions what started the execution; use a separate pipeline per trigger, or a branch condition".into(),
                    });
                }
                Condition::Text(t) => jl.text_test(t, true)?,
                Condition::Not(inner) if matches!(inner.as_ref(), Condition::Text(_)) => {
                    let Condition::Text(t) = inner.as_ref() else {
                        unreachable!()
                    };
                    jl.text_test(t, false)?
                }
                Condition::Need(job, r) => {
                    return Err(Unsupported {
                        feature: format!("the condition `job {:?} ended in {}`", job.as_str(), r.name()),
                        hint: "CodePipeline runs the needs graph as stages and stops at a failed one; it cannot evaluate a need's result".into(),
                    });
                }
                Condition::Fork => {
                    return Err(Unsupported {
                        feature: "the condition `fork` (a pull request from a fork)".into(),
                        hint: "CodePipeline does not tell its actions where a pull request comes from; keep the job off pull requests, or use `.only_on(..)` for the platforms that can tell".into(),
                    });
                }
                Condition::And(cs) | Condition::Or(cs) => {
                    let op = if matches!(c, Condition::And(_)) { " && " } else { " || " };
                    let items = cs
                        .iter()
                        .map(|c| go(jl, c, ctx, false))
                        .collect::<Result<Vec<_>, _>>()?;
                    let text = items.join(op);
                    if top { text } else { format!("{{ {text}; }}") }
                }
                Condition::Not(inner) => format!("! {}", go(jl, inner, ctx, false)?),
            })
        }
        go(self, &c.to_nnf(), ctx, true)
    }
}

impl JobLowering<'_, '_> {
    /// A text test as a shell `case` (ASCII case ignored). The branch, repository and inputs
    /// arrive as action variables; a matrix value is known per cell, so the test is decided here.
    fn text_test(&mut self, t: &TextTest, positive: bool) -> Result<String, Unsupported> {
        let from_action = |jl: &mut Self, var: String, source: String| {
            jl.out.action_env.retain(|(n, _)| *n != var);
            jl.out.action_env.push((var.clone(), vec![SubPart::Text(source)]));
            var
        };
        let var = match &t.subject {
            Subject::Branch => from_action(self, BRANCH_VAR.into(), "#{SourceVariables.BranchName}".into()),
            Subject::Repository => from_action(
                self,
                REPOSITORY_VAR.into(),
                "#{SourceVariables.FullRepositoryName}".into(),
            ),
            Subject::Input(name) => {
                from_action(self, format!("PIPELINE_INPUT_{name}"), format!("#{{variables.{name}}}"))
            }
            Subject::Matrix(axis) => {
                let value = self.cell.iter().find(|(a, _)| a == axis).map(|(_, v)| v.as_str());
                return Ok(if t.matches(value) == positive { "true" } else { "false" }.into());
            }
            Subject::Var(name) => {
                let env = format!("PIPELINE_VAR_{name}");
                let param = self.l.var_param(name.as_str());
                self.out.project_env.retain(|(n, _)| *n != env);
                self.out.project_env.push((env.clone(), CfnString::Ref(param.into())));
                env
            }
            other => {
                let why = match other {
                    Subject::Tag => "whether a tag started the execution",
                    Subject::PullRequestBase | Subject::PullRequestHead => "the branches of a pull request",
                    _ => "who started the execution before the build runs",
                };
                return Err(Unsupported {
                    feature: format!("the condition `{t}`"),
                    hint: format!(
                        "CodePipeline does not tell its actions {why}; test it in a step script, or use a separate pipeline whose trigger filters it"
                    ),
                });
            }
        };
        Ok(crate::shell::text_test(&var, t.op, &t.value, positive))
    }
}
