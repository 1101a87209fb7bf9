//! GitLab CI: `.gitlab-ci.yml` (one pipeline) or a root file including one file per pipeline.

use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::{Backend, GeneratedFile, Pipeline, RenderContext};

/// The GitLab CI backend.
#[derive(Clone, Debug, Default)]
pub struct Gitlab {}

impl Gitlab {
    /// The backend with its default settings.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Backend for Gitlab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn generate(
        &self,
        _pipelines: &[Pipeline],
        _ctx: &RenderContext,
        _diagnostics: &mut Diagnostics,
    ) -> Vec<GeneratedFile> {
        Vec::new()
    }
}
