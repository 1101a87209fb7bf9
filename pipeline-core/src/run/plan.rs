//! The plan of a local run: which jobs, in which order, with which matrix cells, and what their
//! conditions say before anything runs (`--dry-run` prints it).

use std::fmt::Write as _;

use super::cells::{Instance, instances};
use super::context::{Context, Status};
use crate::graph::NeedsGraph;
use crate::job::Job;
use crate::pipeline::Pipeline;
use crate::runner::Os;
use crate::step::{Step, StepKind};

/// A job in the plan.
#[derive(Clone, Debug)]
pub struct PlannedJob<'a> {
    /// The job.
    pub job: &'a Job,
    /// Indices (in [`Plan::jobs`]) of the jobs it needs.
    pub needs: Vec<usize>,
    /// Its runs: one, or one per matrix cell.
    pub instances: Vec<Instance>,
}

/// The jobs of a run in dependency order.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    /// The pipeline.
    pub pipeline: &'a Pipeline,
    /// Whether a trigger of the pipeline starts it for this run.
    pub started: bool,
    /// What could not be decided locally.
    pub notes: Vec<String>,
    /// The jobs, needed jobs first (declaration order among independent jobs).
    pub jobs: Vec<PlannedJob<'a>>,
}

impl<'a> Plan<'a> {
    /// The plan of `pipeline` in `ctx`; with `only`, that job and the jobs it needs (directly or
    /// not). `Err` names an unknown job with the valid names.
    pub fn new(pipeline: &'a Pipeline, ctx: &Context, only: Option<&str>) -> Result<Self, String> {
        let graph = NeedsGraph::new(pipeline);
        let mut selected: Vec<bool> = vec![only.is_none(); pipeline.jobs.len()];
        if let Some(id) = only {
            let Some(i) = graph.index_of(id) else {
                let names: Vec<&str> = pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
                return Err(format!(
                    "pipeline {:?} has no job {id:?}; its jobs: {}",
                    pipeline.id.as_str(),
                    names.join(", ")
                ));
            };
            selected[i] = true;
            for a in graph.ancestors(i) {
                selected[a] = true;
            }
        }
        // Kahn's algorithm, always taking the first ready job in declaration order.
        let mut order: Vec<usize> = Vec::new();
        let mut done = vec![false; pipeline.jobs.len()];
        loop {
            let next = (0..pipeline.jobs.len())
                .find(|&i| selected[i] && !done[i] && graph.needs_of(i).iter().all(|&n| done[n] || !selected[n]));
            match next {
                Some(i) => {
                    done[i] = true;
                    order.push(i);
                }
                None => break,
            }
        }
        if order.len() != selected.iter().filter(|s| **s).count() {
            return Err(format!(
                "the jobs of pipeline {:?} need each other in a cycle",
                pipeline.id.as_str()
            ));
        }
        let position = |i: usize| order.iter().position(|&o| o == i);
        let jobs = order
            .iter()
            .map(|&i| {
                let job = &pipeline.jobs[i];
                PlannedJob {
                    job,
                    needs: graph.needs_of(i).iter().filter_map(|&n| position(n)).collect(),
                    instances: instances(job),
                }
            })
            .collect();
        let (started, notes) = ctx.triggers(pipeline);
        Ok(Self {
            pipeline,
            started,
            notes,
            jobs,
        })
    }

    /// The plan in words: order, conditions as evaluated for this run, cells, approvals and
    /// what each step means locally.
    pub fn describe(&self, ctx: &Context) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "plan for pipeline {:?} on {} of {:?}{}",
            self.pipeline.id.as_str(),
            ctx.event.name(),
            ctx.ref_name(),
            if self.started {
                ""
            } else {
                " (NOT STARTED: no trigger matches)"
            }
        );
        if !self.started {
            let triggers: Vec<String> = self.pipeline.triggers.iter().map(ToString::to_string).collect();
            let _ = writeln!(out, "  its triggers: {}", triggers.join("; "));
        }
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        if !ctx.inputs.is_empty() {
            let inputs: Vec<String> = ctx.inputs.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            let _ = writeln!(out, "  inputs: {}", inputs.join(", "));
        }
        for (n, planned) in self.jobs.iter().enumerate() {
            let job = planned.job;
            let needs: Vec<&str> = planned.needs.iter().map(|&i| self.jobs[i].job.id.as_str()).collect();
            let _ = writeln!(
                out,
                "{:>3}. {}{}",
                n + 1,
                job.id.as_str(),
                if needs.is_empty() {
                    String::new()
                } else {
                    format!(" (needs {})", needs.join(", "))
                }
            );
            let when = match &job.condition {
                None => "when the jobs it needs succeed".to_owned(),
                Some(c) if c.mentions_status() => format!(
                    "if {c}: {} when the jobs it needs succeed, {} when one of them fails",
                    yes(ctx.holds(c, Status { failed: false })),
                    yes(ctx.holds(c, Status { failed: true })),
                ),
                Some(c) => format!(
                    "if {c}: {}",
                    if ctx.holds(c, Status::default()) {
                        "yes (runs when the jobs it needs succeed)"
                    } else {
                        "no, skipped"
                    }
                ),
            };
            let _ = writeln!(out, "     runs {when}");
            if !job.changed_paths.is_empty() {
                let _ = writeln!(
                    out,
                    "     path filter {}: {}",
                    job.changed_paths.join(", "),
                    match (&ctx.changed_paths, ctx.changed(&job.changed_paths)) {
                        (None, _) => "runs (no base; --changed-since REF compares)",
                        (Some(_), true) => "a matching file changed",
                        (Some(_), false) => "nothing matching changed, skipped",
                    }
                );
            }
            if planned.instances.len() > 1 || !planned.instances[0].cell.is_empty() {
                let names: Vec<String> = planned
                    .instances
                    .iter()
                    .map(|i| match &i.skip {
                        Some(why) => format!("{} (skipped: {why})", i.name),
                        None => i.name.clone(),
                    })
                    .collect();
                let _ = writeln!(out, "     matrix: {} cells: {}", names.len(), names.join("; "));
            }
            if job.environment.as_ref().is_some_and(|e| e.requires_approval()) {
                let _ = writeln!(out, "     approval required (run with --approve to pass it)");
            }
            if let Some(image) = &job.runner.image {
                let _ = writeln!(out, "     image {image}: on the host unless --engine is given");
            }
            for service in &job.services {
                let _ = writeln!(out, "     service {}: not started locally", service.image);
            }
            for (i, step) in job.steps.iter().enumerate() {
                let _ = writeln!(out, "       {}. {}", i + 1, step_line(step, ctx));
            }
        }
        out
    }
}

