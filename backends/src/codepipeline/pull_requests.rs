//! Pull request executions on CodePipeline.
//!
//! CodePipeline V2 starts the same pipeline for pushes and for pull requests, and tells its
//! actions nothing about which started an execution. Two consequences:
//!
//! - CodeBuild resolves a project's `env.secrets-manager` and `env.parameter-store` before the
//!   first command runs, so every build of a pipeline with a pull request trigger hands its
//!   secrets to pull request code, whatever the job's condition says (the condition is a guard
//!   inside the build). That is refused.
//! - `#{SourceVariables.BranchName}` is the pull request's source branch in a pull request
//!   execution: a condition `branch == main` holds for a pull request from a branch named `main`
//!   (of a fork too, where the connection allows it). That is a warning.

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::{Condition, Pipeline, Trigger};

/// Checks a pipeline triggered by pull requests for secrets and branch conditions.
pub(crate) fn check(p: &Pipeline, diagnostics: &mut Diagnostics) {
    if !p.triggers.iter().any(|t| matches!(t, Trigger::PullRequest(_))) {
        return;
    }
    for job in &p.jobs {
        let path = || Path::pipeline(p.id.as_str()).job(job.id.as_str());
        let secrets = job.secret_names();
        if !secrets.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "codepipeline-secret-in-pull-request",
                    path(),
                    format!(
                        "job {:?} receives the secret(s) {} in a pipeline triggered by pull requests: CodeBuild resolves them before any condition is tested, so pull request code can read them",
                        job.id.as_str(),
                        secrets.join(", ")
                    ),
                )
                .with_hint("give pull requests their own pipeline without secrets (`Trigger::pull_request()` there, not here)")
                .on_platform("codepipeline"),
            );
        }
        let mut branch = false;
        if let Some(c) = &job.condition {
            c.visit(&mut |c| branch |= matches!(c, Condition::Branch(_)));
        }
        if branch {
            diagnostics.push(
                Diagnostic::warning(
                    "codepipeline-branch-in-pull-request",
                    path().field("if"),
                    format!(
                        "job {:?} tests the branch in a pipeline triggered by pull requests: in a pull request execution CodePipeline gives the pull request's source branch, so a pull request from a branch of that name passes the test",
                        job.id.as_str()
                    ),
                )
                .with_hint("give pull requests their own pipeline, so that branch conditions only ever see pushed branches")
                .on_platform("codepipeline"),
            );
        }
    }
}
