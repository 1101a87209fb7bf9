//! Runners: labels and pool names are literal names on every platform.

use super::{At, Validator};
use crate::job::Job;

impl Validator<'_> {
    /// Runner labels and pool names are non-empty single lines without an expression (images are
    /// checked as images): GitHub would look for a runner literally named `${{ matrix.os }}` (the
    /// lowering escapes it) and GitLab would expand `$VAR` once for every cell of a matrix, so a
    /// runner per matrix cell would silently become one runner.
    pub(super) fn runner(&mut self, job: &Job, path: At<'_>) {
        let runners = std::iter::once(&job.runner).chain(job.matrix.iter().flat_map(|m| &m.runners));
        let names = runners.flat_map(|r| {
            r.labels
                .iter()
                .map(|l| ("labels", l))
                .chain(r.pool.iter().map(|p| ("pool", p)))
        });
        let mut reported = (false, false);
        for (field, name) in names {
            if !reported.0 && (name.trim().is_empty() || name.contains(['\n', '\r'])) {
                reported.0 = true;
                self.error(
                    "invalid-runner-label",
                    path().field(format!("runner.{field}")),
                    "a runner label is empty or spans lines",
                    Some("use the labels (tags) your runners are registered with".into()),
                );
            }
            if !reported.1 && name.contains('$') {
                reported.1 = true;
                self.error(
                    "runner-expression",
                    path().field(format!("runner.{field}")),
                    format!(
                        "runner {} {name:?} holds an expression; runner labels are literal names on every platform (a matrix value there would run every GitLab cell on one runner)",
                        if field == "pool" { "pool name" } else { "label" }
                    ),
                    Some(
                        "for a runner per matrix cell, use the runner axis: `Matrix::runners([Runner::linux(), Runner::macos(), ..])`"
                            .into(),
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::validate::validate;

    fn codes(runner: Runner) -> Vec<(&'static str, String)> {
        let p = Pipeline::new("p").on(Trigger::push()).job(
            Job::new("test")
                .matrix(Matrix::new().axis("os", ["ubuntu-24.04", "macos-15"]))
                .runner(runner)
                .step(Step::script("make")),
        );
        validate(&p).iter().map(|d| (d.code, d.path.to_string())).collect()
    }

    /// A matrix value placed in a runner field is refused, not passed through.
    #[test]
    fn expressions_in_runner_fields_are_refused() {
        let at = |field: &str| format!("pipeline \"p\" > job \"test\" > runner.{field}");
        assert_eq!(
            codes(Runner::labels(["${{ matrix.os }}"])),
            [("runner-expression", at("labels"))]
        );
        assert_eq!(
            codes(Runner::pool(["$RUNNER_POOL"])),
            [("runner-expression", at("pool"))]
        );
        // Images are checked as images (`invalid-image`).
        assert_eq!(
            codes(Runner::pool(["gpu", " "])),
            [("invalid-runner-label", at("pool"))]
        );
        assert!(codes(Runner::labels(["ubuntu-24.04-arm"])).is_empty());
        assert!(codes(Runner::pool(["gpu"]).image("rust:1.95")).is_empty());
    }
}
