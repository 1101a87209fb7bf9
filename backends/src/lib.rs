//! Lowerings of the portable pipeline model to each platform's own typed model, emitted with
//! the project's YAML emitter.
//!
//! Each platform is a cargo feature (`github`, `gitlab`, `codepipeline`, all on by default), so a
//! service that targets one platform compiles one backend. This crate only lowers: the docs
//! pages (a Markdown page per pipeline with a Mermaid graph) and the built-in delivery practices
//! are in `pipeline-templates`, whose `pipeline_templates::all()` is these platforms plus docs.
//!
//! ```
//! let names: Vec<&str> = pipeline_backends::platforms().iter().map(|b| b.name()).collect();
//! assert_eq!(names, ["github", "gitlab", "codepipeline"]);
//! ```
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each item with the cargo feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "aws-access")]
pub mod aws_access;
#[cfg(feature = "codepipeline")]
pub mod codepipeline;
#[cfg(feature = "github")]
pub mod github;
#[cfg(feature = "gitlab")]
pub mod gitlab;
mod shell;

use pipeline_core::Backend;

#[cfg(feature = "codepipeline")]
pub use codepipeline::CodePipeline;
#[cfg(feature = "github")]
pub use github::Github;
#[cfg(feature = "gitlab")]
pub use gitlab::Gitlab;

/// The platform backends ([`platforms`]), then the cloud side `access`: GitLab and CodePipeline
/// then ask no one to create the OIDC provider, the roles and their trust by hand, since
/// `access` generates them. Add the docs backend (`pipeline_templates::Docs`) after them.
///
/// ```
/// use pipeline_backends::aws_access::AwsAccess;
/// let backends = pipeline_backends::platforms_with_aws_access(AwsAccess::new("api").platforms(["github"]));
/// let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
/// assert_eq!(names, ["github", "gitlab", "codepipeline", "aws-access"]);
/// ```
#[cfg(all(feature = "aws-access", feature = "gitlab"))]
pub fn platforms_with_aws_access(access: aws_access::AwsAccess) -> Vec<Box<dyn Backend>> {
    let mut backends = platforms();
    for backend in &mut backends {
        match backend.name() {
            "gitlab" => *backend = Box::new(Gitlab::new().aws_access_generated(true)),
            #[cfg(feature = "codepipeline")]
            "codepipeline" => *backend = Box::new(CodePipeline::new().aws_access_generated(true)),
            _ => {}
        }
    }
    backends.push(Box::new(access));
    backends
}

/// The platform backends enabled by cargo features (`github`, `gitlab`, `codepipeline`), each
/// with its default settings, in the order they generate. For the docs pages as well, use
/// `pipeline_templates::all()`.
///
/// ```
/// let backends = pipeline_backends::platforms();
/// assert!(backends.iter().all(|b| b.name() != "docs"));
/// ```
#[allow(clippy::vec_init_then_push)] // each push depends on a cargo feature
#[cfg_attr(
    not(any(feature = "github", feature = "gitlab", feature = "codepipeline")),
    allow(unused_mut)
)]
pub fn platforms() -> Vec<Box<dyn Backend>> {
    let mut backends: Vec<Box<dyn Backend>> = Vec::new();
    #[cfg(feature = "github")]
    backends.push(Box::new(Github::new()));
    #[cfg(feature = "gitlab")]
    backends.push(Box::new(Gitlab::new()));
    #[cfg(feature = "codepipeline")]
    backends.push(Box::new(CodePipeline::new()));
    backends
}
