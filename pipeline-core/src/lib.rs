//! Portable CI/CD pipelines in typed Rust.
//!
//! Describe a pipeline once, with [`Pipeline`](struct@Pipeline), [`Job`] and [`Step`]; the backends of
//! `pipeline-backends` lower it to GitHub Actions, GitLab CI and AWS CodePipeline, and the
//! [generator](generate) writes the files, checks them for drift or lists them.
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! let build = Job::new("build")
//!     .step(Step::checkout())
//!     .step(Step::script("cargo build --release --locked"))
//!     .step(Step::set_output("version", "cargo pkgid | cut -d'#' -f2"))
//!     .step(Step::upload("app", ["target/release/app"]));
//! let deploy = Job::new("deploy")
//!     .needs(&build)
//!     .environment(Environment::new("production").approval(Approval::new()))
//!     .env("VERSION", build.output("version"))
//!     .step(Step::download("app"))
//!     .step(Step::script("./deploy.sh \"$VERSION\""));
//! let pipeline = Pipeline::new("release")
//!     .on(Trigger::push().tags(["v*"]))
//!     .job(build)
//!     .job(deploy);
//! assert!(!pipeline_core::validate::validate(&pipeline).has_errors());
//! ```
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each item with the cargo feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod action;
pub mod artifact;
pub mod aws_use;
pub mod backend;
pub mod cache;
pub mod changes;
pub mod cloud;
pub mod concurrency;
pub mod condition;
pub mod construct;
pub mod diagnostic;
pub mod env;
pub mod environment;
pub mod expr;
pub mod extension;
pub mod generate;
pub mod graph;
pub mod id;
pub mod id_hash;
pub mod image;
pub mod job;
pub mod matrix;
pub mod patch;
pub mod pipeline;
pub mod platform;
pub mod policy;
pub mod report;
pub mod role;
pub mod run;
pub mod runner;
pub mod secret;
pub mod semantics;
pub mod service;
pub mod step;
pub mod token;
pub mod trigger;
pub mod tutorial;
pub mod validate;
pub mod yaml;

pub use action::{Access, Action, ActionStep, Permission};
pub use artifact::{Download, Upload};
pub use aws_use::{AwsUse, AwsUses, AwsUsesOn, UsesAws};
pub use backend::{Backend, GeneratedFile, Header, RelPath, RenderContext};
pub use cache::Cache;
pub use cloud::{AwsRole, CloudRole};
pub use concurrency::Concurrency;
pub use condition::{Condition, Event, JobResult, Subject, TextOp, TextTest};
pub use construct::{Built, Construct, Scope, ToPipeline};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use env::Env;
pub use environment::{Approval, Environment, Tier};
pub use expr::{Builtin, Expr, OutputRef, StepOutput};
pub use extension::Extensions;
pub use generate::Generator;
pub use id::{ArtifactName, EnvironmentName, InputName, JobId, OutputName, PipelineId, SecretName, StepId, VarName};
pub use job::Job;
pub use matrix::{Axis, Matrix};
pub use patch::Patch;
pub use pipeline::Pipeline;
pub use platform::{Platform, Platforms};
pub use policy::Policy;
pub use report::{ReportFormat, TestReport};
pub use role::JobRole;
pub use runner::{Arch, Os, Runner, Size};
pub use secret::{AwsSecretSource, Secret};
pub use semantics::Divergence;
pub use service::Service;
pub use step::{Checkout, SetOutput, Shell, Step, StepKind, StepState};
pub use token::PlatformToken;
pub use trigger::{Input, InputKind, Manual, PullRequest, Push, Schedule, Trigger};

/// `#[derive(Construct)]`, `#[derive(Pipeline)]` and `#[derive(Params)]` (feature `derive`, on by
/// default): each has the name of what it implements or builds, as serde's derives do, so one
/// `use` brings in both the trait and its derive.
#[cfg(feature = "derive")]
pub use pipeline_derive::{Construct, Params, Pipeline};

/// Everything a pipeline definition needs, in one import: `use pipeline_core::prelude::*;`
/// (with the derives `Construct`, `Pipeline` and `Params` under feature `derive`).
pub mod prelude {
    #[cfg(feature = "derive")]
    pub use crate::Params;
    pub use crate::{
        Access, Action, ActionStep, Approval, Arch, AwsRole, AwsUse, Axis, Backend, Built, Builtin, Cache, Checkout,
        Concurrency, Condition, Construct, Diagnostics, Divergence, Env, Environment, Event, Expr, Generator, Input,
        Job, JobId, JobResult, JobRole, Matrix, Os, OutputRef, Patch, Permission, Pipeline, Platform, PlatformToken,
        Platforms, Policy, Runner, Scope, Secret, Service, Shell, Size, Step, StepId, StepKind, StepOutput, Subject,
        TestReport, Tier, ToPipeline, Trigger, Upload, UsesAws,
    };
}
