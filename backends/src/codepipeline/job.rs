//! One job (one matrix cell) -> a buildspec, the project's environment and the action's
//! `EnvironmentVariables`.
//!
//! Steps become buildspec commands that run in one bash session (buildspec 0.2 keeps the shell
//! state between commands). A script runs as its own `bash --noprofile --norc -eo pipefail`
//! process, as on GitHub, so a failing line fails the step and a `cd` or `export` in one step
//! does not leak into the next; step `env` and `working_directory` apply to that process only.
//! Conditions become shell tests; a job with steps that run after a failure (`always`, `failure`)
//! records the failure and fails at the end instead of stopping at the first failing command.

use std::collections::{BTreeSet, HashSet};

use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::{
    Arch, AwsRole, AwsSecretSource, CloudRole, Condition, Env, Expr, Job, Runner, Service, Size, Step, StepKind,
    Subject, TextTest,
};

use super::buildspec::{self, Buildspec, Phase, SecondaryArtifact, YesNo};
use super::context::{Lowering, PLATFORM};
use super::expr::{self, Part, Unsupported};
use super::model::{CfnString, ComputeType, EnvironmentType, SubPart};
use super::settings::{CodeBuildJob, CodeBuildStep};

/// The standard CodeBuild image for x86-64 jobs without an image.
pub(crate) const STANDARD_X64: &str = "aws/codebuild/amazonlinux-x86_64-standard:5.0";
/// The standard CodeBuild image for ARM64 jobs without an image.
pub(crate) const STANDARD_ARM64: &str = "aws/codebuild/amazonlinux-aarch64-standard:3.0";

/// Where scripts are written in the build (and mounted into a job container).
const SCRIPT_DIR: &str = "/tmp/pipeline";
/// The job container's name in container mode.
const JOB_CONTAINER: &str = "pipeline-job";
/// The Docker network of the job and its services.
const NETWORK: &str = "pipeline";
/// Internal variables: the branch, the job guard, the failure record.
pub(crate) const BRANCH_VAR: &str = "PIPELINE_BRANCH_NAME";
/// The action variable holding the repository, for text conditions on it.
pub(crate) const REPOSITORY_VAR: &str = "PIPELINE_REPOSITORY";
const RUN_JOB_VAR: &str = "PIPELINE_RUN_JOB";
const FAILED_VAR: &str = "PIPELINE_FAILED";
/// Internal variables of the actor lookup: the execution, the pipeline, the raw trigger.
const EXECUTION_ID_VAR: &str = "PIPELINE_EXECUTION_ID";
const PIPELINE_NAME_VAR: &str = "PIPELINE_NAME";
const TRIGGER_VAR: &str = "PIPELINE_TRIGGER";

/// The lowered job cell.
#[derive(Debug, Default)]
pub(crate) struct JobCell {
    pub(crate) buildspec: Buildspec,
    pub(crate) image: String,
    pub(crate) environment_type: Option<EnvironmentType>,
    pub(crate) compute_type: Option<ComputeType>,
    pub(crate) privileged: bool,
    pub(crate) cache: bool,
    pub(crate) project_env: Vec<(String, CfnString)>,
    pub(crate) action_env: Vec<(String, Vec<SubPart>)>,
    pub(crate) inputs: Vec<String>,
    pub(crate) outputs: Vec<String>,
    pub(crate) exported: Vec<String>,
    pub(crate) clone_ref: bool,
}

/// Lowers one cell of one job.
pub(crate) struct JobLowering<'l, 'a> {
    pub(crate) l: &'l mut Lowering<'a>,
    pub(crate) job: &'a Job,
    pub(crate) path: Path,
    pub(crate) cell: Vec<(String, String)>,
    /// Report diagnostics (only for the first cell of a matrix).
    pub(crate) report: bool,
    /// The job's run condition (with the conditions of the jobs it needs), as a shell test.
    pub(crate) guard: Option<Condition>,
    out: JobCell,
    names: HashSet<String>,
    exports: Vec<String>,
    container: bool,
    status_mode: bool,
    scripts: usize,
    /// Whether a value reads who started the execution (looked up once, first).
    actor: bool,
    /// The cell's runner.
    runner: Runner,
}

