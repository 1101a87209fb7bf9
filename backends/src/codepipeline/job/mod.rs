//! One job (one matrix cell) -> a buildspec, the project's environment and the action's
//! `EnvironmentVariables`.
//!
//! Steps become buildspec commands that run in one bash session (buildspec 0.2 keeps the shell
//! state between commands). A script runs as its own `bash --noprofile --norc -eo pipefail`
//! process, as on GitHub, so a failing line fails the step and a `cd` or `export` in one step
//! does not leak into the next; step `env` and `working_directory` apply to that process only.
//! Conditions become shell tests; a job with steps that run after a failure (`always`, `failure`)
//! records the failure and fails at the end instead of stopping at the first failing command.
//!
//! The parts live in modules named after them: `variables`, `steps`, `services`,
//! `conditions`, `artifacts`.

mod artifacts;
mod conditions;
mod services;
mod steps;
mod variables;

use std::collections::HashSet;

use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::{Arch, Condition, Job, Runner, Size};

use super::buildspec::{Buildspec, Phase};
use super::context::{Lowering, PLATFORM};
use super::expr::{self, Unsupported};
use super::model::{CfnString, ComputeType, EnvironmentType, SubPart};
use super::settings::CodeBuildJob;
use artifacts::artifacts;
use conditions::TestCtx;

pub(crate) use artifacts::artifact_name;

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
    pub(crate) image: crate::codepipeline::model::Name,
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

impl<'l, 'a> JobLowering<'l, 'a> {
    pub(crate) fn new(
        l: &'l mut Lowering<'a>,
        job: &'a Job,
        path: Path,
        cell: Vec<(String, String)>,
        report: bool,
        guard: Option<Condition>,
    ) -> Self {
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
            (Some(image), false) => image.clone().into(),
            _ => standard.into(),
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
