//! Per-platform jobs and steps: the platforms a job or a step exists on.
//!
//! Most of a pipeline is portable, but real pipelines carry a few jobs or steps that only make
//! sense on one platform (a GitHub-only attestation, a GitLab-only Pages job). A job or step
//! restricted with `.only_on(..)` is removed from what the other platforms see:
//! [`Pipeline::for_platform`](crate::Pipeline::for_platform) is exactly the pipeline a backend lowers. A job that stays on a
//! platform and needs a job that does not is a validation error (`need-absent-on-platform`).
//!
//! ```
//! use pipeline_core::prelude::*;
//! use pipeline_core::{Platform, Platforms};
//!
//! let pipeline = Pipeline::new("ci")
//!     .on(Trigger::push())
//!     .job(Job::new("test").step(Step::script("cargo test")))
//!     .job(Job::new("attest").only_on(Platform::Github).step(Step::script("./attest.sh")));
//! assert_eq!(pipeline.for_platform(Platform::Github).jobs.len(), 2);
//! assert_eq!(pipeline.for_platform(Platform::Gitlab).jobs.len(), 1);
//! assert!(Platforms::all().contains(Platform::CodePipeline));
//! # pipeline_core::validate::assert_valid(&pipeline);
//! ```

use std::fmt;

/// One platform the backends generate for.
///
/// ```
/// use pipeline_core::Platform;
/// assert_eq!(Platform::parse("gitlab"), Some(Platform::Gitlab));
/// assert_eq!(Platform::CodePipeline.to_string(), "codepipeline");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// GitHub Actions.
    Github,
    /// GitLab CI.
    Gitlab,
    /// AWS CodePipeline with CodeBuild.
    CodePipeline,
}

impl Platform {
    /// Every platform, in a fixed order.
    pub const ALL: [Platform; 3] = [Platform::Github, Platform::Gitlab, Platform::CodePipeline];

    /// The platform's name as backends and the local runner's `--platform` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Github => "github",
            Platform::Gitlab => "gitlab",
            Platform::CodePipeline => "codepipeline",
        }
    }

    /// The platform named `name` (`github`, `gitlab`, `codepipeline`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of platforms (every platform by default).
///
/// ```
/// use pipeline_core::{Platform, Platforms};
/// let set = Platforms::from([Platform::Github, Platform::Gitlab]);
/// assert!(set.contains(Platform::Gitlab) && !set.contains(Platform::CodePipeline));
/// assert_eq!(set.to_string(), "github, gitlab");
/// assert!(Platforms::default().is_all());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Platforms(u8);

impl Platforms {
    /// Every platform.
    pub fn all() -> Self {
        Self(Platform::ALL.iter().fold(0, |a, p| a | p.bit()))
    }

    /// No platform.
    pub fn none() -> Self {
        Self(0)
    }

    /// Whether `platform` is in the set.
    pub fn contains(self, platform: Platform) -> bool {
        self.0 & platform.bit() != 0
    }

    /// Whether the set holds every platform.
    pub fn is_all(self) -> bool {
        self == Self::all()
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The platforms in the set, in [`Platform::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Platform> {
        Platform::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl Default for Platforms {
    fn default() -> Self {
        Self::all()
    }
}

impl From<Platform> for Platforms {
    fn from(p: Platform) -> Self {
        Self(p.bit())
    }
}

impl<const N: usize> From<[Platform; N]> for Platforms {
    fn from(ps: [Platform; N]) -> Self {
        ps.into_iter().collect()
    }
}

impl FromIterator<Platform> for Platforms {
    fn from_iter<I: IntoIterator<Item = Platform>>(iter: I) -> Self {
        Self(iter.into_iter().fold(0, |a, p| a | p.bit()))
    }
}

impl fmt::Display for Platforms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no platform");
        }
        let names: Vec<&str> = self.iter().map(Platform::name).collect();
        f.write_str(&names.join(", "))
    }
}
