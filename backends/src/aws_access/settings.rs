//! The settings of the cloud side: identities, accounts, roles and what each role may do.

use pipeline_core::AwsUse;

/// Where the pipelines' jobs run, as the OIDC providers name them. Repository and project
/// identities are never guessed: a platform whose jobs assume roles needs its identity set.
pub(crate) const PLATFORMS: [&str; 3] = ["github", "gitlab", "codepipeline"];

/// One IAM role the pipelines assume: the CI variable (or literal ARN) the jobs name, the
/// account it lives in, its name, and what it may do.
///
/// ```
/// use pipeline_backends::aws_access::{AccessRole, Grant};
/// let role = AccessRole::new("DRIFT_ROLE_ARN", "111111111111", "payments-api-drift")
///     .grant(Grant::statement(["ssm:GetParameter"], ["arn:aws:ssm:eu-west-1:111111111111:parameter/payments-api/*"]));
/// assert_eq!(role.arn(), "arn:aws:iam::111111111111:role/payments-api-drift");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRole {
    /// The variable the jobs read the role ARN from (`Expr::var("DRIFT_ROLE_ARN")`), or the
    /// literal ARN they name.
    pub variable: String,
    /// The 12-digit AWS account id.
    pub account: String,
    /// The role's name.
    pub name: String,
    /// What the role may do beyond what the steps that run with it declare
    /// ([`UsesAws`](pipeline_core::UsesAws)), scoped to named resources.
    pub grants: Vec<AwsUse>,
}

impl AccessRole {
    /// Role `name` in `account`, read by the jobs from variable `variable`.
    pub fn new(variable: impl Into<String>, account: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            variable: variable.into(),
            account: account.into(),
            name: name.into(),
            grants: Vec::new(),
        }
    }

    /// Adds a permission of your own (the steps' declared uses are granted without it).
    #[must_use]
    pub fn grant(mut self, grant: AwsUse) -> Self {
        self.grants.push(grant);
        self
    }

    /// The role's ARN (the value to give the variable).
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account, self.name)
    }
}
