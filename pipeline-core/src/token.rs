//! The platform's own job token ([`PlatformToken`]) and the permission scopes it is granted
//! ([`Permission`], [`Access`]).
//!
//! A step that calls the platform's API (publishes a release, comments on a pull request, pushes
//! a package) receives the token the platform issues for the job through `env` or an action
//! input, like a secret: `Step::script("gh release create ...").env("GH_TOKEN",
//! PlatformToken::new().scope(Permission::Contents, Access::Write))`.
//!
//! | platform | the value | what the scopes do |
//! |---|---|---|
//! | GitHub | `${{ github.token }}` | become the job's `permissions:` (merged with those the steps need) |
//! | GitLab | `$CI_JOB_TOKEN` | nothing: the project's job token settings decide its reach (warning `gitlab-job-token-scope`, [`Divergence::JobTokenScope`](crate::Divergence::JobTokenScope)) |
//! | CodePipeline | none: CodeBuild issues no job token | error naming the job and the step |
//! | local runner | host variable `PIPELINE_TOKEN` (masked) | nothing |
//!
//! The platforms mask the token in logs; the local runner masks it too. docs/SEMANTICS.md,
//! section 21.

/// The host environment variable the local runner reads the platform token from (masked in its
/// output; empty with a warning when unset).
pub const LOCAL_TOKEN_VAR: &str = "PIPELINE_TOKEN";

/// A GitHub token permission scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// `actions`
    Actions,
    /// `attestations`
    Attestations,
    /// `checks`
    Checks,
    /// `contents`
    Contents,
    /// `deployments`
    Deployments,
    /// `id-token` (OIDC tokens for cloud login and keyless signing)
    IdToken,
    /// `issues`
    Issues,
    /// `packages`
    Packages,
    /// `pull-requests`
    PullRequests,
    /// `security-events`
    SecurityEvents,
    /// `statuses`
    Statuses,
}

impl Permission {
    /// The key used in a workflow's `permissions:`.
    pub fn key(self) -> &'static str {
        match self {
            Permission::Actions => "actions",
            Permission::Attestations => "attestations",
            Permission::Checks => "checks",
            Permission::Contents => "contents",
            Permission::Deployments => "deployments",
            Permission::IdToken => "id-token",
            Permission::Issues => "issues",
            Permission::Packages => "packages",
            Permission::PullRequests => "pull-requests",
            Permission::SecurityEvents => "security-events",
            Permission::Statuses => "statuses",
        }
    }
}

/// Access level of a permission. Ordered: `Read < Write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// `read`
    Read,
    /// `write`
    Write,
}

impl Access {
    /// The value used in a workflow's `permissions:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// The job token the platform issues for each run of a job, granted `scopes`: a secret that
/// only `env` (of a job or a step) and action inputs may hold.
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::PlatformToken;
/// let token = PlatformToken::new().scope(Permission::Contents, Access::Write);
/// let release = Job::new("release")
///     .step(Step::checkout())
///     .step(Step::script("gh release create \"$GITHUB_REF_NAME\" dist/*").env("GH_TOKEN", token.clone()));
/// assert_eq!(token.scopes, [(Permission::Contents, Access::Write)]);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(release));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PlatformToken {
    /// The permissions the token needs (GitHub grants them to the job; see the module docs for
    /// the other platforms). Without any, GitHub's token can read only the repository's metadata.
    pub scopes: Vec<(Permission, Access)>,
}

impl PlatformToken {
    /// The job token with no scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Grants `permission` at level `access` (the higher level wins when a scope is given twice).
    ///
    /// ```
    /// use pipeline_core::{Access, Permission, PlatformToken};
    /// let t = PlatformToken::new().scope(Permission::PullRequests, Access::Write).scope(Permission::Contents, Access::Read);
    /// assert_eq!(t.access(Permission::PullRequests), Some(Access::Write));
    /// assert_eq!(t.access(Permission::Issues), None);
    /// ```
    #[must_use]
    pub fn scope(mut self, permission: Permission, access: Access) -> Self {
        self.scopes.push((permission, access));
        self
    }

    /// The highest access granted to `permission`, if any.
    pub fn access(&self, permission: Permission) -> Option<Access> {
        self.scopes
            .iter()
            .filter(|(p, _)| *p == permission)
            .map(|(_, a)| *a)
            .max()
    }
}
