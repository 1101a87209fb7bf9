//! Lowerings of the portable pipeline model to each platform's own typed model, emitted with
//! the project's YAML emitter.
//!
//! ```
//! let backends = pipeline_backends::all();
//! assert_eq!(backends.iter().map(|b| b.name()).collect::<Vec<_>>(), ["github"]);
//! ```
#![deny(missing_docs)]

pub mod github;

use pipeline_core::Backend;

pub use github::Github;

/// Every backend with its default settings.
pub fn all() -> Vec<Box<dyn Backend>> {
    vec![Box::new(Github::new())]
}
