//! Checkouts: the repository being built at its commit (the default), or another repository, ref
//! or directory, with history depth, submodules, LFS and a token (docs/SEMANTICS.md, "Checkouts").

use crate::expr::Expr;

/// A checkout. `Checkout::default()` is the repository being built, at the commit being built,
/// into the workspace; [`Checkout::repository`], [`Checkout::git_ref`] and [`Checkout::path`]
/// choose another repository, ref or directory. Every field is data: repository names, refs and
/// paths never become platform syntax (validation refuses what a platform would read otherwise).
///
/// ```
/// use pipeline_core::prelude::*;
/// let tools = Checkout::repository("acme/build-tools")
///     .git_ref("v2.1.0")
///     .path("tools")
///     .fetch_depth(1)
///     .token(Expr::secret("TOOLS_TOKEN"));
/// assert_eq!(tools.repository.as_deref(), Some("acme/build-tools"));
/// let own = Checkout::default().fetch_depth(0).submodules().lfs();
/// assert!(own.is_workspace_root());
/// assert!(!tools.is_workspace_root());
/// # let job = Job::new("build").step(Step::checkout_with(own)).step(Step::checkout_with(tools)).step(Step::script("make"));
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).secret(Secret::new("TOOLS_TOKEN")).job(job));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkout {
    /// Number of commits to fetch; `Some(0)` fetches the whole history, `None` the platform's
    /// shallow default (one commit for another repository, ref or directory).
    pub fetch_depth: Option<u32>,
    /// Also check out submodules (recursively).
    pub submodules: bool,
    /// Also fetch Git LFS files.
    pub lfs: bool,
    /// Another repository on the same forge, `owner/name` (GitHub) or `group/.../project`
    /// (GitLab); `None`: the repository being built.
    pub repository: Option<String>,
    /// A branch, tag or full commit SHA; `None`: the commit being built (this repository) or the
    /// default branch (another repository).
    pub git_ref: Option<String>,
    /// The directory to check out into, relative to the workspace; `None`: the workspace.
    pub path: Option<String>,
    /// The token to fetch with: a secret or the platform token
    /// ([`PlatformToken`](crate::PlatformToken)); `None`: the platform's job token.
    pub token: Option<Expr>,
}

impl Checkout {
    /// A checkout of another repository on the same forge (`owner/name`), at its default branch,
    /// into the workspace unless [`Checkout::path`] says otherwise.
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert_eq!(Checkout::repository("acme/schemas").repository.as_deref(), Some("acme/schemas"));
    /// ```
    pub fn repository(name: impl Into<String>) -> Self {
        Self {
            repository: Some(name.into()),
            ..Self::default()
        }
    }

    /// Checks out `git_ref`: a branch, a tag or a full commit SHA.
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert_eq!(Checkout::default().git_ref("main").git_ref.as_deref(), Some("main"));
    /// ```
    #[must_use]
    pub fn git_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.git_ref = Some(git_ref.into());
        self
    }

    /// Checks out into directory `path` of the workspace.
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert_eq!(Checkout::repository("acme/schemas").path("schemas").path.as_deref(), Some("schemas"));
    /// ```
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Fetches `depth` commits (`0`: the whole history).
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert_eq!(Checkout::default().fetch_depth(0).fetch_depth, Some(0));
    /// ```
    #[must_use]
    pub fn fetch_depth(mut self, depth: u32) -> Self {
        self.fetch_depth = Some(depth);
        self
    }

    /// Also checks out the submodules, recursively.
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert!(Checkout::default().submodules().submodules);
    /// ```
    #[must_use]
    pub fn submodules(mut self) -> Self {
        self.submodules = true;
        self
    }

    /// Also fetches Git LFS files.
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert!(Checkout::default().lfs().lfs);
    /// ```
    #[must_use]
    pub fn lfs(mut self) -> Self {
        self.lfs = true;
        self
    }

    /// Fetches with `token`: a secret (`Expr::secret("NAME")`) or the platform token with its
    /// scopes; anything else is a validation error (`checkout-token`).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let c = Checkout::repository("acme/private").token(Expr::secret("PRIVATE_REPO_TOKEN"));
    /// assert_eq!(c.token, Some(Expr::secret("PRIVATE_REPO_TOKEN")));
    /// ```
    #[must_use]
    pub fn token(mut self, token: impl Into<Expr>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Whether this is the repository being built, at the commit being built, in the workspace
    /// (what GitLab and CodeBuild fetch before the job's steps).
    ///
    /// ```
    /// use pipeline_core::Checkout;
    /// assert!(Checkout::default().fetch_depth(0).is_workspace_root());
    /// assert!(!Checkout::default().path("other").is_workspace_root());
    /// ```
    pub fn is_workspace_root(&self) -> bool {
        self.repository.is_none() && self.git_ref.is_none() && self.path.is_none() && self.token.is_none()
    }
}
