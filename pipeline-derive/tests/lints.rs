//! The generated code is clean under strict lints, as service crates may set them.
#![deny(
    missing_docs,
    unused,
    unreachable_pub,
    rust_2018_idioms,
    missing_debug_implementations
)]
#![deny(clippy::pedantic)]

use pipeline_core::prelude::*;

/// Parameters.
#[derive(Params, Debug)]
pub struct Settings {
    /// The environment.
    #[param(required)]
    pub environment: String,
    /// Minutes.
    #[param(default = 10)]
    pub timeout: u32,
    /// Optional.
    pub url: Option<String>,
}

/// A construct.
#[derive(Construct, Debug)]
pub struct Stage {
    /// Builds.
    pub build: Job,
    /// Deploys.
    #[construct(needs(build), environment = "production", approval, role = DEPLOY, when(not(tag)), timeout = 5)]
    pub deploy: Option<Job>,
    /// A parameter.
    #[construct(skip)]
    pub settings: Settings,
}

/// A pipeline.
#[derive(Pipeline, Debug)]
#[pipeline(id = "strict", on(push(branches("main"))))]
pub struct Strict<T> {
    /// A stage.
    pub stage: T,
}

#[test]
fn strict_lints_pass() {
    let settings = Settings::new("production").timeout(3).url("https://example.com");
    let stage = Stage {
        build: Job::new("b").step(Step::script("make")),
        deploy: None,
        settings,
    };
    assert_eq!(stage.settings.timeout, 3);
    assert_eq!(Strict { stage }.to_pipeline().jobs.len(), 1);
}
