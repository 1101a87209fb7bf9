//! Portable pipeline -> GitLab jobs, stages, trigger rules and manual-run variables.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::graph::NeedsGraph;
use pipeline_core::{Checkout, CloudRole, Condition, Event, InputKind, Job, Pipeline, Step, StepKind, Trigger, Upload};

use super::Gitlab;
use super::escape;
use super::expr;
use super::model::{self as gl, GlobalVariable, Prefilled, Rule, When};
use super::rules::{self, Dedup, Dnf, DnfError};
use super::script;
use super::settings::GitlabJob;

pub(crate) const PLATFORM: &str = "gitlab";

/// The dotenv file a job's outputs are written to, relative to the project directory.
pub(crate) const OUTPUTS_FILE: &str = ".pipeline-outputs.env";

/// The variable that picks which pipeline a manual run or a schedule starts, when several
/// pipelines share the repository's GitLab pipeline.
pub(crate) const SELECTOR: &str = "RUN_PIPELINE";

/// The variable holding the OIDC token for AWS.
const AWS_TOKEN: &str = "AWS_ID_TOKEN";

/// Top-level keywords (and special job names) a job cannot be called.
const RESERVED_JOB_NAMES: [&str; 13] = [
    "image",
    "services",
    "stages",
    "types",
    "before_script",
    "after_script",
    "variables",
    "cache",
    "include",
    "default",
    "workflow",
    "spec",
    "pages",
];

/// Why GitLab would not run a job named `name` as an ordinary job, if it would not.
fn reserved_name_cause(name: &str) -> Option<String> {
    if name == "pages" {
        Some(
            "GitLab runs a job named \"pages\" as the project's Pages deployment: it publishes the job's `public/` directory as a website (and fails without it)"
                .to_owned(),
        )
    } else if name.starts_with('.') {
        Some(format!(
            "GitLab treats a job whose name starts with '.' ({name:?}) as a hidden template and never runs it"
        ))
    } else if RESERVED_JOB_NAMES.contains(&name) {
        Some(format!(
            "GitLab reads a top-level {name:?} as a keyword, not as job {name:?}"
        ))
    } else {
        None
    }
}

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
    /// Decoding variables used so far (see [`script::exports`]).
    decoded: usize,
    /// Whether `script` runs step files (and needs the steps directory).
    isolated: bool,
    /// Whether steps record failures instead of ending the job (some step runs after a failure).
    status_mode: bool,
}

