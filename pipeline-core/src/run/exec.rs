//! The executor: jobs in plan order, each run (matrix cell) in a fresh workspace, each step in a
//! fresh shell, with conditions, approvals, retries, artifacts, outputs, caches and secrets as
//! `docs/SEMANTICS.md` describes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::cells::Instance;
use super::context::{Context, Status};
use super::mask::Masker;
use super::plan::{Plan, PlannedJob, step_label};
use super::process::{Engine, StepProcess, Stream};
use super::report::{JobReport, JobStatus, Report, StepOutcome, StepReport};
use super::state::{JobState, StateFiles};
use super::store::{LocalCache, Store};
use super::workspace::{RunDir, copy_files, is_inside, tracked_files};
use crate::cloud::CloudRole;
use crate::env::Env;
use crate::expr::Expr;
use crate::job::Job;
use crate::step::{Step, StepKind};

/// The largest encoded output value (docs/SEMANTICS.md, section 8).
pub const MAX_OUTPUT_ENCODED: usize = 1024;

/// The length of a value's encoded form: every byte outside `A-Z a-z 0-9 . _ ~ / : @ + , = -`
/// takes three bytes (`%XX`).
pub fn encoded_len(value: &[u8]) -> usize {
    value
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._~/:@+,=-".contains(b) {
                1
            } else {
                3
            }
        })
        .sum()
}

/// Settings of the executor that do not change what the pipeline means.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Which manual approvals pass.
    pub approve: Approvals,
    /// Run jobs that name an image in it with this engine (else on the host, saying so).
    pub engine: Option<Engine>,
    /// Where caches persist between runs (default: `$XDG_CACHE_HOME/pipeline-run`, else
    /// `~/.cache/pipeline-run`, else inside the run directory).
    pub cache_dir: Option<PathBuf>,
    /// Values of secrets and configuration variables (default: the process environment).
    pub host: Option<BTreeMap<String, String>>,
    /// `--host-os-only`: skip the matrix cells (and jobs) whose runner has another OS than this
    /// machine; without it they run here too.
    pub host_os_only: bool,
}

/// Which manual approvals a run passes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Approvals {
    /// None: a job behind an approval waits, and so do the jobs that need it.
    #[default]
    None,
    /// Every approval (`--approve`).
    All,
    /// The approvals of these jobs only.
    Jobs(Vec<String>),
}

impl Approvals {
    /// Whether the approval of job `id` passes.
    pub fn passes(&self, id: &str) -> bool {
        match self {
            Approvals::None => false,
            Approvals::All => true,
            Approvals::Jobs(ids) => ids.iter().any(|j| j == id),
        }
    }
}

/// The first job before `planned` (transitively, through its needs) that failed.
fn upstream_failure<'p>(plan: &'p Plan<'_>, planned: &PlannedJob<'_>, agg: &[Agg]) -> Option<&'p str> {
    let mut seen = vec![false; plan.jobs.len()];
    let mut stack: Vec<usize> = planned.needs.clone();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        if agg.get(i) == Some(&Agg::Failed) {
            return Some(plan.jobs[i].job.id.as_str());
        }
        stack.extend(plan.jobs[i].needs.iter().copied());
    }
    None
}

/// The aggregate result of a job (all its runs) for the jobs that need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Agg {
    Succeeded,
    Failed,
    NotRun,
    Waiting,
}

pub(crate) struct Executor<'a, 'w> {
    ctx: &'a Context,
    settings: &'a Settings,
    out: &'w mut dyn Write,
    dir: RunDir,
    repo: PathBuf,
    /// The copy of the tracked files every checkout starts from, made at the first checkout
    /// (so edits made to the repository during the run do not reach later jobs).
    snapshot: Option<PathBuf>,
    tracked: Vec<String>,
    store: Store,
    cache: LocalCache,
    masker: Masker,
    report: Report,
    seq: usize,
}

