//! The rules every ACME pipeline follows, checked before any file is written.

use pipeline_core::Policy;
use pipeline_core::policy::{AllowedActions, ApprovalRequired, ScanBeforeDeploy, TimeoutsRequired};

/// ACME's policies: production deploys need an approval; every job sets a timeout of at most an
/// hour; actions come only from GitHub, AWS, Docker, and the supply-chain tools Anchore (SBOMs)
/// and Sigstore (signing), always pinned by SHA; a security scan precedes every deploy.
pub fn policies() -> Vec<Box<dyn Policy>> {
    vec![
        Box::new(ApprovalRequired::production()),
        Box::new(TimeoutsRequired { max_minutes: 60 }),
        Box::new(AllowedActions {
            owners: ["actions", "aws-actions", "docker", "github", "anchore", "sigstore"]
                .map(String::from)
                .to_vec(),
        }),
        Box::new(ScanBeforeDeploy),
    ]
}
