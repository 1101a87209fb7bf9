//! Matrices: axes, the runner axis, include/exclude entries and a matrix read from an output.

use super::{At, Validator};
use crate::id::rules;
use crate::job::Job;
use crate::matrix::{Matrix, RUNNER_AXIS};
use crate::runner::Os;

impl Validator<'_> {
    /// Axis names and values, the runner axis (distinct keys, containers only on Linux), the keys
    /// of include and exclude entries, and a matrix from an output (a need's output, no axes).
    pub(super) fn matrix(&mut self, job: &Job, m: &Matrix, path: At<'_>) {
        let mpath = || path().field("matrix");
        if let Some((output, keys)) = &m.from_output {
            if !job.needs.contains(&output.job) {
                self.error(
                    "matrix-output-not-needed",
                    mpath(),
                    format!(
                        "the matrix of job {:?} is read from output {:?} of job {:?}, which the job does not need",
                        job.id.as_str(),
                        output.name.as_str(),
                        output.job.as_str()
                    ),
                    Some(format!("add `.needs({:?})`", output.job.as_str())),
                );
            }
            if !m.axes.is_empty() || !m.include.is_empty() || !m.exclude.is_empty() {
                self.error(
                    "matrix-output-with-axes",
                    mpath(),
                    "a matrix read from an output has no axes, include or exclude entries of its own",
                    Some("put every cell in the JSON the output holds".into()),
                );
            }
            for key in keys {
                self.matrix_key(key, &mpath);
            }
            return;
        }
        if m.axes.is_empty() && m.include.is_empty() {
            self.error("empty-matrix", mpath(), "matrix has no axes", None);
        }
        for (axis, values) in &m.axes {
            let apath = || path().field(format!("matrix.{axis}"));
            self.matrix_key(axis, &apath);
            if axis == RUNNER_AXIS && m.runners.is_empty() {
                self.error(
                    "reserved-matrix-axis",
                    apath(),
                    "matrix axis \"runner\" is the runner axis; its values are runners",
                    Some("use `Matrix::runners([Runner::linux(), ..])`, or another axis name".into()),
                );
            }
            if values.is_empty() {
                self.error(
                    "empty-matrix-axis",
                    apath(),
                    format!("matrix axis {axis:?} has no values"),
                    None,
                );
            }
            if values.iter().enumerate().any(|(k, v)| values[..k].contains(v)) {
                self.error(
                    "duplicate-matrix-value",
                    apath(),
                    format!("matrix axis {axis:?} repeats a value"),
                    Some(if axis == RUNNER_AXIS {
                        "two runners have the same key (they differ only by image?): give the image to the job's runner"
                            .into()
                    } else {
                        "list each value once".into()
                    }),
                );
            }
        }
        for (i, ex) in m.exclude.iter().enumerate() {
            for key in ex.keys() {
                if !m.axes.contains_key(key) {
                    self.error(
                        "unknown-matrix-axis",
                        path().field(format!("matrix.exclude[{i}].{key}")),
                        format!("exclude entry {i} names {key:?}, which is not an axis of the matrix"),
                        Some("exclude combinations of axis values".into()),
                    );
                }
            }
        }
        for (i, inc) in m.include.iter().enumerate() {
            if inc.is_empty() {
                self.error(
                    "empty-matrix-include",
                    path().field(format!("matrix.include[{i}]")),
                    "an include entry has no values",
                    None,
                );
            }
            for key in inc.keys() {
                self.matrix_key(key, &|| path().field(format!("matrix.include[{i}].{key}")));
            }
        }
        // Containers run on Linux on every platform; a macOS or Windows cell cannot run one.
        for cell in m.cells() {
            let runner = job.runner_for(&cell);
            if runner.os != Os::Linux && (runner.image.is_some() || !job.services.is_empty()) {
                let what = if runner.image.is_some() {
                    "a container image"
                } else {
                    "service containers"
                };
                self.error(
                    "runner-container-os",
                    mpath(),
                    format!(
                        "cell [{}] of job {:?} runs on {} with {what}; containers run on Linux runners only",
                        cell_name(&cell),
                        job.id.as_str(),
                        runner.os.as_str()
                    ),
                    Some("run the containers in a Linux job, or drop the image from the job's runner".into()),
                );
                break;
            }
        }
    }

    fn matrix_key(&mut self, key: &str, path: At<'_>) {
        if !rules::is_var_name(key) {
            self.error(
                "invalid-matrix-axis",
                path(),
                format!("matrix axis {key:?} is not a valid name"),
                Some("use letters, digits and '_' (not starting with a digit)".into()),
            );
        }
    }
}

/// A cell as `axis=value, ...` for messages (diagnostics name the cell they are about).
///
/// ```
/// assert_eq!(pipeline_core::validate::cell_name(&[("runner", "macos-arm64"), ("rust", "stable")]), "runner=macos-arm64, rust=stable");
/// ```
pub fn cell_name(cell: &[(&str, &str)]) -> String {
    cell.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::validate::validate;

    fn codes(p: &Pipeline) -> Vec<(&'static str, String)> {
        validate(p).iter().map(|d| (d.code, d.path.to_string())).collect()
    }

    #[test]
    fn runner_axis_with_a_container_off_linux_is_refused() {
        let job = Job::new("t")
            .runner(Runner::linux().image("rust:1.95"))
            .matrix(Matrix::new().runners([Runner::linux(), Runner::windows()]))
            .step(Step::script("make"));
        let p = Pipeline::new("p").on(Trigger::push()).job(job);
        assert_eq!(
            codes(&p),
            [("runner-container-os", "pipeline \"p\" > job \"t\" > matrix".to_owned())]
        );
        let d = validate(&p);
        assert!(
            d.iter()
                .next()
                .expect("one error")
                .message
                .contains("runner=windows-x64"),
            "{d:?}"
        );
    }

    #[test]
    fn include_exclude_and_output_keys_are_checked() {
        let job = Job::new("t")
            .matrix(
                Matrix::new()
                    .axis("rust", ["stable"])
                    .exclude([("os", "x")])
                    .include([("bad-key", "1")]),
            )
            .step(Step::script("make"));
        let p = Pipeline::new("p").on(Trigger::push()).job(job);
        let c: Vec<_> = codes(&p).into_iter().map(|(c, _)| c).collect();
        assert_eq!(c, ["unknown-matrix-axis", "invalid-matrix-axis"]);

        let plan = Job::new("plan").step(Step::set_output("m", "echo {}"));
        let job = Job::new("t")
            .matrix(Matrix::from_output(plan.output("m"), ["target"]))
            .env("T", Expr::matrix("target"))
            .step(Step::script("make"));
        let p = Pipeline::new("p").on(Trigger::push()).job(plan).job(job);
        assert_eq!(codes(&p)[0].0, "matrix-output-not-needed");
    }

    /// A key set by an include for some cells only is not readable: a platform would give the
    /// other cells an empty value or refuse the job.
    #[test]
    fn a_key_missing_from_some_cells_is_not_readable() {
        let job = Job::new("t")
            .matrix(
                Matrix::new()
                    .axis("rust", ["stable", "beta"])
                    .include([("rust", "stable"), ("cov", "1")]),
            )
            .env("COV", Expr::matrix("cov"))
            .step(Step::script("make"));
        let p = Pipeline::new("p").on(Trigger::push()).job(job);
        assert_eq!(codes(&p)[0].0, "unknown-matrix-axis");
    }
}
