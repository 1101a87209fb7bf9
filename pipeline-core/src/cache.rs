//! Caches: files restored between runs to save time (never a way to pass results between jobs).

/// Caches `paths` under a key made of a prefix and the hash of some files.
///
/// ```
/// use pipeline_core::prelude::*;
/// // Cached paths stay inside the workspace: point cargo's home there to cache its registry.
/// let c = Cache::new("cargo", [".cargo/registry", "target"]).hash_files(["Cargo.lock"]);
/// assert_eq!(c.key_files, ["Cargo.lock"]);
/// let test = Job::new("test")
///     .env("CARGO_HOME", ".cargo")
///     .step(Step::checkout())
///     .step(Step::cache(c))
///     .step(Step::script("cargo test --locked"));
/// pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    /// A readable prefix of the key (`cargo`).
    pub key_prefix: String,
    /// Files whose content hash completes the key (`Cargo.lock`).
    pub key_files: Vec<String>,
    /// The cached paths.
    pub paths: Vec<String>,
}

impl Cache {
    /// A cache of `paths` keyed by `key_prefix`.
    pub fn new<S: Into<String>>(key_prefix: impl Into<String>, paths: impl IntoIterator<Item = S>) -> Self {
        Self {
            key_prefix: key_prefix.into(),
            key_files: Vec::new(),
            paths: paths.into_iter().map(Into::into).collect(),
        }
    }

    /// Adds files whose hash is part of the key.
    #[must_use]
    pub fn hash_files<S: Into<String>>(mut self, files: impl IntoIterator<Item = S>) -> Self {
        self.key_files.extend(files.into_iter().map(Into::into));
        self
    }
}
