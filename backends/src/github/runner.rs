//! Runners on GitHub: the hosted runner label of each OS and architecture, overridable per
//! runner, and the `runs-on` of a job or of each matrix cell.

use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::yaml::OrderedMap;
use pipeline_core::{Arch, Job, Os, Runner, Size};

use super::Github;
use super::escape;
use super::lower::{Lowering, PLATFORM};
use super::model as gh;

/// The matrix key holding each cell's `runs-on` labels when a job has a runner axis.
const RUNS_ON_KEY: &str = "runs-on";

/// GitHub's hosted runner label for an OS and architecture (the Linux ones come from the
/// backend's configuration).
fn hosted(config: &Github, os: Os, arch: Arch) -> String {
    match (os, arch) {
        (Os::Linux, Arch::X64) => config.runner.clone(),
        (Os::Linux, Arch::Arm64) => config.arm_runner.clone(),
        (Os::Macos, Arch::Arm64) => "macos-15".into(),
        (Os::Macos, Arch::X64) => "macos-15-intel".into(),
        (Os::Windows, Arch::X64) => "windows-2025".into(),
        (Os::Windows, Arch::Arm64) => "windows-11-arm".into(),
    }
}

/// What selects a runner on GitHub.
pub(crate) struct Labels {
    /// The `runs-on` labels, escaped.
    pub(crate) labels: Vec<String>,
    /// Whether a larger size was asked for without labels (the standard runner is used).
    pub(crate) size_ignored: bool,
}

impl Labels {
    pub(crate) fn runs_on(&self) -> gh::RunsOn {
        match self.labels.as_slice() {
            [one] => gh::RunsOn::Label(one.clone()),
            many => gh::RunsOn::Labels(many.to_vec()),
        }
    }
}

/// The labels of `runner`: the job's `GithubJob::runs_on` override, the backend's labels for
/// the runner's key (`Github::runner_labels`), a pool (`self-hosted` + names + labels), the
/// runner's labels, or the hosted runner of its OS and architecture.
pub(crate) fn labels(config: &Github, runner: &Runner, settings_override: &[String]) -> Labels {
    let mut size_ignored = false;
    let raw: Vec<String> = if !settings_override.is_empty() {
        settings_override.to_vec()
    } else if let Some(mapped) = config.runner_labels.get(&runner.key()) {
        mapped.clone()
    } else if !runner.pool.is_empty() {
        std::iter::once("self-hosted".to_owned())
            .chain(runner.pool.iter().cloned())
            .chain(runner.labels.iter().cloned())
            .collect()
    } else if !runner.labels.is_empty() {
        runner.labels.clone()
    } else {
        size_ignored = runner.size != Size::Small;
        vec![hosted(config, runner.os, runner.arch)]
    };
    Labels {
        labels: raw.iter().map(|l| escape::literal(l)).collect(),
        size_ignored,
    }
}

