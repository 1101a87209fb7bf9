//! Portable validation: every problem in a pipeline, at once, each with a path and a hint.
//!
//! Platform-specific limits (a name GitLab reserves, a feature CodePipeline lacks) are checked
//! by the backends; policies of an organisation by [`crate::policy`]. The generator runs all of
//! them before it writes anything.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics, Path, did_you_mean};
use crate::env::Env;
use crate::expr::Expr;
use crate::graph::NeedsGraph;
use crate::id::rules;
use crate::job::Job;
use crate::pipeline::Pipeline;
use crate::semantics::OUTPUTS_PER_JOB_MAX;
use crate::step::StepKind;
use crate::trigger::{InputKind, Trigger};

/// The longest id the model accepts (CodePipeline's limit for names).
pub const MAX_ID_LEN: usize = 100;
/// The longest job timeout the model accepts, in minutes (GitHub-hosted runners' limit).
pub const MAX_TIMEOUT_MINUTES: u32 = 360;
/// Environment variable prefixes the platforms reserve for themselves.
pub const RESERVED_ENV_PREFIXES: [&str; 5] = ["GITHUB_", "RUNNER_", "CI_", "GITLAB_", "CODEBUILD_"];

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
    diagnostics
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
    ServiceEnv,
    ActionInput,
    EnvironmentUrl,
    Concurrency,
    RoleArn,
}

impl Place {
    fn allows_secrets(self) -> bool {
        matches!(self, Place::JobEnv | Place::ServiceEnv | Place::ActionInput)
    }

    fn allows_job_context(self) -> bool {
        !matches!(self, Place::PipelineEnv)
    }
}

struct Validator<'a> {
    p: &'a Pipeline,
    root: Path,
    out: Diagnostics,
}

impl<'a> Validator<'a> {
    fn error(&mut self, code: &'static str, path: Path, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::error(code, path, message);
        d.hint = hint;
        self.out.push(d);
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
        self.jobs();
    }

