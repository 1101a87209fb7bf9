//! Portable validation: every problem in a pipeline, at once, each with a path and a hint.
//!
//! Platform-specific limits (a name GitLab reserves, a feature CodePipeline lacks) are checked
//! by the backends; policies of an organisation by [`crate::policy`]. The generator runs all of
//! them before it writes anything.
//!
//! By concept: the pipeline, its jobs and steps here; triggers (`triggers.rs`); values, scripts,
//! paths and images (`values.rs`); artifacts and outputs between jobs (`flow.rs`); names equal
//! but for case and reserved names (`names.rs`); ref names and globs (`refs.rs`); secrets
//! reachable from pull requests and rollback environments (`exposure.rs`); runners (`runner.rs`);
//! matrices: axes, runner axis, include/exclude, a matrix from an output (`matrix.rs`).

mod checkout;
mod exposure;
mod flow;
mod matrix;
mod names;
mod optional;
mod platforms;
mod refs;
mod reports;
mod runner;
mod services;
mod shells;
mod state;
mod triggers;
mod values;

pub use checkout::repository_problem;
pub use exposure::runs_on_pull_request;
pub use matrix::cell_name;
pub use names::{RESERVED_NAMES, RESERVED_PREFIXES, reserved};
pub use refs::{check_glob, check_ref_name};
pub use triggers::check_cron;

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics, Path, did_you_mean};
use crate::expr::OutputRef;
use crate::graph::NeedsGraph;
use crate::id::rules;
use crate::job::Job;
use crate::pipeline::Pipeline;
use crate::semantics::OUTPUTS_PER_JOB_MAX;
use crate::step::StepKind;
use values::{is_action_name, is_role_arn};

/// The longest id the model accepts (CodePipeline's limit for names).
pub const MAX_ID_LEN: usize = 100;
/// The longest job timeout the model accepts, in minutes (GitHub-hosted runners' limit).
pub const MAX_TIMEOUT_MINUTES: u32 = 360;
/// Environment variable prefixes the platforms reserve for themselves (compared without regard
/// to case).
pub const RESERVED_ENV_PREFIXES: [&str; 7] = RESERVED_PREFIXES;

/// Validates several pipelines generated together (ids must be unique across them).
///
/// ```
/// use pipeline_core::prelude::*;
/// let bad = Pipeline::new("ci")
///     .on(Trigger::push())
///     .job(Job::new("build").step(Step::script("make")))
///     .job(Job::new("deploy").needs("biuld"))
///     .job(Job::new("build").step(Step::script("make")));
/// let diagnostics = pipeline_core::validate::validate_all(&[bad]);
/// // every problem at once: an unknown need, an empty job, a duplicate id
/// assert!(diagnostics.contains_code("unknown-need"));
/// assert!(diagnostics.contains_code("empty-job"));
/// assert!(diagnostics.contains_code("duplicate-job"));
/// ```
pub fn validate_all(pipelines: &[Pipeline]) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for p in pipelines {
        if !seen.insert(p.id.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-pipeline",
                    Path::pipeline(p.id.as_str()),
                    format!("pipeline id {:?} is used twice", p.id.as_str()),
                )
                .with_hint("give every pipeline its own id: it names the generated files"),
            );
        }
        diagnostics.extend(validate(p));
    }
    names::pipeline_ids(pipelines, &mut diagnostics);
    diagnostics
}

/// Panics, listing every diagnostic, unless `pipeline` passes validation without an error or a
/// warning: for the tests of a service's pipelines and of an organisation's constructs (and for
/// this library's own examples).
///
/// ```
/// use pipeline_core::prelude::*;
/// let ci = Pipeline::new("ci")
///     .on(Trigger::push().branches(["main"]))
///     .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test --locked")));
/// pipeline_core::validate::assert_valid(&ci);
/// ```
///
/// ```should_panic
/// use pipeline_core::prelude::*;
/// let broken = Pipeline::new("ci").on(Trigger::push()).job(Job::new("deploy").needs("biuld"));
/// pipeline_core::validate::assert_valid(&broken); // unknown need, empty job
/// ```
#[track_caller]
pub fn assert_valid(pipeline: &Pipeline) {
    let diagnostics = validate(pipeline);
    assert!(
        diagnostics.is_empty(),
        "pipeline {:?} does not pass validation:\n{diagnostics}",
        pipeline.id.as_str()
    );
}