/// How a step's text runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run<'a> {
    /// As its own bash process (every user script).
    Process,
    /// As its own process whose standard output is the encoded value of this dotenv variable.
    Output(&'a str),
    /// In the job's shell (generated code that exports what later steps need).
    JobShell,
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

    /// One notice for every job of the pipeline that assumes an AWS role.
    fn aws_notice(&mut self) {
        let jobs: Vec<String> = self
            .pipeline
            .jobs
            .iter()
            .filter(|j| j.steps.iter().any(|s| matches!(s.kind, StepKind::AssumeRole(_))))
            .map(|j| format!("{:?}", j.id.as_str()))
            .collect();
        if jobs.is_empty() || self.config.aws_access_generated {
            return;
        }
        let audience = self.config.aws_audience.clone();
        self.notice(
            "gitlab-aws-oidc",
            self.root(),
            format!(
                "job{} {} of pipeline {:?} assume{} AWS roles with a GitLab ID token (audience {audience:?}) and the AWS CLI",
                if jobs.len() == 1 { "" } else { "s" },
                jobs.join(", "),
                self.pipeline.id.as_str(),
                if jobs.len() == 1 { "s" } else { "" },
            ),
            format!(
                "add your GitLab instance (https://gitlab.com) as an IAM OIDC identity provider with audience {audience:?}, trust it in each role's policy (restrict `sub` to this project and its protected refs), and use images that have the AWS CLI"
            ),
        );
    }

    /// The rules of job `j` and when it is present in the pipeline at all.
    fn job_condition(&mut self, graph: &NeedsGraph<'_>, j: usize, presence: &[Dnf]) -> (Dnf, Dnf) {
        let job = &self.pipeline.jobs[j];
        let path = self.root().job(job.id.as_str());
        // GitLab's `when` sees the needed jobs together: one need's result only when it is the
        // only one.
        let mut named: Vec<String> = Vec::new();
        if let Some(c) = &job.condition {
            c.visit(&mut |c| {
                if let Condition::Need(n, _) = c {
                    named.push(n.to_string());
                }
            });
        }
        if !named.is_empty() && graph.needs_of(j).len() > 1 {
            self.unsupported(
                path.field("condition"),
                format!(
                    "GitLab cannot see the result of job {:?} among the {} jobs that job {:?} needs",
                    named[0],
                    graph.needs_of(j).len(),
                    job.id.as_str()
                ),
                "GitLab's `when: on_failure` / `on_success` look at every needed job together: test the result of a job that is the only need, or use `Condition::failure()`",
            );
            return (Dnf::always(), Dnf::always());
        }
        let own = match job.condition.as_ref().map(Dnf::of) {
            None => Dnf::always(),
            Some(Ok(dnf)) => dnf,
            Some(Err(e)) => {
                self.dnf_error(e, path.field("condition"), job.id.as_str(), "job");
                Dnf::always()
            }
        };
        let needs = graph.needs_of(j);
        let result = if own.mentions_status() {
            // `always` runs even when a need was left out; `on_failure` needs one present.
            let any_need = needs
                .iter()
                .try_fold(Dnf::never(), |acc, &n| acc.or(&presence[n]))
                .map(|d| if needs.is_empty() { Dnf::always() } else { d });
            any_need.and_then(|any_need| {
                own.0.iter().try_fold(Dnf::never(), |acc, conj| {
                    let one = Dnf(vec![conj.clone()]);
                    let one = if matches!(conj.status, rules::Status::Failure | rules::Status::Succeeded) {
                        one.and(&any_need)?
                    } else {
                        one
                    };
                    acc.or(&one)
                })
            })
        } else {
            // Present only with its needs, except optional ones (docs/SEMANTICS.md, section 23).
            needs
                .iter()
                .filter(|&&n| !job.is_optional_need(self.pipeline.jobs[n].id.as_str()))
                .try_fold(own.clone(), |acc, &n| acc.and(&presence[n]))
        };
        match result {
            Ok(rules) => {
                if rules.0.len() > rules::MAX_RULES {
                    self.dnf_error(DnfError::TooLarge, path.field("condition"), job.id.as_str(), "job");
                    return (Dnf::always(), Dnf::always());
                }
                let pres = rules.static_part();
                (rules, pres)
            }
            Err(e) => {
                self.dnf_error(e, path.field("condition"), job.id.as_str(), "job");
                (Dnf::always(), Dnf::always())
            }
        }
    }

    fn dnf_error(&mut self, e: DnfError, path: Path, job: &str, what: &str) {
        match e {
            DnfError::NegatedStatus => self.unsupported(
                path,
                format!("GitLab cannot negate a job status in a condition (the {what} condition of job {job:?})"),
                "use `Condition::failure()` or `Condition::always()` without `!`; a job runs on success by default",
            ),
            DnfError::TooLarge => self.unsupported(
                path,
                format!(
                    "the {what} condition of job {job:?} (with the conditions of the jobs it needs) needs more than {} GitLab rules",
                    rules::MAX_RULES
                ),
                "simplify the condition",
            ),
            DnfError::NeedResult(what) => self.unsupported(
                path,
                format!("GitLab cannot test whether {what} (the {what2} condition of job {job:?})", what2 = what),
                "GitLab's `when` only tells success (`on_success`) from failure (`on_failure`) of the needed job",
            ),
        }
    }

    fn trigger_rules(&mut self) -> Vec<Rule> {
        let p = self.pipeline;
        let selector = self.selector();
        // Every merge request runs the pipeline: branch pushes with an open merge request
        // would only duplicate it.
        let every_mr = p
            .triggers
            .iter()
            .any(|t| matches!(t, Trigger::PullRequest(pr) if pr.branches.is_empty() && pr.paths.is_empty()));
        let dedup = if every_mr {
            Dedup::SkipBranchPushesWithOpenMr
        } else {
            Dedup::Off
        };
        let mut out: Vec<Rule> = Vec::new();
        for (i, trigger) in p.triggers.iter().enumerate() {
            let path = self.root().trigger(i);
            let new = match trigger {
                Trigger::Push(push) => {
                    self.path_filters(&push.paths, &path);
                    rules::push_rules(push, dedup, None)
                }
                Trigger::PullRequest(pr) => {
                    self.path_filters(&pr.paths, &path);
                    vec![rules::pull_request_rule(pr, None)]
                }
                Trigger::Schedule(s) => {
                    let mut hint = format!(
                        "in the GitLab project, open Build > Pipeline schedules and create a schedule with interval pattern {:?} (cron timezone UTC) on the default branch",
                        s.cron
                    );
                    if self.mode == Mode::Included {
                        hint.push_str(&format!(" and the variable {SELECTOR} = {}", p.id));
                    }
                    self.notice(
                        "gitlab-schedule-setting",
                        path,
                        format!(
                            "pipeline {:?} runs on the schedule {:?} only once a pipeline schedule exists: GitLab keeps schedules in the project's settings, not in .gitlab-ci.yml",
                            p.id.as_str(),
                            s.cron
                        ),
                        hint,
                    );
                    vec![rules::source_rule(Event::Schedule, selector.as_deref())]
                }
                Trigger::Manual(_) => vec![rules::source_rule(Event::Manual, selector.as_deref())],
            };
            for r in new {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out
    }

    fn path_filters(&mut self, paths: &[String], path: &Path) {
        for p in paths.iter().filter(|p| p.starts_with('!')) {
            self.unsupported(
                path.field("paths"),
                format!(
                    "GitLab `changes:` cannot exclude paths ({p:?} in pipeline {:?})",
                    self.pipeline.id.as_str()
                ),
                "list the paths that should trigger the pipeline instead of excluding some",
            );
        }
    }

    fn inputs(&mut self) -> IndexMap<String, GlobalVariable> {
        let mut out = IndexMap::new();
        let inputs: Vec<_> = self.pipeline.inputs().cloned().collect();
        for input in inputs {
            let description = if input.description.trim().is_empty() {
                input.name.to_string()
            } else {
                input.description.clone()
            };
            let (value, options) = match &input.kind {
                InputKind::String { default } => {
                    if input.required && default.is_none() {
                        self.warn(
                            "gitlab-input-required",
                            self.root().input(input.name.as_str()),
                            format!(
                                "GitLab cannot require a value for the manual-run variable {:?}; it starts empty",
                                input.name.as_str()
                            ),
                            "give the input a default, or check it in the first job",
                        );
                    }
                    (default.clone().unwrap_or_default(), Vec::new())
                }
                InputKind::Choice { options, default } => (
                    default.clone().or_else(|| options.first().cloned()).unwrap_or_default(),
                    options.clone(),
                ),
                InputKind::Boolean { default } => (default.to_string(), vec!["true".into(), "false".into()]),
            };
            out.insert(
                input.name.to_string(),
                GlobalVariable::Prefilled(Prefilled {
                    description,
                    value: escape::variable_value(&value),
                    options: options.iter().map(|o| escape::variable_value(o)).collect(),
                }),
            );
        }
        out
    }

    /// Pipeline concurrency: `true` when newer pipelines cancel running ones.
    fn pipeline_concurrency(&mut self) -> bool {
        let Some(c) = &self.pipeline.concurrency else {
            return false;
        };
        let path = self.root().field("concurrency");
        if !c.cancel_in_progress {
            self.warn(
                "gitlab-concurrency",
                path,
                format!(
                    "GitLab cannot queue whole pipelines: runs of pipeline {:?} may overlap (deploy jobs still queue per environment through resource groups)",
                    self.pipeline.id.as_str()
                ),
                "set a concurrency group on the jobs that must not overlap; they become GitLab resource groups",
            );
            return false;
        }
        if !c.group.builtins().any(|b| b == pipeline_core::Builtin::RefName) {
            self.warn(
                "gitlab-concurrency",
                path,
                format!(
                    "GitLab cancels redundant pipelines of the same ref only; the concurrency group of pipeline {:?} does not depend on the ref",
                    self.pipeline.id.as_str()
                ),
                "include `Builtin::RefName` in the group to say the same thing on every platform",
            );
        }
        true
    }

    /// Two outputs must not become the same dotenv variable.
    fn output_names(&mut self) {
        let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
        for job in &self.pipeline.jobs {
            for name in job.outputs() {
                let dotenv = expr::dotenv_name(&job.output(name.clone()));
                let this = (job.id.to_string(), name.to_string());
                match seen.get(&dotenv) {
                    Some(first) if *first != this => {
                        let first = first.clone();
                        self.unsupported(
                            self.root().job(job.id.as_str()),
                            format!(
                                "output {:?} of job {:?} and output {:?} of job {:?} both become the GitLab dotenv variable {dotenv}",
                                this.1, this.0, first.1, first.0
                            ),
                            "rename one of the outputs",
                        );
                    }
                    _ => {
                        seen.insert(dotenv, this);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &mut self,
        graph: &NeedsGraph<'_>,
        j: usize,
        job: &Job,
        layer: usize,
        rules_dnf: &Dnf,
        presence: &[Dnf],
        cancel: bool,
        pipeline_env: &IndexMap<String, String>,
        producers: &BTreeMap<String, usize>,
    ) -> gl::Job {
        let p = self.pipeline;
        let path = self.root().job(job.id.as_str());
        let settings = job.extensions.get::<GitlabJob>().cloned().unwrap_or_default();
        if let Some(cause) = reserved_name_cause(job.id.as_str()).filter(|_| self.mode == Mode::Single) {
            self.diagnostics.push(
                Diagnostic::error("gitlab-reserved-job-name", path.clone(), cause)
                    .with_hint("rename the job")
                    .on_platform(PLATFORM),
            );
        }

        let steps = self.steps(job, &path);
        self.job_token(job, &path);

        // Needs: direct needs, plus producers of downloaded artifacts further up.
        let mut wants_artifacts: BTreeSet<usize> = BTreeSet::new();
        for (artifact, _, _) in &steps.downloads {
            if let Some(&producer) = producers.get(artifact.as_str()) {
                wants_artifacts.insert(producer);
            }
        }
        for value in job.exprs() {
            for o in value.outputs() {
                if let Some(producer) = graph.index_of(o.job.as_str()) {
                    wants_artifacts.insert(producer);
                }
            }
        }
        let status_job = rules_dnf.mentions_status();
        let mut needs_order: Vec<usize> = graph.needs_of(j).to_vec();
        for &a in &wants_artifacts {
            if !needs_order.contains(&a) && graph.is_ancestor(a, j) {
                needs_order.push(a);
            }
        }
        let needs = needs_order
            .iter()
            .map(|&n| gl::Need {
                job: self.job_name(p.jobs[n].id.as_str()),
                artifacts: wants_artifacts.contains(&n),
                // An optional need (docs/SEMANTICS.md, section 23), or a need that may be absent
                // from a pipeline in which this status job is.
                optional: job.is_optional_need(p.jobs[n].id.as_str())
                    || status_job && !rules_dnf.static_part().implies(&presence[n]),
            })
            .collect();

        // Rules, manual gate, allow failure.
        let approval = job.environment.as_ref().and_then(|e| e.approval.as_ref());
        if approval.is_some() && status_job {
            self.unsupported(
                path.field("condition"),
                format!(
                    "job {:?} needs an approval and runs on a job status; a GitLab manual gate cannot also run `on_failure` or `always`",
                    job.id.as_str()
                ),
                "move the approval to a separate job",
            );
        }
        if approval.is_some() && job.allow_failure {
            self.unsupported(
                path.field("allow_failure"),
                format!(
                    "job {:?} needs an approval and allows failure; on GitLab a manual gate that allows failure does not hold later jobs back",
                    job.id.as_str()
                ),
                "drop `allow_failure()` from the gated job, or gate a separate job",
            );
        }
        let mut job_rules = rules::job_rules(rules_dnf, approval.is_some());
        let mut when = (approval.is_some() && job_rules.is_empty()).then_some(When::Manual);
        if !job.changed_paths.is_empty() {
            // Job-level path filter: every rule that lets the job in also needs a change.
            let changes: Vec<String> = job.changed_paths.iter().map(|p| rules::change_pattern(p)).collect();
            if job_rules.is_empty() {
                job_rules.push(gl::Rule {
                    changes,
                    when: when.take(),
                    ..gl::Rule::default()
                });
            } else {
                for rule in job_rules.iter_mut().filter(|r| r.when != Some(When::Never)) {
                    rule.changes.clone_from(&changes);
                }
            }
        }
        let allow_failure = if approval.is_some() {
            Some(false)
        } else if job.allow_failure {
            Some(true)
        } else {
            None
        };
        let manual_confirmation = approval.map(|a| {
            let env = job.environment.as_ref().map(|e| e.name.as_str()).unwrap_or_default();
            let mut text = a
                .instructions
                .clone()
                .unwrap_or_else(|| format!("Approve the deployment to {env}?"));
            if let Some(url) = &a.review_url {
                text.push_str(&format!(" Review: {url}"));
            }
            text
        });
        if let (Some(a), Some(env)) = (approval, &job.environment) {
            let mut hint = format!(
                "in the GitLab project, open Settings > CI/CD > Protected environments, protect {:?} and set who may deploy and approve",
                env.name.as_str()
            );
            if a.notify {
                hint.push_str("; GitLab notifies approvers of pending deployments only through approval rules");
            }
            self.notice(
                "gitlab-protected-environment",
                path.field("environment"),
                format!(
                    "job {:?} is a manual gate (`when: manual`, `allow_failure: false`): anyone who may run it approves the deployment to {:?} unless the environment is protected",
                    job.id.as_str(),
                    env.name.as_str()
                ),
                hint,
            );
        }

        // Runner and matrix.
        let (tags, parallel) = self.runner_and_matrix(job, &settings.tags, &path);

        self.encoded_outputs(job, &path);
        let environment = job.environment.as_ref().map(|e| gl::Environment {
            name: e.name.to_string(),
            url: e.url.as_ref().map(expr::value),
            deployment_tier: match e.tier {
                pipeline_core::Tier::Other => None,
                tier => Some(tier.as_str()),
            },
        });
        let resource_group = match (&settings.resource_group, &job.concurrency, &job.environment) {
            (Some(group), _, _) => Some(group.clone()),
            (None, Some(c), _) => {
                if c.group.builtins().any(|b| b == pipeline_core::Builtin::RunId) {
                    self.unsupported(
                        path.field("concurrency"),
                        format!(
                            "GitLab does not expand $CI_PIPELINE_ID in `resource_group:`; the concurrency group of job {:?} would be one group for every run",
                            job.id.as_str()
                        ),
                        "build the group from values known before the run (the ref, an input, a literal)",
                    );
                }
                if c.cancel_in_progress {
                    self.warn(
                        "gitlab-concurrency",
                        path.field("concurrency"),
                        format!(
                            "a GitLab resource group queues job {:?}; it cannot cancel the running job",
                            job.id.as_str()
                        ),
                        "set the resource group's process mode to `newest_first` with the GitLab API to skip older waiting jobs",
                    );
                }
                Some(expr::value(&c.group))
            }
            // Two deploys to one environment must never overlap, whichever pipeline runs them.
            (None, None, Some(e)) => Some(format!("deploy-{}", e.name)),
            (None, None, None) => None,
        };

        // Matrix.
        if let Some(m) = &job.matrix {
            let cells = m.cells().len();
            if cells > 200 {
                self.unsupported(
                    path.field("matrix"),
                    format!(
                        "job {:?} has {cells} matrix cells; GitLab allows at most 200",
                        job.id.as_str()
                    ),
                    "split the matrix over several jobs",
                );
            }
            if m.fail_fast == Some(true) {
                self.warn(
                    "gitlab-matrix",
                    path.field("matrix"),
                    format!(
                        "GitLab runs every matrix cell of job {:?} to the end; it cannot cancel the others when one fails",
                        job.id.as_str()
                    ),
                    "use `fail_fast(false)` to say the same thing on every platform",
                );
            }
            if let Some(n) = m.max_parallel {
                self.warn(
                    "gitlab-matrix",
                    path.field("matrix"),
                    format!(
                        "GitLab cannot limit how many matrix cells of job {:?} run at once (max parallel {n}); they run as runners allow",
                        job.id.as_str()
                    ),
                    "limit concurrency with the runners' `limit`, or drop `max_parallel`",
                );
            }
        }

        // Variables: checkout settings, pipeline env (included files), job env.
        let mut variables = IndexMap::new();
        match &steps.checkout {
            None => {
                variables.insert("GIT_STRATEGY".to_owned(), "none".to_owned());
            }
            Some(c) => {
                if let Some(depth) = c.fetch_depth {
                    variables.insert("GIT_DEPTH".to_owned(), depth.to_string());
                }
                if c.submodules {
                    variables.insert("GIT_SUBMODULE_STRATEGY".to_owned(), "recursive".to_owned());
                }
            }
        }
        if self.mode == Mode::Included {
            for (k, v) in pipeline_env {
                variables.insert(k.clone(), v.clone());
            }
        }
        for (name, value) in &job.env {
            // `NAME: $NAME` (a secret or variable of the same name) is already there.
            if expr::sole_variable(value).as_deref() == Some(name.as_str()) && !variables.contains_key(name.as_str()) {
                continue;
            }
            // Job outputs arrive encoded: the job's shell decodes them (`script::prologue`).
            if value.outputs().next().is_some() {
                continue;
            }
            variables.insert(name.to_string(), expr::value(value));
        }
        for (name, value) in &settings.variables {
            variables.insert(name.clone(), value.clone());
        }

        let mut id_tokens = IndexMap::new();
        if steps.aws {
            id_tokens.insert(
                AWS_TOKEN.to_owned(),
                gl::IdToken {
                    aud: self.config.aws_audience.clone(),
                },
            );
        }
        for (name, aud) in &settings.id_tokens {
            id_tokens.insert(name.clone(), gl::IdToken { aud: aud.clone() });
        }

        let artifacts = self.artifacts(&steps, &path);
        let artifacts = super::reports::add(job, artifacts, &path, PLATFORM, self.diagnostics);
        let mut decoded = steps.decoded;
        let interruptible = settings.interruptible.or(cancel.then_some(true));
        gl::Job {
            stage: stage_name(layer),
            image: settings.image.clone().or_else(|| job.runner.image.clone()),
            services: job
                .services
                .iter()
                .chain(&settings.services)
                .map(|s| gl::Service {
                    name: s.image.clone(),
                    alias: s.name.clone(),
                    entrypoint: s.entrypoint.iter().cloned().collect(),
                    command: s.command.clone(),
                    variables: s.env.iter().map(|(k, v)| (k.to_string(), expr::value(v))).collect(),
                })
                .collect(),
            tags,
            needs,
            rules: job_rules,
            when,
            allow_failure,
            manual_confirmation,
            environment,
            resource_group,
            interruptible,
            timeout: Some(duration(p.timeout_of(job))),
            retry: (job.retry > 0).then_some(job.retry),
            parallel,
            variables,
            id_tokens,
            cache: steps.caches,
            script: with_prologue(script::prologue(&job.env, steps.isolated, &mut decoded), steps.script),
            after_script: Vec::new(),
            artifacts,
        }
    }

    /// Job outputs travel encoded (docs/SEMANTICS.md, section 8); only scripts decode them.
    /// Fields GitLab reads itself see the encoded form.
    fn encoded_outputs(&mut self, job: &Job, path: &Path) {
        let mut fields: Vec<(String, String)> = Vec::new();
        if let Some(url) = job.environment.as_ref().and_then(|e| e.url.as_ref()) {
            fields.extend(
                url.outputs()
                    .map(|o| ("the environment URL".to_owned(), o.name.to_string())),
            );
        }
        for s in &job.services {
            for (name, value) in s.env.iter() {
                fields.extend(
                    value
                        .outputs()
                        .map(|o| (format!("variable {name} of service {:?}", s.name), o.name.to_string())),
                );
            }
        }
        for (field, output) in fields {
            self.warn(
                "gitlab-encoded-output",
                path.clone(),
                format!(
                    "{field} of job {:?} reads output {output:?}, which GitLab sees percent-encoded: only values of letters, digits and `._~/:@+,=-` arrive unchanged",
                    job.id.as_str()
                ),
                "pass the value through the job's env to a script, or accept the difference with `.acknowledge(Divergence::EncodedOutput)` on the pipeline",
            );
        }
    }

    /// Which job uploads each artifact.
    fn artifact_producers(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for (i, job) in self.pipeline.jobs.iter().enumerate() {
            for step in &job.steps {
                if let StepKind::Upload(u) = &step.kind {
                    out.entry(u.artifact.to_string()).or_insert(i);
                }
            }
        }
        out
    }

    fn artifacts(&mut self, steps: &StepsOut, path: &Path) -> Option<gl::Artifacts> {
        if steps.uploads.is_empty() && !steps.outputs {
            return None;
        }
        let mut a = gl::Artifacts::default();
        if steps.outputs {
            a.reports = Some(gl::Reports {
                dotenv: Some(OUTPUTS_FILE.to_owned()),
                junit: Vec::new(),
            });
        }
        if steps.uploads.is_empty() {
            return Some(a);
        }
        for (u, _, _) in &steps.uploads {
            for p in &u.paths {
                if !a.paths.contains(p) {
                    a.paths.push(p.clone());
                }
            }
        }
        let whens: BTreeSet<When> = steps.uploads.iter().map(|(_, w, _)| *w).collect();
        let when = match whens.iter().copied().collect::<Vec<_>>().as_slice() {
            [one] => *one,
            _ => When::Always,
        };
        a.when = (when != When::OnSuccess).then_some(when);
        let retentions: BTreeSet<Option<u32>> = steps.uploads.iter().map(|(u, _, _)| u.retention_days).collect();
        let retention = if retentions.contains(&None) {
            None
        } else {
            retentions.iter().flatten().max().copied()
        };
        a.expire_in = retention.map(|d| {
            if d == 1 {
                "1 day".to_owned()
            } else {
                format!("{d} days")
            }
        });
        if let [(u, _, _)] = steps.uploads.as_slice() {
            a.name = Some(u.artifact.to_string());
        } else if whens.len() > 1 || retentions.len() > 1 {
            let names: Vec<&str> = steps.uploads.iter().map(|(u, _, _)| u.artifact.as_str()).collect();
            self.warn(
                "gitlab-artifacts-merged",
                path.clone(),
                format!(
                    "a GitLab job has one set of artifacts: {} are uploaded together, {}{}",
                    names.join(", "),
                    match when {
                        When::Always => "whatever the job's result",
                        When::OnFailure => "when the job fails",
                        _ => "when the job succeeds",
                    },
                    match retention {
                        Some(d) => format!(", kept {d} days"),
                        None => ", kept for the project's default time".to_owned(),
                    }
                ),
                "upload them from separate jobs to keep their own conditions and retention",
            );
        }
        Some(a)
    }

    fn steps(&mut self, job: &Job, path: &Path) -> StepsOut {
        // Steps that run after a failure (or always): every step records its failure instead of
        // ending the job, and the job fails at the end (docs/SEMANTICS.md, section 4).
        let mut out = StepsOut {
            status_mode: job.steps.iter().any(|s| {
                matches!(
                    s.kind,
                    StepKind::Script(_) | StepKind::Action(_) | StepKind::SetOutput(_) | StepKind::AssumeRole(_)
                ) && s.condition.as_ref().is_some_and(Condition::mentions_status)
            }),
            ..StepsOut::default()
        };
        for (i, step) in job.steps.iter().enumerate() {
            let spath = path.step(i, step.id_str());
            let what = describe(i, step);
            match &step.kind {
                StepKind::Checkout(c) if !c.is_workspace_root() => {
                    let fetch = super::checkout::fetch_step(step, c);
                    let body = super::checkout::FETCH;
                    self.script_step(Run::Process, &fetch, body, &what, &spath, job, &mut out, i);
                }
                StepKind::Checkout(c) => {
                    if step.condition.is_some()
                        || step.continue_on_error
                        || step.working_directory.is_some()
                        || !step.env.is_empty()
                    {
                        self.unsupported(
                            spath.clone(),
                            format!(
                                "GitLab clones the repository before job {:?} starts; its checkout cannot have a condition, environment, working directory or continue on error",
                                job.id.as_str()
                            ),
                            "remove those settings from the checkout step",
                        );
                    }
                    if let Some(first) = &out.checkout {
                        if first != c {
                            self.unsupported(
                                spath.clone(),
                                format!("job {:?} checks out the repository twice with different settings; GitLab clones once", job.id.as_str()),
                                "keep one checkout step",
                            );
                        }
                    } else {
                        out.checkout = Some(c.clone());
                    }
                }
                StepKind::Upload(u) => {
                    if let Some(when) = self.status_only(step, &spath, job, "an artifact upload", "artifacts") {
                        if when == When::OnSuccess {
                            // GitLab only warns about a path that matches nothing; the upload
                            // step fails, as on every platform (docs/SEMANTICS.md, section 7).
                            let check = script::uploaded_paths_exist(u.artifact.as_str(), &u.paths);
                            self.script_step(Run::Process, step, &check, &what, &spath, job, &mut out, i);
                        }
                        out.uploads.push((u.clone(), when, spath.clone()));
                    }
                }
                StepKind::Cache(c) => {
                    if let Some(when) = self.status_only(step, &spath, job, "a cache", "cache") {
                        let key = if c.key_files.is_empty() {
                            gl::CacheKey::Fixed(c.key_prefix.clone())
                        } else {
                            if c.key_files.len() > 10 {
                                self.unsupported(
                                    spath.clone(),
                                    format!(
                                        "GitLab computes a cache key from at most 10 files; job {:?} lists {}",
                                        job.id.as_str(),
                                        c.key_files.len()
                                    ),
                                    "hash fewer files (a lock file is usually enough)",
                                );
                            }
                            gl::CacheKey::Files {
                                files: c.key_files.clone(),
                                prefix: c.key_prefix.clone(),
                            }
                        };
                        out.caches.push(gl::Cache {
                            key,
                            paths: c.paths.clone(),
                            when: (when != When::OnSuccess).then_some(when),
                        });
                        if out.caches.len() == 5 {
                            self.unsupported(
                                spath.clone(),
                                format!(
                                    "GitLab allows at most 4 caches per job; job {:?} has more",
                                    job.id.as_str()
                                ),
                                "cache several paths under one key",
                            );
                        }
                    }
                }
                StepKind::Download(d) => {
                    // GitLab downloads the needed jobs' artifacts before the script: a condition
                    // on the download cannot remove files, and needs no shell.
                    out.downloads
                        .push((d.artifact.to_string(), d.path.clone(), spath.clone()));
                }
                StepKind::Script(body) if !step.state.is_empty() => {
                    // The exports land in a bash file the job's shell sources after the step
                    // (docs/SEMANTICS.md, section 17); `$0` is the step's own file.
                    let sink = crate::shell::StateSink::File {
                        file: "\"${0%.sh}.state.sh\"",
                        step: step.id_str().unwrap_or_default(),
                    };
                    let wrapper = crate::shell::state_step(body, &step.state, &sink);
                    self.script_step(Run::Process, step, &wrapper, &what, &spath, job, &mut out, i);
                    out.script.push(script::source_state(i));
                }
                StepKind::Script(body) => {
                    if step.shell == pipeline_core::Shell::Cmd {
                        self.unsupported(
                            spath.clone().field("shell"),
                            format!("step {} of job {:?} runs in cmd, which needs Windows; GitLab runs the steps on Linux or macOS", i + 1, job.id.as_str()),
                            "use `Shell::Pwsh` (the image needs pwsh), or keep the step on GitHub's Windows runners with `Step::only_on(Platform::Github)`",
                        );
                    }
                    // Another shell runs from a bash launcher (docs/SEMANTICS.md, section 26).
                    let body = step.shell.launcher(body);
                    self.script_step(Run::Process, step, &body, &what, &spath, job, &mut out, i);
                }
                StepKind::Action(a) => match &a.fallback {
                    Some(fallback) => {
                        self.script_step(Run::Process, step, fallback, &what, &spath, job, &mut out, i);
                    }
                    None => self.unsupported(
                        spath.clone(),
                        format!(
                            "GitLab cannot run the GitHub action {} (job {:?})",
                            a.action.name,
                            job.id.as_str()
                        ),
                        "give the action step a shell script for other platforms with `.fallback(\"...\")`",
                    ),
                },
                StepKind::SetOutput(o) => {
                    let dotenv = expr::dotenv_name(&job.output(o.name.clone()));
                    // Beside the step's own file (the steps directory is the job shell's variable).
                    let file = "\"${0%.sh}.command.sh\"".to_owned();
                    let body = crate::shell::print_encoded_output(o.name.as_str(), &o.command, &file);
                    out.outputs = true;
                    self.script_step(Run::Output(&dotenv), step, &body, &what, &spath, job, &mut out, i);
                }
                StepKind::AssumeRole(CloudRole::Aws(role)) => {
                    if step.continue_on_error || step.working_directory.is_some() || !step.env.is_empty() {
                        self.unsupported(
                            spath.clone(),
                            format!(
                                "the AWS role step of job {:?} exports credentials to the steps after it; on GitLab it cannot have its own environment, working directory or continue on error",
                                job.id.as_str()
                            ),
                            "set those on the job, or remove them",
                        );
                    }
                    out.aws = true;
                    let body = aws_script(role);
                    let plain = Step {
                        env: pipeline_core::Env::new(),
                        working_directory: None,
                        continue_on_error: false,
                        ..step.clone()
                    };
                    self.script_step(Run::JobShell, &plain, &body, &what, &spath, job, &mut out, i);
                }
            }
        }
        if out.status_mode {
            out.script.push(script::fail_if_failed());
        }
        out
    }

    /// The `when` of an upload or cache step, whose condition may only be a job status.
    fn status_only(&mut self, step: &Step, path: &Path, job: &Job, what: &str, keyword: &str) -> Option<When> {
        let Some(c) = &step.condition else {
            return Some(When::OnSuccess);
        };
        match c {
            Condition::Always => Some(When::Always),
            Condition::Failure => Some(When::OnFailure),
            _ => {
                self.unsupported(
                    path.clone(),
                    format!(
                        "GitLab `{keyword}:` can only depend on the job's result; {what} of job {:?} has another condition",
                        job.id.as_str()
                    ),
                    "use `Condition::always()` or `Condition::failure()`, or no condition",
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn script_step(
        &mut self,
        how: Run<'_>,
        step: &Step,
        body: &str,
        what: &str,
        path: &Path,
        job: &Job,
        out: &mut StepsOut,
        index: usize,
    ) {
        let guard = match script::guard(step.condition.as_ref()) {
            Ok(g) => g,
            Err(e) => {
                self.dnf_error(e, path.field("condition"), job.id.as_str(), "step");
                return;
            }
        };
        if guard.never {
            return;
        }
        let mut tests: Vec<String> = Vec::new();
        if out.status_mode && !guard.after {
            tests.push(script::NOT_FAILED.to_owned());
        }
        if let Some(t) = &guard.test {
            tests.push(if tests.is_empty() || !t.contains(" || ") {
                t.clone()
            } else {
                format!("{{ {t}; }}")
            });
        }
        let test = (!tests.is_empty()).then(|| tests.join(" && "));
        let record = (out.status_mode && !step.continue_on_error).then_some(what);
        let text = match how {
            Run::JobShell => script::in_job_shell(body, test.as_deref()),
            Run::Process | Run::Output(_) => {
                let env = script::exports(&step.env, &mut out.decoded);
                script::wrap(
                    index,
                    body,
                    &env,
                    step.working_directory.as_deref(),
                    test.as_deref(),
                    step.continue_on_error.then_some(what),
                    match how {
                        Run::Output(dotenv) => Some((dotenv, OUTPUTS_FILE)),
                        _ => None,
                    },
                    record,
                )
            }
        };
        out.isolated |= how != Run::JobShell;
        out.script.push(script::entry(text));
    }
}

/// `entries` after the prologue entry, if any.
/// The job's `script:`. GitLab refuses a job without one; a job whose steps are all done by
/// GitLab itself (its clone, artifact downloads, caches) succeeds after them
/// (docs/SEMANTICS.md, section 4), so its script is the no-op `true`.
fn with_prologue(prologue: Option<String>, entries: Vec<String>) -> Vec<String> {
    let script: Vec<String> = prologue.into_iter().chain(entries).collect();
    if script.is_empty() {
        vec!["true".to_owned()]
    } else {
        script
    }
}

/// How a step is named in messages.
fn describe(index: usize, step: &Step) -> String {
    match (&step.name, &step.id) {
        (Some(name), _) => format!("step {name:?}"),
        (None, Some(id)) => format!("step {:?}", id.as_str()),
        (None, None) => format!("step {}", index + 1),
    }
}

/// A duration in minutes as GitLab writes it (`30m`, `1h`, `1h 30m`).
pub(crate) fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// The script assuming an AWS role with the job's ID token, then each chained role, exporting
/// the credentials to the rest of the job.
fn aws_script(role: &pipeline_core::AwsRole) -> String {
    let session = match &role.session_name {
        Some(name) => expr::quote(name),
        None => "\"gitlab-${CI_PROJECT_ID}-${CI_PIPELINE_ID}\"".to_owned(),
    };
    let duration = role
        .duration_seconds
        .map(|s| format!("  --duration-seconds {s} \\\n"))
        .unwrap_or_default();
    let region = expr::quote(&role.region);
    let mut s = format!("export AWS_REGION={region} AWS_DEFAULT_REGION={region}\n");
    let export = "export AWS_ACCESS_KEY_ID=\"$(printf '%s' \"$aws_credentials\" | cut -f1)\"\n\
                  export AWS_SECRET_ACCESS_KEY=\"$(printf '%s' \"$aws_credentials\" | cut -f2)\"\n\
                  export AWS_SESSION_TOKEN=\"$(printf '%s' \"$aws_credentials\" | cut -f3)\"\n";
    let query = "  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \\\n  --output text)\"\n";
    s.push_str(&format!(
        "aws_credentials=\"$(aws sts assume-role-with-web-identity \\\n  --role-arn {} \\\n  --role-session-name {session} \\\n  --web-identity-token \"${AWS_TOKEN}\" \\\n{duration}{query}",
        expr::shell(&role.role_arn)
    ));
    s.push_str(export);
    for arn in &role.chain {
        s.push_str(&format!(
            "aws_credentials=\"$(aws sts assume-role \\\n  --role-arn {} \\\n  --role-session-name {session} \\\n{duration}{query}",
            expr::shell(arn)
        ));
        s.push_str(export);
    }
    s.push_str("unset aws_credentials\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(25), "25m");
        assert_eq!(duration(60), "1h");
        assert_eq!(duration(90), "1h 30m");
    }

    #[test]
    fn aws_script_exports_each_role() {
        let role = pipeline_core::AwsRole::new("arn:aws:iam::111111111111:role/a", "eu-west-1")
            .chain(pipeline_core::Expr::var("NEXT_ROLE"));
        let s = aws_script(&role);
        assert!(
            s.starts_with("export AWS_REGION='eu-west-1' AWS_DEFAULT_REGION='eu-west-1'\n"),
            "{s}"
        );
        assert!(s.contains("--role-arn 'arn:aws:iam::111111111111:role/a'"), "{s}");
        assert!(s.contains("--web-identity-token \"$AWS_ID_TOKEN\""), "{s}");
        assert!(
            s.contains("aws sts assume-role \\\n  --role-arn \"${NEXT_ROLE}\""),
            "{s}"
        );
        assert_eq!(s.matches("export AWS_SESSION_TOKEN").count(), 2);
        assert!(s.ends_with("unset aws_credentials\n"));
    }
}
