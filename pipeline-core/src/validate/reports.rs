//! Test reports: their paths are data on every platform (relative to the workspace, inside it,
//! no character a platform reads as syntax).

use super::At;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::job::Job;
use crate::report::path_problem;

/// Every report names at least one path, and every path passes [`path_problem`].
pub(super) fn check(job: &Job, path: At<'_>, out: &mut Diagnostics) {
    for (i, report) in job.test_reports.iter().enumerate() {
        let rpath = || path().field(format!("test_reports[{i}]"));
        if report.paths.is_empty() {
            out.push(
                Diagnostic::error(
                    "empty-test-report",
                    rpath(),
                    format!(
                        "a {} test report of job {:?} names no file",
                        report.format.name(),
                        job.id.as_str()
                    ),
                )
                .with_hint("name the report file, e.g. `TestReport::junit(\"target/nextest/ci/junit.xml\")`"),
            );
        }
        for p in &report.paths {
            if let Some(why) = path_problem(p) {
                out.push(
                    Diagnostic::error(
                        "invalid-test-report-path",
                        rpath().field("paths"),
                        format!(
                            "test report path {p:?} of job {:?} is not a plain relative path inside the workspace: {why}",
                            job.id.as_str()
                        ),
                    )
                    .with_hint("write the report under the checkout and name it relative to it, e.g. \"target/nextest/ci/junit.xml\" or \"reports/*.xml\""),
                );
            }
        }
    }
}