impl<'a, 'w> Executor<'a, 'w> {
    pub(crate) fn new(
        ctx: &'a Context,
        settings: &'a Settings,
        repo: &'a Path,
        out: &'w mut dyn Write,
    ) -> Result<Self, String> {
        let dir = RunDir::new().map_err(|e| format!("cannot create the run directory: {e}"))?;
        let tracked = tracked_files(repo)?;
        let store = Store::new(dir.path().join("artifacts"));
        let cache_root = settings.cache_dir.clone().unwrap_or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|c| c.join("pipeline-run"))
                .unwrap_or_else(|| dir.path().join("cache"))
        });
        Ok(Self {
            ctx,
            settings,
            out,
            repo: repo.to_path_buf(),
            snapshot: None,
            tracked,
            store,
            cache: LocalCache::new(cache_root),
            masker: Masker::default(),
            report: Report::default(),
            dir,
            seq: 0,
        })
    }

    fn snapshot(&mut self) -> std::io::Result<PathBuf> {
        if let Some(s) = &self.snapshot {
            return Ok(s.clone());
        }
        let snap = self.dir.path().join("snapshot");
        copy_files(&self.repo, &snap, &self.tracked)?;
        self.snapshot = Some(snap.clone());
        Ok(snap)
    }

    fn host(&self, name: &str) -> Option<String> {
        match &self.settings.host {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{}", self.masker.mask(line));
    }

    /// Runs the plan to the end.
    pub(crate) fn run(mut self, plan: &Plan<'_>) -> Report {
        self.report.pipeline = plan.pipeline.id.to_string();
        self.report.started = plan.started;
        let short: String = self.ctx.commit_sha.chars().take(12).collect();
        self.say(&format!(
            "run of pipeline {:?} on {} of {:?} (commit {short}), in {}",
            plan.pipeline.id.as_str(),
            self.ctx.event.name(),
            self.ctx.ref_name(),
            self.dir.path().display()
        ));
        for note in &plan.notes {
            self.say(&format!("note: {note}"));
        }
        if !plan.started {
            let triggers: Vec<String> = plan.pipeline.triggers.iter().map(ToString::to_string).collect();
            self.say(&format!(
                "pipeline {:?} does not start on {} of {:?}; its triggers: {} (choose with --event, --branch, --tag)",
                plan.pipeline.id.as_str(),
                self.ctx.event.name(),
                self.ctx.ref_name(),
                triggers.join("; ")
            ));
            return self.report;
        }
        // Every secret the pipeline reads, masked from the start.
        let mut missing = Vec::new();
        for job in &plan.pipeline.jobs {
            for e in job.exprs().chain(plan.pipeline.env.iter().map(|(_, v)| v)) {
                let token = e.tokens().next().map(|_| crate::token::LOCAL_TOKEN_VAR);
                for s in e.secrets().map(|s| s.as_str()).chain(token) {
                    match self.host(s) {
                        Some(v) => self.masker.add(&v),
                        None if !missing.iter().any(|m| m == s) => missing.push(s.to_owned()),
                        None => {}
                    }
                }
            }
        }
        for s in missing {
            let what = if s == crate::token::LOCAL_TOKEN_VAR {
                "the platform token"
            } else {
                "secret"
            };
            self.report.warnings.push(format!(
                "{what} {s} is not set in the environment: steps see it empty (export {s}=... to provide it)"
            ));
        }
        let mut agg: Vec<Agg> = Vec::with_capacity(plan.jobs.len());
        for planned in &plan.jobs {
            let a = self.run_job(plan, planned, &agg);
            agg.push(a);
        }
        self.report
    }

    fn run_job(&mut self, plan: &Plan<'_>, planned: &PlannedJob<'_>, agg: &[Agg]) -> Agg {
        let job = planned.job;
        let needs: Vec<(&str, Agg)> = planned
            .needs
            .iter()
            .map(|&i| (plan.jobs[i].job.id.as_str(), agg[i]))
            .collect();
        let skip = |reason: String| Some(JobStatus::Skipped(reason));
        let failed_need = needs.iter().any(|(_, a)| *a == Agg::Failed);
        // An optional need that did not run (absent, its condition or path filter false) is no
        // obstacle; one that failed, or did not run because a job before it failed, is
        // (docs/SEMANTICS.md, section 23).
        let mut not_ok: Vec<&str> = needs
            .iter()
            .filter(|(n, a)| *a != Agg::Succeeded && !(*a == Agg::NotRun && job.is_optional_need(n)))
            .map(|(n, _)| *n)
            .collect();
        if !job.optional_needs.is_empty() && not_ok.is_empty() {
            not_ok.extend(upstream_failure(plan, planned, agg));
        }
        let waiting: Vec<&str> = needs
            .iter()
            .filter(|(_, a)| *a == Agg::Waiting)
            .map(|(n, _)| *n)
            .collect();
        let verdict = if !waiting.is_empty() {
            skip(format!("waits for {} (approval)", waiting.join(", ")))
        } else if !self.ctx.changed(&job.changed_paths) {
            skip(format!("no file matching {} changed", job.changed_paths.join(", ")))
        } else {
            match &job.condition {
                Some(c) if c.mentions_status() => {
                    let results: Vec<(&str, crate::condition::JobResult)> = needs
                        .iter()
                        .filter_map(|(n, a)| {
                            use crate::condition::JobResult;
                            match a {
                                Agg::Succeeded => Some((*n, JobResult::Success)),
                                Agg::Failed => Some((*n, JobResult::Failure)),
                                Agg::NotRun => Some((*n, JobResult::Skipped)),
                                Agg::Waiting => None,
                            }
                        })
                        .collect();
                    if self.ctx.holds_for_job(c, Status { failed: failed_need }, &results) {
                        None
                    } else {
                        skip(format!("condition is false: {c}"))
                    }
                }
                Some(c) if !self.ctx.holds(c, Status::default()) => skip(format!("condition is false: {c}")),
                _ if !not_ok.is_empty() => skip(format!("needs {}, which did not succeed", not_ok.join(", "))),
                _ => None,
            }
        };
        let verdict = verdict.or_else(|| {
            (job.environment.as_ref().is_some_and(|e| e.requires_approval())
                && !self.settings.approve.passes(job.id.as_str()))
            .then_some(JobStatus::WaitingForApproval)
        });
        if let Some(status) = verdict {
            for inst in &planned.instances {
                let line = match &status {
                    JobStatus::Skipped(why) => format!("--- {} skipped: {why}", inst.name),
                    _ => format!("--- {} waits for a manual approval (--approve passes it)", inst.name),
                };
                self.say(&line);
                self.report.jobs.push(JobReport {
                    job: job.id.to_string(),
                    name: inst.name.clone(),
                    status: status.clone(),
                    steps: Vec::new(),
                    outputs: BTreeMap::new(),
                    log: Vec::new(),
                    duration: Duration::ZERO,
                    attempts: 0,
                });
            }
            return if status == JobStatus::WaitingForApproval {
                Agg::Waiting
            } else {
                Agg::NotRun
            };
        }
        if job.environment.as_ref().is_some_and(|e| e.requires_approval()) {
            self.say(&format!("--- {}: approval passed (--approve)", job.id));
        }
        let mut result = Agg::Succeeded;
        // Cells run one after the other; with `fail_fast(true)` a failed cell cancels the rest.
        let fail_fast = job.matrix.as_ref().and_then(|m| m.fail_fast) == Some(true);
        let mut failed_cell: Option<String> = None;
        if planned.instances.iter().all(|i| i.skip.is_some()) {
            result = Agg::NotRun;
        }
        for inst in &planned.instances {
            let skip = match (&inst.skip, fail_fast, &failed_cell) {
                (Some(why), _, _) => Some(why.clone()),
                (None, true, Some(cell)) => Some(format!("fail fast: {cell} failed")),
                _ => None,
            };
            if let Some(why) = skip {
                self.say(&format!("--- {} skipped: {why}", inst.name));
                self.report.jobs.push(JobReport {
                    job: job.id.to_string(),
                    name: inst.name.clone(),
                    status: JobStatus::Skipped(why),
                    steps: Vec::new(),
                    outputs: BTreeMap::new(),
                    log: Vec::new(),
                    duration: Duration::ZERO,
                    attempts: 0,
                });
                continue;
            }
            let report = self.run_with_retries(plan, job, inst);
            if report.status == JobStatus::Failed {
                result = Agg::Failed;
                failed_cell.get_or_insert_with(|| inst.name.clone());
            }
            self.report.jobs.push(report);
        }
        result
    }

    fn run_with_retries(&mut self, plan: &Plan<'_>, job: &Job, inst: &Instance) -> JobReport {
        let attempts = u32::from(job.retry) + 1;
        let mut attempt = 1;
        loop {
            let mut report = self.run_instance(plan, job, inst);
            report.attempts = attempt;
            let failed = matches!(report.status, JobStatus::Failed | JobStatus::FailedAllowed);
            if !failed || attempt >= attempts {
                return report;
            }
            attempt += 1;
            self.say(&format!(
                "--- {}: retrying (attempt {attempt} of {attempts})",
                inst.name
            ));
        }
    }

    fn run_instance(&mut self, plan: &Plan<'_>, job: &Job, inst: &Instance) -> JobReport {
        let started = Instant::now();
        self.seq += 1;
        let ws = self.dir.path().join("jobs").join(self.seq.to_string());
        let _ = std::fs::remove_dir_all(&ws);
        let mut log: Vec<String> = Vec::new();
        let mut steps: Vec<StepReport> = Vec::new();
        let mut outputs = BTreeMap::new();
        self.say(&format!("==> {}", inst.name));
        if let Err(e) = std::fs::create_dir_all(&ws) {
            return self.finish(
                job,
                inst,
                JobStatus::Failed,
                steps,
                outputs,
                vec![format!("cannot create the workspace: {e}")],
                started,
            );
        }
        if let Some(image) = &job.runner.image {
            let line = match &self.settings.engine {
                Some(engine) => format!("    image {image}: running with {}", engine.program),
                None => format!("    image {image}: running on the host (--engine docker|podman runs it in the image)"),
            };
            self.say(&line);
        }
        for service in &job.services {
            self.say(&format!("    service {}: not started locally", service.image));
        }
        let deadline = started + Duration::from_secs(u64::from(plan.pipeline.timeout_of(job)) * 60);
        let mut failed = false;
        let mut caches: Vec<(String, Vec<String>)> = Vec::new();
        let mut state = JobState::default();
        for (i, step) in job.steps.iter().enumerate() {
            let name = step_label(step);
            let runs = match &step.condition {
                None => !failed,
                Some(c) if c.mentions_status() => self.ctx.holds_in(c, Status { failed }, &inst.cell),
                Some(c) => !failed && self.ctx.holds_in(c, Status::default(), &inst.cell),
            };
            if !runs {
                let why = match &step.condition {
                    Some(c) if !self.ctx.holds_in(c, Status { failed }, &inst.cell) => {
                        format!("condition is false: {c}")
                    }
                    _ => "an earlier step failed".to_owned(),
                };
                steps.push(StepReport {
                    name,
                    outcome: StepOutcome::Skipped(why),
                });
                continue;
            }
            let mut env = self.step_env(plan, job, inst, step, &ws, &state);
            let files = if step.state.is_empty() {
                None
            } else {
                match StateFiles::create(&self.dir.path().join("state").join(self.seq.to_string()), i) {
                    Ok(files) => {
                        env.extend(files.vars());
                        Some(files)
                    }
                    Err(e) => {
                        log.push(format!("cannot create the step state files: {e}"));
                        None
                    }
                }
            };
            let outcome = self.step(
                job,
                inst,
                i,
                step,
                &ws,
                &env,
                deadline,
                &mut log,
                &mut outputs,
                &mut caches,
            );
            let outcome = match (outcome, &files) {
                (StepOutcome::Passed, Some(files)) => {
                    let cwd = ws.join(step.working_directory.as_deref().unwrap_or("."));
                    match state.collect(step, files, &cwd) {
                        Ok(()) => StepOutcome::Passed,
                        Err(message) => {
                            self.say(&format!("    | {message}"));
                            log.push(message);
                            StepOutcome::Failed(None)
                        }
                    }
                }
                (StepOutcome::Passed, None) if !step.state.is_empty() => StepOutcome::Failed(None),
                (outcome, _) => outcome,
            };
            let outcome = match outcome {
                StepOutcome::Failed(c) if step.continue_on_error => StepOutcome::FailedContinued(c),
                StepOutcome::Failed(c) => {
                    failed = true;
                    StepOutcome::Failed(c)
                }
                other => other,
            };
            self.say(&format!("    step {name}: {}", outcome.label()));
            steps.push(StepReport { name, outcome });
        }
        if !failed {
            for (key, paths) in caches {
                match self.cache.save(&key, &ws, &paths) {
                    Ok(n) => self.say(&format!("    cache {key}: saved {n} files")),
                    Err(e) => self.report.warnings.push(format!("cache {key} not saved: {e}")),
                }
            }
        }
        let _ = std::fs::remove_dir_all(&ws);
        let status = match (failed, job.allow_failure) {
            (false, _) => JobStatus::Passed,
            (true, true) => JobStatus::FailedAllowed,
            (true, false) => JobStatus::Failed,
        };
        self.finish(job, inst, status, steps, outputs, log, started)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        job: &Job,
        inst: &Instance,
        status: JobStatus,
        steps: Vec<StepReport>,
        outputs: BTreeMap<String, String>,
        log: Vec<String>,
        started: Instant,
    ) -> JobReport {
        let duration = started.elapsed();
        self.say(&format!(
            "<== {} {} in {:.2}s",
            inst.name,
            status.label(),
            duration.as_secs_f64()
        ));
        JobReport {
            job: job.id.to_string(),
            name: inst.name.clone(),
            status,
            steps,
            outputs,
            log,
            duration,
            attempts: 1,
        }
    }

    /// The environment of a step: pipeline < job < exports of earlier steps < step, each value
    /// evaluated for this run, and `CI=true`.
    fn step_env(
        &mut self,
        plan: &Plan<'_>,
        job: &Job,
        inst: &Instance,
        step: &Step,
        ws: &Path,
        state: &JobState,
    ) -> Vec<(String, String)> {
        let mut merged: Env = Env::new();
        for (k, v) in plan.pipeline.env.iter().chain(job.env.iter()).chain(step.env.iter()) {
            merged.insert(k.clone(), v.clone());
        }
        let workspace = ws.to_string_lossy().into_owned();
        let mut out = vec![("CI".to_owned(), "true".to_owned())];
        for (k, v) in merged.iter() {
            let value = self.ctx.value(v, &workspace, &mut |part| match part {
                Expr::Secret(s) => self.host(s.as_str()),
                Expr::Token(_) => self.host(crate::token::LOCAL_TOKEN_VAR),
                Expr::Var(name) => self.host(name.as_str()),
                Expr::Output(o) => self.store.output(o.job.as_str(), o.name.as_str()).cloned(),
                Expr::StepOutput(o) => state.output(o.step.as_str(), o.name.as_str()),
                Expr::Matrix(axis) => inst.cell.iter().find(|(a, _)| a == axis).map(|(_, v)| v.clone()),
                _ => None,
            });
            out.retain(|(n, _)| n != k.as_str());
            out.push((k.to_string(), value));
        }
        state.apply(&mut out, &|name| step.env.get(name).is_some());
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        job: &Job,
        inst: &Instance,
        index: usize,
        step: &Step,
        ws: &Path,
        env: &[(String, String)],
        deadline: Instant,
        log: &mut Vec<String>,
        outputs: &mut BTreeMap<String, String>,
        caches: &mut Vec<(String, Vec<String>)>,
    ) -> StepOutcome {
        let note = |this: &mut Self, log: &mut Vec<String>, text: String| {
            let text = this.masker.mask(&text);
            this.say(&format!("    | {text}"));
            log.push(text);
        };
        match &step.kind {
            // Another shell runs from the same bash launcher GitLab and CodeBuild use
            // (docs/SEMANTICS.md, section 26).
            StepKind::Script(body) => {
                let body = step.shell.launcher(body);
                self.shell(job, inst, index, step, &body, ws, env, deadline, log, None)
            }
            StepKind::SetOutput(o) => {
                let mut value = Vec::new();
                let outcome = self.shell(
                    job,
                    inst,
                    index,
                    step,
                    &o.command,
                    ws,
                    env,
                    deadline,
                    log,
                    Some(&mut value),
                );
                if outcome != StepOutcome::Passed {
                    return outcome;
                }
                if value.contains(&0) {
                    note(self, log, format!("output {} contains a NUL byte", o.name));
                    return StepOutcome::Failed(None);
                }
                let size = encoded_len(&value);
                if size > MAX_OUTPUT_ENCODED {
                    note(
                        self,
                        log,
                        format!(
                            "output {} is larger than {MAX_OUTPUT_ENCODED} bytes encoded ({size})",
                            o.name
                        ),
                    );
                    return StepOutcome::Failed(None);
                }
                let Ok(mut text) = String::from_utf8(value) else {
                    note(self, log, format!("output {} is not UTF-8 text", o.name));
                    return StepOutcome::Failed(None);
                };
                while text.ends_with('\n') {
                    text.pop();
                }
                if let Some(old) = self.store.set_output(job.id.as_str(), o.name.as_str(), text.clone()) {
                    self.report.warnings.push(format!(
                        "output {} of job {} was {old:?} in an earlier matrix cell and is {text:?} after {}: the last cell wins",
                        o.name, job.id, inst.name
                    ));
                }
                outputs.insert(o.name.to_string(), text);
                StepOutcome::Passed
            }
            StepKind::Checkout(c) if !c.is_workspace_root() => {
                StepOutcome::NotLocal("a checkout of another repository, ref or directory".to_owned())
            }
            StepKind::Checkout(_) => match self.snapshot().and_then(|snap| copy_files(&snap, ws, &self.tracked)) {
                Ok(()) => StepOutcome::Passed,
                Err(e) => {
                    note(self, log, format!("cannot copy the tracked files: {e}"));
                    StepOutcome::Failed(None)
                }
            },
            StepKind::Action(a) => StepOutcome::NotLocal(format!("platform action {}", a.action.uses())),
            StepKind::AssumeRole(CloudRole::Aws(role)) => StepOutcome::NotLocal(format!(
                "cloud role {} (no cloud credentials locally)",
                role.role_arn.as_literal().unwrap_or("(computed)")
            )),
            StepKind::Upload(u) => match self.store.upload(u.artifact.as_str(), ws, &u.paths) {
                Ok(up) => {
                    for p in &up.unmatched {
                        self.report
                            .warnings
                            .push(format!("artifact {} of {}: {p} matched no file", u.artifact, inst.name));
                    }
                    note(self, log, format!("artifact {}: {} files", u.artifact, up.files.len()));
                    StepOutcome::Passed
                }
                Err(e) => {
                    note(self, log, format!("cannot store artifact {}: {e}", u.artifact));
                    StepOutcome::Failed(None)
                }
            },
            StepKind::Download(d) => {
                if !is_inside(&d.path) {
                    note(self, log, format!("download path {:?} leaves the workspace", d.path));
                    return StepOutcome::Failed(None);
                }
                // The files keep their workspace-relative paths (docs/SEMANTICS.md, section 7):
                // they are restored into the workspace, and validation made sure a `download_to`
                // directory holds them.
                match self.store.download(d.artifact.as_str(), ws) {
                    Ok(Some(files)) => {
                        note(
                            self,
                            log,
                            format!("artifact {}: {} files into the workspace", d.artifact, files.len()),
                        );
                        StepOutcome::Passed
                    }
                    Ok(None) => {
                        note(
                            self,
                            log,
                            format!("artifact {} was not uploaded by any job that ran", d.artifact),
                        );
                        StepOutcome::Failed(None)
                    }
                    Err(e) => {
                        note(self, log, format!("cannot copy artifact {}: {e}", d.artifact));
                        StepOutcome::Failed(None)
                    }
                }
            }
            StepKind::Cache(c) => {
                let key = LocalCache::key(&c.key_prefix, ws, &c.key_files);
                match self.cache.restore(&key, ws) {
                    Ok(Some(n)) => note(self, log, format!("cache {key}: restored {n} files")),
                    Ok(None) => note(self, log, format!("cache {key}: miss (saved when the job passes)")),
                    Err(e) => note(self, log, format!("cache {key}: not restored: {e}")),
                }
                caches.push((key, c.paths.clone()));
                StepOutcome::Passed
            }
        }
    }

    /// Runs `body` in a fresh bash; with `capture`, its standard output is the value.
    #[allow(clippy::too_many_arguments)]
    fn shell(
        &mut self,
        job: &Job,
        inst: &Instance,
        index: usize,
        step: &Step,
        body: &str,
        ws: &Path,
        env: &[(String, String)],
        deadline: Instant,
        log: &mut Vec<String>,
        capture: Option<&mut Vec<u8>>,
    ) -> StepOutcome {
        let scripts = self.dir.path().join("scripts");
        let script = scripts.join(format!("{}-{}.sh", self.seq, index + 1));
        let mut text = body.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let cwd = match &step.working_directory {
            Some(d) if !is_inside(d) => {
                log.push(format!("working directory {d:?} leaves the workspace"));
                return StepOutcome::Failed(None);
            }
            Some(d) => ws.join(d),
            None => ws.to_path_buf(),
        };
        if !cwd.is_dir() {
            let line = format!(
                "working directory {} does not exist",
                step.working_directory.as_deref().unwrap_or(".")
            );
            self.say(&format!("    | {line}"));
            log.push(line);
            return StepOutcome::Failed(None);
        }
        if let Err(e) = std::fs::create_dir_all(&scripts).and_then(|()| std::fs::write(&script, text)) {
            log.push(format!("cannot write the step script: {e}"));
            return StepOutcome::Failed(None);
        }
        let container = match (&self.settings.engine, &job.runner.image) {
            (Some(engine), Some(image)) => Some((engine.clone(), image.clone(), self.dir.path().to_path_buf())),
            _ => None,
        };
        let process = StepProcess {
            script,
            cwd,
            env: env.to_vec(),
            container,
        };
        let capturing = capture.is_some();
        let masker = self.masker.clone();
        let out = &mut *self.out;
        let prefix: String = inst.name.chars().take(24).collect();
        let mut sink = |stream: Stream, line: &str| {
            let line = masker.mask(line);
            let mark = if stream == Stream::Err { '!' } else { '|' };
            let _ = writeln!(out, "    {prefix} {mark} {line}");
            log.push(line);
        };
        let ended = process.run(&mut self.dir, deadline, capturing, &mut sink);
        match ended {
            Err(e) => {
                log.push(format!("cannot start bash: {e}"));
                StepOutcome::Failed(None)
            }
            Ok(ended) => {
                if let Some(buf) = capture {
                    *buf = ended.stdout;
                }
                if ended.timed_out {
                    log.push("timed out: the job's time limit passed; its processes were ended".to_owned());
                    self.say("    | timed out: the job's time limit passed");
                    return StepOutcome::Failed(ended.code);
                }
                match ended.code {
                    Some(0) => StepOutcome::Passed,
                    c => StepOutcome::Failed(c),
                }
            }
        }
    }
}
