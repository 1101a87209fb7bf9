//! GitLab CI: `.gitlab-ci.yml` for one pipeline; for several, a root `.gitlab-ci.yml` that
//! includes one file per pipeline, `.gitlab/ci/<pipeline>.yml`, each under its triggers' rules.
//!
//! How the portable model lands on GitLab:
//!
//! - **Triggers** are `workflow:rules` (never `only`/`except`): pushes compare
//!   `$CI_COMMIT_BRANCH` / `$CI_COMMIT_TAG` (glob patterns become anchored regular expressions),
//!   path filters are `changes:`, pull requests are merge request pipelines (target branch
//!   filters on `$CI_MERGE_REQUEST_TARGET_BRANCH_NAME`), manual runs are `web` pipelines whose
//!   inputs are prefilled variables, schedules are `schedule` pipelines, and the schedule itself
//!   is a project setting reported as a notice (`gitlab-schedule-setting`). When every merge
//!   request runs the pipeline, pushes to a branch with an open merge request leave it to the
//!   merge request pipeline (no duplicates).
//! - **Several pipelines** share one GitLab pipeline per event: the root file's `workflow:rules`
//!   are the union of their triggers, each file is included under its own triggers' rules (job
//!   names carry the pipeline id, pipeline variables go into each job, `stages` are declared in
//!   the root), and manual runs and schedules pick a pipeline through the `RUN_PIPELINE`
//!   variable (a drop-down in the "Run pipeline" form; a variable of the schedule).
//! - **Stages** are the layers of the `needs` graph (`stage-1`, `stage-2` ...): numbered so that
//!   included pipelines share them; `needs:` carries the real order, with `artifacts: true` only
//!   from the jobs whose artifacts or outputs a job uses (ancestors further up are added).
//! - **Conditions** become job `rules:` in disjunctive normal form; `Failure` is
//!   `when: on_failure`, `Always` is `when: always`. A job's rules include the conditions of the
//!   jobs it needs, because GitLab refuses a pipeline in which a job needs an absent job (a
//!   job that runs `always` marks such needs `optional` instead).
//! - **Values** are variables: literals escape `$` as `$$`; built-ins are predefined variables;
//!   secrets are masked CI/CD variables (no line when the names match); outputs are dotenv
//!   variables `<JOB>_<OUTPUT>` written by the producing job to an `artifacts:reports:dotenv`
//!   file and mapped to the consumer's name in its `variables:` (what GitLab cannot expand
//!   there, the runner expands with every job variable, dotenv ones included).
//! - **Steps** are shell (see `script.rs`): env and working directory in a subshell, conditions
//!   as `if`, continue on error without losing `set -e`, steps that run on failure or always in
//!   `after_script`. Checkout is GitLab's own clone (`GIT_DEPTH`, `GIT_SUBMODULE_STRATEGY`;
//!   `GIT_STRATEGY: none` for a job without checkout). Actions run their fallback script. A job
//!   whose steps GitLab does itself (clone, downloads, caches) gets the script `true`.
//! - **Runners**: tags come from the runner's pool (`Runner::pool`), the runner map
//!   ([`GitlabRunners`]: entries per runner key, GitLab.com hosted runners by default; macOS x64
//!   and Windows are refused unless mapped) and `GitlabJob::tag`; runner labels are GitHub's
//!   `runs-on` labels and are not used (warning `gitlab-runner-labels` when the job has no tags).
//!   A runner axis gives each cell's `parallel:matrix` entry its tags as variables
//!   (`tags: [$runner_tag]`); any matrix other than a plain product is one entry per cell.
//! - **Approvals** make the deploy job a manual gate (`when: manual`, `allow_failure: false`) so
//!   later jobs wait; protecting the environment is a notice. Deploys to one environment share a
//!   `resource_group`; job concurrency is a resource group; pipeline concurrency that cancels is
//!   `workflow:auto_cancel` with interruptible jobs.
//! - **AWS** roles use an `id_tokens` token and `aws sts assume-role-with-web-identity`
//!   (`aws sts assume-role` for each chained role), exporting the credentials.
//! - **Patches** (`Pipeline::patch("gitlab", ..)`) edit each emitted document last: a pipeline's
//!   own file, and the root file (patched by every pipeline it includes).
//! - Display names of jobs and steps are cosmetic: GitLab shows the job id (a job's key is its
//!   name) and each script command; they are not emitted.
//!
//! Everything GitLab cannot express is a diagnostic naming the feature, the job and GitLab:
//! errors `gitlab-unsupported` and `gitlab-reserved-job-name`; warnings for what is lossy but
//! acceptable (`gitlab-matrix`, `gitlab-artifacts-merged`, `gitlab-concurrency`,
//! `gitlab-input-required`, `gitlab-runner`);
//! notices for settings (`gitlab-schedule-setting`, `gitlab-protected-environment`,
//! `gitlab-aws-oidc`, `gitlab-hosted-runner`).

