//! Runners and matrices on every platform (issue 10, items 1 and 2): the runner axis picks each
//! cell's machine on GitHub (labels), GitLab (tags from the runner map) and CodePipeline (a
//! CodeBuild project per runner); include/exclude give exactly the portable cells everywhere;
//! what a platform cannot do is a diagnostic naming job, cell and platform; the local runner
//! runs the same cells and can keep to this machine's OS.

use std::path::Path;

use pipeline_backends::codepipeline::CodePipeline;
use pipeline_backends::github::Github;
use pipeline_backends::gitlab::{Gitlab, GitlabRunners};
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use pipeline_core::run::{self, JobStatus, RunArgs, Settings};
use pipeline_tests::{TempDir, fixtures, git};

fn github(p: &Pipeline) -> (Option<String>, Diagnostics) {
    let mut d = pipeline_core::validate::validate(p);
    let out = Github::new().render(p, &mut d);
    (out, d)
}

fn gitlab(g: &Gitlab, p: &Pipeline) -> (Option<String>, Diagnostics) {
    let mut d = pipeline_core::validate::validate(p);
    let out = g.render(p, &mut d);
    (out.filter(|_| !d.has_errors()), d)
}

fn codepipeline(p: &Pipeline) -> Diagnostics {
    let mut d = pipeline_core::validate::validate(p);
    let _ = CodePipeline::new().lower(p, &mut d);
    d
}

fn all_os() -> Pipeline {
    fixtures::runners_matrices(&[Runner::macos(), Runner::windows()])
}

/// The cells every platform runs, as computed once by the model.
fn cell_names(p: &Pipeline, job: &str) -> Vec<String> {
    let job = p.jobs.iter().find(|j| j.id == job).expect("job");
    job.matrix
        .as_ref()
        .expect("matrix")
        .cells()
        .iter()
        .map(|c| c.iter().map(|(_, v)| *v).collect::<Vec<_>>().join("/"))
        .collect()
}

#[test]
fn the_portable_cells_apply_include_and_exclude_like_github() {
    assert_eq!(
        cell_names(&all_os(), "test"),
        [
            "linux-x64/stable/all",
            "linux-x64/1.85/default",
            "macos-arm64/stable/default",
            "windows-x64/stable/default",
            "linux-arm64/stable/default",
            "linux-x64/nightly/default",
        ]
    );
}

#[test]
fn github_lists_each_cell_with_its_runner_labels() {
    let (yaml, d) = github(&all_os());
    let yaml = yaml.unwrap_or_else(|| panic!("renders:\n{d}"));
    assert!(yaml.contains("    runs-on: ${{ matrix.runs-on }}\n"), "{yaml}");
    for (key, label) in [
        ("linux-x64", "ubuntu-24.04"),
        ("macos-arm64", "macos-15"),
        ("windows-x64", "windows-2025"),
        ("linux-arm64", "ubuntu-24.04-arm"),
    ] {
        assert!(yaml.contains(&format!("- runner: {key}\n")), "{key}: {yaml}");
        assert!(yaml.contains(&format!("runs-on: {label}\n")), "{label}: {yaml}");
    }
    assert_eq!(yaml.matches("- runner: ").count(), 6, "one entry per cell: {yaml}");
    // Fail-fast is explicit (GitHub's own default would cancel the other cells).
    assert_eq!(yaml.matches("fail-fast: false").count(), 2, "{yaml}");
    assert!(yaml.contains("max-parallel: 4"), "{yaml}");
    // A plain product stays axes.
    assert!(
        yaml.contains("toolchain:\n          - stable\n          - beta"),
        "{yaml}"
    );
    // The labels of another runner come from the backend's map.
    let p = all_os();
    let mut d = Diagnostics::new();
    let yaml = Github::new()
        .runner_labels(&Runner::windows(), ["windows-2022"])
        .render(&p, &mut d)
        .expect("renders");
    assert!(
        yaml.contains("runs-on: windows-2022\n") && !yaml.contains("windows-2025"),
        "{yaml}"
    );
}

