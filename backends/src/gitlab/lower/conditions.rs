//! When a job is in the pipeline: its condition and those of the jobs it needs, as `rules:`.

use pipeline_core::Condition;
use pipeline_core::diagnostic::Path;
use pipeline_core::graph::NeedsGraph;

use super::Lowering;
use crate::gitlab::rules::{self, Dnf, DnfError};

impl Lowering<'_> {
    /// The rules of job `j` and when it is present in the pipeline at all.
    pub(super) fn job_condition(&mut self, graph: &NeedsGraph<'_>, j: usize, presence: &[Dnf]) -> (Dnf, Dnf) {
        let job = &self.pipeline.jobs[j];
        // Built only for a diagnostic.
        let pipeline = self.pipeline;
        let path = || Path::pipeline(pipeline.id.as_str()).job(job.id.as_str());
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
                path().field("condition"),
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
                self.dnf_error(e, path().field("condition"), job.id.as_str(), "job");
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
                    self.dnf_error(DnfError::TooLarge, path().field("condition"), job.id.as_str(), "job");
                    return (Dnf::always(), Dnf::always());
                }
                let pres = rules.static_part();
                (rules, pres)
            }
            Err(e) => {
                self.dnf_error(e, path().field("condition"), job.id.as_str(), "job");
                (Dnf::always(), Dnf::always())
            }
        }
    }

    pub(super) fn dnf_error(&mut self, e: DnfError, path: Path, job: &str, what: &str) {
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
}
