//! GitHub conformance: every generated workflow (example service, this repository's CI, the
//! fixtures) is accepted by actionlint (with shellcheck on every `run:` script), by zizmor's
//! offline security audits with zero findings, and by the GitHub workflow JSON schema.
//! Negative controls prove each tool still rejects a known-bad workflow.

use std::path::{Path, PathBuf};

use pipeline_tests::tools::{self, output};
use pipeline_tests::{TempDir, workspace_root, write_generated};

fn workflows(dir: &TempDir) -> Vec<PathBuf> {
    let files = write_generated(dir, "github", &[]);
    assert!(
        files.len() >= 6,
        "expected every set to produce workflows, got {files:?}"
    );
    files
}

fn bad(name: &str) -> PathBuf {
    workspace_root().join("tests/conformance/fixtures/github").join(name)
}

fn actionlint(files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::actionlint()?;
    cmd.args(files);
    Some(output(cmd))
}

fn zizmor(files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::zizmor()?;
    cmd.args(files);
    Some(output(cmd))
}

fn schema(files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::schema("vendor.github-workflows")?;
    cmd.args(files);
    Some(output(cmd))
}

fn names(files: &[PathBuf], dir: &Path) -> String {
    files
        .iter()
        .map(|f| f.strip_prefix(dir).unwrap_or(f).display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn actionlint_and_shellcheck_accept_every_generated_workflow() {
    let dir = TempDir::new("actionlint");
    let files = workflows(&dir);
    let Some(out) = actionlint(&files) else { return };
    assert!(
        out.code == 0 && out.stdout.trim().is_empty(),
        "actionlint on {}:\n{}",
        names(&files, dir.path()),
        out.text()
    );
}

#[test]
fn zizmor_finds_nothing_in_any_generated_workflow() {
    let dir = TempDir::new("zizmor");
    let files = workflows(&dir);
    let Some(out) = zizmor(&files) else { return };
    assert!(
        out.code == 0 && out.stdout.contains("No findings"),
        "zizmor on {}:\n{}",
        names(&files, dir.path()),
        out.text()
    );
}

#[test]
fn the_github_workflow_schema_accepts_every_generated_workflow() {
    let dir = TempDir::new("gh-schema");
    let files = workflows(&dir);
    let Some(out) = schema(&files) else { return };
    assert!(
        out.code == 0,
        "check-jsonschema on {}:\n{}",
        names(&files, dir.path()),
        out.text()
    );
}

#[test]
fn the_committed_workflows_are_checked_too() {
    let root = workspace_root();
    let files: Vec<PathBuf> = [
        ".github/workflows/ci.yml",
        "examples/service/.github/workflows/delivery.yml",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    if let Some(out) = actionlint(&files) {
        assert_eq!(out.code, 0, "{}", out.text());
    }
    if let Some(out) = zizmor(&files) {
        assert_eq!(out.code, 0, "{}", out.text());
    }
}

/// The tools must still fail on what they exist to catch, or the checks above prove nothing.
#[test]
fn each_tool_rejects_a_known_bad_workflow() {
    if let Some(out) = actionlint(&[bad("bad-shellcheck.yml")]) {
        assert!(out.code != 0 && out.stdout.contains("shellcheck"), "{}", out.text());
    }
    if let Some(out) = zizmor(&[bad("bad-injection.yml")]) {
        assert!(
            out.code != 0 && out.stdout.contains("template-injection"),
            "{}",
            out.text()
        );
    }
    if let Some(out) = schema(&[bad("bad-schema.yml")]) {
        assert!(out.code != 0, "{}", out.text());
    }
}

/// The shared assertions the other tests call (`tools::assert_github_conformance` and its
/// parts) fail on what each tool exists to catch, or a test calling them proves nothing.
#[test]
fn the_shared_assertions_fail_on_a_known_bad_workflow() {
    let fails = |check: &dyn Fn()| std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).is_err();
    if tools::require("shellcheck").is_some() && tools::require("actionlint").is_some() {
        let files = [bad("bad-shellcheck.yml")];
        assert!(fails(&|| tools::assert_actionlint_clean(&files, &[])), "actionlint");
        assert!(fails(&|| tools::assert_github_conformance(&files, &[])), "GitHub");
    }
    if tools::require("zizmor").is_some() {
        assert!(
            fails(&|| tools::assert_zizmor_clean(&[bad("bad-injection.yml")])),
            "zizmor"
        );
    }
    if tools::require("check-jsonschema").is_some() {
        let files = [bad("bad-schema.yml")];
        assert!(
            fails(&|| tools::assert_schema_valid("vendor.github-workflows", &files)),
            "schema"
        );
        let gitlab = [workspace_root().join("tests/conformance/fixtures/gitlab/bad-schema.yml")];
        assert!(fails(&|| tools::assert_gitlab_conformance(&gitlab)), "GitLab schema");
    }
}

/// The release-cache guard (`github-cache-in-release`) and zizmor's `cache-poisoning` audit agree
/// on the built-in caches of `setup-*` and other cache-aware actions: each step below, in a
/// tag-triggered workflow, is refused by the guard exactly when zizmor flags it (rendered with
/// `allow_release_caches()` so that zizmor sees it).
#[test]
fn the_release_cache_guard_agrees_with_zizmor_on_built_in_caches() {
    use pipeline_backends::github::{Github, pins};
    use pipeline_core::prelude::*;

    let steps = [
        ActionStep::from(pins::SETUP_NODE)
            .with("node-version", "22")
            .with("cache", "npm"),
        ActionStep::from(pins::SETUP_NODE).with("node-version", "22"),
        ActionStep::from(pins::SETUP_NODE)
            .with("node-version", "22")
            .with("package-manager-cache", "false"),
        ActionStep::from(pins::SETUP_PYTHON)
            .with("python-version", "3.13")
            .with("cache", "pip"),
        ActionStep::from(pins::SETUP_PYTHON).with("python-version", "3.13"),
        ActionStep::from(pins::SETUP_GO).with("go-version", "1.25"),
        ActionStep::from(pins::SETUP_GO)
            .with("go-version", "1.25")
            .with("cache", "false"),
        ActionStep::from(pins::SETUP_JAVA)
            .with("distribution", "temurin")
            .with("java-version", "21")
            .with("cache", "maven"),
        ActionStep::from(pins::SETUP_JAVA)
            .with("distribution", "temurin")
            .with("java-version", "21"),
        ActionStep::from(pins::RUST_CACHE),
        ActionStep::from(pins::RUST_TOOLCHAIN),
    ];
    let dir = TempDir::new("zizmor-release-caches");
    let mut flagged_by_guard = 0;
    for (n, step) in steps.into_iter().enumerate() {
        let describe = format!("{} {:?}", step.action.name, step.with.keys().collect::<Vec<_>>());
        let release = Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(
            Job::new("build")
                .step(Step::checkout())
                .step(Step::action(step))
                .step(Step::script("make")),
        );
        let mut d = Diagnostics::new();
        let _ = Github::new().render(&release, &mut d);
        let guard = d.contains_code("github-cache-in-release");
        flagged_by_guard += usize::from(guard);
        let mut d = Diagnostics::new();
        let yaml = Github::new()
            .allow_release_caches()
            .render(&release, &mut d)
            .unwrap_or_else(|| panic!("{describe}: {d}"));
        let file = dir.path().join(format!("release-{n}.yml"));
        std::fs::write(&file, yaml).expect("write the workflow");
        let Some(out) = zizmor(std::slice::from_ref(&file)) else {
            return;
        };
        let poisoning = out.stdout.contains("cache-poisoning");
        assert_eq!(
            guard,
            poisoning,
            "{describe}: guard {guard}, zizmor cache-poisoning {poisoning}:\n{}",
            out.text()
        );
    }
    assert_eq!(flagged_by_guard, 6, "the set holds six cache-writing steps");
}
