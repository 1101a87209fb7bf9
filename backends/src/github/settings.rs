//! Typed GitHub settings a job carries with `.extend(..)`: what the portable model does not say.

use pipeline_core::{Access, Permission};

/// GitHub specifics of one job.
///
/// ```
/// use pipeline_backends::github::{Github, GithubJob};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let job = Job::new("build")
///     .extend(GithubJob::default().runs_on(["ubuntu-24.04-16core"]).permission(Permission::Packages, Access::Write))
///     .step(Step::script("make"));
/// let p = Pipeline::new("ci").on(Trigger::push()).job(job);
/// let yaml = Github::new().render(&p, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("runs-on: ubuntu-24.04-16core"));
/// assert!(yaml.contains("packages: write"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GithubJob {
    /// `runs-on` labels replacing the ones derived from the runner (larger runners, runner groups).
    pub runs_on: Vec<String>,
    /// Token permissions granted on top of those derived from the steps.
    pub permissions: Vec<(Permission, Access)>,
}

impl GithubJob {
    /// Runs on these labels.
    #[must_use]
    pub fn runs_on<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.runs_on = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Grants a token permission.
    #[must_use]
    pub fn permission(mut self, permission: Permission, access: Access) -> Self {
        self.permissions.push((permission, access));
        self
    }
}
