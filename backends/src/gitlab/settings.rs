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
//! # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test));
//! ```

use indexmap::IndexMap;

/// GitLab-only settings of a job. Fields left at their default change nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitlabJob {
    /// `interruptible:`: whether a newer pipeline for the same ref may cancel the job (with the
    /// project's auto-cancel setting). Overrides what the pipeline's concurrency implies.
    pub interruptible: Option<bool>,
    /// GitLab runner tags (a specific GitLab runner fleet), after the names of the runner's pool
    /// ([`Runner::pool`](pipeline_core::Runner::pool)). The runner's labels are GitHub's and are
    /// not GitLab tags.
    pub tags: Vec<String>,
    /// A container image used on GitLab instead of the runner's image.
    pub image: Option<String>,
    /// `resource_group:` instead of the one derived from the job's concurrency or environment.
    pub resource_group: Option<String>,
    /// Job `variables:` GitLab itself reads (such as `RUNNER_GENERATE_ARTIFACTS_METADATA`), added
    /// after the job's portable environment. Values are written as given: GitLab expands `$NAME`
    /// in them. Portable `env` refuses names with a platform's prefix (`CI_`, `RUNNER_`...); this
    /// is where such a variable goes.
    pub variables: IndexMap<String, String>,
    /// `id_tokens:`: OIDC ID tokens GitLab puts in the job's environment, by variable name, with
    /// their audience (`SIGSTORE_ID_TOKEN` with audience `sigstore` for keyless cosign).
    pub id_tokens: IndexMap<String, String>,
    /// Service containers only GitLab runs, after the job's portable services (a
    /// `docker:dind` daemon for image builds, which GitHub's service containers cannot host).
    pub services: Vec<pipeline_core::Service>,
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

    /// Adds a service container only GitLab runs (see [`GitlabJob::services`]).
    #[must_use]
    pub fn service(mut self, service: pipeline_core::Service) -> Self {
        self.services.push(service);
        self
    }

    /// Sets the resource group.
    #[must_use]
    pub fn resource_group(mut self, group: impl Into<String>) -> Self {
        self.resource_group = Some(group.into());
        self
    }

    /// Sets a job variable GitLab reads (see [`GitlabJob::variables`]).
    ///
    /// ```
    /// use pipeline_backends::gitlab::{Gitlab, GitlabJob};
    /// use pipeline_core::prelude::*;
    /// use pipeline_core::diagnostic::Diagnostics;
    ///
    /// let build = Job::new("build")
    ///     .extend(GitlabJob::new().variable("RUNNER_GENERATE_ARTIFACTS_METADATA", "true").id_token("SIGSTORE_ID_TOKEN", "sigstore"))
    ///     .step(Step::checkout())
    ///     .step(Step::script("make"));
    /// let p = Pipeline::new("ci").on(Trigger::push()).job(build);
    /// let yaml = Gitlab::new().render(&p, &mut Diagnostics::new()).expect("renders");
    /// assert!(yaml.contains("RUNNER_GENERATE_ARTIFACTS_METADATA: 'true'"), "{yaml}");
    /// assert!(yaml.contains("  id_tokens:\n    SIGSTORE_ID_TOKEN:\n      aud: sigstore\n"), "{yaml}");
    /// ```
    #[must_use]
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Asks GitLab for an OIDC ID token in variable `name` with audience `aud`.
    #[must_use]
    pub fn id_token(mut self, name: impl Into<String>, aud: impl Into<String>) -> Self {
        self.id_tokens.insert(name.into(), aud.into());
        self
    }
}
