//! The shell a script step runs in ([`Shell`]; docs/SEMANTICS.md, section 26). Bash is the
//! default and the only shell step state ([`super::StepState`]) works with.

/// The shell of a script step. Every shell runs the step as its own process (section 1), in
/// strict mode where the shell has one:
///
/// | shell | runs FILE as | GitHub | GitLab, CodeBuild | local runner |
/// |---|---|---|---|---|
/// | `Bash` | `bash --noprofile --norc -eo pipefail FILE` | `shell: bash` | as written | as written |
/// | `Sh` | `sh -e FILE` | `shell: sh` (not on Windows) | as written | as written |
/// | `Pwsh` | `pwsh -NoLogo -NoProfile -NonInteractive -File FILE.ps1` with `$ErrorActionPreference = 'stop'` first and the last native command's exit code as the step's | `shell: pwsh` (GitHub adds the same lines) | as written (the image needs `pwsh`) | as written, or the step fails naming `pwsh` when it is missing |
/// | `Cmd` | `cmd /D /E:ON /V:OFF /S /C "CALL FILE.cmd"` | `shell: cmd`, Windows runners only | refused (no Windows) | refused (not Windows) |
///
/// ```
/// use pipeline_core::prelude::*;
/// let job = Job::new("build")
///     .step(Step::script("Get-ChildItem -Recurse dist | Measure-Object").shell(Shell::Pwsh));
/// assert_eq!(job.steps[0].shell, Shell::Pwsh);
/// assert_eq!(Shell::Pwsh.name(), "pwsh");
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Shell {
    /// Bash in strict mode (the default).
    #[default]
    Bash,
    /// A POSIX `sh` with `-e`.
    Sh,
    /// PowerShell 7 (`pwsh`), stopping at the first error.
    Pwsh,
    /// Windows `cmd.exe` (Windows runners only).
    Cmd,
}

impl Shell {
    /// The name GitHub's `shell:` uses (`bash`, `sh`, `pwsh`, `cmd`).
    ///
    /// ```
    /// assert_eq!(pipeline_core::Shell::Cmd.name(), "cmd");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Sh => "sh",
            Shell::Pwsh => "pwsh",
            Shell::Cmd => "cmd",
        }
    }

    /// The first lines of a PowerShell step file (GitHub's own for `shell: pwsh`).
    pub const PWSH_PRELUDE: &'static str = "$ErrorActionPreference = 'stop'";
    /// The last line of a PowerShell step file: the exit code of the last native command.
    pub const PWSH_POSTLUDE: &'static str =
        "if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }";

    /// The text of the file a step of this shell runs: `body`, with PowerShell's first and last
    /// lines around it for [`Shell::Pwsh`].
    ///
    /// ```
    /// use pipeline_core::Shell;
    /// assert_eq!(Shell::Sh.file_text("echo hi"), "echo hi");
    /// assert!(Shell::Pwsh.file_text("Write-Output hi").starts_with("$ErrorActionPreference = 'stop'\n"));
    /// ```
    pub fn file_text(self, body: &str) -> String {
        match self {
            Shell::Pwsh => {
                let body = body.strip_suffix('\n').unwrap_or(body);
                format!("{}\n{body}\n{}\n", Self::PWSH_PRELUDE, Self::PWSH_POSTLUDE)
            }
            Shell::Bash | Shell::Sh | Shell::Cmd => body.to_owned(),
        }
    }

    /// The bash text of a step of this shell where steps are bash files (GitLab, CodeBuild, the
    /// local runner): it writes [`Shell::file_text`] to a fresh file and runs it as the step's
    /// process, with standard input `/dev/null`, and exits with its status. `body` itself for
    /// bash; a step that fails naming the shell for `cmd` (Windows only) and for a missing `pwsh`.
    ///
    /// ```
    /// use pipeline_core::Shell;
    /// let text = Shell::Pwsh.launcher("Write-Output hi");
    /// assert!(text.contains("pwsh -NoLogo -NoProfile -NonInteractive -File \"$pipeline_shell_dir/step.ps1\" < /dev/null"));
    /// assert_eq!(Shell::Bash.launcher("echo hi"), "echo hi");
    /// ```
    pub fn launcher(self, body: &str) -> String {
        let (ext, run) = match self {
            Shell::Bash => return body.to_owned(),
            Shell::Cmd => {
                return "echo 'step shell cmd: cmd runs on Windows runners only' >&2\nexit 1\n".to_owned();
            }
            Shell::Sh => ("sh", "sh -e \"$pipeline_shell_dir/step.sh\" < /dev/null".to_owned()),
            Shell::Pwsh => (
                "ps1",
                "pwsh -NoLogo -NoProfile -NonInteractive -File \"$pipeline_shell_dir/step.ps1\" < /dev/null".to_owned(),
            ),
        };
        let text = self.file_text(body);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let mut delim = "PIPELINE_SHELL_STEP".to_owned();
        while text.lines().any(|l| l == delim) {
            delim.push('_');
        }
        let name = self.name();
        format!(
            "if ! command -v {name} > /dev/null 2>&1; then\n  echo 'step shell {name}: {name} is not installed on this runner or image' >&2\n  exit 127\nfi\n\
             pipeline_shell_dir=\"$(mktemp -d)\"\n\
             cat > \"$pipeline_shell_dir/step.{ext}\" <<'{delim}'\n{text}\n{delim}\n\
             pipeline_shell_status=0\n\
             {run} || pipeline_shell_status=$?\n\
             rm -rf \"$pipeline_shell_dir\"\n\
             exit \"$pipeline_shell_status\"\n"
        )
    }
}
