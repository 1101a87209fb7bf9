//! minijinja templates for what is text rather than structure: the generated documentation of
//! each pipeline (a Markdown page with a Mermaid graph) and the script bodies of constructs,
//! rendered with every interpolated value quoted for the shell.
//!
//! Never YAML structure: platform files are typed models emitted by `pipeline_core::yaml`.
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
mod script;
mod scripts;

pub use docs::Docs;
pub use escape::{code, markdown, markdown_with_code, mermaid, shell_quote};
pub use script::{Error, render_script};
pub use scripts::{SCRIPTS, builtin_script, render_builtin};
