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
    let shellcheck = tools::require("shellcheck")?;
    let mut cmd = tools::command("actionlint")?;
    cmd.arg("-no-color").arg("-shellcheck").arg(shellcheck).args(files);
    Some(output(cmd))
}

fn zizmor(files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::command("zizmor")?;
    cmd.args([
        "--offline",
        "--no-config",
        "--strict-collection",
        "--no-progress",
        "--format",
        "plain",
    ])
    .args(files);
    Some(output(cmd))
}

fn schema(files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::command("check-jsonschema")?;
    cmd.args(["--builtin-schema", "vendor.github-workflows"]).args(files);
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
