//! Runners on GitLab: tags from a runner map the platform team provides ([`GitlabRunners`],
//! with GitLab.com's hosted runners as defaults), per job or per matrix cell, and the
//! `parallel:matrix` entries of a job's cells.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use pipeline_core::diagnostic::Path;
use pipeline_core::{Arch, Job, Os, Runner, Size};

use super::lower::Lowering;
use super::model as gl;

/// The `parallel:matrix` variable holding a cell's first runner tag (then `runner_tag_2`, ...).
const TAG_VAR: &str = "runner_tag";

/// Which GitLab runner tags select each [`Runner`]: explicit entries by [`Runner::key`], then
/// (unless [`self_managed`](GitlabRunners::self_managed)) GitLab.com's hosted runners:
///
/// | runner | tag |
/// |---|---|
/// | Linux x64 small | none (any runner of the project); `saas-linux-small-amd64` in a runner axis |
/// | Linux, other sizes and ARM64 | `saas-linux-{small,medium,large}-{amd64,arm64}` |
/// | macOS ARM64 | `saas-macos-medium-m1` (`saas-macos-large-m2pro` when large) |
/// | macOS x64, Windows | none: an error naming job and cell (GitLab's hosted Windows runners run PowerShell, the steps are bash) unless mapped |
///
/// A [`Runner::pool`] is its own tags.
///
/// ```
/// use pipeline_backends::gitlab::{Gitlab, GitlabRunners};
/// use pipeline_core::diagnostic::Diagnostics;
/// use pipeline_core::prelude::*;
/// let runners = GitlabRunners::hosted().map(&Runner::windows(), ["windows-bash"]);
/// let job = Job::new("test")
///     .matrix(Matrix::new().runners([Runner::linux(), Runner::macos(), Runner::windows()]))
///     .step(Step::script("cargo test"));
/// let p = Pipeline::new("ci").on(Trigger::push()).job(job);
/// let yaml = Gitlab::new().runners(runners).render(&p, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("      - runner:\n          - linux-x64\n        runner_tag:\n          - saas-linux-small-amd64\n"), "{yaml}");
/// assert!(yaml.contains("        runner_tag:\n          - windows-bash\n"), "{yaml}");
/// assert!(yaml.contains("  tags:\n    - $runner_tag\n"), "{yaml}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitlabRunners {
    pub(crate) hosted: bool,
    pub(crate) map: BTreeMap<String, Vec<String>>,
}

impl Default for GitlabRunners {
    fn default() -> Self {
        Self::hosted()
    }
}

impl GitlabRunners {
    /// GitLab.com's hosted runners as defaults (the table above).
    pub fn hosted() -> Self {
        Self {
            hosted: true,
            map: BTreeMap::new(),
        }
    }

    /// No hosted defaults (a self-managed instance): a runner without an entry runs on any
    /// runner (Linux, with a warning when it asks for ARM or a larger size) or is refused
    /// (macOS, Windows).
    pub fn self_managed() -> Self {
        Self {
            hosted: false,
            map: BTreeMap::new(),
        }
    }

    /// The tags of the runners that stand for `runner` (by its key).
    ///
    /// ```
    /// use pipeline_backends::gitlab::GitlabRunners;
    /// use pipeline_core::Runner;
    /// let r = GitlabRunners::self_managed().map(&Runner::macos(), ["mac", "m2"]);
    /// assert_eq!(r.tags(&Runner::macos()), Some(&["mac".to_owned(), "m2".to_owned()][..]));
    /// ```
    #[must_use]
    pub fn map<S: Into<String>>(mut self, runner: &Runner, tags: impl IntoIterator<Item = S>) -> Self {
        self.map
            .insert(runner.key(), tags.into_iter().map(Into::into).collect());
        self
    }

    /// The tags mapped explicitly for `runner`.
    pub fn tags(&self, runner: &Runner) -> Option<&[String]> {
        self.map.get(&runner.key()).map(Vec::as_slice)
    }
}

