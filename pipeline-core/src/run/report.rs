//! What a local run did: every job's result, step outcomes, outputs and log, and the summary
//! table printed at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Every step passed (or failed with continue on error).
    Passed,
    /// A step failed.
    Failed,
    /// A step failed, but the job allows failure: the pipeline and its dependents go on.
    FailedAllowed,
    /// Not run; the reason.
    Skipped(String),
    /// Waiting for a manual approval (`--approve` passes it).
    WaitingForApproval,
}

impl JobStatus {
    /// A one-word label for the summary.
    pub fn label(&self) -> &'static str {
        match self {
            JobStatus::Passed => "passed",
            JobStatus::Failed => "FAILED",
            JobStatus::FailedAllowed => "failed (allowed)",
            JobStatus::Skipped(_) => "skipped",
            JobStatus::WaitingForApproval => "waiting for approval",
        }
    }

    /// Whether dependents may run as after a success.
    pub fn succeeded(&self) -> bool {
        matches!(self, JobStatus::Passed | JobStatus::FailedAllowed)
    }
}

/// How a step ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// It passed.
    Passed,
    /// It failed with this exit code (`None`: a signal or an error starting it).
    Failed(Option<i32>),
    /// It failed, and continue on error let the job go on.
    FailedContinued(Option<i32>),
    /// It did not run; the reason.
    Skipped(String),
    /// It has no local meaning (a platform action, a cloud role): not run, said so.
    NotLocal(String),
}

impl StepOutcome {
    /// A short label.
    pub fn label(&self) -> String {
        match self {
            StepOutcome::Passed => "passed".into(),
            StepOutcome::Failed(c) => format!("failed ({})", code(*c)),
            StepOutcome::FailedContinued(c) => format!("failed ({}), continued", code(*c)),
            StepOutcome::Skipped(why) => format!("skipped: {why}"),
            StepOutcome::NotLocal(why) => format!("not run locally: {why}"),
        }
    }
}

fn code(c: Option<i32>) -> String {
    c.map_or_else(|| "no exit code".to_owned(), |c| format!("exit {c}"))
}

/// One step's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The step's label.
    pub name: String,
    /// How it ended.
    pub outcome: StepOutcome,
}

/// One job run's result (one matrix cell of a job is one run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobReport {
    /// The job's id.
    pub job: String,
    /// The run's name (`test: [stable]` for a matrix cell).
    pub name: String,
    /// How it ended.
    pub status: JobStatus,
    /// Its steps (empty when the job did not run).
    pub steps: Vec<StepReport>,
    /// Outputs it set.
    pub outputs: BTreeMap<String, String>,
    /// Its log, secrets masked.
    pub log: Vec<String>,
    /// How long it took.
    pub duration: Duration,
    /// Attempts made (more than one after retries).
    pub attempts: u32,
}

impl JobReport {
    /// The step that failed the job, if any.
    pub fn failed_step(&self) -> Option<&StepReport> {
        self.steps.iter().find(|s| matches!(s.outcome, StepOutcome::Failed(_)))
    }
}

/// A finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The pipeline's id.
    pub pipeline: String,
    /// Whether a trigger started the pipeline.
    pub started: bool,
    /// Every job run, in the order they ran (skipped ones where they would have).
    pub jobs: Vec<JobReport>,
    /// Warnings (missing secrets, artifacts that matched nothing, ...).
    pub warnings: Vec<String>,
}

impl Report {
    /// Whether the pipeline failed (a job failed without allowing it).
    pub fn failed(&self) -> bool {
        self.jobs.iter().any(|j| j.status == JobStatus::Failed)
    }

    /// The exit status: 0 passed (or waiting for approval), 1 failed. (An interrupted run
    /// ends with the signal; its guardian ends the step and removes the run directory.)
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed())
    }

    /// The job run named `name`.
    pub fn job(&self, name: &str) -> Option<&JobReport> {
        self.jobs.iter().find(|j| j.name == name)
    }

    /// The summary table, then what failed with the end of its log, or what waits for approval.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let width = self
            .jobs
            .iter()
            .map(|j| j.name.chars().count())
            .max()
            .unwrap_or(3)
            .max(3);
        let _ = writeln!(out, "\n{:<width$}  {:<20}  {:>8}  detail", "job", "result", "time");
        for j in &self.jobs {
            let detail = match &j.status {
                JobStatus::Skipped(why) => why.clone(),
                JobStatus::Failed | JobStatus::FailedAllowed => j
                    .failed_step()
                    .map(|s| format!("step {:?} {}", s.name, s.outcome.label()))
                    .unwrap_or_default(),
                JobStatus::WaitingForApproval => "run again with --approve".into(),
                _ if j.attempts > 1 => format!("{} attempts", j.attempts),
                _ => String::new(),
            };
            let time = if j.steps.is_empty() {
                "-".to_owned()
            } else {
                format!("{:.2}s", j.duration.as_secs_f64())
            };
            let _ = writeln!(
                out,
                "{:<width$}  {:<20}  {:>8}  {detail}",
                j.name,
                j.status.label(),
                time
            );
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        for j in self.jobs.iter().filter(|j| j.status == JobStatus::Failed) {
            let step = j
                .failed_step()
                .map_or_else(|| "?".to_owned(), |s| format!("{:?} ({})", s.name, s.outcome.label()));
            let _ = writeln!(
                out,
                "\nerror: job {:?} failed at step {step}; last lines of its log:",
                j.name
            );
            let start = j.log.len().saturating_sub(20);
            for l in &j.log[start..] {
                let _ = writeln!(out, "  | {l}");
            }
        }
        let waiting: Vec<&str> = self
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::WaitingForApproval)
            .map(|j| j.name.as_str())
            .collect();
        if !waiting.is_empty() {
            let _ = writeln!(
                out,
                "\nstopped at the approval of {}: run again with --approve to pass it",
                waiting.join(", ")
            );
        }
        let verdict = if !self.started {
            "not started (no trigger matches)"
        } else if self.failed() {
            "failed"
        } else {
            "passed"
        };
        let _ = writeln!(out, "pipeline {:?} {verdict}", self.pipeline);
        out
    }
}
