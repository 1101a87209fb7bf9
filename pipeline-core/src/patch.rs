//! Patches: the last-resort escape hatch, a function that edits an emitted document before it
//! is written, for the rare platform field the typed models do not cover. Prefer typed
//! platform settings ([`crate::extension`]); a patch is not checked by the model, only by the
//! platform's tools.

use std::fmt;
use std::sync::Arc;

use crate::yaml::Value;

type PatchFn = dyn Fn(&str, &mut Value) + Send + Sync;

/// A patch of the documents one platform emits for a pipeline: called with each file's path
/// (relative to the output root) and its document.
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::yaml::Value;
///
/// let p = Pipeline::new("ci")
///     .on(Trigger::push())
///     .job(Job::new("test").step(Step::script("cargo test")))
///     .patch("github", |_file, doc| {
///     if let Some(root) = doc.as_map_mut() {
///         root.insert("run-name", "CI for ${{ github.ref_name }}");
///     }
/// });
/// let mut doc = Value::Map(Default::default());
/// p.apply_patches("github", ".github/workflows/ci.yml", &mut doc);
/// assert_eq!(doc.as_map().and_then(|m| m.get("run-name")).and_then(Value::as_str), Some("CI for ${{ github.ref_name }}"));
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone)]
pub struct Patch {
    /// The backend whose documents it edits (`github`, `gitlab`, `codepipeline`).
    pub platform: &'static str,
    f: Arc<PatchFn>,
}

impl Patch {
    /// A patch for `platform`'s documents.
    pub fn new(platform: &'static str, f: impl Fn(&str, &mut Value) + Send + Sync + 'static) -> Self {
        Self {
            platform,
            f: Arc::new(f),
        }
    }

    /// Applies the patch to the document of `file`.
    pub fn apply(&self, file: &str, doc: &mut Value) {
        (self.f)(file, doc);
    }
}

impl PartialEq for Patch {
    fn eq(&self, other: &Self) -> bool {
        self.platform == other.platform && Arc::ptr_eq(&self.f, &other.f)
    }
}

impl Eq for Patch {}

impl fmt::Debug for Patch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Patch({})", self.platform)
    }
}
