//! The typed condition language (issue 10, item 3): text tests on the run's subjects, `fork`,
//! and/or/not, lowered to each platform with one meaning (docs/SEMANTICS.md, section 15), refused
//! with a diagnostic naming job and platform where a platform cannot evaluate them, and user
//! text kept as data.

use pipeline_core::prelude::*;
use pipeline_core::run::{Context, LocalEvent, Status};
use pipeline_core::{Diagnostics, GeneratedFile, JobResult, Severity};

fn render(backend: &str, pipeline: Pipeline) -> Result<Vec<GeneratedFile>, Diagnostics> {
    pipeline_tests::render(
        &pipeline_tests::PipelineSet {
            name: "conditions",
            pipelines: vec![pipeline],
        },
        backend,
    )
}

fn text(files: &[GeneratedFile]) -> String {
    files.iter().map(|f| f.contents.as_str()).collect::<Vec<_>>().join("\n")
}

fn pipeline(jobs: impl IntoIterator<Item = Job>) -> Pipeline {
    Pipeline::new("conds")
        .on(Trigger::push().branches(["main", "release/*"]))
        .on(Trigger::pull_request())
        .on(Trigger::manual().input(Input::string("target", "Where").default_value("staging")))
        .jobs(jobs)
}

fn job(id: &str) -> Job {
    Job::new(id).step(Step::script("echo hi"))
}

#[test]
fn the_local_runner_ignores_ascii_case_and_reads_absent_subjects_as_false() {
    let push = Context {
        event: LocalEvent::Push,
        branch: Some("Release/1.0".into()),
        repository: "acme/app".into(),
        ..Context::default()
    };
    let pr = Context {
        event: LocalEvent::PullRequest,
        branch: Some("feature/x".into()),
        base: Some("main".into()),
        fork: true,
        ..Context::default()
    };
    let holds = |ctx: &Context, c: Condition| ctx.holds(&c, Status::default());
    assert!(holds(&push, Subject::Branch.starts_with("release/")));
    assert!(holds(&push, Subject::Repository.equals("ACME/app")));
    assert!(!holds(&push, Subject::PullRequestBase.equals("main")));
    assert!(holds(&push, !Subject::PullRequestBase.equals("main")));
    assert!(!holds(&push, Condition::fork()));
    // A pull request run has no branch: its source branch is the head.
    assert!(!holds(&pr, Subject::Branch.contains("feature")));
    assert!(holds(&pr, Subject::PullRequestHead.starts_with("feature/")));
    assert!(holds(&pr, Subject::PullRequestBase.equals("main") & Condition::fork()));
    assert!(!holds(&pr, Subject::Tag.ends_with("x")));
}

#[test]
fn local_runs_simulate_pull_requests_with_base_and_fork() {
    let args =
        pipeline_core::run::parse_args(["conds", "--event", "pull-request", "--base", "dev", "--fork"]).expect("valid");
    assert_eq!((args.base.as_deref(), args.fork), (Some("dev"), true));
    let err = pipeline_core::run::parse_args(["conds", "--fork"]).expect_err("push with --fork");
    assert!(err.contains("--event pull-request"), "{err}");
}

#[test]
fn each_platform_lowers_text_tests_and_fork() {
    let p = pipeline([
        job("release").when(Subject::Branch.starts_with("release/") & !Condition::fork()),
        job("preview").when(Subject::PullRequestBase.equals("main") & !Condition::fork()),
        job("prod").when(Subject::input("target").equals("Production")),
    ]);
    let github = text(&render("github", p.clone()).expect("github"));
    assert!(github.contains("if: startsWith(github.ref, 'refs/heads/release/') && !(github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository)"), "{github}");
    assert!(github.contains("github.base_ref == 'main'"), "{github}");
    let gitlab = text(&render("gitlab", p.clone()).expect("gitlab"));
    assert!(gitlab.contains("$CI_COMMIT_BRANCH =~ /^release\\x2f/i && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_MERGE_REQUEST_PROJECT_ID"), "{gitlab}");
    assert!(
        gitlab.contains("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME =~ /^main$/i"),
        "{gitlab}"
    );
    assert!(gitlab.contains("$target =~ /^Production$/i"), "{gitlab}");
    // CodePipeline cannot tell forks or pull request branches: refused, naming the job.
    let d = render("codepipeline", p).expect_err("codepipeline refuses fork");
    let errors: Vec<String> = d
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("fork") && e.contains("release")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("pull request base branch") && e.contains("preview")),
        "{errors:?}"
    );
}

