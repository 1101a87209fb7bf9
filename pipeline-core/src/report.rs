//! Test reports: result files a job writes (JUnit XML) that each platform keeps and shows
//! whatever the job's result (docs/SEMANTICS.md, "Test reports").
//!
//! A report is a property of the job, not a step: the platform collects it after the job's
//! steps, also when a step failed.
//!
//! | | GitHub Actions | GitLab CI | CodeBuild |
//! |---|---|---|---|
//! | lowered to | a last step uploading the files as artifact `test-reports-<job>` (`if: ${{ !cancelled() }}`) | `artifacts: reports: junit:` with `when: always` | buildspec `reports:` into an `AWS::CodeBuild::ReportGroup` of the stack |
//! | shown as | a downloadable artifact (no test view) | the pipeline's Tests tab and the merge request widget | the build's Reports tab and the report group's trends |
//! | missing file | a warning in the log | a warning in the log | no report |

/// The format of a test report file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// JUnit XML (what `cargo nextest`, pytest, Jest, Maven Surefire and Go's gotestsum write).
    Junit,
}

impl ReportFormat {
    /// A short name for messages and artifact names (`junit`).
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit",
        }
    }
}

/// A test report a job writes: files (glob patterns allowed) relative to the workspace, kept and
/// shown by each platform whatever the job's result.
///
/// ```
/// use pipeline_core::prelude::*;
/// let test = Job::new("test")
///     .step(Step::checkout())
///     .step(Step::script("cargo nextest run --profile ci"))
///     .test_report(TestReport::junit("target/nextest/ci/junit.xml"));
/// assert_eq!(test.test_reports[0].paths, ["target/nextest/ci/junit.xml"]);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestReport {
    /// The format of the files.
    pub format: ReportFormat,
    /// Files or glob patterns, relative to the workspace (no `..`, `$` or `%`).
    pub paths: Vec<String>,
}

impl TestReport {
    /// A JUnit XML report at `path` (a file or a glob pattern such as `reports/*.xml`), relative
    /// to the workspace.
    ///
    /// ```
    /// use pipeline_core::{ReportFormat, TestReport};
    /// let report = TestReport::junit("reports/*.xml").path("e2e/junit.xml");
    /// assert_eq!(report.format, ReportFormat::Junit);
    /// assert_eq!(report.paths, ["reports/*.xml", "e2e/junit.xml"]);
    /// ```
    pub fn junit(path: impl Into<String>) -> Self {
        Self {
            format: ReportFormat::Junit,
            paths: vec![path.into()],
        }
    }

    /// Adds another file or glob pattern of the same report.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.paths.push(path.into());
        self
    }
}

/// Why `path` is not a report path every platform reads the same way, if it is not: it must be
/// relative to the workspace, stay inside it, and hold no character a platform would read as
/// syntax (`$` and `%` are variables on GitLab, a leading `!` excludes on GitHub, `\` escapes in globs).
///
/// ```
/// use pipeline_core::report::path_problem;
/// assert_eq!(path_problem("target/nextest/ci/junit.xml"), None);
/// assert_eq!(path_problem("reports/**/*.xml"), None);
/// assert!(path_problem("../junit.xml").is_some());
/// assert!(path_problem("/tmp/junit.xml").is_some());
/// assert!(path_problem("$CI_PROJECT_DIR/junit.xml").is_some());
/// ```
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.trim().is_empty() {
        Some("it is empty")
    } else if path.starts_with('/') || path.starts_with('~') || is_drive_path(path) {
        Some("it is absolute")
    } else if path.split('/').any(|c| c == "..") {
        Some("it leaves the workspace through `..`")
    } else if path.chars().any(char::is_control) {
        Some("it holds a control character or spans lines")
    } else if path.contains(['$', '%']) {
        Some("it holds `$` or `%`, which GitLab expands as a variable")
    } else if path.contains('\\') {
        Some("it holds `\\`, which glob matching reads as an escape")
    } else if path.starts_with('!') {
        Some("it starts with `!`, which GitHub reads as an exclusion")
    } else if path.trim() != path {
        Some("it starts or ends with white space")
    } else {
        None
    }
}

/// `C:...`: a Windows drive path.
fn is_drive_path(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}