/// Validates one pipeline.
pub fn validate(pipeline: &Pipeline) -> Diagnostics {
    let mut v = Validator {
        p: pipeline,
        root: Path::pipeline(pipeline.id.as_str()),
        out: Diagnostics::new(),
    };
    v.pipeline();
    v.out
}

/// A path computed only when a diagnostic needs it (validation of a valid pipeline allocates no
/// paths).
type At<'a> = &'a dyn Fn() -> Path;

/// Where a value sits, which decides the references it may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    PipelineEnv,
    JobEnv,
    StepEnv,
    ServiceEnv,
    ActionInput,
    EnvironmentUrl,
    Concurrency,
    RoleArn,
}

impl Place {
    fn allows_secrets(self) -> bool {
        matches!(
            self,
            Place::JobEnv | Place::StepEnv | Place::ServiceEnv | Place::ActionInput
        )
    }

    fn allows_job_context(self) -> bool {
        !matches!(self, Place::PipelineEnv)
    }
}

/// An error with an optional hint.
fn diagnostic(code: &'static str, path: Path, message: impl Into<String>, hint: Option<String>) -> Diagnostic {
    let mut d = Diagnostic::error(code, path, message);
    d.hint = hint;
    d
}

/// What one walk over a pipeline's jobs gathers for the checks between jobs, and the diagnostics
/// of the checks made job by job, each check's apart so that they come out in a fixed order (the
/// pipeline's, then each job's, then each check's over the jobs).
///
/// Each job is read once: a walk per check read every job again, and once a pipeline outgrows
/// the processor's caches (thousands of jobs) each walk paid for the memory again, so that
/// validation grew faster than the jobs.
#[derive(Default)]
struct Walk<'a> {
    /// Invalid and duplicate artifact names.
    uploads: Diagnostics,
    /// The first job uploading each artifact.
    producers: BTreeMap<&'a str, usize>,
    /// Downloads: (job index, step index).
    downloads: Vec<(usize, usize)>,
    /// Outputs read: (the reading job's index, the output).
    consumed: Vec<(usize, &'a OutputRef)>,
    /// Names equal but for case, and reserved names.
    names: names::Gathered<'a>,
    /// Jobs on no platform.
    platforms: Diagnostics,
    /// Whether a job or step is restricted to some platforms.
    restricted: bool,
    /// Whether a job has a path filter.
    filtered: bool,
    /// Optional needs.
    optional: Diagnostics,
    /// Shells.
    shells: Diagnostics,
    /// Secrets reachable from pull requests.
    exposure: Diagnostics,
    /// Rollback jobs outside their deploy's environment.
    rollback: Diagnostics,
}

struct Validator<'a> {
    p: &'a Pipeline,
    root: Path,
    out: Diagnostics,
}

impl<'a> Validator<'a> {
    fn error(&mut self, code: &'static str, path: Path, message: impl Into<String>, hint: Option<String>) {
        self.out.push(diagnostic(code, path, message, hint));
    }