#[test]
fn codepipeline_tests_branch_repository_inputs_and_decides_matrix_values_per_cell() {
    let p = pipeline([job("deploy")
        .when(Subject::Branch.ends_with("/hotfix") | Subject::Repository.equals("acme/app"))
        .matrix(Matrix::new().axis("os", ["linux", "windows"]))
        .step(Step::script("echo win").when(Subject::matrix("os").equals("WINDOWS")))]);
    let files = render("codepipeline", p).expect("codepipeline");
    let all = text(&files);
    assert!(
        all.contains("case \"${PIPELINE_BRANCH_NAME:-}\" in *'/'[hH][oO][tT][fF][iI][xX]) true ;; *) false ;; esac"),
        "{all}"
    );
    assert!(all.contains("PIPELINE_REPOSITORY"), "{all}");
    assert!(all.contains("#{SourceVariables.FullRepositoryName}"), "{all}");
}

#[test]
fn user_text_is_data_on_every_platform() {
    let hostile = "main' || true || '$X ${{ secrets.A }} #{variables.B} /i";
    let p = pipeline([job("x").when(Subject::Branch.equals(hostile) | Subject::input("target").contains(hostile))]);
    let github = text(&render("github", p.clone()).expect("github"));
    assert!(github.contains("github.ref == format("), "{github}");
    assert!(!github.contains("|| true ||'"), "{github}");
    let gitlab = text(&render("gitlab", p.clone()).expect("gitlab"));
    assert!(gitlab.contains("\\x27\\x20\\x7c\\x7c\\x20true"), "{gitlab}");
    assert!(!gitlab.contains("|| true"), "{gitlab}");
    let cp = text(&render("codepipeline", p).expect("codepipeline"));
    assert!(
        cp.contains("[mM][aA][iI][nN]''\\'' || '[tT][rR][uU][eE]' || '\\''$'[xX]"),
        "{cp}"
    );
    for backend in ["github", "gitlab", "codepipeline"] {
        let p = pipeline([job("x").when(Subject::Branch.equals(hostile))]);
        let files = render(backend, p).expect("renders");
        assert!(
            pipeline_tests::hazards::findings(backend, &files).is_empty(),
            "{backend}"
        );
    }
}

#[test]
fn bad_values_and_matrix_values_on_jobs_are_refused_with_a_path() {
    let cases = [
        (
            job("a").when(Subject::Actor.equals("")),
            "invalid-condition-value",
            "job \"a\" > if",
        ),
        (
            job("a").when(Subject::Branch.equals("café")),
            "invalid-condition-value",
            "job \"a\" > if",
        ),
        (
            job("a").when(Subject::Branch.equals("a\nb")),
            "invalid-condition-value",
            "job \"a\" > if",
        ),
        (
            job("a")
                .matrix(Matrix::new().axis("os", ["l"]))
                .when(Subject::matrix("os").equals("l")),
            "matrix-in-job-condition",
            "job \"a\" > if",
        ),
        (
            Job::new("a").step(Step::script("x").when(Subject::matrix("os").equals("l"))),
            "unknown-matrix-axis",
            "job \"a\" > step",
        ),
        (
            job("a").when(Subject::input("nope").equals("x")),
            "unknown-input",
            "job \"a\" > if",
        ),
    ];
    for (job, code, path) in cases {
        let d = pipeline_core::validate::validate(&pipeline([job]));
        let e = d
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no {code}:\n{d}"));
        assert!(e.path.to_string().contains(path), "{}", e.path);
        assert!(e.hint.is_some());
    }
}