/// The shell test of a condition, given how failures are recorded.
struct TestCtx {
    status_mode: bool,
}

impl<'l, 'a> JobLowering<'l, 'a> {
    pub(crate) fn new(
        l: &'l mut Lowering<'a>,
        job: &'a Job,
        cell: Vec<(String, String)>,
        report: bool,
        guard: Option<Condition>,
    ) -> Self {
        let path = l.root().job(job.id.as_str());
        let runner = job.runner_for(&cell.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>());
        Self {
            runner,
            l,
            job,
            path,
            cell,
            report,
            guard,
            out: JobCell::default(),
            names: HashSet::new(),
            exports: Vec::new(),
            container: false,
            status_mode: false,
            scripts: 0,
            actor: false,
        }
    }

    fn unsupported(&mut self, path: Path, u: Unsupported) {
        if self.report {
            self.l
                .unsupported(path, format!("{} in job {:?}", u.feature, self.job.id.as_str()), u.hint);
        }
    }

    fn warn(&mut self, code: &'static str, path: Path, message: String, hint: &str) {
        if self.report {
            self.l.diagnostics.push(
                Diagnostic::warning(code, path, message)
                    .with_hint(hint)
                    .on_platform(PLATFORM),
            );
        }
    }

    fn notice(&mut self, code: &'static str, path: Path, message: String, hint: String) {
        if self.report {
            self.l.diagnostics.push(
                Diagnostic::notice(code, path, message)
                    .with_hint(hint)
                    .on_platform(PLATFORM),
            );
        }
    }