    fn pipeline(&mut self) {
        let id = self.p.id.as_str();
        if !rules::is_file_stem(id) || id.len() > MAX_ID_LEN {
            self.error(
                "invalid-pipeline-id",
                self.root.clone(),
                format!("pipeline id {id:?} is not a safe file name"),
                Some(format!("use letters, digits, '-', '_' and '.' (not starting with '.', no '..', at most {MAX_ID_LEN} characters)")),
            );
        }
        if self.p.name.trim().is_empty() {
            self.error("empty-name", self.root.field("name"), "pipeline name is empty", None);
        }
        if !(1..=MAX_TIMEOUT_MINUTES).contains(&self.p.default_timeout_minutes) {
            self.error(
                "invalid-timeout",
                self.root.field("default_timeout_minutes"),
                format!(
                    "default timeout {} is outside 1..={MAX_TIMEOUT_MINUTES} minutes",
                    self.p.default_timeout_minutes
                ),
                None,
            );
        }
        self.triggers();
        let root = self.root.clone();
        self.env(&self.p.env, &|| root.field("env"), Place::PipelineEnv, None);
        if let Some(c) = &self.p.concurrency {
            self.expr(&c.group, &|| root.field("concurrency.group"), Place::Concurrency, None);
            if c.group.as_literal().is_some_and(|g| g.trim().is_empty()) {
                self.error(
                    "empty-concurrency-group",
                    self.root.field("concurrency.group"),
                    "concurrency group is empty",
                    None,
                );
            }
        }
        for (k, s) in self.p.secrets.iter().enumerate() {
            if self.p.secrets[..k].iter().any(|earlier| earlier.name == s.name) {
                self.error(
                    "duplicate-secret",
                    self.root.field(format!("secrets.{}", s.name)),
                    format!("secret {:?} is declared twice", s.name.as_str()),
                    None,
                );
            }
            self.secret_name(s.name.as_str(), &|| root.field(format!("secrets.{}", s.name)));
        }
        for problem in &self.p.problems {
            self.out.push(problem.at(self.root.clone()));
        }
        if self.p.jobs.is_empty() {
            self.error(
                "no-jobs",
                self.root.clone(),
                "pipeline has no jobs",
                Some("add a job with `.job(Job::new(\"build\")...)`".into()),
            );
        }
        let graph = NeedsGraph::new(self.p);
        let walk = self.jobs(&graph);
        walk.names.finish(self.p, &mut self.out);
        self.out.extend(walk.platforms);
        if walk.restricted {
            platforms::restricted(&graph, &mut self.out);
        }
        if walk.filtered {
            platforms::changes(&graph, &mut self.out);
        }
        self.out.extend(walk.optional);
        self.out.extend(walk.shells);
        self.out.extend(walk.exposure);
        self.out.extend(walk.rollback);
    }

