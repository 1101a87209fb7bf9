//! Lowerings of the portable pipeline model to each platform's own typed model, emitted with
//! the project's YAML emitter.
//!
//! Each platform is a cargo feature (`github`, `gitlab`, `codepipeline`, all on by default), so a
//! service that targets one platform compiles one backend; `docs` adds a Markdown page per
//! pipeline (with a Mermaid graph) from `pipeline-templates`.
//!
//! ```
//! let names: Vec<&str> = pipeline_backends::all().iter().map(|b| b.name()).collect();
//! assert_eq!(names, ["github", "gitlab", "codepipeline", "docs"]);
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
#[cfg(feature = "practices")]
pub mod practices;
mod shell;

use pipeline_core::Backend;

#[cfg(feature = "codepipeline")]
pub use codepipeline::CodePipeline;
#[cfg(feature = "github")]
pub use github::Github;
#[cfg(feature = "gitlab")]
pub use gitlab::Gitlab;
#[cfg(feature = "docs")]
pub use pipeline_templates::Docs;

/// Every enabled backend with its default settings, and the cloud side `access` (before the
/// docs, which list its notes): GitLab and CodePipeline then ask no one to create the OIDC
/// provider, the roles and their trust by hand, since `access` generates them.
///
/// ```
/// use pipeline_backends::aws_access::AwsAccess;
/// let backends = pipeline_backends::with_aws_access(AwsAccess::new("api").platforms(["github"]));
/// let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
/// assert_eq!(names, ["github", "gitlab", "codepipeline", "aws-access", "docs"]);
/// ```
#[cfg(all(feature = "aws-access", feature = "gitlab", feature = "docs"))]
pub fn with_aws_access(access: aws_access::AwsAccess) -> Vec<Box<dyn Backend>> {
    let mut backends = all();
    for backend in &mut backends {
        match backend.name() {
            "gitlab" => *backend = Box::new(Gitlab::new().aws_access_generated(true)),
            #[cfg(feature = "codepipeline")]
            "codepipeline" => *backend = Box::new(CodePipeline::new().aws_access_generated(true)),
            _ => {}
        }
    }
    let docs = backends.len() - 1;
    backends.insert(docs, Box::new(access));
    backends
}

/// Every enabled backend with its default settings.
#[allow(clippy::vec_init_then_push)] // each push depends on a cargo feature
pub fn all() -> Vec<Box<dyn Backend>> {
    let mut backends: Vec<Box<dyn Backend>> = Vec::new();
    #[cfg(feature = "github")]
    backends.push(Box::new(Github::new()));
    #[cfg(feature = "gitlab")]
    backends.push(Box::new(Gitlab::new()));
    #[cfg(feature = "codepipeline")]
    backends.push(Box::new(CodePipeline::new()));
    // Last: the docs page lists the notes the platform backends reported.
    #[cfg(feature = "docs")]
    backends.push(Box::new(Docs::new()));
    backends
}