/// The GitLab.com hosted runner tag of a runner, or why there is none.
fn hosted_tag(runner: &Runner) -> Result<String, &'static str> {
    let size = runner.size.as_str();
    match (runner.os, runner.arch) {
        (Os::Linux, Arch::X64) => Ok(format!("saas-linux-{size}-amd64")),
        (Os::Linux, Arch::Arm64) => Ok(format!("saas-linux-{size}-arm64")),
        (Os::Macos, Arch::Arm64) if runner.size == Size::Large => Ok("saas-macos-large-m2pro".into()),
        (Os::Macos, Arch::Arm64) => Ok("saas-macos-medium-m1".into()),
        (Os::Macos, Arch::X64) => Err("GitLab's hosted macOS runners are Apple silicon (arm64) only"),
        (Os::Windows, _) => {
            Err("GitLab's hosted Windows runners run job scripts in PowerShell, and the steps are bash scripts")
        }
    }
}

impl Lowering<'_> {
    /// The tags of one runner (`None`: it cannot run on GitLab; the error is reported).
    /// `in_axis`: a cell of a runner axis, where even the default Linux runner needs a tag.
    fn runner_tags(
        &mut self,
        job: &Job,
        runner: &Runner,
        cell: Option<&[(&str, &str)]>,
        has_settings_tags: bool,
        path: &Path,
    ) -> Option<Vec<String>> {
        if !runner.pool.is_empty() {
            return Some(runner.pool.clone());
        }
        if let Some(tags) = self.config.runners.tags(runner) {
            return Some(tags.to_vec());
        }
        let which = match cell {
            Some(cell) => format!(
                "cell [{}] of job {:?}",
                pipeline_core::validate::cell_name(cell),
                job.id.as_str()
            ),
            None => format!("job {:?}", job.id.as_str()),
        };
        if !runner.labels.is_empty() && !has_settings_tags {
            self.warn(
                "gitlab-runner-labels",
                path.field("runner.labels"),
                format!(
                    "{which} selects GitHub runners by the labels [{}]; GitLab does not use them: it selects runners by tags, and the job has no GitLab tags (it runs on any runner of the project, or on the hosted runner its arch and size pick)",
                    runner.labels.join(", ")
                ),
                "give the job GitLab runner tags with `GitlabJob::new().tag(..)`, map the runner with `GitlabRunners::map`, or use `Runner::pool([..])` for self-hosted runners registered under the same names on GitHub and GitLab",
            );
        }
        if has_settings_tags && cell.is_none() {
            return Some(Vec::new());
        }
        let default_linux = runner.os == Os::Linux && runner.arch == Arch::X64 && runner.size == Size::Small;
        if default_linux && cell.is_none() {
            return Some(Vec::new());
        }
        if !self.config.runners.hosted {
            if runner.os == Os::Linux && cell.is_none() {
                self.warn(
                    "gitlab-runner",
                    path.field("runner"),
                    format!(
                        "{which} asks for a {} {} runner, which GitLab selects by tags only; it runs on any runner",
                        runner.size.as_str(),
                        runner.arch.as_str()
                    ),
                    "give the job the tags of suitable runners with `GitlabJob::new().tag(..)`, `GitlabRunners::map` or `Runner::pool([..])`",
                );
                return Some(Vec::new());
            }
            self.unsupported(
                path.field("runner"),
                format!("{which} runs on {}, which has no GitLab runner tags on this instance", runner.key()),
                format!("map it to your runners' tags with `Gitlab::new().runners(GitlabRunners::self_managed().map(&runner, [..]))` (runner key {:?})", runner.key()),
            );
            return None;
        }
        match hosted_tag(runner) {
            Ok(tag) => {
                let premium = runner.size == Size::Large
                    || (runner.os == Os::Linux && runner.arch == Arch::Arm64 && runner.size == Size::Medium)
                    || runner.os == Os::Macos;
                if !default_linux {
                    self.notice(
                        "gitlab-hosted-runner",
                        path.field("runner"),
                        format!("{which} runs on the GitLab.com hosted runner tagged {tag:?}"),
                        if premium {
                            "this runner needs GitLab Premium or Ultimate; on a self-managed instance, give the job your runners' tags with `GitlabJob::new().tag(..)`, `GitlabRunners::map` or `Runner::pool([..])`"
                        } else {
                            "on a self-managed instance, give the job your runners' tags with `GitlabJob::new().tag(..)`, `GitlabRunners::map` or `Runner::pool([..])`"
                        },
                    );
                }
                Some(vec![tag])
            }
            Err(why) => {
                self.unsupported(
                    path.field("runner"),
                    format!("{which} runs on {} and cannot run on GitLab's hosted runners: {why}", runner.key()),
                    format!(
                        "map the runner to your own runners' tags with `Gitlab::new().runners(GitlabRunners::hosted().map(&runner, [..]))` (runner key {:?}), or exclude the cell",
                        runner.key()
                    ),
                );
                None
            }
        }
    }

    /// The job's `tags:` and `parallel:`: the runner's tags for a job, or for a runner axis a
    /// tag variable per cell (`tags: [$runner_tag]`); a plain product as one `parallel:matrix`
    /// entry, any other matrix as one entry per cell (exactly the portable cells).
    pub(crate) fn runner_and_matrix(
        &mut self,
        job: &Job,
        settings_tags: &[String],
        path: &Path,
    ) -> (Vec<String>, Option<gl::Parallel>) {
        let has_settings = !settings_tags.is_empty();
        let Some(m) = &job.matrix else {
            let mut tags = self
                .runner_tags(job, &job.runner, None, has_settings, path)
                .unwrap_or_default();
            tags.extend(settings_tags.iter().cloned());
            return (tags, None);
        };
        if m.from_output.is_some() {
            self.unsupported(
                path.field("matrix"),
                format!(
                    "job {:?} reads its matrix from a job output; GitLab fixes a job's `parallel:matrix` when the pipeline is created",
                    job.id.as_str()
                ),
                "list the cells in the pipeline (they are known when it is generated), or generate a child pipeline",
            );
            return (Vec::new(), None);
        }
        if m.runners.is_empty() {
            let mut tags = self
                .runner_tags(job, &job.runner, None, has_settings, path)
                .unwrap_or_default();
            tags.extend(settings_tags.iter().cloned());
            let parallel = if m.is_product() {
                gl::Parallel {
                    matrix: vec![m.axes.iter().map(|(k, v)| (k.clone(), v.clone())).collect()],
                }
            } else {
                gl::Parallel {
                    matrix: m
                        .cells()
                        .iter()
                        .map(|cell| {
                            cell.iter()
                                .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
                                .collect()
                        })
                        .collect(),
                }
            };
            return (tags, Some(parallel));
        }
        // A runner axis: each cell's tags travel in its own variables.
        let mut entries = Vec::new();
        let mut count: Option<(usize, String)> = None;
        let mut refused = BTreeMap::new();
        for cell in m.cells() {
            let runner = job.runner_for(&cell);
            let key = runner.key();
            let tags = match refused.get(&key) {
                Some(()) => continue,
                None => match self.runner_tags(job, &runner, Some(&cell), has_settings, path) {
                    Some(t) => t,
                    None => {
                        refused.insert(key, ());
                        continue;
                    }
                },
            };
            match &count {
                None => count = Some((tags.len(), key.clone())),
                Some((n, first)) if *n != tags.len() => {
                    self.unsupported(
                        path.field("matrix"),
                        format!(
                            "the runners of job {:?} have different numbers of GitLab tags ({first}: {n}, {key}: {}); a cell's tags are variables of its `parallel:matrix` entry",
                            job.id.as_str(),
                            tags.len()
                        ),
                        "map every runner of the axis to the same number of tags with `GitlabRunners::map`",
                    );
                    refused.insert(key, ());
                    continue;
                }
                Some(_) => {}
            }
            let mut entry: IndexMap<String, Vec<String>> = cell
                .iter()
                .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
                .collect();
            for (i, tag) in tags.into_iter().enumerate() {
                entry.insert(tag_var(i), vec![tag]);
            }
            entries.push(entry);
        }
        let n = count.map(|(n, _)| n).unwrap_or(0);
        let mut tags: Vec<String> = (0..n).map(|i| ["$", &tag_var(i)].concat()).collect();
        tags.extend(settings_tags.iter().cloned());
        (tags, Some(gl::Parallel { matrix: entries }))
    }
}

fn tag_var(i: usize) -> String {
    if i == 0 {
        TAG_VAR.to_owned()
    } else {
        format!("{TAG_VAR}_{}", i + 1)
    }
}