#[test]
fn gitlab_gives_each_cell_its_runner_tag_and_refuses_hosted_windows() {
    let p = all_os();
    // GitLab's hosted Windows runners run PowerShell: an error naming job, cell and platform.
    let (out, d) = gitlab(&Gitlab::new(), &p);
    assert!(out.is_none());
    let e = d.errors().find(|e| e.code == "gitlab-unsupported").expect("refused");
    assert_eq!(e.platform, Some("gitlab"));
    assert!(
        e.message
            .contains("cell [runner=windows-x64, rust=stable, features=default] of job \"test\""),
        "{e}"
    );
    assert!(e.message.contains("PowerShell"), "{e}");
    // Mapped to the project's own runners, every cell has a tag variable.
    let runners = GitlabRunners::hosted().map(&Runner::windows(), ["windows-git-bash"]);
    let (yaml, d) = gitlab(&Gitlab::new().runners(runners), &p);
    let yaml = yaml.unwrap_or_else(|| panic!("renders:\n{d}"));
    assert!(yaml.contains("  tags:\n    - $runner_tag\n"), "{yaml}");
    for tag in [
        "saas-linux-small-amd64",
        "saas-macos-medium-m1",
        "windows-git-bash",
        "saas-linux-small-arm64",
    ] {
        assert!(
            yaml.contains(&format!("runner_tag:\n          - {tag}\n")),
            "{tag}: {yaml}"
        );
    }
    // One `parallel:matrix` entry per cell: the excluded cells are not there.
    assert_eq!(yaml.matches("      - runner:\n").count(), 6, "{yaml}");
    assert!(
        !yaml.contains("- windows-x64\n        rust:\n          - '1.85'"),
        "{yaml}"
    );
}

#[test]
fn gitlab_never_turns_github_labels_into_tags() {
    let p = Pipeline::new("p").on(Trigger::push()).job(
        Job::new("big")
            .runner(Runner::labels(["ubuntu-24.04-16core"]))
            .step(Step::script("make")),
    );
    let (yaml, d) = gitlab(&Gitlab::new(), &p);
    let yaml = yaml.expect("renders");
    assert!(!yaml.contains("16core"), "{yaml}");
    assert!(d.contains_code("gitlab-runner-labels"));
}