impl Lowering<'_> {
    /// The job's `runs-on` and `strategy`: a plain product as axes; a matrix with a runner axis,
    /// include or exclude entries as its cells, listed (`include:`) exactly as
    /// [`Matrix::cells`](pipeline_core::Matrix::cells) computes them, each with its runner's
    /// labels under `runs-on`; a matrix from an output as `fromJSON` of the need's output.
    /// `fail-fast` is always written (the library's default is `false`, GitHub's is `true`).
    pub(crate) fn runner_and_matrix(
        &mut self,
        job: &Job,
        overrides: &[String],
        path: impl Fn() -> Path,
    ) -> (gh::RunsOn, Option<gh::Strategy>) {
        let mut warned = false;
        let mut labels_of = |this: &mut Self, runner: &Runner| {
            let l = labels(this.config, runner, overrides);
            if l.size_ignored && !warned {
                warned = true;
                this.diagnostics.push(
                    Diagnostic::warning(
                        "github-runner-size",
                        path().field("runner"),
                        format!("GitHub's larger runners are selected by labels your organisation defines; job {:?} uses the standard runner", job.id.as_str()),
                    )
                    .with_hint("map the runner to your larger runner's label with `Github::runner_labels`, or set `Runner::labels([..])`")
                    .on_platform(PLATFORM),
                );
            }
            l
        };
        let Some(m) = &job.matrix else {
            return (labels_of(self, &job.runner).runs_on(), None);
        };
        let (matrix, runs_on) = if let Some((output, _)) = &m.from_output {
            let def = gh::MatrixDef::Expr(
                [
                    "${{ fromJSON(needs.",
                    output.job.as_str(),
                    ".outputs.",
                    output.name.as_str(),
                    ") }}",
                ]
                .concat(),
            );
            (def, labels_of(self, &job.runner).runs_on())
        } else if m.is_product() {
            let axes = m
                .axes
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(|v| escape::literal(v)).collect()))
                .collect();
            (gh::MatrixDef::Axes(axes), labels_of(self, &job.runner).runs_on())
        } else {
            let per_cell = !m.runners.is_empty();
            let mut include = Vec::new();
            for cell in m.cells() {
                let mut values: OrderedMap<String, gh::CellValue> = cell
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), gh::CellValue::One(escape::literal(v))))
                    .collect();
                if per_cell {
                    let l = labels_of(self, &job.runner_for(&cell)).labels;
                    let value = match l.as_slice() {
                        [one] => gh::CellValue::One(one.clone()),
                        _ => gh::CellValue::Many(l),
                    };
                    values.insert(RUNS_ON_KEY.to_owned(), value);
                }
                include.push(values);
            }
            let runs_on = if per_cell {
                gh::RunsOn::Label(["${{ matrix.", RUNS_ON_KEY, " }}"].concat())
            } else {
                labels_of(self, &job.runner).runs_on()
            };
            (gh::MatrixDef::Cells { include }, runs_on)
        };
        let strategy = gh::Strategy {
            matrix,
            fail_fast: m.fail_fast.unwrap_or(false),
            max_parallel: m.max_parallel,
        };
        (runs_on, Some(strategy))
    }
}

impl Github {
    /// The `runs-on` labels for a runner, by its [`Runner::key`] (a larger runner, a runner
    /// group, another hosted image), instead of the hosted runner its OS and architecture pick.
    /// A job's `GithubJob::runs_on` still wins.
    ///
    /// ```
    /// use pipeline_backends::github::Github;
    /// use pipeline_core::diagnostic::Diagnostics;
    /// use pipeline_core::prelude::*;
    /// let gh = Github::new().runner_labels(&Runner::macos(), ["macos-14"]);
    /// let p = Pipeline::new("ci").on(Trigger::push())
    ///     .job(Job::new("t").runner(Runner::macos()).step(Step::script("make")));
    /// let yaml = gh.render(&p, &mut Diagnostics::new()).expect("renders");
    /// assert!(yaml.contains("runs-on: macos-14"), "{yaml}");
    /// ```
    #[must_use]
    pub fn runner_labels<S: Into<String>>(mut self, runner: &Runner, labels: impl IntoIterator<Item = S>) -> Self {
        self.runner_labels
            .insert(runner.key(), labels.into_iter().map(Into::into).collect());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_os_and_arch_has_a_hosted_label() {
        let gh = Github::new();
        let l = |r: Runner| labels(&gh, &r, &[]).labels;
        assert_eq!(l(Runner::linux()), ["ubuntu-24.04"]);
        assert_eq!(l(Runner::linux_arm64()), ["ubuntu-24.04-arm"]);
        assert_eq!(l(Runner::macos()), ["macos-15"]);
        assert_eq!(l(Runner::new(Os::Macos, Arch::X64)), ["macos-15-intel"]);
        assert_eq!(l(Runner::windows()), ["windows-2025"]);
        assert_eq!(l(Runner::windows().arch(Arch::Arm64)), ["windows-11-arm"]);
        assert_eq!(l(Runner::pool(["gpu"])), ["self-hosted", "gpu"]);
        let gh = gh.runner_labels(&Runner::windows(), ["windows-2022"]);
        assert_eq!(labels(&gh, &Runner::windows(), &[]).labels, ["windows-2022"]);
    }
}