    pub(crate) fn lower(mut self) -> JobCell {
        let job = self.job;
        let runner = self.runner.clone();
        let ext = job.extensions.get::<CodeBuildJob>().cloned().unwrap_or_default();
        let spec = Buildspec::new();
        // Where it runs.
        let custom_image = ext.image.clone().or_else(|| runner.image.clone());
        self.container = custom_image.is_some() && !job.services.is_empty() && ext.image.is_none();
        let standard = match runner.arch {
            Arch::X64 => STANDARD_X64,
            Arch::Arm64 => STANDARD_ARM64,
        };
        self.out.image = match (&custom_image, self.container) {
            (Some(image), false) => image.clone(),
            _ => standard.to_owned(),
        };
        self.out.environment_type = Some(match runner.arch {
            Arch::X64 => EnvironmentType::LinuxContainer,
            Arch::Arm64 => EnvironmentType::ArmContainer,
        });
        self.out.compute_type = Some(ext.compute_type.unwrap_or(match runner.size {
            Size::Small => ComputeType::Small,
            Size::Medium => ComputeType::Medium,
            Size::Large => ComputeType::Large,
        }));
        self.out.privileged = ext.privileged_mode || !job.services.is_empty();
        if !runner.labels.is_empty() || !runner.pool.is_empty() {
            let labels = runner
                .pool
                .iter()
                .chain(&runner.labels)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            self.warn(
                "codepipeline-runner-labels",
                self.path.field("runner"),
                format!(
                    "CodeBuild selects machines by image and compute type, not labels; job {:?} ignores the runner labels and pool [{labels}] on CodePipeline",
                    job.id.as_str()
                ),
                "set the image and compute type with `CodeBuildJob` if the labels or pool chose a special machine",
            );
        }
        if !job.services.is_empty() && custom_image.is_some() && ext.image.is_some() {
            self.unsupported(
                self.path.field("services"),
                Unsupported {
                    feature: "service containers with a `CodeBuildJob` image".into(),
                    hint: "service containers run with Docker on CodeBuild's standard image; remove the `CodeBuildJob` image so the job's steps run in the runner image beside them".into(),
                },
            );
        }
        self.status_mode = job
            .steps
            .iter()
            .any(|s| s.condition.as_ref().is_some_and(Condition::mentions_status))
            || job.allow_failure;

        // Environment: the pipeline's, then the job's (the job wins).
        self.out.buildspec = spec;
        let mut env = self.l.pipeline.env.clone();
        for (k, v) in &job.env {
            env.insert(k.clone(), v.clone());
        }
        for (name, value) in &env {
            self.names.insert(name.to_string());
            self.job_var(name.as_str(), value, self.path.field(format!("env.{name}")));
        }
        self.reserved_names();
        let mut commands: Vec<String> = Vec::new();
        let guard = self.guard.clone();
        let mut prepare: Vec<String> = Vec::new();
        if let Some(g) = &guard {
            match self.test(g, &TestCtx { status_mode: false }) {
                Ok(test) => {
                    for o in job.outputs() {
                        prepare.push(format!("export {o}=''"));
                    }
                    prepare.push(format!(
                        "if {test}; then {RUN_JOB_VAR}=true; else {RUN_JOB_VAR}=false; echo {}; fi",
                        expr::quote(&format!("Skipping job {}: its condition does not hold", job.id))
                    ));
                }
                Err(u) => self.unsupported(self.path.field("if"), u),
            }
        }
        // Steps.
        let mut step_commands = Vec::new();
        if !job.services.is_empty() || self.container {
            step_commands.push(self.services(custom_image.as_deref()));
        }
        for (i, step) in job.steps.iter().enumerate() {
            let spath = self.path.step(i, step.id_str());
            if let Some(c) = self.step(i, step, &spath) {
                step_commands.push(c);
            }
        }
        if self.scripts > 0 {
            prepare.insert(0, format!("mkdir -p {SCRIPT_DIR}"));
        }
        prepare.splice(0..0, std::mem::take(&mut self.exports));
        if self.actor {
            commands.extend(self.actor_lookup());
        }
        if !prepare.is_empty() {
            commands.push(prepare.join("\n"));
        }
        commands.extend(step_commands);
        if self.status_mode {
            if job.allow_failure {
                commands.push(format!(
                    "if [ -n \"${{{FAILED_VAR}:-}}\" ]; then echo \"Job {} failed ($PIPELINE_FAILED); it is allowed to fail\"; fi",
                    job.id
                ));
            } else {
                commands.push(format!("[ -z \"${{{FAILED_VAR}:-}}\" ]"));
            }
        }
        if job.allow_failure {
            self.warn(
                "codepipeline-allow-failure",
                self.path.field("allow_failure"),
                format!(
                    "CodePipeline has no failing-but-allowed actions; job {:?} reports success on CodePipeline when its steps fail",
                    job.id.as_str()
                ),
                "read the build log for the failure, or make the job required",
            );
        }
        if commands.is_empty() {
            commands.push(format!(
                "echo {}",
                expr::quote(&format!("Job {} has nothing to run", job.id))
            ));
        }
        let exported = self.out.exported.clone();
        let outputs = self.out.outputs.clone();
        let spec = &mut self.out.buildspec;
        spec.phases.build = Some(Phase::new(commands));
        if !ext.install_commands.is_empty() {
            spec.phases.install = Some(Phase::new(ext.install_commands.clone()));
        }
        spec.env_mut().exported_variables = exported;
        spec.artifacts = artifacts(&outputs);
        spec.reports = super::reports::buildspec_reports(job);
        self.out
    }

