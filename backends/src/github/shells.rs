//! Shells on GitHub (docs/SEMANTICS.md, section 26): `shell: sh | pwsh | cmd` on the step; `cmd`
//! needs a Windows runner and `sh` another one, in every cell of the job.

use pipeline_core::diagnostic::Path;
use pipeline_core::{Job, Os, Shell, Step};

use super::lower::Lowering;

impl Lowering<'_> {
    /// An error naming job, step and platform when a runner of the job cannot run the step's
    /// shell.
    pub(super) fn shell_fits_runners(&mut self, job: &Job, index: usize, step: &Step) {
        let misfit = job.runners().into_iter().find(|r| match step.shell {
            Shell::Cmd => r.os != Os::Windows,
            Shell::Sh => r.os == Os::Windows,
            Shell::Bash | Shell::Pwsh => false,
        });
        let Some(runner) = misfit else { return };
        let path = Path::pipeline(self.pipeline.id.as_str())
            .job(job.id.as_str())
            .step(index, step.id_str())
            .field("shell");
        self.error(
            path,
            format!(
                "step {} of job {:?} runs in {}, which GitHub's {} runner ({}) cannot run",
                index + 1,
                job.id.as_str(),
                step.shell.name(),
                runner.os.as_str(),
                runner.key()
            ),
            match step.shell {
                Shell::Cmd => "run cmd steps on Windows runners only (`Runner::windows()`), or use `Shell::Pwsh`, which every runner has",
                _ => "use bash (the default) or `Shell::Pwsh` on Windows runners",
            },
        );
    }
}
