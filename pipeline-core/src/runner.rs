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
/// ```
/// use pipeline_core::Runner;
/// let r = Runner::linux().image("rust:1.95-bookworm");
/// assert_eq!(r.image.as_deref(), Some("rust:1.95-bookworm"));
/// let self_hosted = Runner::labels(["self-hosted", "gpu"]);
/// assert_eq!(self_hosted.labels.len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Runner {
    /// CPU architecture.
    pub arch: Arch,
    /// Machine size.
    pub size: Size,
    /// Explicit runner labels (GitHub `runs-on`, GitLab `tags`); empty means the platform's
    /// hosted Linux runners.
    pub labels: Vec<String>,
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

    /// A runner selected by labels (self-hosted or larger runners).
    pub fn labels<S: Into<String>>(labels: impl IntoIterator<Item = S>) -> Self {
        Self {
            labels: labels.into_iter().map(Into::into).collect(),
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