fn yes(b: bool) -> &'static str {
    if b { "runs" } else { "skipped" }
}

/// A step's description with its local meaning.
fn step_line(step: &Step, ctx: &Context) -> String {
    let label = step_label(step);
    let meaning = match &step.kind {
        StepKind::Script(_) => step.shell.name().to_owned(),
        StepKind::Checkout(c) if !c.is_workspace_root() => {
            "SKIPPED locally: a checkout of another repository, ref or directory".to_owned()
        }
        StepKind::Checkout(_) => "the tracked files into the workspace".to_owned(),
        StepKind::Action(a) => format!("SKIPPED locally: platform action {}", a.action.uses()),
        StepKind::Upload(u) => format!("stores {} as artifact {:?}", u.paths.join(", "), u.artifact.as_str()),
        StepKind::Download(d) => format!("copies artifact {:?} into {}", d.artifact.as_str(), d.path),
        StepKind::Cache(c) => format!("local cache {:?} for {}", c.key_prefix, c.paths.join(", ")),
        StepKind::AssumeRole(_) => "SKIPPED locally: cloud role (no cloud credentials)".to_owned(),
        StepKind::SetOutput(o) => format!("sets output {:?}", o.name.as_str()),
    };
    let cond = match &step.condition {
        Some(c) if c.mentions_status() => format!(" [if {c}]"),
        Some(c) => format!(
            " [if {c}: {}]",
            if ctx.holds(c, Status::default()) {
                "runs"
            } else {
                "skipped"
            }
        ),
        None => String::new(),
    };
    let coe = if step.continue_on_error {
        " [continue on error]"
    } else {
        ""
    };
    format!("{label}: {meaning}{cond}{coe}")
}

/// A step's name for logs: its name, its id, or its kind.
pub(crate) fn step_label(step: &Step) -> String {
    step.name
        .clone()
        .or_else(|| step.id_str().map(str::to_owned))
        .unwrap_or_else(|| match &step.kind {
            StepKind::Script(s) => {
                let first = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
                let short: String = first.chars().take(48).collect();
                if short.len() < first.len() {
                    format!("{short}...")
                } else {
                    short
                }
            }
            other => other.name().to_owned(),
        })
}

impl Plan<'_> {
    /// Skips the runs whose runner has another OS than `host` (`--host-os-only`); without it,
    /// every cell runs on this machine whatever its runner's OS.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// use pipeline_core::run::{Context, LocalEvent, Plan};
    /// let p = Pipeline::new("ci").on(Trigger::push()).job(
    ///     Job::new("test")
    ///         .matrix(Matrix::new().runners([Runner::linux(), Runner::windows()]))
    ///         .step(Step::script("true")),
    /// );
    /// let ctx = Context { event: LocalEvent::Push, branch: Some("main".into()), ..Context::default() };
    /// let plan = Plan::new(&p, &ctx, None).unwrap().host_os_only(Some(Os::Linux));
    /// let skipped: Vec<bool> = plan.jobs[0].instances.iter().map(|i| i.skip.is_some()).collect();
    /// assert_eq!(skipped, [false, true]);
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn host_os_only(mut self, host: Option<Os>) -> Self {
        for planned in &mut self.jobs {
            for inst in &mut planned.instances {
                if Some(inst.os) != host {
                    inst.skip = Some(format!(
                        "runs on {}, not this machine's OS (--host-os-only)",
                        inst.os.as_str()
                    ));
                }
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::run::LocalEvent;

    fn p() -> Pipeline {
        Pipeline::new("p")
            .on(Trigger::push())
            .job(Job::new("deploy").needs("build").step(Step::script("true")))
            .job(Job::new("build").step(Step::script("true")))
            .job(
                Job::new("test")
                    .matrix(Matrix::new().axis("os", ["a", "b"]))
                    .step(Step::script("true")),
            )
    }

    #[test]
    fn order_is_topological_and_matrix_expands() {
        let p = p();
        let ctx = Context {
            event: LocalEvent::Push,
            branch: Some("main".into()),
            ..Context::default()
        };
        let plan = Plan::new(&p, &ctx, None).expect("plan");
        let order: Vec<&str> = plan.jobs.iter().map(|j| j.job.id.as_str()).collect();
        assert_eq!(order, ["build", "deploy", "test"]);
        assert_eq!(plan.jobs[2].instances[1].name, "test: [b]");
        let only = Plan::new(&p, &ctx, Some("deploy")).expect("plan");
        assert_eq!(only.jobs.len(), 2);
        let err = Plan::new(&p, &ctx, Some("deplyo")).expect_err("unknown");
        assert!(err.contains("its jobs: deploy, build, test"), "{err}");
    }
}
