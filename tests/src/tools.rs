//! The conformance tools installed by `scripts/install-tools` into `.tools/bin`.
//!
//! A missing tool skips its test loudly on a developer machine and fails it under `CI=true`, so
//! conformance can never pass silently in CI.

use std::path::PathBuf;
use std::process::Command;

/// Where the tools live: `$PIPELINE_TOOLS_DIR/bin`, by default `<workspace>/.tools/bin`.
pub fn bin_dir() -> PathBuf {
    std::env::var_os("PIPELINE_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join(".tools"))
        .join("bin")
}

/// Whether the tests run in CI (`CI=true`), where every tool is required.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The path of tool `name`, or `None` (after a loud message) when it is missing outside CI.
///
/// # Panics
/// Under `CI=true` when the tool is missing.
pub fn require(name: &str) -> Option<PathBuf> {
    let path = bin_dir().join(name);
    if path.exists() {
        return Some(path);
    }
    let message = format!(
        "conformance tool `{name}` is missing from {}; run `scripts/install-tools` (the test command `scripts/test` does)",
        bin_dir().display()
    );
    if in_ci() {
        panic!("{message}");
    }
    eprintln!("\n!!!!! SKIPPED: {message} !!!!!\n");
    None
}

/// A command for tool `name`, or `None` when it is missing outside CI.
pub fn command(name: &str) -> Option<Command> {
    require(name).map(Command::new)
}

/// The output of a finished command.
#[derive(Debug)]
pub struct Output {
    /// Exit status (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Both streams, for assertion messages.
    pub fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs a command to completion.
///
/// # Panics
/// When the command cannot be started.
pub fn output(mut command: Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// actionlint running the pinned shellcheck on every `run:` script (`-no-color`), or `None`
/// when either is missing outside CI.
pub fn actionlint() -> Option<Command> {
    let shellcheck = require("shellcheck")?;
    let mut cmd = command("actionlint")?;
    cmd.arg("-no-color").arg("-shellcheck").arg(shellcheck);
    Some(cmd)
}

/// gitlab-ci-local run in `repo` with a private home under it (no user variables leak in) and
/// no colours, or `None` when it is missing outside CI.
pub fn gitlab_ci_local(repo: &std::path::Path) -> Option<Command> {
    let mut cmd = command("gitlab-ci-local")?;
    let home = repo.join(".gcl-home");
    std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("cannot create {}: {e}", home.display()));
    cmd.current_dir(repo)
        .env("HOME", &home)
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .arg("--home")
        .arg(&home)
        .arg("--no-color");
    Some(cmd)
}

/// zizmor's offline audits with no configuration, every file required to parse
/// (`--strict-collection`), plain output, or `None` when it is missing outside CI.
pub fn zizmor() -> Option<Command> {
    let mut cmd = command("zizmor")?;
    cmd.args([
        "--offline",
        "--no-config",
        "--strict-collection",
        "--no-progress",
        "--format",
        "plain",
    ]);
    Some(cmd)
}

/// check-jsonschema with its built-in schema `schema` (`vendor.github-workflows`,
/// `vendor.gitlab-ci`), or `None` when it is missing outside CI.
pub fn schema(schema: &str) -> Option<Command> {
    let mut cmd = command("check-jsonschema")?;
    cmd.args(["--builtin-schema", schema]);
    Some(cmd)
}

/// Asserts actionlint (with shellcheck) accepts every one of `files` with no finding: exit 0 and
/// nothing printed. `ignore` are actionlint `-ignore` patterns (regular expressions matched
/// against its messages). Skips loudly when a tool is missing outside CI.
///
/// # Panics
/// On a finding, or under `CI=true` when a tool is missing.
pub fn assert_actionlint_clean(files: &[PathBuf], ignore: &[&str]) {
    let Some(mut cmd) = actionlint() else { return };
    for pattern in ignore {
        cmd.arg("-ignore").arg(pattern);
    }
    cmd.args(files);
    let out = output(cmd);
    assert!(
        out.code == 0 && out.stdout.trim().is_empty(),
        "actionlint on {} file(s):\n{}",
        files.len(),
        out.text()
    );
}

/// Asserts zizmor's audits find nothing in `files`: exit 0 and `No findings`. Skips loudly when
/// zizmor is missing outside CI.
///
/// # Panics
/// On a finding, or under `CI=true` when zizmor is missing.
pub fn assert_zizmor_clean(files: &[PathBuf]) {
    let Some(mut cmd) = zizmor() else { return };
    cmd.args(files);
    let out = output(cmd);
    assert!(
        out.code == 0 && out.stdout.contains("No findings"),
        "zizmor on {} file(s):\n{}",
        files.len(),
        out.text()
    );
}

/// Asserts every one of `files` is valid against check-jsonschema's built-in schema `name`.
/// Skips loudly when check-jsonschema is missing outside CI.
///
/// # Panics
/// When a file is invalid, or under `CI=true` when check-jsonschema is missing.
pub fn assert_schema_valid(name: &str, files: &[PathBuf]) {
    let Some(mut cmd) = schema(name) else { return };
    cmd.args(files);
    let out = output(cmd);
    assert_eq!(
        out.code,
        0,
        "check-jsonschema {name} on {} file(s):\n{}",
        files.len(),
        out.text()
    );
}

/// Asserts GitHub's validators accept the workflows `files` with zero findings: actionlint with
/// shellcheck ([`assert_actionlint_clean`], `actionlint_ignore` its `-ignore` patterns), zizmor
/// ([`assert_zizmor_clean`]) and GitHub's workflow schema ([`assert_schema_valid`]). Each check
/// whose tool is missing skips loudly outside CI and fails under `CI=true`.
///
/// # Panics
/// On any finding, or under `CI=true` when a tool is missing.
pub fn assert_github_conformance(files: &[PathBuf], actionlint_ignore: &[&str]) {
    assert!(!files.is_empty(), "no GitHub workflow to check");
    assert_actionlint_clean(files, actionlint_ignore);
    assert_zizmor_clean(files);
    assert_schema_valid("vendor.github-workflows", files);
}

/// Asserts GitLab's schema accepts the CI files `files` ([`assert_schema_valid`] with
/// `vendor.gitlab-ci`). Skips loudly when check-jsonschema is missing outside CI.
///
/// # Panics
/// When a file is invalid, or under `CI=true` when check-jsonschema is missing.
pub fn assert_gitlab_conformance(files: &[PathBuf]) {
    assert!(!files.is_empty(), "no GitLab file to check");
    assert_schema_valid("vendor.gitlab-ci", files);
}
