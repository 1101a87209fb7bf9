//! Delivery practices as ready constructs: what the library exists to make easy and consistent.
//! Each is a [`Construct`](pipeline_core::Construct) (or a step) built on the portable model,
//! lowered on every platform, or refused there with a diagnostic naming the platform.
//!
//! - [`supply_chain`]: signed-commit gates, provenance attestations, artifact signing, SBOMs,
//!   secrets versioned in git (SOPS), release summaries.
//! - [`strategies`]: rolling, blue-green and canary deployments with monitoring and automatic
//!   rollback, CodeDeploy deployment configurations, AWS AppConfig feature flags.
//! - [`drift`]: the generated-files check, infrastructure drift detection, break-glass runs.

pub mod drift;
pub mod strategies;
pub mod supply_chain;
