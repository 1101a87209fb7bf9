//! Where a job runs: machine kind, labels and container image.

/// CPU architecture of the runner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Arch {
    /// x86-64.
    #[default]
    X64,
    /// 64-bit ARM.
    Arm64,
}

/// Machine size, mapped to the platform's nearest class (GitHub larger runners need labels;
/// CodeBuild compute types map directly).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Size {
    /// The platform's standard size (2 vCPU class).
    #[default]
    Small,
    /// 4 to 8 vCPU class.
    Medium,
    /// 8 vCPU and more.
    Large,
}

/// Where a job runs. The default is a Linux x64 machine of the platform's standard size.
///
/// Runner fields are literal on every platform: a label, pool name or image never holds an
/// expression (a matrix value in a label would pick one runner for every GitLab cell; validation
/// error `runner-expression`).
///
/// How a runner is chosen on each platform:
///
/// | field | GitHub | GitLab | CodeBuild |
/// |---|---|---|---|
/// | [`labels`](Runner::labels) | `runs-on` | not used (warning `gitlab-runner-labels` when the job has no GitLab tags) | not used (warning) |
/// | [`pool`](Runner::pool) | `runs-on: [self-hosted, ...]` | `tags` | not used (warning) |
/// | arch, size | hosted runner label | hosted runner tag (`saas-linux-...`) | compute type |
///
/// GitLab tags of one platform only come from `GitlabJob::tag` (the GitLab backend's job
/// settings).
///
/// ```
/// use pipeline_core::Runner;
/// let r = Runner::linux().image("rust:1.95-bookworm");
/// assert_eq!(r.image.as_deref(), Some("rust:1.95-bookworm"));
/// // GitHub labels only (a larger runner of the organisation):
/// let larger = Runner::labels(["ubuntu-24.04-16core"]);
/// assert_eq!(larger.labels.len(), 1);
/// // A self-hosted pool registered under the same names on GitHub and GitLab:
/// let gpu = Runner::pool(["gpu"]);
/// assert_eq!(gpu.pool, ["gpu"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Runner {
    /// CPU architecture.
    pub arch: Arch,
    /// Machine size.
    pub size: Size,
    /// GitHub `runs-on` labels (a larger runner, a runner group's labels); empty means GitHub's
    /// hosted runner for the arch. A GitHub label is not a GitLab runner tag: GitLab does not use
    /// them (see [`Runner::pool`] for runners both platforms select by name).
    pub labels: Vec<String>,
    /// A self-hosted runner pool, by the names its runners are registered with on every
    /// platform: GitHub `runs-on: [self-hosted, NAMES...]` (followed by any [`labels`]), GitLab
    /// `tags: [NAMES...]`.
    ///
    /// [`labels`]: Runner::labels
    pub pool: Vec<String>,
    /// A container image the job's steps run in.
    pub image: Option<String>,
}

impl Runner {
    /// A hosted Linux x64 runner.
    pub fn linux() -> Self {
        Self::default()
    }

    /// A hosted Linux ARM64 runner.
    pub fn linux_arm64() -> Self {
        Self {
            arch: Arch::Arm64,
            ..Self::default()
        }
    }

    /// A runner selected by GitHub `runs-on` labels (larger runners, runner groups). GitLab does
    /// not read them: give GitLab jobs tags with `GitlabJob::tag`, or use [`Runner::pool`] for a
    /// self-hosted pool both platforms know by name.
    pub fn labels<S: Into<String>>(labels: impl IntoIterator<Item = S>) -> Self {
        Self {
            labels: labels.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// A self-hosted pool selected by name on every platform: GitHub
    /// `runs-on: [self-hosted, NAMES...]`, GitLab `tags: [NAMES...]` (CodeBuild has no pools:
    /// warning `codepipeline-runner-labels`).
    pub fn pool<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            pool: names.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Runs the steps in a container image.
    #[must_use]
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Sets the machine size.
    #[must_use]
    pub fn size(mut self, size: Size) -> Self {
        self.size = size;
        self
    }
}
