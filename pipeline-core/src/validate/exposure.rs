//! Secrets reachable from pull requests.
//!
//! A pipeline triggered by pull requests runs code the pull request's author wrote. A job that
//! can run on a pull request and receives a secret hands the secret to that code: on GitHub and
//! GitLab, runs for pull requests from forks get no secrets (the job then fails or, worse, runs
//! with an empty value), and runs for pull requests from branches of the repository get them all.
//! Either way the job is wrong for pull requests; the warning names the job and the secret.

use crate::condition::{Condition, Event, Subject};
use crate::diagnostic::{Diagnostic, Diagnostics, Path};
use crate::graph::NeedsGraph;
use crate::job::Job;
use crate::pipeline::Pipeline;
use crate::trigger::Trigger;

/// A truth value that may be unknown at generation time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tri {
    False,
    Maybe,
    True,
}

/// Whether `c` can hold in a run started by a pull request. A branch or tag condition never
/// does: on GitHub `github.ref` is `refs/pull/N/merge`, on GitLab `$CI_COMMIT_BRANCH` is unset in
/// merge request pipelines (CodePipeline compares the source branch, which its backend refuses).
fn on_pull_request(c: &Condition) -> Tri {
    match c {
        Condition::Always => Tri::True,
        Condition::Failure | Condition::InputEquals(..) => Tri::Maybe,
        Condition::Branch(_) | Condition::Tag => Tri::False,
        // The branch and tag subjects hold no text on a pull request run.
        Condition::Text(t) if matches!(t.subject, Subject::Branch | Subject::Tag) => Tri::False,
        Condition::Text(_) | Condition::Fork | Condition::Need(..) => Tri::Maybe,
        Condition::Event(e) => {
            if *e == Event::PullRequest {
                Tri::True
            } else {
                Tri::False
            }
        }
        Condition::And(cs) => cs.iter().map(on_pull_request).min().unwrap_or(Tri::True),
        Condition::Or(cs) => cs.iter().map(on_pull_request).max().unwrap_or(Tri::False),
        Condition::Not(inner) => match on_pull_request(inner) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Maybe => Tri::Maybe,
        },
    }
}

/// Whether a job with condition `c` can run for a pull request.
pub fn runs_on_pull_request(c: Option<&Condition>) -> bool {
    c.is_none_or(|c| on_pull_request(c) != Tri::False)
}

/// A rollback job (role [`JobRole::ROLLBACK`](crate::role::JobRole::ROLLBACK)) undoes the deploy
/// it needs with the deploy's credentials: it must run under the deploy's environment, or the
/// role's trust policy has to admit runs outside the environment (GitHub's OIDC subject names the
/// environment; a protected GitLab environment restricts its deploy keys).
pub(super) fn rollback_environment(graph: &NeedsGraph<'_>, root: &Path, job: &Job, out: &mut Diagnostics) {
    if !job.has_role(&crate::role::JobRole::ROLLBACK) {
        return;
    }
    for need in &job.needs {
        let Some(deploy) = graph.job(need.as_str()) else {
            continue;
        };
        let Some(env) = &deploy.environment else { continue };
        if job.environment.as_ref().map(|e| &e.name) != Some(&env.name) {
            out.push(
                Diagnostic::error(
                    "rollback-environment",
                    root.job(job.id.as_str()).field("environment"),
                    format!(
                        "rollback job {:?} undoes job {:?}, which deploys to environment {:?}, but does not run under it",
                        job.id.as_str(),
                        deploy.id.as_str(),
                        env.name.as_str()
                    ),
                )
                .with_hint(format!(
                    "give the rollback job `.environment(..)` named {:?} (without the approval): the deploy role's trust policy can then stay bound to the environment",
                    env.name.as_str()
                )),
            );
        }
    }
}

/// Whether `p` is triggered by pull requests (then [`check`] has work to do).
pub(super) fn on_pull_requests(p: &Pipeline) -> bool {
    p.triggers.iter().any(|t| matches!(t, Trigger::PullRequest(_)))
}

/// Warns about a job of a pull-request pipeline that can run for a pull request and uses a
/// secret.
pub(super) fn check(root: &Path, job: &Job, out: &mut Diagnostics) {
    if !runs_on_pull_request(job.condition.as_ref()) {
        return;
    }
    let secrets = job.secret_names();
    if secrets.is_empty() {
        return;
    }
    out.push(
        Diagnostic::warning(
            "secret-in-pull-request",
            root.job(job.id.as_str()),
            format!(
                "job {:?} can run for pull requests and receives the secret(s) {}: pull request code can read them (and pull requests from forks get none)",
                job.id.as_str(),
                secrets.join(", ")
            ),
        )
        .with_hint("keep the job off pull requests with `.when(!Condition::event(Event::PullRequest))` or a branch condition, or move it to a pipeline without a pull request trigger"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_conditions_can_hold_for_pull_requests() {
        assert!(runs_on_pull_request(None));
        assert!(!runs_on_pull_request(Some(&Condition::branch("main"))));
        assert!(!runs_on_pull_request(Some(&!Condition::event(Event::PullRequest))));
        assert!(runs_on_pull_request(Some(&Condition::event(Event::PullRequest))));
        assert!(runs_on_pull_request(Some(
            &(Condition::branch("main") | Condition::input_equals("x", "y"))
        )));
        assert!(!runs_on_pull_request(Some(
            &(Condition::tag() & Condition::input_equals("x", "y"))
        )));
        assert!(runs_on_pull_request(Some(&!Condition::branch("main"))));
    }
}