mod checkout;
mod escape;
mod expr;
mod lower;
pub mod model;
mod reports;
mod rules;
mod runner;
mod script;
mod settings;
mod token;

use indexmap::{IndexMap, IndexSet};
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::{Backend, GeneratedFile, Pipeline, RenderContext};

pub use checkout::FETCH as CHECKOUT_FETCH_SCRIPT;
pub use runner::GitlabRunners;
pub use settings::GitlabJob;

use lower::{Lowered, Lowering, Mode, PLATFORM, SELECTOR};
use model::{AutoCancel, CiFile, GlobalVariable, Include, Prefilled, Rule, Workflow};

/// The GitLab CI backend.
///
/// ```
/// use pipeline_backends::gitlab::Gitlab;
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let build = Job::new("build")
///     .step(Step::checkout())
///     .step(Step::script("cargo build --release"))
///     .step(Step::set_output("version", "cargo pkgid | cut -d'#' -f2"));
/// let deploy = Job::new("deploy")
///     .needs(&build)
///     .env("VERSION", build.output("version"))
///     .environment(Environment::new("production").approval(Approval::new()))
///     .step(Step::script("./deploy.sh \"$VERSION\""));
/// let release = Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(build).job(deploy);
///
/// let mut diagnostics = Diagnostics::new();
/// let yaml = Gitlab::new().render(&release, &mut diagnostics).expect("renders");
/// assert!(yaml.contains("if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_TAG =~ /^v[^\\/]*$/"));
/// assert!(yaml.contains("      dotenv: .pipeline-outputs.env"));
/// // The output travels percent-encoded; the consuming job's shell decodes it into `VERSION`.
/// assert!(yaml.contains(r#"printf -v pipeline_output_1 '%b' "${BUILD_VERSION//%/\\x}""#));
/// assert!(yaml.contains(r#"export VERSION="${pipeline_output_1}""#));
/// assert!(yaml.contains("  when: manual\n  allow_failure: false\n"));
/// assert!(diagnostics.contains_code("gitlab-protected-environment"));
/// ```
#[derive(Clone, Debug)]
pub struct Gitlab {
    pub(crate) runners: GitlabRunners,
    pub(crate) aws_audience: String,
    pub(crate) aws_access_generated: bool,
}

impl Default for Gitlab {
    fn default() -> Self {
        Self {
            runners: GitlabRunners::hosted(),
            aws_audience: "sts.amazonaws.com".into(),
            aws_access_generated: false,
        }
    }
}

impl Gitlab {
    /// The backend with its defaults: GitLab.com hosted runner tags for jobs that ask for an
    /// ARM or larger runner without GitLab tags, and AWS ID tokens for the `sts.amazonaws.com`
    /// audience.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a job asking for an ARM or larger runner without GitLab tags gets a GitLab.com hosted
    /// runner tag (`saas-linux-medium-arm64`); off for self-managed instances, where such a job
    /// runs on any runner with a warning.
    #[must_use]
    pub fn hosted_runner_tags(mut self, enabled: bool) -> Self {
        self.runners.hosted = enabled;
        self
    }

    /// The runner map: which GitLab tags select each runner (see [`GitlabRunners`]).
    #[must_use]
    pub fn runners(mut self, runners: GitlabRunners) -> Self {
        self.runners = runners;
        self
    }

    /// The audience of the ID token used to assume AWS roles (a client ID of the IAM OIDC
    /// identity provider that trusts your GitLab instance).
    #[must_use]
    pub fn aws_audience(mut self, audience: impl Into<String>) -> Self {
        self.aws_audience = audience.into();
        self
    }

    /// Whether the IAM OIDC provider and the roles' trust policies are generated (by
    /// [`AwsAccess`](crate::aws_access::AwsAccess)): then no notice asks to create them by hand.
    ///
    /// ```
    /// let gitlab = pipeline_backends::Gitlab::new().aws_access_generated(true);
    /// # let _ = gitlab;
    /// ```
    #[must_use]
    pub fn aws_access_generated(mut self, generated: bool) -> Self {
        self.aws_access_generated = generated;
        self
    }

