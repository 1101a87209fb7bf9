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
