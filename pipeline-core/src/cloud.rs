//! Cloud credentials through the platform's OIDC token (no long-lived keys).

use crate::expr::Expr;

/// An AWS IAM role assumed with the platform's OIDC token, optionally followed by a chain of
/// roles assumed with the credentials of the previous one (cross-account deploys).
///
/// ```
/// use pipeline_core::{AwsRole, Expr};
/// let role = AwsRole::new(Expr::var("DEPLOY_ROLE_ARN"), "eu-west-1")
///     .chain("arn:aws:iam::222222222222:role/deployer");
/// assert_eq!(role.chain.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsRole {
    /// The role trusted by the platform's OIDC provider.
    pub role_arn: Expr,
    /// The AWS region.
    pub region: String,
    /// Role session name (defaults to the platform's convention).
    pub session_name: Option<String>,
    /// Session duration in seconds.
    pub duration_seconds: Option<u32>,
    /// Roles assumed next, in order, each with the credentials of the previous.
    pub chain: Vec<Expr>,
}

impl AwsRole {
    /// Assume `role_arn` in `region`.
    pub fn new(role_arn: impl Into<Expr>, region: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            region: region.into(),
            session_name: None,
            duration_seconds: None,
            chain: Vec::new(),
        }
    }

    /// Then assume `role_arn` with these credentials.
    #[must_use]
    pub fn chain(mut self, role_arn: impl Into<Expr>) -> Self {
        self.chain.push(role_arn.into());
        self
    }

    /// Sets the session name.
    #[must_use]
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Sets the session duration.
    #[must_use]
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }
}

/// A cloud role to assume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloudRole {
    /// An AWS IAM role.
    Aws(AwsRole),
}
