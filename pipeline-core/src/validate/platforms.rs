//! Per-platform jobs and steps: what a platform keeps must not depend on what it drops.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Diagnostics, Path};
use crate::graph::NeedsGraph;
use crate::job::Job;
use crate::platform::Platform;

/// A job on no platform is an error naming the `only_on` to change; whether the job or one of its
/// steps is restricted to some platforms (then [`restricted`] has work to do).
pub(super) fn job(root: &Path, job: &Job, out: &mut Diagnostics) -> bool {
    if job.platforms.is_empty() {
        out.push(
            Diagnostic::error(
                "job-on-no-platform",
                root.job(job.id.as_str()).field("platforms"),
                format!("job {:?} is restricted to no platform", job.id.as_str()),
            )
            .with_hint("name at least one platform in `.only_on(..)`, or remove the job"),
        );
    }
    !job.platforms.is_all() || job.steps.iter().any(|s| !s.platforms.is_all())
}

/// For each platform, in the pipeline that platform's backend sees
/// ([`Pipeline::for_platform`](crate::Pipeline::for_platform)), when some job or step is restricted to some platforms: a need on
/// a job the platform drops, and an output read from a job whose setting step the platform drops
/// are errors naming the job, the platform and the `only_on` to change.
pub(super) fn restricted(all: &NeedsGraph<'_>, out: &mut Diagnostics) {
    let p = all.pipeline();
    let root = Path::pipeline(p.id.as_str());
    for platform in Platform::ALL {
        let Cow::Owned(seen) = p.for_platform(platform) else {
            return; // nothing is restricted: every platform sees the whole pipeline
        };
        let jobs: HashSet<&str> = seen.jobs.iter().map(|j| j.id.as_str()).collect();
        let seen_graph = NeedsGraph::new(&seen);
        for job in &seen.jobs {
            let path = || root.job(job.id.as_str());
            for need in &job.needs {
                if !jobs.contains(need.as_str())
                    && all.job(need.as_str()).is_some()
                    && !job.is_optional_need(need.as_str())
                {
                    out.push(
                        Diagnostic::error(
                            "need-absent-on-platform",
                            path().field("needs"),
                            format!(
                                "job {:?} needs job {:?}, which is not on {platform} (only on {})",
                                job.id.as_str(),
                                need.as_str(),
                                all.job(need.as_str()).map(|n| n.platforms).unwrap_or_default()
                            ),
                        )
                        .on_platform(platform.name())
                        .with_hint(format!(
                            "restrict {:?} to the platforms of {:?} too (`.only_on(..)`), or put {:?} on {platform}",
                            job.id.as_str(),
                            need.as_str(),
                            need.as_str()
                        )),
                    );
                }
            }
            for output in job.exprs().flat_map(|e| e.outputs()) {
                let Some(producer) = seen_graph.job(output.job.as_str()) else {
                    continue; // the need check above reports it
                };
                let set_anywhere = all
                    .job(output.job.as_str())
                    .is_some_and(|j| j.outputs().any(|o| o == &output.name));
                if set_anywhere && !producer.outputs().any(|o| o == &output.name) {
                    out.push(
                        Diagnostic::error(
                            "output-absent-on-platform",
                            path(),
                            format!(
                                "job {:?} reads output {:?} of job {:?}, whose step setting it is not on {platform}",
                                job.id.as_str(),
                                output.name.as_str(),
                                output.job.as_str()
                            ),
                        )
                        .on_platform(platform.name())
                        .with_hint("keep the step that sets the output on every platform of the jobs that read it"),
                    );
                }
            }
        }
    }
}

/// Job-level path filters: portable patterns, the same filter on every job that needs a
/// filtered job (GitHub would skip it, GitLab would fail to create the pipeline), and no user
/// job named like the job GitHub's lowering adds.
pub(super) fn changes(graph: &NeedsGraph<'_>, out: &mut Diagnostics) {
    let p = graph.pipeline();
    let root = Path::pipeline(p.id.as_str());
    let filtered = p.jobs.iter().any(|j| !j.changed_paths.is_empty());
    for job in &p.jobs {
        let path = || root.job(job.id.as_str()).field("when_changed");
        if filtered && job.id.as_str() == crate::changes::CHANGES_JOB {
            out.push(
                Diagnostic::error(
                    "reserved-job-id",
                    root.job(job.id.as_str()),
                    format!(
                        "job id {:?} is the job GitHub's lowering adds to evaluate path filters",
                        job.id.as_str()
                    ),
                )
                .with_hint("rename the job"),
            );
        }
        for pattern in &job.changed_paths {
            if let Err(problem) = crate::changes::check(pattern) {
                out.push(
                    Diagnostic::error(
                        "invalid-change-pattern",
                        path(),
                        format!("path filter {pattern:?} of job {:?}: {problem}", job.id.as_str()),
                    )
                    .with_hint("use `*`, `**`, `?` and literal names; list alternatives as separate patterns"),
                );
            }
        }
        // Without path filters no need can be path-filtered (and a need costs a lookup).
        for need in job.needs.iter().filter(|_| filtered) {
            let Some(n) = graph.job(need.as_str()) else { continue };
            if !n.changed_paths.is_empty()
                && n.changed_paths != job.changed_paths
                && !job.is_optional_need(need.as_str())
            {
                out.push(
                    Diagnostic::error(
                        "needs-path-filtered-job",
                        root.job(job.id.as_str()).field("needs"),
                        format!(
                            "job {:?} needs job {:?}, which runs only when {} changed, but has another path filter",
                            job.id.as_str(),
                            need.as_str(),
                            n.changed_paths.join(", ")
                        ),
                    )
                    .with_hint(format!(
                        "give {:?} the same `.when_changed([..])` as {:?}: platforms differ on a job whose need did not run (GitHub skips it, GitLab refuses the pipeline)",
                        job.id.as_str(),
                        need.as_str()
                    )),
                );
            }
        }
    }
}