    fn triggers(&mut self) {
        if self.p.triggers.is_empty() {
            self.error(
                "no-triggers",
                self.root.clone(),
                "pipeline has no trigger, so nothing would ever start it",
                Some("add one, e.g. `.on(Trigger::push().branches([\"main\"]))` or `.on(Trigger::manual())`".into()),
            );
        }
        let mut manual_seen = false;
        let mut inputs = HashSet::new();
        let root = self.root.clone();
        for (i, t) in self.p.triggers.iter().enumerate() {
            let path = || root.trigger(i);
            match t {
                Trigger::Push(push) => {
                    for (field, patterns) in [
                        ("branches", &push.branches),
                        ("tags", &push.tags),
                        ("paths", &push.paths),
                    ] {
                        self.patterns(patterns, &|| path().field(field));
                    }
                }
                Trigger::PullRequest(pr) => {
                    self.patterns(&pr.branches, &|| path().field("branches"));
                    self.patterns(&pr.paths, &|| path().field("paths"));
                }
                Trigger::Schedule(s) => {
                    if let Err(problem) = check_cron(&s.cron) {
                        self.error(
                            "invalid-cron",
                            path().field("cron"),
                            format!("schedule {:?} is not a valid cron expression: {problem}", s.cron),
                            Some(
                                "use five fields: minute hour day-of-month month day-of-week, e.g. \"30 3 * * 1-5\""
                                    .into(),
                            ),
                        );
                    }
                }
                Trigger::Manual(m) => {
                    if std::mem::replace(&mut manual_seen, true) {
                        self.error(
                            "duplicate-manual-trigger",
                            path(),
                            "pipeline has more than one manual trigger",
                            Some("put all inputs on one manual trigger".into()),
                        );
                    }
                    for input in &m.inputs {
                        let ipath = || path().input(input.name.as_str());
                        if !inputs.insert(input.name.as_str()) {
                            self.error(
                                "duplicate-input",
                                ipath(),
                                format!("input {:?} is declared twice", input.name.as_str()),
                                None,
                            );
                        }
                        if !rules::is_var_name(input.name.as_str()) || input.name.as_str().len() > MAX_ID_LEN {
                            self.error(
                                "invalid-input-name",
                                ipath(),
                                format!("input name {:?} is not portable", input.name.as_str()),
                                Some("use letters, digits and '_' (not starting with a digit): it becomes a variable on some platforms".into()),
                            );
                        }
                        if let InputKind::Choice { options, default } = &input.kind {
                            if options.is_empty() {
                                self.error("empty-choice", ipath(), "choice input has no options", None);
                            }
                            if let Some(d) = default {
                                if !options.contains(d) {
                                    self.error(
                                        "invalid-default",
                                        ipath(),
                                        format!("default {d:?} is not one of the options {options:?}"),
                                        None,
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn patterns(&mut self, patterns: &[String], path: At<'_>) {
        for pat in patterns {
            if pat.trim().is_empty() || pat.contains('\n') {
                self.error(
                    "invalid-pattern",
                    path(),
                    format!("filter pattern {pat:?} is empty or spans lines"),
                    None,
                );
            }
        }
    }

    fn jobs(&mut self) {
        let graph = NeedsGraph::new(self.p);
        let root = self.root.clone();
        for (j, job) in self.p.jobs.iter().enumerate() {
            let path = || root.job(job.id.as_str());
            if graph.index_of(job.id.as_str()) != Some(j) {
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
            for (n, need) in job.needs.iter().enumerate() {
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
                } else if job.needs[..n].contains(need) {
                    self.out.push(Diagnostic::warning(
                        "duplicate-need",
                        npath(),
                        format!("job {:?} lists {:?} twice in needs", job.id.as_str(), need.as_str()),
                    ));
                }
            }
            self.job(job, &path);
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
        self.artifacts(&graph);
        self.outputs(&graph);
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
        let axes: Vec<&str> = job
            .matrix
            .as_ref()
            .map(|m| m.axes.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if let Some(m) = &job.matrix {
            if m.axes.is_empty() {
                self.error("empty-matrix", path().field("matrix"), "matrix has no axes", None);
            }
            for (axis, values) in &m.axes {
                let apath = || path().field(format!("matrix.{axis}"));
                if !rules::is_var_name(axis) {
                    self.error(
                        "invalid-matrix-axis",
                        apath(),
                        format!("matrix axis {axis:?} is not a valid name"),
                        Some("use letters, digits and '_' (not starting with a digit)".into()),
                    );
                }
                if values.is_empty() {
                    self.error(
                        "empty-matrix-axis",
                        apath(),
                        format!("matrix axis {axis:?} has no values"),
                        None,
                    );
                }
                if values.iter().enumerate().any(|(k, v)| values[..k].contains(v)) {
                    self.error(
                        "duplicate-matrix-value",
                        apath(),
                        format!("matrix axis {axis:?} repeats a value"),
                        None,
                    );
                }
            }
        }
        self.env(&job.env, &|| path().field("env"), Place::JobEnv, Some((job, &axes)));
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
            }
        }
        if let Some(c) = &job.concurrency {
            self.expr(
                &c.group,
                &|| path().field("concurrency.group"),
                Place::Concurrency,
                Some((job, &axes)),
            );
        }
        if let Some(c) = &job.condition {
            self.condition_inputs(c, &|| path().field("if"));
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
            }
            self.env(&s.env, &|| spath().field("env"), Place::ServiceEnv, Some((job, &axes)));
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
            self.env(&step.env, &|| spath().field("env"), Place::JobEnv, Some((job, &axes)));
            if let Some(c) = &step.condition {
                self.condition_inputs(c, &|| spath().field("if"));
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

    /// Artifact and cache paths must stay inside the workspace: GitLab only archives files of the
    /// project directory, and a relative path means the same on every runner.
    fn workspace_paths(&mut self, paths: &[String], path: At<'_>, what: &str) {
        for p in paths {
            let outside =
                p.starts_with('/') || p.starts_with('~') || p.starts_with('$') || p.split('/').any(|c| c == "..");
            if outside || p.trim().is_empty() {
                self.error(
                    "path-outside-workspace",
                    path(),
                    format!("{what} path {p:?} is not a relative path inside the workspace"),
                    Some("use a path relative to the checkout (for tool caches, point the tool's home into the workspace, e.g. CARGO_HOME=.cargo)".into()),
                );
            }
        }
    }

    /// Scripts are plain text: values must come through `env`, never be spliced in.
    fn script(&mut self, body: &str, path: At<'_>) {
        if body.trim().is_empty() {
            self.error("empty-script", path(), "script is empty", None);
            return;
        }
        let spliced = body.contains("${{") || body.contains("$[[");
        if spliced && body.contains("secrets.") {
            self.error(
                "inline-secret",
                path(),
                "a secret is placed inline in a script, where it can leak into logs and process lists",
                Some("reference it in the step's env, `.env(\"TOKEN\", Expr::secret(\"TOKEN\"))`, and use \"$TOKEN\" in the script".into()),
            );
        } else if spliced {
            self.error(
                "inline-expression",
                path(),
                "a platform expression is spliced into a script, which allows script injection and only works on one platform",
                Some("pass the value through env with an `Expr` (e.g. `.env(\"REF\", Builtin::RefName)`) and read \"$REF\" in the script".into()),
            );
        }
    }

    fn env(&mut self, env: &Env, path: At<'_>, place: Place, job: Option<(&Job, &[&str])>) {
        for (name, value) in env {
            let vpath = || path().field(name.as_str());
            if !rules::is_var_name(name.as_str()) {
                self.error(
                    "invalid-env-name",
                    vpath(),
                    format!("environment variable name {:?} is not valid", name.as_str()),
                    Some("use letters, digits and '_' (not starting with a digit)".into()),
                );
            } else if let Some(prefix) = RESERVED_ENV_PREFIXES.iter().find(|p| name.as_str().starts_with(*p)) {
                self.error(
                    "reserved-env-name",
                    vpath(),
                    format!(
                        "environment variable {:?} uses the prefix {prefix:?} a platform reserves",
                        name.as_str()
                    ),
                    Some("choose another name".into()),
                );
            }
            self.expr(value, &vpath, place, job);
        }
    }

    fn expr(&mut self, value: &Expr, path: At<'_>, place: Place, job: Option<(&Job, &[&str])>) {
        for secret in value.secrets() {
            self.secret_name(secret.as_str(), &|| path());
            if !place.allows_secrets() {
                let hint = if place == Place::PipelineEnv {
                    "secrets belong in the env of the job or step that needs them (least privilege)"
                } else {
                    "secrets may only be placed in env and action inputs"
                };
                self.error(
                    "misplaced-secret",
                    path(),
                    format!("secret {:?} cannot be used here", secret.as_str()),
                    Some(hint.into()),
                );
            }
        }
        for input in value.inputs() {
            self.input_exists(input.as_str(), &path);
        }
        for var in value.vars() {
            if !rules::is_var_name(var.as_str()) {
                self.error(
                    "invalid-var-name",
                    path(),
                    format!("configuration variable name {:?} is not valid", var.as_str()),
                    Some("use letters, digits and '_'".into()),
                );
            }
        }
        match job {
            Some((_, axes)) => {
                for axis in value.matrix_axes() {
                    if !axes.contains(&axis) {
                        self.error(
                            "unknown-matrix-axis",
                            path(),
                            format!("matrix axis {axis:?} is not defined on this job"),
                            None,
                        );
                    }
                }
            }
            None => {
                if value.matrix_axes().next().is_some() {
                    self.error(
                        "misplaced-matrix",
                        path(),
                        "matrix values exist only inside a job",
                        None,
                    );
                }
            }
        }
        if (!place.allows_job_context() || place == Place::Concurrency) && value.outputs().next().is_some() {
            self.error(
                "misplaced-output",
                path(),
                "job outputs can only be used inside a job's env, action inputs or environment URL",
                None,
            );
        }
    }

    fn secret_name(&mut self, name: &str, path: At<'_>) {
        if !rules::is_var_name(name) || name.starts_with("GITHUB_") {
            self.error(
                "invalid-secret-name",
                path(),
                format!("secret name {name:?} is not valid"),
                Some("use letters, digits and '_' (not starting with a digit or GITHUB_)".into()),
            );
        }
    }

    fn input_exists(&mut self, name: &str, path: At<'_>) {
        if !self.p.inputs().any(|i| i.name == name) {
            let names: Vec<&str> = self.p.inputs().map(|i| i.name.as_str()).collect();
            let hint = did_you_mean(name, names.iter().copied())
                .map(|s| format!("did you mean {s:?}?"))
                .unwrap_or_else(|| {
                    "declare it on the manual trigger: `Trigger::manual().input(Input::string(..))`".into()
                });
            self.error(
                "unknown-input",
                path(),
                format!("input {name:?} is not declared"),
                Some(hint),
            );
        }
    }

    fn condition_inputs(&mut self, c: &crate::condition::Condition, path: At<'_>) {
        for input in c.inputs() {
            self.input_exists(input.as_str(), &path);
        }
        let mut branch_problem = false;
        c.visit(&mut |c| {
            if let crate::condition::Condition::Branch(b) = c {
                branch_problem |= b.trim().is_empty() || b.contains(['\n', '\'', '"']);
            }
        });
        if branch_problem {
            self.error(
                "invalid-branch",
                path(),
                "branch name in a condition is empty or contains quotes or newlines",
                None,
            );
        }
    }

    /// Artifacts are restored at the paths they were uploaded from (docs/SEMANTICS.md,
    /// section 7): a download directory other than the workspace must hold every uploaded path.
    fn download_path(&mut self, d: &crate::artifact::Download, producer: usize, path: At<'_>) {
        let dir = d.path.trim_start_matches("./").trim_end_matches('/');
        if dir.is_empty() || dir == "." {
            return;
        }
        let normal = |p: &str| p.trim_start_matches("./").to_owned();
        let uploaded: Vec<String> = self.p.jobs[producer]
            .steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Upload(u) if u.artifact == d.artifact => Some(u.paths.iter().map(|p| normal(p))),
                _ => None,
            })
            .flatten()
            .collect();
        let prefix = format!("{dir}/");
        let outside: Vec<&String> = uploaded.iter().filter(|p| !p.starts_with(&prefix)).collect();
        if !outside.is_empty() {
            let outside: Vec<&str> = outside.iter().map(|p| p.as_str()).collect();
            self.error(
                "download-path",
                path(),
                format!(
                    "artifact {:?} is restored where it was uploaded from ({}), not under {dir:?}",
                    d.artifact.as_str(),
                    outside.join(", ")
                ),
                Some(format!(
                    "use `Step::download({:?})`, or upload the files from under {dir:?}",
                    d.artifact.as_str()
                )),
            );
        }
    }

    fn artifacts(&mut self, graph: &NeedsGraph<'_>) {
        let mut producers: BTreeMap<&str, usize> = BTreeMap::new();
        let root = self.root.clone();
        for (j, job) in self.p.jobs.iter().enumerate() {
            for (i, step) in job.steps.iter().enumerate() {
                let path = || root.job(job.id.as_str()).step(i, step.id_str());
                if let StepKind::Upload(u) = &step.kind {
                    if !rules::is_simple_name(u.artifact.as_str()) || u.artifact.as_str().len() > MAX_ID_LEN {
                        self.error(
                            "invalid-artifact-name",
                            path(),
                            format!("artifact name {:?} is not valid", u.artifact.as_str()),
                            Some("use letters, digits, '-' and '_'".into()),
                        );
                    }
                    if let Some(first) = producers.insert(u.artifact.as_str(), j) {
                        self.error(
                            "duplicate-artifact",
                            path(),
                            format!(
                                "artifact {:?} is uploaded twice (also by job {:?})",
                                u.artifact.as_str(),
                                self.p.jobs[first].id.as_str()
                            ),
                            Some("build an artifact once and promote it; give other uploads their own name".into()),
                        );
                        producers.insert(u.artifact.as_str(), first);
                    }
                }
            }
        }
        for (j, job) in self.p.jobs.iter().enumerate() {
            for (i, step) in job.steps.iter().enumerate() {
                let path = || root.job(job.id.as_str()).step(i, step.id_str());
                if let StepKind::Download(d) = &step.kind {
                    match producers.get(d.artifact.as_str()) {
                        None => {
                            let hint = did_you_mean(d.artifact.as_str(), producers.keys().copied())
                                .map(|s| format!("did you mean {s:?}?"))
                                .unwrap_or_else(|| "upload it in an earlier job with `Step::upload`".into());
                            self.error(
                                "unknown-artifact",
                                path(),
                                format!("artifact {:?} is downloaded but never uploaded", d.artifact.as_str()),
                                Some(hint),
                            );
                        }
                        Some(&producer) if producer == j => {
                            self.error(
                                "artifact-same-job",
                                path(),
                                format!(
                                    "artifact {:?} is downloaded in the job that uploads it",
                                    d.artifact.as_str()
                                ),
                                Some("files stay on the runner within a job; remove the download".into()),
                            );
                        }
                        Some(&producer) if !graph.is_ancestor(producer, j) => {
                            let producer_id = self.p.jobs[producer].id.as_str();
                            self.error(
                                "artifact-not-needed",
                                path(),
                                format!(
                                    "artifact {:?} comes from job {producer_id:?}, which job {:?} does not need",
                                    d.artifact.as_str(),
                                    job.id.as_str()
                                ),
                                Some(format!(
                                    "add `.needs(\"{producer_id}\")` so the artifact exists before this job starts"
                                )),
                            );
                        }
                        Some(&producer) => self.download_path(d, producer, &path),
                    }
                }
            }
        }
    }

    fn outputs(&mut self, graph: &NeedsGraph<'_>) {
        let root = self.root.clone();
        for (j, job) in self.p.jobs.iter().enumerate() {
            let path = || root.job(job.id.as_str());
            for value in job.exprs() {
                for out in value.outputs() {
                    // The last job with that id, as before duplicate ids are reported.
                    let Some(producer) = self.p.jobs.iter().rposition(|p| p.id == out.job) else {
                        self.error(
                            "unknown-output-job",
                            path(),
                            format!(
                                "output {:?} comes from unknown job {:?}",
                                out.name.as_str(),
                                out.job.as_str()
                            ),
                            None,
                        );
                        continue;
                    };
                    let producer_job = &self.p.jobs[producer];
                    if !producer_job.outputs().any(|o| o == &out.name) {
                        let names: Vec<&str> = producer_job.outputs().map(|o| o.as_str()).collect();
                        let hint = did_you_mean(out.name.as_str(), names.iter().copied())
                            .map(|s| format!("did you mean {s:?}?"))
                            .unwrap_or_else(|| {
                                format!(
                                    "add `Step::set_output(\"{}\", ..)` to job {:?}",
                                    out.name.as_str(),
                                    out.job.as_str()
                                )
                            });
                        self.error(
                            "output-never-produced",
                            path(),
                            format!(
                                "output {:?} of job {:?} is consumed but never produced",
                                out.name.as_str(),
                                out.job.as_str()
                            ),
                            Some(hint),
                        );
                    }
                    if producer == j {
                        self.error(
                            "output-same-job",
                            path(),
                            format!(
                                "job {:?} consumes its own output {:?}",
                                job.id.as_str(),
                                out.name.as_str()
                            ),
                            Some("within a job, pass values through files or the environment".into()),
                        );
                    } else if !graph.needs_of(j).contains(&producer) {
                        self.error(
                            "output-not-needed",
                            path(),
                            format!(
                                "job {:?} uses output {:?} of job {:?} without needing it directly",
                                job.id.as_str(),
                                out.name.as_str(),
                                out.job.as_str()
                            ),
                            Some(format!("add `.needs(\"{}\")`", out.job.as_str())),
                        );
                    }
                }
            }
        }
    }
}

fn is_role_arn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("arn:") else {
        return false;
    };
    let mut parts = rest.splitn(5, ':');
    let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty())
}

/// Checks a five-field cron expression; returns what is wrong.
///
/// ```
/// use pipeline_core::validate::check_cron;
/// assert!(check_cron("30 3 * * 1-5").is_ok());
/// assert!(check_cron("*/15 * * * MON").is_ok());
/// assert!(check_cron("61 * * * *").is_err());
/// assert!(check_cron("* * * *").is_err());
/// ```
pub fn check_cron(cron: &str) -> Result<(), String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected 5 fields, found {}", fields.len()));
    }
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let specs: [(&str, u32, u32, &[&str]); 5] = [
        ("minute", 0, 59, &[]),
        ("hour", 0, 23, &[]),
        ("day of month", 1, 31, &[]),
        ("month", 1, 12, &MONTHS),
        ("day of week", 0, 6, &DAYS),
    ];
    for (field, (name, min, max, names)) in fields.iter().zip(specs) {
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            if let Some(step) = step {
                match step.parse::<u32>() {
                    Ok(s) if s >= 1 && s <= max => {}
                    _ => return Err(format!("{name}: bad step {step:?}")),
                }
            }
            if range == "*" {
                continue;
            }
            let value = |v: &str| -> Result<u32, String> {
                if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
                    return Ok(i as u32 + min);
                }
                match v.parse::<u32>() {
                    Ok(n) if n >= min && n <= max => Ok(n),
                    _ => Err(format!("{name}: {v:?} is outside {min}-{max}")),
                }
            };
            match range.split_once('-') {
                Some((a, b)) => {
                    if value(a)? > value(b)? {
                        return Err(format!("{name}: range {range:?} is reversed"));
                    }
                }
                None => {
                    value(range)?;
                }
            }
        }
    }
    Ok(())
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
}