    /// Who started the execution, from its record: CodePipeline gives its actions no variable
    /// for it. `trigger.triggerDetail` is the IAM principal for `StartPipelineExecution` (the
    /// console or the CLI); other triggers are named by type and detail. Two commands, so a failed
    /// lookup (no `codepipeline:GetPipelineExecution` permission, no AWS CLI) fails the build
    /// instead of recording an empty actor.
    fn actor_lookup(&mut self) -> Vec<String> {
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
    fn reserved_names(&mut self) {
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

    fn spec_env(&mut self) -> &mut buildspec::Env {
        self.out.buildspec.env_mut()
    }

    /// Places a job-level variable where its value is known.
    fn job_var(&mut self, name: &str, value: &Expr, path: Path) {
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
                    Part::Param(r) => SubPart::Ref(r.clone()),
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
                    .any(|run| run.contains(super::escape::OPEN));
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
    fn shell_value(&mut self, carrier: &str, value: &Expr, path: &Path) -> Option<String> {
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
    fn step_env(&mut self, index: usize, env: &Env, path: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, value) in env {
            let carrier = format!("STEP{}_{name}", index + 1);
            if let Some(v) = self.shell_value(&carrier, value, &path.field(format!("env.{name}"))) {
                out.push((name.to_string(), v));
            }
        }
        out
    }

    /// Writes a script file and returns the heredoc lines and the command running it.
    fn script(&mut self, index: usize, body: &str, env: &[(String, String)], dir: Option<&str>) -> (String, String) {
        self.scripts += 1;
        let file = format!("{SCRIPT_DIR}/step-{}.sh", index + 1);
        let write = crate::shell::write_file(&file, body, "PIPELINE_SCRIPT");
        let bash = crate::shell::run_file(&file);
        let run = if self.container {
            let workdir = match dir {
                Some(d) => format!("\"$CODEBUILD_SRC_DIR\"/{}", expr::quote(d)),
                None => "\"$CODEBUILD_SRC_DIR\"".to_owned(),
            };
            let mut words = vec!["docker exec".to_owned(), format!("-w {workdir}")];
            let own: BTreeSet<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
            let mut passed: Vec<String> = self
                .names
                .iter()
                .filter(|n| !own.contains(n.as_str()))
                .cloned()
                .collect();
            passed.sort();
            words.extend(passed.iter().map(|n| format!("-e {n}")));
            words.extend(env.iter().map(|(n, v)| format!("-e {n}={v}")));
            words.push(JOB_CONTAINER.to_owned());
            words.push(bash);
            words.join(" ")
        } else {
            let prefix: String = env.iter().map(|(n, v)| format!("{n}={v} ")).collect();
            match dir {
                Some(d) => format!("(cd {} && {prefix}{bash})", expr::quote(d)),
                None => format!("{prefix}{bash}"),
            }
        };
        (write, run)
    }

    /// One step as one buildspec command (`None` when it needs none).
    fn step(&mut self, index: usize, step: &'a Step, path: &Path) -> Option<String> {
        let env = self.step_env(index, &step.env, path);
        let dir = step.working_directory.as_deref().filter(|d| *d != ".");
        let label = format!("step {}", index + 1);
        let settings = step.extensions.get::<CodeBuildStep>();
        if let Some((feature, hint)) = settings.and_then(|s| s.unsupported.as_ref()) {
            let u = Unsupported {
                feature: feature.clone(),
                hint: hint.clone(),
            };
            self.unsupported(path.clone(), u);
            return None;
        }
        // A `CodeBuildStep` script replaces the step (a script's body, an action's fallback).
        let replaced;
        let kind = match settings.and_then(|s| s.script.as_ref()) {
            Some(body) => {
                replaced = StepKind::Script(body.clone());
                &replaced
            }
            None => &step.kind,
        };
        // (lines before the run line, the run line(s))
        let (pre, run): (Vec<String>, String) = match kind {
            StepKind::Script(body) if !step.state.is_empty() => {
                // The exports land in a bash file the build's shell sources after the step
                // (docs/SEMANTICS.md, section 17).
                if self.container && (step.state.path || !step.state.env.is_empty()) {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: "environment variables or PATH entries exported by a step of a job with services".into(),
                            hint: "steps of such a job run in the job container, which the build's shell cannot change; export outputs instead, or set the values in the job's env".into(),
                        },
                    );
                }
                let file = format!("{SCRIPT_DIR}/step-{}.state.sh", index + 1);
                let sink = crate::shell::StateSink::File {
                    file: &file,
                    step: step.id_str().unwrap_or_default(),
                };
                let wrapper = crate::shell::state_step(body, &step.state, &sink);
                let (write, run) = self.script(index, &wrapper, &env, dir);
                (vec![write], format!("{run} && . {file}"))
            }
            StepKind::Script(body) => {
                if step.shell == pipeline_core::Shell::Cmd {
                    self.unsupported(
                        path.clone().field("shell"),
                        Unsupported {
                            feature: format!("the cmd shell (step {})", index + 1),
                            hint: "CodeBuild runs the steps on Linux: use `Shell::Pwsh` or bash, or keep the step on GitHub's Windows runners with `Step::only_on(Platform::Github)`".into(),
                        },
                    );
                }
                // Another shell runs from a bash launcher (docs/SEMANTICS.md, section 26).
                let (write, run) = self.script(index, &step.shell.launcher(body), &env, dir);
                (vec![write], run)
            }
            StepKind::SetOutput(o) => {
                let command_file = format!("{SCRIPT_DIR}/step-{}.command.sh", index + 1);
                let body = crate::shell::print_encoded_output(o.name.as_str(), &o.command, &command_file);
                let (write, run) = self.script(index, &body, &env, dir);
                self.out.exported.push(o.name.to_string());
                if o.name.as_str().starts_with("AWS_") || self.names.contains(o.name.as_str()) {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: format!("output {:?} (an exported build variable)", o.name.as_str()),
                            hint: "CodeBuild cannot export variables starting with AWS_ or named like one of the job's environment variables; rename the output".into(),
                        },
                    );
                }
                (
                    vec![write],
                    format!("{name}=\"$({run})\" && export {name}", name = o.name),
                )
            }
            StepKind::Action(a) => match &a.fallback {
                Some(body) => {
                    let (write, run) = self.script(index, body, &env, dir);
                    (vec![write], run)
                }
                None => {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: format!("the action {} (without a fallback script)", a.action.name),
                            hint: "CodeBuild runs no GitHub actions; give the step a `.fallback(\"...\")` script that does the same".into(),
                        },
                    );
                    return None;
                }
            },
            StepKind::Checkout(c) if !c.is_workspace_root() => {
                self.unsupported(
                    path.clone(),
                    Unsupported {
                        feature: "a checkout of another repository, ref or directory".into(),
                        hint: "CodeBuild receives only the pipeline's source at the commit being built; keep the step off CodePipeline with `.only_on(..)`, or fetch the repository in a script step with a token from a secret".into(),
                    },
                );
                return None;
            }
            StepKind::Checkout(c) => {
                let mut lines = Vec::new();
                if c.fetch_depth.is_some() || c.submodules || c.lfs {
                    self.out.clone_ref = true;
                    self.spec_env().git_credential_helper = Some(YesNo::Yes);
                }
                if c.submodules {
                    lines.push("git submodule update --init --recursive".to_owned());
                }
                if c.lfs {
                    lines.push("git lfs pull".to_owned());
                }
                if lines.is_empty() {
                    return None;
                }
                (Vec::new(), lines.join(" && "))
            }
            StepKind::Upload(u) => {
                if self.job.matrix.is_some() {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: format!("artifact {:?} uploaded by a matrix job", u.artifact.as_str()),
                            hint: "CodePipeline artifact names are unique per pipeline, so each cell would need its own name; upload from a job without a matrix".into(),
                        },
                    );
                }
                let name = artifact_name(u.artifact.as_str());
                if !self.out.outputs.contains(&name) {
                    self.out.outputs.push(name.clone());
                }
                (Vec::new(), stage_command(&name, &u.paths))
            }
            StepKind::Download(d) => {
                let name = artifact_name(d.artifact.as_str());
                if !self.out.inputs.contains(&name) {
                    self.out.inputs.push(name.clone());
                }
                // Into the workspace: the artifact holds workspace-relative paths.
                (Vec::new(), format!("cp -R \"$CODEBUILD_SRC_DIR_{name}/.\" ."))
            }
            StepKind::Cache(c) => {
                self.cache(c, path);
                return None;
            }
            StepKind::AssumeRole(CloudRole::Aws(role)) => {
                let lines = self.assume_role(index, role, path)?;
                (Vec::new(), lines)
            }
        };
        let ctx = TestCtx {
            status_mode: self.status_mode,
        };
        let mut tests: Vec<String> = Vec::new();
        if self.guard.is_some() {
            tests.push(format!("[ \"${RUN_JOB_VAR}\" = true ]"));
        }
        match &step.condition {
            Some(c) if c.mentions_status() => match self.test(c, &ctx) {
                Ok(t) if t != "true" => tests.push(t),
                Ok(_) => {}
                Err(u) => self.unsupported(path.field("if"), u),
            },
            other => {
                if self.status_mode {
                    tests.push(format!("[ -z \"${{{FAILED_VAR}:-}}\" ]"));
                }
                if let Some(c) = other {
                    match self.test(c, &ctx) {
                        Ok(t) => tests.push(t),
                        Err(u) => self.unsupported(path.field("if"), u),
                    }
                }
            }
        }
        let run = if step.continue_on_error {
            format!(
                "{run} || echo {}",
                expr::quote(&format!("{label} failed; continuing (continue_on_error)"))
            )
        } else if self.status_mode {
            format!("{run} || {FAILED_VAR}={}", expr::quote(&label))
        } else {
            run
        };
        let mut lines: Vec<String> = Vec::new();
        if let Some(name) = &step.name {
            lines.push(format!("# {}", name.replace('\n', " ")));
        }
        let body: Vec<String> = pre.into_iter().chain([run]).collect();
        if tests.is_empty() {
            lines.extend(body);
        } else {
            lines.push(format!("if {}; then", tests.join(" && ")));
            lines.extend(body);
            lines.push("fi".to_owned());
        }
        Some(lines.join("\n"))
    }

    fn cache(&mut self, c: &pipeline_core::Cache, path: &Path) {
        let arch = match self.runner.arch {
            Arch::X64 => "x86_64",
            Arch::Arm64 => "aarch64",
        };
        if self.out.buildspec.cache.as_ref().is_some_and(|c| c.key.is_some()) {
            self.warn(
                "codepipeline-cache",
                path.clone(),
                format!(
                    "a CodeBuild build has one cache; job {:?} adds the paths of cache {:?} to the first cache's key",
                    self.job.id.as_str(),
                    c.key_prefix
                ),
                "use one cache step per job",
            );
        }
        let cache = self.out.buildspec.cache.get_or_insert_with(buildspec::Cache::default);
        if cache.key.is_none() {
            let prefix = format!("{}-{arch}-", c.key_prefix);
            let key = if c.key_files.is_empty() {
                format!("{prefix}$CODEBUILD_RESOLVED_SOURCE_VERSION")
            } else {
                let files: Vec<String> = c.key_files.iter().map(|f| expr::quote(f)).collect();
                format!("{prefix}$(codebuild-hash-files {})", files.join(" "))
            };
            cache.key = Some(key);
            cache.fallback_keys = vec![prefix];
        }
        for p in &c.paths {
            let p = p.trim_end_matches('/');
            let entry = if p.contains(['*', '?', '[']) {
                p.to_owned()
            } else {
                format!("{p}/**/*")
            };
            if !cache.paths.contains(&entry) {
                cache.paths.push(entry);
            }
        }
        self.out.cache = true;
    }

    fn assume_role(&mut self, index: usize, role: &AwsRole, path: &Path) -> Option<String> {
        let session = role.session_name.clone().unwrap_or_else(|| {
            let raw = format!("{}-{}", self.l.pipeline.id, self.job.id);
            raw.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .take(64)
                .collect()
        });
        let mut lines = Vec::new();
        for (n, arn) in std::iter::once(&role.role_arn).chain(&role.chain).enumerate() {
            let carrier = format!("STEP{}_ROLE_ARN_{}", index + 1, n + 1);
            let arn_path = if n == 0 {
                path.field("role_arn")
            } else {
                path.field(format!("chain[{}]", n - 1))
            };
            let word = self.shell_value(&carrier, arn, &arn_path)?;
            let duration = role
                .duration_seconds
                .map(|s| format!(" --duration-seconds {s}"))
                .unwrap_or_default();
            lines.push(format!(
                "creds=\"$(aws sts assume-role --role-arn {word} --role-session-name {}{duration} --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"",
                expr::quote(&session)
            ));
            lines.push("read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< \"$creds\"".to_owned());
        }
        let region = expr::quote(&role.region);
        lines.push(format!(
            "export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION={region} AWS_DEFAULT_REGION={region}"
        ));
        for n in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            self.names.insert(n.to_owned());
        }
        if self.report {
            let roles = 1 + role.chain.len();
            self.notice(
                "codepipeline-assume-role",
                path.clone(),
                format!(
                    "job {:?} assumes {roles} role{} with `aws sts assume-role` from the CodeBuild service role (no OIDC token on CodeBuild)",
                    self.job.id.as_str(),
                    if roles == 1 { "" } else { "s" }
                ),
                "let the first role trust the CodeBuild service role (CodeBuildRoleArn) for sts:AssumeRole, and give the build image the AWS CLI".to_owned(),
            );
        }
        Some(lines.join(" &&\n"))
    }

    /// Starts the services (and the job container) with Docker.
    fn services(&mut self, image: Option<&str>) -> String {
        let job = self.job;
        let mut lines = vec![format!("docker network create {NETWORK} > /dev/null")];
        let mut waits = Vec::new();
        let services: Vec<&Service> = job.services.iter().collect();
        for s in services {
            let spath = self.path.field(format!("services.{}", s.name));
            let mut words = vec![
                "docker run -d".to_owned(),
                format!("--name {}", expr::quote(&s.name)),
                format!("--network {NETWORK}"),
            ];
            for (name, value) in &s.env {
                let carrier = format!("SERVICE_{}_{name}", s.name.to_ascii_uppercase().replace('-', "_"));
                if let Some(v) = self.shell_value(&carrier, value, &spath.field(format!("env.{name}"))) {
                    words.push(format!("-e {name}={v}"));
                }
            }
            for port in &s.ports {
                words.push(format!("-p {port}:{port}"));
                waits.push(*port);
            }
            if let Some(e) = &s.entrypoint {
                words.push(format!("--entrypoint {}", expr::quote(e)));
            }
            words.push(expr::quote(&s.image));
            words.extend(s.command.iter().map(|w| expr::quote(w)));
            words.push("> /dev/null".to_owned());
            lines.push(words.join(" "));
            if !self.container {
                lines.push(format!("echo \"127.0.0.1 {}\" >> /etc/hosts", s.name));
            }
        }
        for port in waits {
            lines.push(format!(
                "for i in $(seq 60); do (echo > /dev/tcp/127.0.0.1/{port}) 2> /dev/null && break; sleep 1; done"
            ));
        }
        if let (true, Some(image)) = (self.container, image) {
            lines.push(format!(
                "docker run -d --name {JOB_CONTAINER} --network {NETWORK} -v \"$CODEBUILD_SRC_DIR:$CODEBUILD_SRC_DIR\" -v {SCRIPT_DIR}:{SCRIPT_DIR} -w \"$CODEBUILD_SRC_DIR\" --entrypoint sleep {} infinity > /dev/null",
                expr::quote(image)
            ));
            self.scripts += 1;
        }
        if self.report {
            let how = if self.container {
                format!(
                    "its steps run in a {} container beside them on a Docker network, with CodeBuild's standard image as the host (privileged mode)",
                    image.unwrap_or_default()
                )
            } else {
                "they are reachable on localhost and by name (privileged mode)".to_owned()
            };
            self.notice(
                "codepipeline-services",
                self.path.field("services"),
                format!("job {:?} runs its service containers with Docker in the build; {how}", job.id.as_str()),
                "images are pulled anonymously from their registry at every build (Docker Hub limits anonymous pulls); mirror them in ECR if builds hit the limit".to_owned(),
            );
        }
        let body = lines.join("\n");
        if self.guard.is_some() {
            format!("if [ \"${RUN_JOB_VAR}\" = true ]; then\n{body}\nfi")
        } else {
            body
        }
    }

    /// A condition as a shell test.
    fn test(&mut self, c: &Condition, ctx: &TestCtx) -> Result<String, Unsupported> {
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
                self.out.project_env.push((env.clone(), CfnString::Ref(param)));
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

/// Resolves references for one cell.
struct CellResolver<'x, 'a> {
    l: &'x mut Lowering<'a>,
    cell: &'x [(String, String)],
}

impl expr::Resolver for CellResolver<'_, '_> {
    fn matrix(&self, axis: &str) -> Option<String> {
        self.cell.iter().find(|(a, _)| a == axis).map(|(_, v)| v.clone())
    }

    fn namespace_of(&self, job: &str) -> Option<String> {
        self.l.namespaces.get(job).cloned()
    }

    fn param_of_var(&mut self, var: &str) -> String {
        self.l.var_param(var)
    }
}

/// The buildspec `artifacts` of the uploaded artifacts: the primary artifact for one, secondary
/// artifacts (named like the action's output artifacts) for several.
fn artifacts(outputs: &[String]) -> Option<buildspec::Artifacts> {
    match outputs {
        [] => None,
        [one] => Some(buildspec::Artifacts {
            files: vec!["**/*".into()],
            base_directory: Some(stage_dir(one)),
            ..buildspec::Artifacts::default()
        }),
        many => Some(buildspec::Artifacts {
            secondary_artifacts: many
                .iter()
                .map(|name| {
                    let artifact = SecondaryArtifact {
                        files: vec!["**/*".into()],
                        base_directory: Some(stage_dir(name)),
                        discard_paths: None,
                    };
                    (name.clone(), artifact)
                })
                .collect(),
            ..buildspec::Artifacts::default()
        }),
    }
}

/// The CodePipeline artifact name of a portable artifact: `-` becomes `_`, because CodeBuild
/// names the directory of an input artifact `$CODEBUILD_SRC_DIR_<name>`, a shell variable.
pub(crate) fn artifact_name(name: &str) -> String {
    name.replace('-', "_")
}

/// Where an uploaded artifact is staged in the workspace.
pub(crate) fn stage_dir(artifact: &str) -> String {
    format!(".pipeline-artifacts/{artifact}")
}

/// The command staging `paths` as artifact `name`: each file keeps its path relative to the
/// workspace (docs/SEMANTICS.md, section 7).
pub(crate) fn stage_command(name: &str, paths: &[String]) -> String {
    crate::shell::stage_artifact(name, paths, &stage_dir(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_keeps_paths_relative_to_the_workspace() {
        let c = stage_command("pkg", &["dist/a.zip".into(), "dist/a.zip.sha256".into()]);
        assert!(
            c.starts_with("rm -rf .pipeline-artifacts/pkg && mkdir -p .pipeline-artifacts/pkg && (\n"),
            "{c}"
        );
        assert!(
            c.ends_with("tar -cf - dist/a.zip dist/a.zip.sha256 | tar -xf - -C .pipeline-artifacts/pkg\n)"),
            "{c}"
        );
    }
}