    /// The path of the root file.
    pub const ROOT: &'static str = ".gitlab-ci.yml";

    /// The path of the file of `pipeline` when several pipelines are generated together.
    pub fn included_path(pipeline: &Pipeline) -> String {
        format!(".gitlab/ci/{}.yml", pipeline.id)
    }

    fn lower_one(&self, pipeline: &Pipeline, mode: Mode, diagnostics: &mut Diagnostics) -> Lowered {
        Lowering {
            config: self,
            pipeline,
            mode,
            diagnostics,
        }
        .lower()
    }

    /// The lowered `.gitlab-ci.yml` of a pipeline generated on its own, for inspection or
    /// patching before emission.
    pub fn lower(&self, pipeline: &Pipeline, diagnostics: &mut Diagnostics) -> CiFile {
        let l = self.lower_one(pipeline, Mode::Single, diagnostics);
        let mut variables: IndexMap<String, GlobalVariable> = l
            .variables
            .into_iter()
            .map(|(k, v)| (k, GlobalVariable::Value(v)))
            .collect();
        for (name, input) in l.inputs {
            if variables.contains_key(&name) {
                clash(diagnostics, pipeline, &name);
            }
            variables.insert(name, input);
        }
        CiFile {
            workflow: Some(Workflow {
                name: Some(pipeline.name.clone()),
                auto_cancel: l.auto_cancel.then(interruptible),
                rules: l.trigger_rules,
            }),
            stages: stages(l.stages),
            variables,
            include: Vec::new(),
            jobs: l.jobs,
        }
    }

    /// The `.gitlab-ci.yml` of a pipeline generated on its own, without header; `None` when an
    /// error was reported.
    pub fn render(&self, pipeline: &Pipeline, diagnostics: &mut Diagnostics) -> Option<String> {
        let file = self.lower(pipeline, diagnostics);
        let mut text = String::new();
        emit(&mut text, &file, Self::ROOT, &[pipeline], diagnostics).then_some(text)
    }

