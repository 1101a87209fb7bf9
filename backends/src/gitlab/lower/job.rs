//! One job -> a GitLab job: its stage, needs, rules, image, runner, timeout, environment and
//! outputs; the names GitLab would not run as an ordinary job.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use pipeline_core::Job;
use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::graph::NeedsGraph;

use super::{AWS_TOKEN, Lowering, Mode, PLATFORM, stage_name};
use crate::gitlab::expr;
use crate::gitlab::model::{self as gl, When};
use crate::gitlab::rules::{self, Dnf};
use crate::gitlab::script;
use crate::gitlab::settings::GitlabJob;

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

/// A duration in minutes as GitLab writes it (`30m`, `1h`, `1h 30m`).
pub(crate) fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

impl Lowering<'_> {
    /// Two outputs must not become the same dotenv variable.
    pub(super) fn output_names(&mut self) {
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
    pub(super) fn job(
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
        let artifacts = crate::gitlab::reports::add(job, artifacts, &path, PLATFORM, self.diagnostics);
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
}
