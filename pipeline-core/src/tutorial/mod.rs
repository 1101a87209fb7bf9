//! Tutorials, as documentation with examples that run.
//!
//! 1. [Writing a first pipeline](first_pipeline): a service team's pipeline, generated for
//!    GitHub Actions, GitLab CI and AWS CodePipeline, checked in CI.
//! 2. [Publishing constructs for an organisation](publishing_constructs): a platform team's
//!    crate of constructs and policies, and how service teams extend them.
//! 3. [Adding a backend](adding_a_backend): lowering the portable model to a new platform.

pub mod adding_a_backend;
pub mod first_pipeline;
pub mod publishing_constructs;
