//! Deployment environments and manual approvals.

use crate::expr::Expr;
use crate::id::EnvironmentName;

/// The kind of an environment (GitLab's `deployment_tier`; informs defaults elsewhere).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Serves users.
    Production,
    /// Pre-production.
    Staging,
    /// Automated tests.
    Testing,
    /// Development or review apps.
    Development,
    /// Anything else.
    #[default]
    Other,
}

impl Tier {
    /// The lower-case name GitLab uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Production => "production",
            Tier::Staging => "staging",
            Tier::Testing => "testing",
            Tier::Development => "development",
            Tier::Other => "other",
        }
    }
}

/// A manual approval required before a job deploys to its environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Approval {
    /// What the reviewer should check, shown where the platform allows.
    pub instructions: Option<String>,
    /// A page the reviewer should look at (a dashboard, a change request).
    pub review_url: Option<String>,
    /// Notify reviewers through a topic (an SNS topic parameter on AWS).
    pub notify: bool,
}

impl Approval {
    /// An approval with no extra details.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the reviewer instructions.
    #[must_use]
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Sets the page to review.
    #[must_use]
    pub fn review_url(mut self, url: impl Into<String>) -> Self {
        self.review_url = Some(url.into());
        self
    }

    /// Notifies reviewers through a topic.
    #[must_use]
    pub fn notify(mut self) -> Self {
        self.notify = true;
        self
    }
}

/// A deployment environment a job deploys to.
///
/// ```
/// use pipeline_core::{Approval, Environment, Tier};
/// let prod = Environment::new("production")
///     .tier(Tier::Production)
///     .url("https://app.example.com")
///     .approval(Approval::new().instructions("Check the staging dashboard first"));
/// assert!(prod.requires_approval());
/// # use pipeline_core::prelude::*;
/// # pipeline_core::validate::assert_valid(&Pipeline::new("d").on(Trigger::push()).job(Job::new("deploy").environment(prod).step(Step::script("./deploy.sh"))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// The environment's name.
    pub name: EnvironmentName,
    /// Where the deployed service can be seen.
    pub url: Option<Expr>,
    /// Its kind.
    pub tier: Tier,
    /// The approval required before deploying, if any.
    pub approval: Option<Approval>,
}

impl Environment {
    /// An environment named `name`.
    pub fn new(name: impl Into<EnvironmentName>) -> Self {
        Self {
            name: name.into(),
            url: None,
            tier: Tier::Other,
            approval: None,
        }
    }

    /// Sets the URL.
    #[must_use]
    pub fn url(mut self, url: impl Into<Expr>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Sets the tier.
    #[must_use]
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// Requires an approval before deploying.
    #[must_use]
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = Some(approval);
        self
    }

    /// Whether deploying needs an approval.
    pub fn requires_approval(&self) -> bool {
        self.approval.is_some()
    }
}
