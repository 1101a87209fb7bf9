//! Test reports on CodeBuild: the buildspec's `reports:` sends the files into an
//! `AWS::CodeBuild::ReportGroup` of the stack (one per job), which CodeBuild fills after the build
//! whatever its result; the build's Reports tab and the group's trends show them.
//!
//! The buildspec names the group by ARN (a name would make CodeBuild create another group of
//! its own), so a project with reports carries its buildspec as an `Fn::Sub` whose only
//! references are its report groups.

use indexmap::IndexMap;
use pipeline_core::{Job, ReportFormat};

use super::buildspec::Report;
use super::model::{CfnString, ReportExportConfig, ReportGroup, SubPart};

/// The key standing for the job's report group in the buildspec text until the template
/// replaces it with the group's ARN.
pub(crate) const GROUP_PLACEHOLDER: &str = "pipeline-test-report-group";

/// The permissions the CodeBuild service role needs on a report group.
pub(crate) const REPORT_ACTIONS: [&str; 3] = [
    "codebuild:CreateReport",
    "codebuild:UpdateReport",
    "codebuild:BatchPutTestCases",
];

/// The buildspec `reports:` of `job` (empty without reports).
pub(crate) fn buildspec_reports(job: &Job) -> IndexMap<String, Report> {
    let mut out = IndexMap::new();
    if job.test_reports.is_empty() {
        return out;
    }
    let mut files: Vec<String> = Vec::new();
    let mut format = None;
    for report in &job.test_reports {
        format = Some(match report.format {
            ReportFormat::Junit => "JUNITXML",
        });
        for p in &report.paths {
            if !files.contains(p) {
                files.push(p.clone());
            }
        }
    }
    out.insert(
        GROUP_PLACEHOLDER.to_owned(),
        Report {
            files,
            file_format: format.map(str::to_owned),
        },
    );
    out
}

/// The report group of `job`: `<pipeline name>-<job>-tests`, deleted with its reports.
pub(crate) fn group(job: &Job) -> ReportGroup {
    ReportGroup {
        name: CfnString::sub([
            CfnString::reference("PipelineName"),
            CfnString::text(format!("-{}-tests", job.id)),
        ]),
        kind: "TEST",
        export_config: ReportExportConfig {
            export_config_type: "NO_EXPORT",
        },
        delete_reports: true,
    }
}

/// The project's `BuildSpec`: the text, or an `Fn::Sub` naming report group `group` (a logical
/// id) where the text holds [`GROUP_PLACEHOLDER`].
pub(crate) fn build_spec(text: String, group: Option<&str>) -> CfnString {
    let Some(group) = group else {
        return CfnString::Lit(text);
    };
    let mut parts = Vec::new();
    for (i, piece) in text.split(GROUP_PLACEHOLDER).enumerate() {
        if i > 0 {
            parts.push(SubPart::Ref(group.to_owned().into()));
        }
        parts.push(SubPart::Text(piece.to_owned()));
    }
    CfnString::sub(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::prelude::*;

    #[test]
    fn the_placeholder_becomes_a_reference_and_the_rest_stays_text() {
        let spec = build_spec(
            format!("phases: {{}}\nreports:\n  {GROUP_PLACEHOLDER}:\n    files:\n      - ${{HOME}}/x.xml\n"),
            Some("TestTestReports"),
        );
        let CfnString::Sub(parts) = &spec else {
            panic!("not a Sub: {spec:?}");
        };
        assert_eq!(
            CfnString::sub_template(parts),
            "phases: {}\nreports:\n  ${TestTestReports}:\n    files:\n      - ${!HOME}/x.xml\n"
        );
        assert_eq!(build_spec("a".into(), None), CfnString::Lit("a".into()));
    }

    #[test]
    fn reports_of_a_job_share_one_group_with_each_file_once() {
        let job = Job::new("t")
            .test_report(TestReport::junit("a.xml").path("b/*.xml"))
            .test_report(TestReport::junit("a.xml"));
        let reports = buildspec_reports(&job);
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[GROUP_PLACEHOLDER].files, ["a.xml", "b/*.xml"]);
        assert_eq!(reports[GROUP_PLACEHOLDER].file_format.as_deref(), Some("JUNITXML"));
        assert!(buildspec_reports(&Job::new("u")).is_empty());
    }
}