    /// Checks each job, and gathers what the checks between jobs need, in one walk over the jobs
    /// (see [`Walk`]).
    fn jobs(&mut self, graph: &NeedsGraph<'a>) -> Walk<'a> {
        let root = self.root.clone();
        let mut walk = Walk::default();
        let on_pull_requests = exposure::on_pull_requests(self.p);
        for (j, job) in self.p.jobs.iter().enumerate() {
            let path = || root.job(job.id.as_str());
            let first = graph.index_of(job.id.as_str()) == Some(j);
            if !first {
                self.error(
                    "duplicate-job",
                    path(),
                    format!("job id {:?} is used twice", job.id.as_str()),
                    Some("job ids must be unique in a pipeline".into()),
                );
            }
            if !rules::is_job_id(job.id.as_str()) || job.id.as_str().len() > MAX_ID_LEN {
                self.error(
                    "invalid-job-id",
                    path(),
                    format!("job id {:?} is not valid", job.id.as_str()),
                    Some(format!(
                        "start with a letter or '_', then letters, digits, '-' or '_' (at most {MAX_ID_LEN} characters)"
                    )),
                );
            }
            // The graph keeps each known need once: an unknown or repeated need leaves fewer edges
            // than needs, a self-need an edge to the job itself; otherwise there is nothing to
            // report, and no set to build for the job.
            let edges = graph.needs_of(j);
            let suspect = edges.len() < job.needs.len() || edges.contains(&j) || !first;
            let mut seen_needs: HashSet<&str> = HashSet::new();
            for (n, need) in job.needs.iter().enumerate().filter(|_| suspect) {
                let npath = || path().field(format!("needs[{n}]"));
                if need == &job.id {
                    self.error(
                        "self-need",
                        npath(),
                        format!("job {:?} needs itself", job.id.as_str()),
                        None,
                    );
                } else if graph.index_of(need.as_str()).is_none() {
                    let ids: Vec<&str> = self.p.jobs.iter().map(|j| j.id.as_str()).collect();
                    let hint = did_you_mean(need.as_str(), ids.iter().copied())
                        .map(|s| format!("did you mean {s:?}?"))
                        .unwrap_or_else(|| format!("jobs in this pipeline: {}", ids.join(", ")));
                    self.error(
                        "unknown-need",
                        npath(),
                        format!("job {:?} needs unknown job {:?}", job.id.as_str(), need.as_str()),
                        Some(hint),
                    );
                } else if !seen_needs.insert(need.as_str()) {
                    self.out.push(Diagnostic::warning(
                        "duplicate-need",
                        npath(),
                        format!("job {:?} lists {:?} twice in needs", job.id.as_str(), need.as_str()),
                    ));
                }
            }
            self.job(job, &path);
            self.gather(&mut walk, j, job);
            walk.names.job(&root, j, job);
            walk.restricted |= platforms::job(&root, job, &mut walk.platforms);
            walk.filtered |= !job.changed_paths.is_empty();
            optional::check(graph, &root, job, &mut walk.optional);
            shells::check(&root, job, &mut walk.shells);
            if on_pull_requests {
                exposure::check(&root, job, &mut walk.exposure);
            }
            exposure::rollback_environment(graph, &root, job, &mut walk.rollback);
        }
        if let Some(cycle) = graph.find_cycle() {
            if cycle.len() > 2 {
                let text: Vec<&str> = cycle.iter().map(|j| j.as_str()).collect();
                self.error(
                    "cycle",
                    self.root.job(text[0]).field("needs"),
                    format!("jobs need each other in a cycle: {}", text.join(" -> ")),
                    Some("remove one of these needs".into()),
                );
            }
        }
        self.out.extend(std::mem::take(&mut walk.uploads));
        self.downloads(graph, &walk);
        self.outputs(graph, &walk);
        walk
    }

    /// Outputs: at most [`OUTPUTS_PER_JOB_MAX`] per job, none from a matrix job (docs/SEMANTICS.md,
    /// section 8).
    fn job_outputs(&mut self, job: &Job, path: At<'_>) {
        let outputs: Vec<&str> = job.outputs().map(|o| o.as_str()).collect();
        if outputs.len() > OUTPUTS_PER_JOB_MAX {
            self.error(
                "too-many-outputs",
                path(),
                format!(
                    "job {:?} sets {} outputs ({}); a job sets at most {OUTPUTS_PER_JOB_MAX}",
                    job.id.as_str(),
                    outputs.len(),
                    outputs.join(", ")
                ),
                Some("join related values into one output, or pass files through an artifact".into()),
            );
        }
        if job.matrix.is_some() && !outputs.is_empty() {
            self.error(
                "matrix-output",
                path(),
                format!(
                    "job {:?} has a matrix and sets outputs ({}): every cell would set the same output, and each platform keeps a different cell's value",
                    job.id.as_str(),
                    outputs.join(", ")
                ),
                Some("set outputs in a job without a matrix (for example a job that needs the matrix job)".into()),
            );
        }
    }

    fn job(&mut self, job: &Job, path: At<'_>) {
        for problem in &job.problems {
            self.out.push(problem.at(path()));
        }
        reports::check(job, path, &mut self.out);
        if job.steps.is_empty() {
            self.error(
                "empty-job",
                path(),
                format!("job {:?} has no steps", job.id.as_str()),
                Some("add a step, or remove the job".into()),
            );
        }
        if let Some(name) = &job.name {
            if name.trim().is_empty() || name.contains('\n') {
                self.error(
                    "invalid-name",
                    path().field("name"),
                    "job name is empty or spans lines",
                    None,
                );
            }
        }
        if let Some(t) = job.timeout_minutes {
            if !(1..=MAX_TIMEOUT_MINUTES).contains(&t) {
                self.error(
                    "invalid-timeout",
                    path().field("timeout_minutes"),
                    format!("timeout {t} is outside 1..={MAX_TIMEOUT_MINUTES} minutes"),
                    None,
                );
            }
        }
        if job.retry > 2 {
            self.error(
                "invalid-retry",
                path().field("retry"),
                format!("retry {} is more than 2", job.retry),
                Some("platforms allow at most 2 automatic retries".into()),
            );
        }
        let axes: Vec<&str> = job.matrix.as_ref().map(|m| m.keys_in_every_cell()).unwrap_or_default();
        self.checkouts(job, path, &axes);
        if let Some(m) = &job.matrix {
            self.matrix(job, m, path);
        }
        self.env(&job.env, &|| path().field("env"), Place::JobEnv, Some((job, &axes)));
        if let Some(image) = &job.runner.image {
            self.image(image, &|| path().field("runner.image"));
        }
        self.runner(job, path);
        if let Some(env) = &job.environment {
            let epath = || path().field("environment");
            if !rules::is_simple_name(env.name.as_str()) || env.name.as_str().len() > MAX_ID_LEN {
                self.error(
                    "invalid-environment-name",
                    epath(),
                    format!("environment name {:?} is not portable", env.name.as_str()),
                    Some("use letters, digits, '-' and '_'".into()),
                );
            }
            if let Some(url) = &env.url {
                self.expr(url, &|| epath().field("url"), Place::EnvironmentUrl, Some((job, &axes)));
                if url
                    .as_literal()
                    .is_some_and(|u| u.trim().is_empty() || u.contains(['\n', '\r']))
                {
                    self.error(
                        "invalid-environment-url",
                        epath().field("url"),
                        "environment URL is empty or spans lines",
                        Some("give the URL the environment is reached at, or leave it unset".into()),
                    );
                }
            }
        }
        if let Some(c) = &job.concurrency {
            self.expr(
                &c.group,
                &|| path().field("concurrency.group"),
                Place::Concurrency,
                Some((job, &axes)),
            );
            if c.group.as_literal().is_some_and(|g| g.trim().is_empty()) {
                self.error(
                    "empty-concurrency-group",
                    path().field("concurrency.group"),
                    "concurrency group is empty",
                    Some("name the group, e.g. after the environment the job deploys to".into()),
                );
            }
        }
        if let Some(c) = &job.condition {
            self.condition_inputs(c, &|| path().field("if"), None);
            self.condition_needs(c, &|| path().field("if"), Some(&job.needs));
        }
        for (k, s) in job.services.iter().enumerate() {
            let spath = || path().field(format!("services.{}", s.name));
            if !s.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || s.name.is_empty() {
                self.error(
                    "invalid-service-name",
                    spath(),
                    format!("service name {:?} is not a valid host name", s.name),
                    Some("use letters, digits and '-'".into()),
                );
            }
            if job.services[..k].iter().any(|earlier| earlier.name == s.name) {
                self.error(
                    "duplicate-service",
                    spath(),
                    format!("service {:?} is declared twice", s.name),
                    None,
                );
            }
            if s.image.trim().is_empty() {
                self.error("empty-image", spath(), "service has no image", None);
            } else {
                self.image(&s.image, &spath);
            }
            self.env(&s.env, &|| spath().field("env"), Place::ServiceEnv, Some((job, &axes)));
            services::command(s, &spath, &mut self.out);
        }
        self.job_outputs(job, path);
        for (i, step) in job.steps.iter().enumerate() {
            let spath = || path().step(i, step.id_str());
            let earlier = &job.steps[..i];
            if let Some(id) = step.id_str() {
                if earlier.iter().any(|s| s.id_str() == Some(id)) {
                    self.error(
                        "duplicate-step",
                        spath(),
                        format!("step id {id:?} is used twice in job {:?}", job.id.as_str()),
                        None,
                    );
                }
                if !rules::is_job_id(id) {
                    self.error(
                        "invalid-step-id",
                        spath(),
                        format!("step id {id:?} is not valid"),
                        Some("start with a letter or '_', then letters, digits, '-' or '_'".into()),
                    );
                }
            }
            self.env(&step.env, &|| spath().field("env"), Place::StepEnv, Some((job, &axes)));
            self.step_state(job, i, &spath);
            if let Some(dir) = &step.working_directory {
                if dir.trim().is_empty() || dir.contains(['\n', '\r']) {
                    self.error(
                        "invalid-working-directory",
                        spath().field("working_directory"),
                        format!("working directory {dir:?} is empty or spans lines"),
                        Some("give a directory relative to the checkout, or leave it unset".into()),
                    );
                }
            }
            if let Some(c) = &step.condition {
                self.condition_inputs(c, &|| spath().field("if"), Some(&axes));
                self.condition_needs(c, &|| spath().field("if"), None);
            }
            match &step.kind {
                StepKind::Script(body) => self.script(body, &|| spath().field("run")),
                StepKind::SetOutput(o) => {
                    if !rules::is_var_name(o.name.as_str()) {
                        self.error(
                            "invalid-output-name",
                            spath(),
                            format!("output name {:?} is not valid", o.name.as_str()),
                            Some("use letters, digits and '_' (not starting with a digit)".into()),
                        );
                    }
                    if earlier
                        .iter()
                        .any(|s| matches!(&s.kind, StepKind::SetOutput(e) if e.name == o.name))
                    {
                        self.error(
                            "duplicate-output",
                            spath(),
                            format!("output {:?} is set twice in job {:?}", o.name.as_str(), job.id.as_str()),
                            None,
                        );
                    }
                    if o.command.trim().is_empty() {
                        self.error("empty-command", spath(), "set-output command is empty", None);
                    }
                    self.script(&o.command, &|| spath().field("command"));
                }
                StepKind::Action(a) => {
                    if !is_action_name(&a.action.name) {
                        self.error(
                            "invalid-action-name",
                            spath(),
                            format!("action name {:?} is not `owner/repo` or `owner/repo/path`", a.action.name),
                            Some("name the action's repository (and the action's directory in it), as in `actions/checkout`".into()),
                        );
                    }
                    if a.action.version.contains(|c: char| c.is_control()) {
                        self.error(
                            "invalid-action-version",
                            spath(),
                            format!("action version label {:?} spans lines", a.action.version),
                            Some("give the release the SHA belongs to, e.g. \"v4.2.1\"".into()),
                        );
                    }
                    if !a.action.is_pinned() {
                        self.error(
                            "unpinned-action",
                            spath(),
                            format!("action {:?} is not pinned to a full commit SHA with a version label (got {:?})", a.action.name, a.action.sha),
                            Some("pin the 40-character commit SHA the release tag points to, and name the release in `version`".into()),
                        );
                    }
                    for (key, value) in &a.with {
                        if key.trim().is_empty() {
                            self.error(
                                "invalid-input-name",
                                spath().field("with"),
                                "action input has an empty name",
                                None,
                            );
                        }
                        self.expr(
                            value,
                            &|| spath().field(format!("with.{key}")),
                            Place::ActionInput,
                            Some((job, &axes)),
                        );
                    }
                    if let Some(f) = &a.fallback {
                        self.script(f, &|| spath().field("fallback"));
                    }
                }
                StepKind::Upload(u) => {
                    self.workspace_paths(&u.paths, &|| spath().field("paths"), "artifact");
                    if u.paths.is_empty() {
                        self.error(
                            "empty-artifact",
                            spath(),
                            format!("artifact {:?} uploads no paths", u.artifact.as_str()),
                            None,
                        );
                    }
                    if let Some(0) = u.retention_days {
                        self.error("invalid-retention", spath(), "retention of 0 days", None);
                    }
                }
                StepKind::Download(_) | StepKind::Checkout(_) => {}
                StepKind::Cache(c) => {
                    self.workspace_paths(&c.paths, &|| spath().field("paths"), "cache");
                    if c.paths.is_empty() {
                        self.error("empty-cache", spath(), "cache has no paths", None);
                    }
                    if c.key_prefix.trim().is_empty()
                        || !c
                            .key_prefix
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    {
                        self.error(
                            "invalid-cache-key",
                            spath(),
                            format!("cache key prefix {:?} is not valid", c.key_prefix),
                            Some("use letters, digits, '-', '_' and '.'".into()),
                        );
                    }
                }
                StepKind::AssumeRole(crate::cloud::CloudRole::Aws(role)) => {
                    if role.region.trim().is_empty()
                        || !role
                            .region
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        self.error(
                            "invalid-region",
                            spath(),
                            format!("AWS region {:?} is not valid", role.region),
                            Some("e.g. \"eu-west-1\"".into()),
                        );
                    }
                    for (n, arn) in std::iter::once(&role.role_arn).chain(&role.chain).enumerate() {
                        let apath = || {
                            if n == 0 {
                                spath().field("role_arn")
                            } else {
                                spath().field(format!("chain[{}]", n - 1))
                            }
                        };
                        if let Some(lit) = arn.as_literal() {
                            if !is_role_arn(lit) {
                                self.error(
                                    "invalid-role-arn",
                                    apath(),
                                    format!("{lit:?} is not an IAM role ARN"),
                                    Some("expected arn:aws:iam::<12-digit account>:role/<name>".into()),
                                );
                            }
                        }
                        self.expr(arn, &apath, Place::RoleArn, Some((job, &axes)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// `(code, path)` of each diagnostic, in order.
    fn found(p: &Pipeline) -> Vec<(&'static str, String)> {
        validate(p).iter().map(|d| (d.code, d.path.to_string())).collect()
    }

    /// Duplicates and references are found by scanning and look-ups; each diagnostic keeps its
    /// path.
    #[test]
    fn duplicates_and_references_with_their_paths() {
        let p = Pipeline::new("p")
            .on(Trigger::push().branches(["main", " "]))
            .on(Trigger::manual()
                .input(Input::string("target", "t"))
                .input(Input::string("target", "again")))
            .secret(Secret::new("TOKEN"))
            .secret(Secret::new("TOKEN"))
            .job(
                Job::new("build")
                    .matrix(Matrix::new().axis("os", ["a", "b", "a"]))
                    .service(Service::new("db", "postgres:17"))
                    .service(Service::new("db", "postgres:17"))
                    .step(Step::script("make").id("compile"))
                    .step(Step::script("make").id("compile"))
                    .step(Step::set_output("version", "echo 1"))
                    .step(Step::set_output("version", "echo 2").id("v2"))
                    .step(Step::upload("app", ["dist"]))
                    .step(Step::download("app")),
            )
            .job(
                Job::new("test")
                    .needs("build")
                    .needs("build")
                    .needs("biuld")
                    .needs("test")
                    .env("V", Expr::from(OutputRef::new("build", "version")))
                    .env("W", Expr::from(OutputRef::new("deploy", "nope")))
                    .env("X", Expr::from(OutputRef::new("test", "mine")))
                    .step(Step::set_output("mine", "echo 3"))
                    .step(Step::upload("app", ["dist"])),
            )
            .job(
                Job::new("deploy")
                    .env("V", Expr::from(OutputRef::new("build", "version")))
                    .step(Step::download("app"))
                    .step(Step::download("ghost")),
            )
            .job(Job::new("build").step(Step::script("again")));
        let expected: &[(&str, &str)] = &[
            ("invalid-pattern", "pipeline \"p\" > trigger 1 > branches"),
            ("duplicate-input", "pipeline \"p\" > trigger 2 > input \"target\""),
            ("duplicate-secret", "pipeline \"p\" > secrets.TOKEN"),
            ("duplicate-matrix-value", "pipeline \"p\" > job \"build\" > matrix.os"),
            ("duplicate-service", "pipeline \"p\" > job \"build\" > services.db"),
            ("matrix-output", "pipeline \"p\" > job \"build\""),
            ("duplicate-step", "pipeline \"p\" > job \"build\" > step 2 \"compile\""),
            ("duplicate-output", "pipeline \"p\" > job \"build\" > step 4 \"v2\""),
            ("duplicate-need", "pipeline \"p\" > job \"test\" > needs[1]"),
            ("unknown-need", "pipeline \"p\" > job \"test\" > needs[2]"),
            ("self-need", "pipeline \"p\" > job \"test\" > needs[3]"),
            ("duplicate-job", "pipeline \"p\" > job \"build\""),
            ("duplicate-artifact", "pipeline \"p\" > job \"test\" > step 2"),
            ("artifact-same-job", "pipeline \"p\" > job \"build\" > step 6"),
            ("artifact-not-needed", "pipeline \"p\" > job \"deploy\" > step 1"),
            ("unknown-artifact", "pipeline \"p\" > job \"deploy\" > step 2"),
            ("output-never-produced", "pipeline \"p\" > job \"test\""),
            ("output-not-needed", "pipeline \"p\" > job \"test\""),
            ("output-never-produced", "pipeline \"p\" > job \"test\""),
            ("output-not-needed", "pipeline \"p\" > job \"test\""),
            ("output-same-job", "pipeline \"p\" > job \"test\""),
            ("output-never-produced", "pipeline \"p\" > job \"deploy\""),
            ("output-not-needed", "pipeline \"p\" > job \"deploy\""),
        ];
        let got = found(&p);
        let got: Vec<(&str, &str)> = got.iter().map(|(c, p)| (*c, p.as_str())).collect();
        assert_eq!(got, expected, "{got:#?}");
        let unknown = validate(&p)
            .iter()
            .find(|d| d.code == "unknown-need")
            .and_then(|d| d.hint.clone());
        assert_eq!(unknown.as_deref(), Some("did you mean \"build\"?"));
    }

    /// A matrix value referenced under a misspelt axis name gets the nearest axis as a hint; one
    /// too far from every axis lists them; one in a job without a matrix says how to add it.
    #[test]
    fn unknown_matrix_axes_suggest_the_nearest() {
        let p = Pipeline::new("p")
            .on(Trigger::push())
            .job(
                Job::new("test")
                    .matrix(
                        Matrix::new()
                            .axis("toolchain", ["stable", "beta"])
                            .axis("target", ["x86_64"]),
                    )
                    .env("A", Expr::matrix("toolchian"))
                    .env("B", Expr::matrix("os"))
                    .step(Step::script("cargo test").env("C", Expr::matrix("targte"))),
            )
            .job(
                Job::new("lint")
                    .env("D", Expr::matrix("os"))
                    .step(Step::script("cargo clippy")),
            );
        let hints: Vec<(String, Option<String>)> = validate(&p)
            .iter()
            .filter(|d| d.code == "unknown-matrix-axis")
            .map(|d| (d.path.to_string(), d.hint.clone()))
            .collect();
        let expected = [
            ("pipeline \"p\" > job \"test\" > env > A", "did you mean \"toolchain\"?"),
            (
                "pipeline \"p\" > job \"test\" > env > B",
                "the job's matrix axes are \"toolchain\", \"target\"",
            ),
            (
                "pipeline \"p\" > job \"test\" > step 1 > env > C",
                "did you mean \"target\"?",
            ),
            (
                "pipeline \"p\" > job \"lint\" > env > D",
                "the job has no matrix: add `.matrix(Matrix::new().axis(\"os\", [..]))`",
            ),
        ];
        let expected: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(p, h)| ((*p).to_owned(), Some((*h).to_owned())))
            .collect();
        assert_eq!(hints, expected);
    }
}
