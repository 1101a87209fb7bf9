//! Optional needs ([`Job::needs_optional`](crate::Job::needs_optional)): each is one of the
//! job's needs, and holds no promise the platforms would keep differently (docs/SEMANTICS.md,
//! section 23).

use crate::diagnostic::{Diagnostic, Diagnostics, Path};
use crate::graph::NeedsGraph;
use crate::job::Job;
use crate::step::StepKind;

/// An optional need must be a need; a job with optional needs decides on its needs' results
/// itself (no status condition); an optional need must not run on the status of other jobs (a
/// rollback or `failure()` job), whose "not run" GitLab and GitHub treat differently; and a job
/// does not read the outputs or download the artifacts of an optional need, which may not have
/// run.
pub(super) fn check(graph: &NeedsGraph<'_>, root: &Path, job: &Job, out: &mut Diagnostics) {
    let path = || root.job(job.id.as_str()).field("needs");
    for need in &job.optional_needs {
        if !job.needs.contains(need) {
            out.push(
                Diagnostic::error(
                    "optional-need-not-a-need",
                    path(),
                    format!(
                        "job {:?} lists {:?} as an optional need but not as a need",
                        job.id.as_str(),
                        need.as_str()
                    ),
                )
                .with_hint("declare it with `.needs_optional(..)`, which adds both"),
            );
        }
        if let Some(n) = graph.job(need.as_str())
            && n.condition.as_ref().is_some_and(|c| c.mentions_status())
        {
            out.push(
                Diagnostic::error(
                    "optional-need-on-status-job",
                    path(),
                    format!(
                        "job {:?} optionally needs job {:?}, which runs on the result of other jobs (`failure()`, `always()` or a need's result)",
                        job.id.as_str(),
                        need.as_str()
                    ),
                )
                .with_hint("when such a job does not run, GitLab skips the jobs that need it and GitHub would not: make it an ordinary need, or remove it"),
            );
        }
        for artifact in job.steps.iter().filter_map(|s| match &s.kind {
            StepKind::Download(d) => Some(&d.artifact),
            _ => None,
        }) {
            let uploads = |j: &Job| {
                j.steps
                    .iter()
                    .any(|s| matches!(&s.kind, StepKind::Upload(u) if &u.artifact == artifact))
            };
            if graph.job(need.as_str()).is_some_and(uploads) {
                out.push(
                    Diagnostic::error(
                        "optional-need-artifact",
                        root.job(job.id.as_str()),
                        format!(
                            "job {:?} downloads artifact {:?} from job {:?}, which it needs only optionally (the job may not run, and the download would fail)",
                            job.id.as_str(),
                            artifact.as_str(),
                            need.as_str()
                        ),
                    )
                    .with_hint("make it an ordinary need (`.needs(..)`) to download its artifacts"),
                );
            }
        }
        for output in job.exprs().flat_map(|e| e.outputs()).filter(|o| &o.job == need) {
            out.push(
                Diagnostic::error(
                    "optional-need-output",
                    root.job(job.id.as_str()),
                    format!(
                        "job {:?} reads output {:?} of job {:?}, which it needs only optionally (the job may not run)",
                        job.id.as_str(),
                        output.name.as_str(),
                        need.as_str()
                    ),
                )
                .with_hint("make it an ordinary need (`.needs(..)`) to read its outputs"),
            );
        }
    }
    if !job.optional_needs.is_empty() && job.condition.as_ref().is_some_and(|c| c.mentions_status()) {
        out.push(
            Diagnostic::error(
                "optional-need-with-status-condition",
                root.job(job.id.as_str()).field("condition"),
                format!(
                    "job {:?} has optional needs and a condition on the result of other jobs",
                    job.id.as_str()
                ),
            )
            .with_hint("an optional need already decides on the needed job's result (it runs when it succeeded, was absent or did not run): drop the status from the condition, or make the needs ordinary"),
        );
    }
}
