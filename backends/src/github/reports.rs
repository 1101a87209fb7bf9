//! Test reports on GitHub: a last step uploads the report files as artifact
//! `test-reports-<job>` whatever the steps' results (GitHub has no test view of its own; the
//! files are downloadable from the run).

use pipeline_core::Job;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::yaml::{Commented, OrderedMap};

use super::escape;
use super::model::{self as gh, WithValue};

/// The upload step of `job`'s test reports (none without reports); `upload` is the pinned
/// `actions/upload-artifact`.
pub(super) fn upload(
    job: &Job,
    upload: Commented<String>,
    path: Path,
    diagnostics: &mut Diagnostics,
) -> Option<gh::Step> {
    if job.test_reports.is_empty() {
        return None;
    }
    let mut paths: Vec<&str> = Vec::new();
    for p in job.test_reports.iter().flat_map(|r| &r.paths) {
        if !paths.contains(&p.as_str()) {
            paths.push(p);
        }
    }
    let name = artifact_name(job);
    diagnostics.push(
        Diagnostic::notice(
            "github-test-report-artifact",
            path.field("test_reports"),
            format!(
                "GitHub shows no test results of its own: the test reports of job {:?} are kept as artifact {:?} of the run",
                job.id.as_str(),
                name.replace("${{ strategy.job-index }}", "<cell>")
            ),
            )
        .with_hint("download them from the run's summary page, or add a step with a test-report action (`Step::action(..)`, `.only_on(Platform::Github)`) to show them as a check")
        .on_platform(super::PLATFORM),
    );
    let mut with = OrderedMap::new();
    with.insert("name".to_owned(), WithValue::String(name));
    with.insert(
        "path".to_owned(),
        WithValue::String(escape::literal(&(paths.join("\n") + "\n"))),
    );
    // A report that is missing is a warning on every platform, never a failure.
    with.insert("if-no-files-found".to_owned(), "warn".into());
    Some(gh::Step {
        name: Some("Upload test reports".to_owned()),
        // Also after a failed step; not when the run is cancelled (GitLab and CodeBuild keep no
        // report of a cancelled job either).
        condition: Some("${{ !cancelled() }}".to_owned()),
        uses: Some(upload),
        with,
        ..gh::Step::default()
    })
}

/// `test-reports-<job>`, with the cell's index in a matrix job (artifact names are unique in a
/// run).
fn artifact_name(job: &Job) -> String {
    let mut name = ["test-reports-", job.id.as_str()].concat();
    if job.matrix.is_some() {
        name.push_str("-${{ strategy.job-index }}");
    }
    name
}
