//! Portable pipeline -> GitLab jobs, stages, trigger rules and manual-run variables.
//!
//! The parts live in modules named after them: `job`, `conditions`, `workflow`, `steps`,
//! `artifacts`, `aws`.

mod artifacts;
mod aws;
mod conditions;
mod job;
mod steps;
mod workflow;

use indexmap::IndexMap;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::graph::NeedsGraph;
use pipeline_core::{Checkout, Pipeline, Upload};

use super::Gitlab;
use super::escape;
use super::expr;
use super::model::{self as gl, GlobalVariable, Rule, When};
use super::rules::Dnf;

pub(crate) const PLATFORM: &str = "gitlab";

/// The dotenv file a job's outputs are written to, relative to the project directory.
pub(crate) const OUTPUTS_FILE: &str = ".pipeline-outputs.env";

/// The variable that picks which pipeline a manual run or a schedule starts, when several
/// pipelines share the repository's GitLab pipeline.
pub(crate) const SELECTOR: &str = "RUN_PIPELINE";

/// The variable holding the OIDC token for AWS.
const AWS_TOKEN: &str = "AWS_ID_TOKEN";

/// The stage of jobs in layer `i` of the needs graph.
pub(crate) fn stage_name(layer: usize) -> String {
    format!("stage-{}", layer + 1)
}

/// One pipeline, lowered.
#[derive(Debug, Default)]
pub(crate) struct Lowered {
    /// Jobs by (possibly prefixed) name.
    pub(crate) jobs: IndexMap<String, gl::Job>,
    /// How many stages the jobs use.
    pub(crate) stages: usize,
    /// When the pipeline runs (workflow rules, or include rules).
    pub(crate) trigger_rules: Vec<Rule>,
    /// Prefilled manual-run variables (inputs).
    pub(crate) inputs: IndexMap<String, GlobalVariable>,
    /// Pipeline-wide variables (empty when they went into each job).
    pub(crate) variables: IndexMap<String, String>,
    /// Whether a newer pipeline for the same ref cancels this one.
    pub(crate) auto_cancel: bool,
}

/// How a pipeline is lowered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The only pipeline: `.gitlab-ci.yml` itself.
    Single,
    /// One of several: an included file; job names carry the pipeline id, pipeline variables go
    /// into each job, and manual runs and schedules are picked by [`SELECTOR`].
    Included,
}

pub(crate) struct Lowering<'a> {
    pub(crate) config: &'a Gitlab,
    pub(crate) pipeline: &'a Pipeline,
    pub(crate) mode: Mode,
    pub(crate) diagnostics: &'a mut Diagnostics,
}

/// What the steps of a job add to it.
#[derive(Default)]
struct StepsOut {
    script: Vec<String>,
    checkout: Option<Checkout>,
    uploads: Vec<(Upload, When, Path)>,
    caches: Vec<gl::Cache>,
    downloads: Vec<(String, String, Path)>,
    aws: bool,
    outputs: bool,
    /// Decoding variables used so far (see [`script::exports`](super::script::exports)).
    decoded: usize,
    /// Whether `script` runs step files (and needs the steps directory).
    isolated: bool,
    /// Whether steps record failures instead of ending the job (some step runs after a failure).
    status_mode: bool,
}

impl Lowering<'_> {
    fn root(&self) -> Path {
        Path::pipeline(self.pipeline.id.as_str())
    }

    pub(crate) fn unsupported(&mut self, path: Path, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics.push(
            Diagnostic::error("gitlab-unsupported", path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    pub(crate) fn warn(&mut self, code: &'static str, path: Path, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics.push(
            Diagnostic::warning(code, path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    pub(crate) fn notice(
        &mut self,
        code: &'static str,
        path: Path,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diagnostics.push(
            Diagnostic::notice(code, path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    /// The GitLab job name of a job id.
    pub(crate) fn job_name(&self, id: &str) -> String {
        match self.mode {
            Mode::Single => id.to_owned(),
            Mode::Included => format!("{}:{id}", self.pipeline.id),
        }
    }

    fn selector(&self) -> Option<String> {
        match self.mode {
            Mode::Single => None,
            Mode::Included => Some(format!("${SELECTOR} == \"{}\"", self.pipeline.id)),
        }
    }

    pub(crate) fn lower(&mut self) -> Lowered {
        let p = self.pipeline;
        escape::check(p, self.diagnostics);
        let mut out = Lowered {
            trigger_rules: self.trigger_rules(),
            inputs: self.inputs(),
            // Sized once: a map of thousands of jobs is not regrown and copied ten times.
            jobs: IndexMap::with_capacity(p.jobs.len()),
            ..Lowered::default()
        };
        let cancel = self.pipeline_concurrency();
        out.auto_cancel = cancel;
        let pipeline_env: IndexMap<String, String> =
            p.env.iter().map(|(k, v)| (k.to_string(), expr::value(v))).collect();
        if self.mode == Mode::Single {
            out.variables = pipeline_env.clone();
        }
        self.output_names();

        let graph = NeedsGraph::new(p);
        let layers = match graph.layers() {
            Ok(layers) => layers,
            Err(cycle) => {
                let ids: Vec<&str> = cycle.iter().map(|j| j.as_str()).collect();
                self.unsupported(
                    self.root(),
                    format!("the jobs' needs form a cycle ({})", ids.join(" -> ")),
                    "remove one of the needs",
                );
                return out;
            }
        };
        out.stages = layers.len();
        let mut layer_of = vec![0; p.jobs.len()];
        for (l, jobs) in layers.iter().enumerate() {
            for &j in jobs {
                layer_of[j] = l;
            }
        }
        // When each job is in the pipeline, computed in dependency order.
        let mut presence: Vec<Dnf> = vec![Dnf::always(); p.jobs.len()];
        let mut rules: Vec<Dnf> = vec![Dnf::always(); p.jobs.len()];
        for &j in layers.iter().flatten() {
            let (r, pres) = self.job_condition(&graph, j, &presence);
            rules[j] = r;
            presence[j] = pres;
        }
        // Built once: looking producers up per job made lowering quadratic in jobs.
        let producers = self.artifact_producers();
        for (j, job) in p.jobs.iter().enumerate() {
            let lowered = self.job(
                &graph,
                j,
                job,
                layer_of[j],
                &rules[j],
                &presence,
                cancel,
                &pipeline_env,
                &producers,
            );
            out.jobs.insert(self.job_name(job.id.as_str()), lowered);
        }
        self.aws_notice();
        out
    }
}