    /// Every file of several pipelines: the root file (which includes the others) first. Paths
    /// are relative to the output root; `ctx` says where that is in the repository.
    pub fn lower_all(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<(String, CiFile)> {
        self.files(pipelines, ctx, diagnostics)
            .into_iter()
            .map(|(path, file, _)| (path, file))
            .collect()
    }

    /// Every file with the index of the pipeline it belongs to (`None`: the root file of
    /// several pipelines).
    fn files(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<(String, CiFile, Option<usize>)> {
        match pipelines {
            [] => Vec::new(),
            [one] => vec![(Self::ROOT.to_owned(), self.lower(one, diagnostics), Some(0))],
            many => self.lower_included(many, ctx, diagnostics),
        }
    }

    fn lower_included(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<(String, CiFile, Option<usize>)> {
        let mut root = CiFile::default();
        let mut workflow_rules: IndexSet<Rule> = IndexSet::new();
        let mut files = Vec::new();
        let mut stage_count = 0;
        let mut inputs: IndexMap<String, (GlobalVariable, String)> = IndexMap::new();
        let manual: Vec<String> = pipelines
            .iter()
            .filter(|p| {
                p.triggers
                    .iter()
                    .any(|t| matches!(t, pipeline_core::Trigger::Manual(_)))
            })
            .map(|p| p.id.to_string())
            .collect();
        if let Some(first) = manual.first() {
            root.variables.insert(
                SELECTOR.to_owned(),
                GlobalVariable::Prefilled(Prefilled {
                    description: "The pipeline a manual run starts".into(),
                    value: first.clone(),
                    options: manual.clone(),
                }),
            );
        }
        for (index, p) in pipelines.iter().enumerate() {
            let l = self.lower_one(p, Mode::Included, diagnostics);
            stage_count = stage_count.max(l.stages);
            for (name, input) in l.inputs {
                if name == SELECTOR {
                    clash(diagnostics, p, &name);
                }
                match inputs.get(&name) {
                    Some((existing, owner)) if *existing != input => {
                        diagnostics.push(
                            Diagnostic::error(
                                "gitlab-unsupported",
                                Path::pipeline(p.id.as_str()).input(name.as_str()),
                                format!(
                                    "pipelines {owner:?} and {:?} both have the manual input {name:?}, differently; GitLab has one set of manual-run variables for the repository",
                                    p.id.as_str()
                                ),
                            )
                            .with_hint("give the inputs different names, or the same description, options and default")
                            .on_platform(PLATFORM),
                        );
                    }
                    Some(_) => {}
                    None => {
                        inputs.insert(name, (input, p.id.to_string()));
                    }
                }
            }
            let path = Self::included_path(p);
            root.include.push(Include {
                local: ctx.repository_path(&path),
                rules: l.trigger_rules.clone(),
            });
            for mut rule in l.trigger_rules {
                rule.auto_cancel = l.auto_cancel.then(interruptible);
                workflow_rules.insert(rule);
            }
            files.push((
                path,
                CiFile {
                    stages: stages(l.stages),
                    jobs: l.jobs,
                    ..CiFile::default()
                },
                Some(index),
            ));
        }
        for (name, (input, _)) in inputs {
            root.variables.insert(name, input);
        }
        root.workflow = Some(Workflow {
            rules: workflow_rules.into_iter().collect(),
            ..Workflow::default()
        });
        root.stages = stages(stage_count);
        let mut out = vec![(Self::ROOT.to_owned(), root, None)];
        out.extend(files);
        out
    }
}

fn interruptible() -> AutoCancel {
    AutoCancel {
        on_new_commit: "interruptible",
    }
}

fn stages(n: usize) -> Vec<String> {
    (0..n).map(lower::stage_name).collect()
}

fn clash(diagnostics: &mut Diagnostics, pipeline: &Pipeline, name: &str) {
    diagnostics.push(
        Diagnostic::error(
            "gitlab-unsupported",
            Path::pipeline(pipeline.id.as_str()).input(name),
            format!(
                "the manual input {name:?} of pipeline {:?} has the name of a pipeline-wide GitLab variable",
                pipeline.id.as_str()
            ),
        )
        .with_hint("rename the input or the variable")
        .on_platform(PLATFORM),
    );
}

/// Emits a file into `out` (which holds its header) after the `gitlab` patches of `patched_by`
/// (see [`pipeline_core::patch`]); whether it could.
fn emit(out: &mut String, file: &CiFile, path: &str, patched_by: &[&Pipeline], diagnostics: &mut Diagnostics) -> bool {
    let pipeline = patched_by.first().map(|p| p.id.as_str()).unwrap_or_default();
    match pipeline_core::backend::append_yaml(out, file, PLATFORM, path, patched_by) {
        Ok(()) => true,
        Err(e) => {
            diagnostics.push(
                Diagnostic::error(
                    "emit",
                    Path::pipeline(pipeline),
                    format!("cannot emit the GitLab file: {e}"),
                )
                .on_platform(PLATFORM),
            );
            false
        }
    }
}

impl Backend for Gitlab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn generate(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<GeneratedFile> {
        // What this platform sees: jobs and steps restricted to other platforms are dropped.
        let seen: Vec<_> = pipelines
            .iter()
            .map(|p| p.for_platform(pipeline_core::Platform::Gitlab))
            .collect();
        let owned: Vec<Pipeline>;
        let pipelines: &[Pipeline] = if seen.iter().all(|p| matches!(p, std::borrow::Cow::Borrowed(_))) {
            pipelines
        } else {
            owned = seen.into_iter().map(std::borrow::Cow::into_owned).collect();
            &owned
        };
        let mut files = Vec::new();
        let header = format!("{}\n", ctx.header.comment("# "));
        // Each file is written into one reused buffer after the header, then copied at its
        // exact size (as GitHub's files are).
        let mut text = String::new();
        for (path, file, owner) in self.files(pipelines, ctx, diagnostics) {
            // An included file is its pipeline's; the root file is every pipeline's.
            let owners: Vec<&Pipeline> = match owner {
                Some(i) => vec![&pipelines[i]],
                None => pipelines.iter().collect(),
            };
            let owner = owners.first().map(|p| p.id.as_str()).unwrap_or_default();
            text.clear();
            text.push_str(&header);
            if !emit(&mut text, &file, &path, &owners, diagnostics) {
                continue;
            }
            match GeneratedFile::new(path, text.as_str()) {
                Ok(f) => files.push(f),
                Err(e) => {
                    diagnostics.push(Diagnostic::error("invalid-path", Path::pipeline(owner), e).on_platform(PLATFORM))
                }
            }
        }
        files
    }
}

#[cfg(test)]
mod tests;
