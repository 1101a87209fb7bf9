//! The platform token on GitLab: `$CI_JOB_TOKEN`, whose reach the project's job token settings
//! decide, not the scopes the pipeline asks for (docs/SEMANTICS.md, section 21).

use pipeline_core::Job;
use pipeline_core::diagnostic::Path;

use super::lower::Lowering;

impl Lowering<'_> {
    /// Warning `gitlab-job-token-scope` for each place of `job` that receives the token.
    pub(super) fn job_token(&mut self, job: &Job, path: &Path) {
        for (step, token) in job.tokens() {
            let (at, whom) = match step {
                Some(i) => {
                    let s = &job.steps[i];
                    let name = s.id_str().map(|id| format!(" ({id:?})")).unwrap_or_default();
                    (
                        path.clone().step(i, s.id_str()),
                        format!("step {}{name} of job {:?}", i + 1, job.id.as_str()),
                    )
                }
                None => (
                    path.clone().field("env"),
                    format!("every step of job {:?}", job.id.as_str()),
                ),
            };
            let asked = if token.scopes.is_empty() {
                "no scope".to_owned()
            } else {
                token
                    .scopes
                    .iter()
                    .map(|(p, a)| format!("{}: {}", p.key(), a.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.warn(
                "gitlab-job-token-scope",
                at,
                format!(
                    "{whom} receives GitLab's job token ($CI_JOB_TOKEN), which ignores the scopes asked for ({asked}): it acts with the permissions of the user who started the pipeline, limited by the project's CI/CD job token settings"
                ),
                "review Settings > CI/CD > Job token permissions of the project (and the projects the token must reach), or accept the difference with `.acknowledge(Divergence::JobTokenScope)` on the pipeline",
            );
        }
    }
}
