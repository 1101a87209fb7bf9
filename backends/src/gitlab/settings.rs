//! Typed GitLab settings a pipeline author attaches to a job with
//! [`Job::extend`](pipeline_core::Job::extend): the escape hatch for what only GitLab has.
//!
//! ```
//! use pipeline_backends::gitlab::GitlabJob;
//! use pipeline_core::prelude::*;
//!
//! let test = Job::new("test")
//!     .step(Step::script("cargo test"))
//!     .extend(GitlabJob::new().interruptible(true).tag("docker").image("rust:1.95-alpine"));
//! let settings = test.extensions.get::<GitlabJob>().expect("attached");
//! assert_eq!(settings.tags, ["docker"]);
//! ```

/// GitLab-only settings of a job. Fields left at their default change nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitlabJob {
    /// `interruptible:`: whether a newer pipeline for the same ref may cancel the job (with the
    /// project's auto-cancel setting). Overrides what the pipeline's concurrency implies.
    pub interruptible: Option<bool>,
    /// Runner tags added to the runner labels (a specific GitLab runner fleet).
    pub tags: Vec<String>,
    /// A container image used on GitLab instead of the runner's image.
    pub image: Option<String>,
    /// `resource_group:` instead of the one derived from the job's concurrency or environment.
    pub resource_group: Option<String>,
}

impl GitlabJob {
    /// No settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `interruptible:`.
    #[must_use]
    pub fn interruptible(mut self, value: bool) -> Self {
        self.interruptible = Some(value);
        self
    }

    /// Adds a runner tag.
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Uses `image` on GitLab.
    #[must_use]
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Sets the resource group.
    #[must_use]
    pub fn resource_group(mut self, group: impl Into<String>) -> Self {
        self.resource_group = Some(group.into());
        self
    }
}
