//! What an organisation builds on, above the platform lowerings of `pipeline-backends`: the
//! generated documentation of each pipeline (the [`Docs`] backend: a Markdown page with a
//! Mermaid graph), the built-in delivery practices as constructs ([`practices`], feature
//! `practices`, on by default), and the minijinja templates of their script bodies, rendered
//! with every interpolated value quoted for the shell.
//!
//! Never YAML structure: platform files are typed models emitted by `pipeline_core::yaml`.
//!
//! ```
//! let names: Vec<&str> = pipeline_templates::all().iter().map(|b| b.name()).collect();
//! assert_eq!(names, ["github", "gitlab", "codepipeline", "docs"]);
//! ```
//!
//! ```
//! use pipeline_templates::render_script;
//! let script = render_script(
//!     "deploy.sh",
//!     "aws lambda update-alias --function-name {{ function }} --name {{ alias }}\n",
//!     std::collections::BTreeMap::from([("function", "payments-api"), ("alias", "live; rm -rf /")]),
//! )
//! .expect("renders");
//! assert_eq!(script, "aws lambda update-alias --function-name payments-api --name 'live; rm -rf /'\n");
//! ```
#![deny(missing_docs)]

mod docs;
mod escape;
#[cfg(feature = "practices")]
pub mod practices;
mod script;
mod scripts;

pub use docs::Docs;
pub use escape::{code, markdown, markdown_with_code, mermaid, shell_quote};
pub use script::{Error, render_script};
pub use scripts::{SCRIPTS, builtin_script, render_builtin};

/// Every enabled platform backend (`pipeline_backends::platforms()`) with its default settings,
/// then the [`Docs`] backend, last because its pages list the notes the platforms reported.
///
/// ```
/// let backends = pipeline_templates::all();
/// assert_eq!(backends.last().map(|b| b.name()), Some("docs"));
/// ```
pub fn all() -> Vec<Box<dyn pipeline_core::Backend>> {
    let mut backends = pipeline_backends::platforms();
    backends.push(Box::new(Docs::new()));
    backends
}
