//! Shells ([`Shell`]): only script steps take one, and step state needs bash (docs/SEMANTICS.md,
//! section 26). Which runner can run which shell is each backend's check.

use crate::diagnostic::{Diagnostic, Diagnostics, Path};
use crate::job::Job;
use crate::step::{Shell, StepKind};

pub(super) fn check(root: &Path, job: &Job, out: &mut Diagnostics) {
    for (i, step) in job.steps.iter().enumerate() {
        if step.shell == Shell::Bash {
            continue;
        }
        let path = || root.job(job.id.as_str()).step(i, step.id_str()).field("shell");
        if !matches!(step.kind, StepKind::Script(_)) {
            out.push(
                Diagnostic::error(
                    "shell-not-script",
                    path(),
                    format!(
                        "a {} step of job {:?} runs no script, so it takes no shell ({})",
                        step.kind.name(),
                        job.id.as_str(),
                        step.shell.name()
                    ),
                )
                .with_hint("set `.shell(..)` on script steps only"),
            );
        }
        if !step.state.is_empty() {
            out.push(
                Diagnostic::error(
                    "shell-step-state",
                    path(),
                    format!(
                        "a {} step of job {:?} exports step state, which only bash steps can (their exports are checked by bash on every platform)",
                        step.shell.name(),
                        job.id.as_str()
                    ),
                )
                .with_hint("export the values from a bash step, or write them to a file a later step reads"),
            );
        }
    }
}
