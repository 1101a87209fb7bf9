//! Where a job runs: operating system, architecture, size, labels, pools and container image.

/// Operating system of the runner.
///
/// ```
/// use pipeline_core::{Os, Runner};
/// assert_eq!(Runner::macos().os, Os::Macos);
/// assert_eq!(Os::Windows.as_str(), "windows");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Os {
    /// Linux (the only OS container images and service containers run on).
    #[default]
    Linux,
    /// macOS.
    Macos,
    /// Windows (steps run in Git Bash, like on the other systems).
    Windows,
}

impl Os {
    /// The lowercase name used in runner keys: `linux`, `macos`, `windows`.
    pub fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
        }
    }

    /// The OS this program runs on, if it is one of the three.
    ///
    /// ```
    /// # use pipeline_core::Os;
    /// if cfg!(target_os = "linux") { assert_eq!(Os::host(), Some(Os::Linux)); }
    /// ```
    pub fn host() -> Option<Os> {
        match std::env::consts::OS {
            "linux" => Some(Os::Linux),
            "macos" => Some(Os::Macos),
            "windows" => Some(Os::Windows),
            _ => None,
        }
    }
}

/// CPU architecture of the runner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// x86-64.
    #[default]
    X64,
    /// 64-bit ARM.
    Arm64,
}

impl Arch {
    /// The name used in runner keys: `x64`, `arm64`.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X64 => "x64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// Machine size, mapped to the platform's nearest class (GitHub larger runners need labels;
/// CodeBuild compute types map directly).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Size {
    /// The platform's standard size (2 vCPU class).
    #[default]
    Small,
    /// 4 to 8 vCPU class.
    Medium,
    /// 8 vCPU and more.
    Large,
}

impl Size {
    /// The name used in runner keys and messages: `small`, `medium`, `large`.
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
        }
    }
}

/// Where a job runs. The default is a Linux x64 machine of the platform's standard size.
///
/// A job has one runner; a job whose cells run on different machines takes a runner axis in its
/// matrix ([`Matrix::runners`](crate::Matrix::runners)), never an expression in a runner field.
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
/// | os, arch, size | hosted runner label (`ubuntu-24.04`, `macos-15`, `windows-2025`...; `Github::runner_labels` overrides) | tag from the backend's runner map (`GitlabRunners`: `saas-linux-...`, `saas-macos-...`) | environment type, image, compute type (Linux only: macOS and Windows are refused) |
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
    /// Operating system.
    pub os: Os,
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
    /// A hosted runner of this OS and architecture (standard size).
    ///
    /// ```
    /// use pipeline_core::{Arch, Os, Runner};
    /// let r = Runner::new(Os::Macos, Arch::X64);
    /// assert_eq!(r.key(), "macos-x64");
    /// ```
    pub fn new(os: Os, arch: Arch) -> Self {
        Self {
            os,
            arch,
            ..Self::default()
        }
    }

    /// A hosted Linux x64 runner.
    pub fn linux() -> Self {
        Self::default()
    }

    /// A hosted macOS ARM64 runner (Apple silicon: the hosted macOS runners of GitHub and GitLab).
    pub fn macos() -> Self {
        Self::new(Os::Macos, Arch::Arm64)
    }

    /// A hosted Windows x64 runner.
    pub fn windows() -> Self {
        Self::new(Os::Windows, Arch::X64)
    }

    /// Sets the architecture.
    #[must_use]
    pub fn arch(mut self, arch: Arch) -> Self {
        self.arch = arch;
        self
    }

    /// The runner's key: a stable name made of `[a-z0-9-]` that identifies it in a runner axis,
    /// in runner maps and in cell names: `os-arch`, then the size when not small, then the pool
    /// and labels.
    ///
    /// ```
    /// use pipeline_core::{Runner, Size};
    /// assert_eq!(Runner::linux().key(), "linux-x64");
    /// assert_eq!(Runner::windows().size(Size::Large).key(), "windows-x64-large");
    /// assert_eq!(Runner::pool(["gpu"]).key(), "linux-x64-pool-gpu");
    /// ```
    pub fn key(&self) -> String {
        let mut key = [self.os.as_str(), "-", self.arch.as_str()].concat();
        if self.size != Size::Small {
            key.push('-');
            key.push_str(self.size.as_str());
        }
        for (kind, names) in [("pool", &self.pool), ("labels", &self.labels)] {
            if names.is_empty() {
                continue;
            }
            key.push('-');
            key.push_str(kind);
            for name in names {
                key.push('-');
                key.extend(name.chars().map(|c| match c.to_ascii_lowercase() {
                    c @ ('a'..='z' | '0'..='9') => c,
                    _ => '-',
                }));
            }
        }
        key
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
