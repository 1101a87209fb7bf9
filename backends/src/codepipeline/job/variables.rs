//! Where a job's values go: the buildspec's `env`, the action's `EnvironmentVariables`, or a
//! shell value; the variables a job may not set, and the lookup of who started the execution.

use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::{AwsSecretSource, Env, Expr};

use super::{
    BRANCH_VAR, CellResolver, EXECUTION_ID_VAR, FAILED_VAR, JobLowering, PIPELINE_NAME_VAR, REPOSITORY_VAR,
    RUN_JOB_VAR, TRIGGER_VAR,
};
use crate::codepipeline::buildspec;
use crate::codepipeline::context::PLATFORM;
use crate::codepipeline::expr::{self, Part, Unsupported};
use crate::codepipeline::model::{CfnString, SubPart};

impl<'l, 'a> JobLowering<'l, 'a> {
    /// Who started the execution, from its record: CodePipeline gives its actions no variable
    /// for it. `trigger.triggerDetail` is the IAM principal for `StartPipelineExecution` (the
    /// console or the CLI); other triggers are named by type and detail. Two commands, so a failed
    /// lookup (no `codepipeline:GetPipelineExecution` permission, no AWS CLI) fails the build
    /// instead of recording an empty actor.
    pub(super) fn actor_lookup(&mut self) -> Vec<String> {
        self.out.action_env.retain(|(n, _)| n != EXECUTION_ID_VAR);
        self.out.action_env.push((
            EXECUTION_ID_VAR.to_owned(),
            vec![SubPart::Text("#{codepipeline.PipelineExecutionId}".into())],
        ));
        self.out.project_env.retain(|(n, _)| n != PIPELINE_NAME_VAR);
        self.out
            .project_env
            .push((PIPELINE_NAME_VAR.to_owned(), CfnString::Ref("PipelineName".into())));
        self.notice(
            "codepipeline-actor",
            self.path.clone(),
            format!(
                "job {:?} reads who started the execution from its record at build time (`aws codepipeline get-pipeline-execution`): the IAM principal that started it from the console or the CLI, otherwise the trigger (for example `Webhook` and its ARN)",
                self.job.id.as_str()
            ),
            "give the CodeBuild service role (CodeBuildRoleArn) codepipeline:GetPipelineExecution on this pipeline, and the build image the AWS CLI".to_owned(),
        );
        let actor = expr::ACTOR_VAR;
        vec![
            format!(
                "{TRIGGER_VAR}=\"$(aws codepipeline get-pipeline-execution --pipeline-name \"${PIPELINE_NAME_VAR}\" --pipeline-execution-id \"${EXECUTION_ID_VAR}\" --query 'pipelineExecution.trigger.[triggerType,triggerDetail]' --output text)\""
            ),
            format!(
                "case \"${TRIGGER_VAR}\" in StartPipelineExecution*) {actor}=\"$(printf '%s' \"${TRIGGER_VAR}\" | cut -f 2)\" ;; *) {actor}=\"$(printf '%s' \"${TRIGGER_VAR}\" | tr '\\t' ' ')\" ;; esac"
            ),
        ]
    }

    /// Names the lowering uses itself must not be the job's environment variables.
    pub(super) fn reserved_names(&mut self) {
        let reserved = [
            BRANCH_VAR,
            REPOSITORY_VAR,
            RUN_JOB_VAR,
            FAILED_VAR,
            expr::ACTOR_VAR,
            EXECUTION_ID_VAR,
            PIPELINE_NAME_VAR,
            TRIGGER_VAR,
        ];
        for name in reserved {
            if self.names.contains(name) {
                let path = self.path.field(format!("env.{name}"));
                if self.report {
                    self.l.diagnostics.push(
                        Diagnostic::error(
                            "codepipeline-reserved-name",
                            path,
                            format!(
                                "environment variable {name} of job {:?} is used by the CodePipeline lowering",
                                self.job.id.as_str()
                            ),
                        )
                        .with_hint("choose another name")
                        .on_platform(PLATFORM),
                    );
                }
            }
        }
    }

    pub(super) fn spec_env(&mut self) -> &mut buildspec::Env {
        self.out.buildspec.env_mut()
    }

    /// Places a job-level variable where its value is known.
    pub(super) fn job_var(&mut self, name: &str, value: &Expr, path: Path) {
        let parts = match self.parts(value) {
            Ok(p) => p,
            Err(u) => {
                self.unsupported(path, u);
                return;
            }
        };
        self.place(name, parts, path);
    }

    fn parts(&mut self, value: &Expr) -> Result<Vec<Part>, Unsupported> {
        if value.builtins().any(|b| b == pipeline_core::Builtin::HeadRef) {
            self.warn(
                "codepipeline-head-ref",
                self.path.clone(),
                format!(
                    "job {:?} reads the pull request head ref, which CodePipeline gives as the source branch of every execution (not empty outside pull requests)",
                    self.job.id.as_str()
                ),
                "use the value only in pull request runs",
            );
        }
        let cell = self.cell.clone();
        let mut resolver = CellResolver { l: self.l, cell: &cell };
        expr::parts(value, &mut resolver)
    }

