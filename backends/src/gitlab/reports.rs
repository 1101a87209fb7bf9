//! Test reports on GitLab: `artifacts: reports: junit:` with `when: always`, so the pipeline's
//! Tests tab and the merge request widget show them also when a step failed.

use pipeline_core::Job;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};

use super::model::{self as gl, When};

/// `job`'s artifacts with its test reports added (unchanged without reports); diagnostics name
/// `platform`.
pub(super) fn add(
    job: &Job,
    artifacts: Option<gl::Artifacts>,
    path: &Path,
    platform: &'static str,
    diagnostics: &mut Diagnostics,
) -> Option<gl::Artifacts> {
    if job.test_reports.is_empty() {
        return artifacts;
    }
    let mut a = artifacts.unwrap_or_default();
    let reports = a.reports.get_or_insert_with(gl::Reports::default);
    for p in job.test_reports.iter().flat_map(|r| &r.paths) {
        if !reports.junit.contains(p) {
            reports.junit.push(p.clone());
        }
    }
    if !a.paths.is_empty() && a.when != Some(When::Always) {
        diagnostics.push(
            Diagnostic::warning(
                "gitlab-artifacts-merged",
                path.field("test_reports"),
                format!(
                    "a GitLab job has one set of artifacts: job {:?} keeps its test reports whatever its result, so its artifacts ({}) are kept whatever its result too",
                    job.id.as_str(),
                    a.paths.join(", ")
                ),
            )
            .with_hint("upload the artifacts from a separate job, or run the tests in a job without artifact uploads")
            .on_platform(platform),
        );
    }
    a.when = Some(When::Always);
    Some(a)
}