fn needs_pipeline(report: Job) -> Pipeline {
    Pipeline::new("needs")
        .on(Trigger::push().branches(["main"]))
        .job(job("build"))
        .job(job("lint"))
        .job(report)
}

#[test]
fn need_results_lower_to_github_and_to_gitlab_when_the_need_is_the_only_one() {
    let p = needs_pipeline(
        job("report")
            .needs("build")
            .when(Condition::need("build", JobResult::Failure) & Subject::Branch.equals("main")),
    );
    let github = text(&render("github", p.clone()).expect("github"));
    assert!(
        github.contains("if: (!cancelled() && needs.build.result == 'failure') && github.ref == 'refs/heads/main'"),
        "{github}"
    );
    let gitlab = text(&render("gitlab", p.clone()).expect("gitlab"));
    assert!(
        gitlab.contains("$CI_COMMIT_BRANCH =~ /^main$/i\n      when: on_failure"),
        "{gitlab}"
    );
    let ok = needs_pipeline(
        job("report")
            .needs("build")
            .when(Condition::need("build", JobResult::Success)),
    );
    let gitlab = text(&render("gitlab", ok).expect("gitlab"));
    assert!(gitlab.contains("when: on_success"), "{gitlab}");
    let cancelled = needs_pipeline(
        job("report")
            .needs("build")
            .when(Condition::need("build", JobResult::Cancelled)),
    );
    let github = text(&render("github", cancelled.clone()).expect("github"));
    assert!(
        github.contains("if: always() && needs.build.result == 'cancelled'"),
        "{github}"
    );
    let d = render("gitlab", cancelled).expect_err("gitlab cannot see cancelled");
    assert!(d.to_string().contains("cancelled"), "{d}");
}

#[test]
fn platforms_that_cannot_see_a_need_result_say_so_naming_job_and_platform() {
    let several = needs_pipeline(
        job("report")
            .needs("build")
            .needs("lint")
            .when(Condition::need("build", JobResult::Failure)),
    );
    let d = render("gitlab", several).expect_err("gitlab: one need among several");
    let e = d.iter().find(|d| d.severity == Severity::Error).expect("error");
    assert!(
        e.message.contains("\"build\"") && e.message.contains("\"report\"") && e.message.contains("GitLab"),
        "{e}"
    );
    let one = needs_pipeline(
        job("report")
            .needs("build")
            .when(Condition::need("build", JobResult::Failure)),
    );
    let d = render("codepipeline", one).expect_err("codepipeline cannot evaluate need results");
    let e = d.iter().find(|d| d.severity == Severity::Error).expect("error");
    assert!(
        e.to_string().contains("report") && e.to_string().contains("CodePipeline"),
        "{e}"
    );
    // Validation: only needed jobs, only on jobs.
    let d = pipeline_core::validate::validate(&needs_pipeline(
        job("report").when(Condition::need("build", JobResult::Success)),
    ));
    assert!(d.iter().any(|d| d.code == "undeclared-need"), "{d}");
    let d = pipeline_core::validate::validate(&needs_pipeline(
        job("report")
            .needs("build")
            .step(Step::script("x").when(Condition::need("build", JobResult::Success))),
    ));
    assert!(d.iter().any(|d| d.code == "need-in-step-condition"), "{d}");
}

#[test]
fn the_local_runner_reads_need_results() {
    let ctx = Context::default();
    let c = Condition::need("build", JobResult::Skipped) | Condition::need("build", JobResult::Failure);
    assert!(ctx.holds_for_job(&c, Status::default(), &[("build", JobResult::Skipped)]));
    assert!(!ctx.holds_for_job(&c, Status::default(), &[("build", JobResult::Success)]));
}