#[test]
fn codepipeline_builds_a_project_per_runner_and_refuses_macos_and_windows() {
    let d = codepipeline(&fixtures::runners_matrices(&[]));
    assert!(!d.has_errors(), "{d}");
    let d = codepipeline(&all_os());
    let errors: Vec<String> = d.errors().map(|e| e.message.clone()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("macos runner (cell [runner=macos-arm64, rust=stable, features=default] of job \"test\")"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("windows runner (cell [runner=windows-x64"),
        "{errors:?}"
    );
    assert!(d.errors().all(|e| e.platform == Some("codepipeline")));
    let p = Pipeline::new("p")
        .on(Trigger::push())
        .job(Job::new("mac").runner(Runner::macos()).step(Step::script("make")));
    let d = codepipeline(&p);
    assert!(
        d.errors().any(|e| e.message.contains("macos runner (job \"mac\")")),
        "{d}"
    );
}

#[test]
fn a_matrix_from_a_job_output_is_github_only() {
    let plan = Job::new("plan").step(Step::set_output("matrix", "./list-targets.sh"));
    let build = Job::new("build")
        .needs(&plan)
        .matrix(Matrix::from_output(plan.output("matrix"), ["target"]))
        .env("TARGET", Axis::new("target").value())
        .step(Step::script("cargo build --target \"$TARGET\""));
    let p = Pipeline::new("p").on(Trigger::push()).jobs([plan, build]);
    let (yaml, d) = github(&p);
    let yaml = yaml.unwrap_or_else(|| panic!("{d}"));
    assert!(
        yaml.contains("matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}"),
        "{yaml}"
    );
    let (out, d) = gitlab(&Gitlab::new(), &p);
    assert!(out.is_none());
    assert!(
        d.errors()
            .any(|e| e.message.contains("reads its matrix from a job output")),
        "{d}"
    );
    let d = codepipeline(&p);
    assert!(
        d.errors()
            .any(|e| e.message.contains("a matrix read from a job output")),
        "{d}"
    );
}

/// No raw expression in a runner field: a matrix value in the labels is refused before any
/// platform sees it, and the hint names the runner axis.
#[test]
fn a_matrix_expression_in_a_runner_field_is_refused() {
    let p = Pipeline::new("p").on(Trigger::push()).job(
        Job::new("t")
            .matrix(Matrix::new().axis("os", ["ubuntu-24.04", "macos-15"]))
            .runner(Runner::labels(["${{ matrix.os }}"]))
            .step(Step::script("make")),
    );
    let d = pipeline_core::validate::validate(&p);
    let e = d.errors().find(|e| e.code == "runner-expression").expect("refused");
    assert!(e.hint.as_deref().unwrap_or("").contains("Matrix::runners"), "{e}");
}

fn repository() -> TempDir {
    let dir = TempDir::new("runners-matrices");
    std::fs::write(dir.path().join("README"), "cells\n").expect("write");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "README"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    dir
}

fn run_cells(p: &Pipeline, repo: &Path, host_os_only: bool) -> Vec<(String, JobStatus)> {
    let args = RunArgs {
        branch: Some("main".into()),
        ..RunArgs::default()
    };
    let ctx = run::context(p, repo, &args).expect("context");
    let settings = Settings {
        host: Some(Default::default()),
        host_os_only,
        ..Settings::default()
    };
    let mut log = Vec::new();
    let report = run::execute(p, repo, &ctx, None, &settings, &mut log).expect("runs");
    report.jobs.into_iter().map(|j| (j.name, j.status)).collect()
}

/// The local runner runs exactly the portable cells; `--host-os-only` skips the cells of other
/// systems, and a job that needs only skipped cells is skipped too.
#[test]
fn the_local_runner_runs_the_cells_and_can_keep_to_the_host_os() {
    let Some(host) = Os::host() else { return };
    let other = if host == Os::Windows {
        Runner::linux()
    } else {
        Runner::windows()
    };
    let here = Runner::new(host, Arch::X64);
    let test = Job::new("test")
        .matrix(
            Matrix::new()
                .runners([here.clone(), other.clone()])
                .axis("n", ["1", "2"])
                .exclude([("runner", other.key().as_str()), ("n", "2")]),
        )
        .env("N", Expr::matrix("n"))
        .step(Step::script("echo \"cell $N\""));
    let only_other = Job::new("other")
        .matrix(Matrix::new().runners([other.clone()]))
        .step(Step::script("true"));
    let after = Job::new("after").needs(&only_other).step(Step::script("true"));
    let p = Pipeline::new("cells")
        .on(Trigger::push())
        .jobs([test, only_other, after]);
    pipeline_core::validate::assert_valid(&p);
    let repo = repository();

    let all = run_cells(&p, repo.path(), false);
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(all.iter().all(|(_, s)| *s == JobStatus::Passed), "{all:?}");

    let host_only = run_cells(&p, repo.path(), true);
    let status = |name: &str| {
        host_only
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("{name} in {host_only:?}"))
    };
    let here_key = here.key();
    let other_key = other.key();
    assert_eq!(status(&format!("test: [{here_key}, 1]")), JobStatus::Passed);
    assert_eq!(status(&format!("test: [{here_key}, 2]")), JobStatus::Passed);
    assert!(
        matches!(status(&format!("test: [{other_key}, 1]")), JobStatus::Skipped(why) if why.contains("--host-os-only"))
    );
    assert!(matches!(
        status(&format!("other: [{other_key}]")),
        JobStatus::Skipped(_)
    ));
    assert!(
        matches!(status("after"), JobStatus::Skipped(why) if why.contains("did not succeed")),
        "{host_only:?}"
    );
}