    /// Puts `parts` into variable `name` at the earliest place that knows them all.
    fn place(&mut self, name: &str, parts: Vec<Part>, path: Path) {
        let has = |f: fn(&Part) -> bool| parts.iter().any(f);
        let secrets = parts.iter().filter(|p| matches!(p, Part::Secret(_))).count();
        if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
            let text: String = parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.as_str(),
                    _ => "",
                })
                .collect();
            self.spec_env().variables.insert(name.to_owned(), text);
        } else if let [Part::Secret(secret)] = parts.as_slice() {
            match self.l.pipeline.secret_decl(secret.as_str()).aws_source() {
                AwsSecretSource::SecretsManager { secret_id, json_key } => {
                    let reference = match json_key {
                        Some(k) => format!("{secret_id}:{k}"),
                        None => secret_id,
                    };
                    self.spec_env().secrets_manager.insert(name.to_owned(), reference);
                }
                AwsSecretSource::ParameterStore { name: parameter } => {
                    self.spec_env().parameter_store.insert(name.to_owned(), parameter);
                }
            }
        } else if secrets == 0 && !has(|p| matches!(p, Part::Shell(_) | Part::Output(_))) {
            let sub: Vec<SubPart> = parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) | Part::Cell(s) | Part::Pipeline(s) => SubPart::Text(s.clone()),
                    Part::Param(r) => SubPart::Ref(r.clone().into()),
                    Part::Secret(_) | Part::Shell(_) | Part::Output(_) => SubPart::Text(String::new()),
                })
                .collect();
            if has(|p| matches!(p, Part::Pipeline(_) | Part::Cell(_))) {
                // Literal pieces (and matrix values) are joined first: `#` and `{x}` in two
                // pieces are one `#{x}` to CodePipeline.
                let literal_hash = parts
                    .split(|p| matches!(p, Part::Pipeline(_)))
                    .map(|run| {
                        run.iter()
                            .filter_map(|p| match p {
                                Part::Lit(s) | Part::Cell(s) => Some(s.as_str()),
                                _ => None,
                            })
                            .collect::<String>()
                    })
                    .any(|run| run.contains(crate::codepipeline::escape::OPEN));
                if literal_hash {
                    self.unsupported(
                        path,
                        Unsupported {
                            feature: "literal text containing `#{` next to a CodePipeline variable".into(),
                            hint: "CodePipeline would read `#{` as a variable reference; move the literal into its own variable".into(),
                        },
                    );
                    return;
                }
                self.out.action_env.push((name.to_owned(), sub));
            } else {
                self.out.project_env.push((name.to_owned(), CfnString::sub(sub)));
            }
        } else {
            let value = self.compose(name, parts);
            self.exports.push(format!("export {name}=\"{value}\""));
        }
    }

    /// A double-quoted shell string composing `parts`; parts known before the build are carried
    /// by variables `<name>_<n>`.
    fn compose(&mut self, name: &str, parts: Vec<Part>) -> String {
        let mut out = String::new();
        for (n, part) in parts.into_iter().enumerate() {
            match part {
                Part::Lit(s) => out.push_str(&expr::dq_escape(&s)),
                Part::Shell(var) => {
                    self.actor |= var == expr::ACTOR_VAR;
                    out.push_str(&format!("${{{var}}}"));
                }
                Part::Output(reference) => {
                    // The encoded value in a carrier variable, decoded in place by the build.
                    let carrier = format!("{name}_{}", n + 1);
                    self.place(&carrier, vec![Part::Pipeline(reference)], Path::root());
                    self.exports.push(crate::shell::decode(&carrier, &carrier));
                    out.push_str(&format!("${{{carrier}}}"));
                }
                other => {
                    let carrier = format!("{name}_{}", n + 1);
                    self.place(&carrier, vec![other], Path::root());
                    out.push_str(&format!("${{{carrier}}}"));
                }
            }
        }
        out
    }

    /// A value as a shell word for a step (inline when literal, else through a carrier variable).
    pub(super) fn shell_value(&mut self, carrier: &str, value: &Expr, path: &Path) -> Option<String> {
        let parts = match self.parts(value) {
            Ok(p) => p,
            Err(u) => {
                self.unsupported(path.clone(), u);
                return None;
            }
        };
        if let Some(text) = value.as_literal() {
            return Some(expr::quote(text));
        }
        let secrets = parts.iter().filter(|p| matches!(p, Part::Secret(_))).count();
        let simple =
            !parts.iter().any(|p| matches!(p, Part::Shell(_) | Part::Output(_))) && (secrets == 0 || parts.len() == 1);
        if simple {
            self.place(carrier, parts, path.clone());
            Some(format!("\"${carrier}\""))
        } else {
            Some(format!("\"{}\"", self.compose(carrier, parts)))
        }
    }

    /// Step environment as `NAME=value` words.
    pub(super) fn step_env(&mut self, index: usize, env: &Env, path: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, value) in env {
            let carrier = format!("STEP{}_{name}", index + 1);
            if let Some(v) = self.shell_value(&carrier, value, &path.field(format!("env.{name}"))) {
                out.push((name.to_string(), v));
            }
        }
        out
    }
}
