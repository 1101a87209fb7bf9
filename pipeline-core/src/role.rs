//! Job roles: what a job is for, so policies and docs can reason about pipelines built by
//! anyone ("a security scan precedes every deploy").

use std::borrow::Cow;
use std::fmt;

/// What a job is for. Constructs mark their jobs; policies check them.
///
/// ```
/// use pipeline_core::prelude::*;
/// let scan = Job::new("audit").role(JobRole::SECURITY_SCAN).step(Step::script("cargo audit"));
/// assert!(scan.has_role(&JobRole::SECURITY_SCAN));
/// assert_eq!(JobRole::new("load-test").as_str(), "load-test");
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(scan));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobRole(Cow<'static, str>);

impl JobRole {
    /// Static analysis, dependency audit, secret scanning...
    pub const SECURITY_SCAN: JobRole = JobRole(Cow::Borrowed("security-scan"));
    /// Unit or integration tests.
    pub const TEST: JobRole = JobRole(Cow::Borrowed("test"));
    /// Builds the artifact that is promoted.
    pub const BUILD: JobRole = JobRole(Cow::Borrowed("build"));
    /// Deploys to an environment.
    pub const DEPLOY: JobRole = JobRole(Cow::Borrowed("deploy"));
    /// Undoes a failed deploy.
    pub const ROLLBACK: JobRole = JobRole(Cow::Borrowed("rollback"));

    /// A custom role.
    pub fn new(name: impl Into<String>) -> Self {
        JobRole(Cow::Owned(name.into()))
    }

    /// The role's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
