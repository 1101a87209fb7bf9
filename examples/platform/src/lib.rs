//! ACME's platform constructs: what every ACME service pipeline is built from, and the rules
//! every pipeline must follow.
//!
//! - [`RustServiceCi`]: lint, unit and integration tests, a dependency audit, and one release
//!   artifact (built once, promoted everywhere) with its version as a job output.
//! - [`ContainerImage`]: build a container image and push it to ECR (actions on GitHub, the
//!   Docker CLI elsewhere, with each platform's settings attached as typed extensions).
//! - [`DeployStage`]: deploy the artifact to one environment (optionally behind a manual
//!   approval), smoke test it, and roll back automatically when the deploy fails.
//! - [`policies`]: production needs an approval, every job has a timeout, only pinned actions from
//!   trusted owners, a security scan before every deploy.
//!
//! Service teams extend the constructs: override parameters, insert steps around named steps,
//! add or replace jobs, attach platform settings, or patch the emitted document.
//!
//! ```
//! use acme_platform::{DeployStage, RustServiceCi};
//! use pipeline_core::prelude::*;
//!
//! let ci = RustServiceCi::new("payments-api");
//! let pipeline = Pipeline::new("delivery")
//!     .on(Trigger::push().branches(["main"]))
//!     .with(&ci)
//!     .add("staging", &DeployStage::new("staging", "payments-api-staging").after(&ci));
//! assert!(pipeline.find_job("staging-deploy").is_some());
//! let mut out = Diagnostics::new();
//! for policy in acme_platform::policies() {
//!     policy.check(&pipeline, &mut out);
//! }
//! assert!(!out.has_errors(), "{out}");
//! ```

mod ci;
mod container;
mod deploy;
mod policies;
mod script;

pub use ci::RustServiceCi;
pub use container::{ContainerImage, DOCKER_AWS_IMAGE};
pub use deploy::DeployStage;
pub use policies::policies;

/// The AWS region ACME deploys to.
pub const REGION: &str = "eu-west-1";
/// The Rust image ACME's Rust jobs run in.
pub const RUST_IMAGE: &str = "rust:1.95-bookworm";
