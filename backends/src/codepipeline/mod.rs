//! AWS CodePipeline V2: per pipeline, a CloudFormation template (the pipeline, one CodeBuild
//! project per job, EventBridge schedules) and a CloudFormation Git sync deployment file for the
//! template's stack; on request ([`CodePipeline::create_pipeline_input`]), the same pipeline as a
//! `create-pipeline` input.
//!
//! Files, relative to the output root:
//! - `codepipeline/<id>.template.yml`: the template, with the generated-file header.
//! - `codepipeline/<id>.create-pipeline.json`, only with
//!   [`CodePipeline::create_pipeline_input`]`(true)` (it describes the template's pipeline a
//!   second time, for teams that deploy without CloudFormation): `aws codepipeline
//!   create-pipeline --cli-input-json file://...` input. JSON has no comments, so this is the one generated file without a header.
//!   It holds no CloudFormation intrinsics: template parameters are replaced by the values set
//!   with [`CodePipelineSettings`] or, when unset, by placeholders that satisfy the API's patterns
//!   (`PLACEHOLDER-...`, account `000000000000`); the `codepipeline-parameters` notice lists them.
//!   Its CodeBuild projects are the template's (`<PipelineName>-<job>`).
//! - `codepipeline/<id>.deployment.yml`: the Git sync stack deployment file: the template's path
//!   in the repository, the parameter values set with [`CodePipelineSettings`] (placeholders,
//!   commented as such, for required parameters nobody set), and tags.
//!
//! Account-specific values (the connection, the repository, the artifact bucket, the IAM roles,
//! SNS topics, configuration variables) are template parameters, never invented ARNs.
//!
//! ```
//! use pipeline_backends::codepipeline::CodePipeline;
//! use pipeline_core::prelude::*;
//! use pipeline_core::diagnostic::Diagnostics;
//!
//! let ci = Pipeline::new("ci")
//!     .on(Trigger::push().branches(["main"]))
//!     .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test")));
//! let mut diagnostics = Diagnostics::new();
//! let lowered = CodePipeline::new().lower(&ci, &mut diagnostics).expect("lowers");
//! assert!(!diagnostics.has_errors(), "{diagnostics}");
//! let template = CodePipeline::new().render_template(&lowered).expect("renders");
//! assert!(template.contains("PipelineType: V2"));
//! assert!(template.contains("Type: AWS::CodeBuild::Project"));
//! # pipeline_core::validate::assert_valid(&ci);
//! ```

/// CloudFormation's limit on a template passed inline in a request (`TemplateBody`), in bytes.
pub const MAX_TEMPLATE_BYTES_INLINE: usize = 51_200;
/// CloudFormation's limit on a template read from S3 (`TemplateURL`, Git sync), in bytes (1 MB).
pub const MAX_TEMPLATE_BYTES_S3: usize = 1_048_576;

pub mod api;
pub mod buildspec;
mod context;
pub mod cron;
mod escape;
mod expr;
pub mod gitsync;
mod job;
mod lower;
pub mod model;
mod patterns;
mod pull_requests;
mod reports;
mod runner;
mod settings;
#[cfg(test)]
mod tests;

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::{Backend, GeneratedFile, Pipeline, RenderContext, yaml};

pub use lower::Lowered;
pub use settings::{CodeBuildJob, CodeBuildStep, CodePipelineSettings};

const PLATFORM: &str = context::PLATFORM;

/// The AWS CodePipeline backend.
#[derive(Clone, Debug, Default)]
pub struct CodePipeline {
    create_pipeline_input: bool,
    aws_access_generated: bool,
}

impl CodePipeline {
    /// The backend with its default settings: per pipeline, the template and its deployment file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to also write each pipeline's `create-pipeline` input
    /// (`codepipeline/<id>.create-pipeline.json`, off by default): the template's pipeline once
    /// more, as `aws codepipeline create-pipeline --cli-input-json` reads it, for deploying
    /// without CloudFormation.
    ///
    /// ```
    /// use pipeline_backends::codepipeline::CodePipeline;
    /// use pipeline_core::prelude::*;
    ///
    /// let ci = Pipeline::new("ci")
    ///     .on(Trigger::push().branches(["main"]))
    ///     .job(Job::new("test").step(Step::script("cargo test")));
    /// let files = |backend: CodePipeline| -> Vec<String> {
    ///     let rendered = Generator::new("doc", ".").backend(backend).pipeline(ci.clone()).render(&[]).expect("renders");
    ///     rendered.files.into_iter().map(|(_, f)| f.path.as_str().to_owned()).collect()
    /// };
    /// assert!(!files(CodePipeline::new()).iter().any(|p| p.ends_with(".create-pipeline.json")));
    /// assert!(files(CodePipeline::new().create_pipeline_input(true)).contains(&"codepipeline/ci.create-pipeline.json".to_owned()));
    /// ```
    #[must_use]
    pub fn create_pipeline_input(mut self, on: bool) -> Self {
        self.create_pipeline_input = on;
        self
    }

    /// The lowered pipeline (template, pipeline resource and parameter values), for inspection or
    /// patching before emission; `None` when the pipeline cannot be lowered at all.
    pub fn lower(&self, pipeline: &Pipeline, diagnostics: &mut Diagnostics) -> Option<Lowered> {
        if !self.aws_access_generated {
            return context::Lowering::new(pipeline, diagnostics).lower();
        }
        let mut found = Diagnostics::new();
        let lowered = context::Lowering::new(pipeline, &mut found).lower();
        // The roles' trust of the CodeBuild service role, and its permissions on the report
        // groups, are generated: no notice asks for them.
        diagnostics.extend(
            found
                .iter()
                .filter(|d| !["codepipeline-assume-role", "codepipeline-test-report-permissions"].contains(&d.code))
                .cloned(),
        );
        lowered
    }

    /// Whether the roles the jobs assume, and their trust of the CodeBuild service role, are
    /// generated (by [`AwsAccess`](crate::aws_access::AwsAccess)): then no notice asks to
    /// create that trust by hand.
    ///
    /// ```
    /// let codepipeline = pipeline_backends::CodePipeline::default().aws_access_generated(true);
    /// # let _ = codepipeline;
    /// ```
    #[must_use]
    pub fn aws_access_generated(mut self, generated: bool) -> Self {
        self.aws_access_generated = generated;
        self
    }

    /// The template's YAML, without header.
    ///
    /// # Errors
    /// When the emitter rejects the model.
    pub fn render_template(&self, lowered: &Lowered) -> Result<String, yaml::Error> {
        yaml::to_yaml_string(&lowered.template)
    }

    /// The `create-pipeline` input as JSON.
    ///
    /// # Errors
    /// A message when a reference has no value or the emitter rejects the model.
    pub fn render_create_pipeline(&self, lowered: &Lowered) -> Result<String, String> {
        yaml::to_json(&Self::create_pipeline(lowered)?).map_err(|e| e.to_string())
    }

    /// The `create-pipeline` input of the template's pipeline resource.
    fn create_pipeline(lowered: &Lowered) -> Result<api::CreatePipelineInput, String> {
        let pipeline = lowered
            .pipeline()
            .ok_or("the template has no Pipeline resource of type AWS::CodePipeline::Pipeline")?;
        api::from_template(pipeline, &lowered.values).map_err(|e| e.to_string())
    }

    /// The Git sync deployment file's YAML, without header.
    ///
    /// # Errors
    /// When the emitter rejects the model.
    pub fn render_deployment(&self, lowered: &Lowered, template_path: String) -> Result<String, yaml::Error> {
        yaml::to_yaml_string(&Self::deployment_file(lowered, template_path))
    }

    fn deployment_file(lowered: &Lowered, template_path: String) -> gitsync::DeploymentFile {
        gitsync::DeploymentFile {
            template_file_path: template_path,
            parameters: lowered.deployment.clone(),
            tags: lowered.tags.clone(),
        }
    }

    /// Emits `model` as YAML for file `path` of pipeline `p` after `head` (the file's header),
    /// through the pipeline's patches for this platform (see [`pipeline_core::patch`]).
    fn emit_yaml(p: &Pipeline, path: &str, model: &impl serde::Serialize, head: &str) -> Result<String, String> {
        let mut out = String::from(head);
        pipeline_core::backend::append_yaml(&mut out, model, PLATFORM, path, &[p]).map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// Emits `model` as JSON for file `path` of pipeline `p`, through the pipeline's patches for
    /// this platform.
    fn emit_json(p: &Pipeline, path: &str, model: &impl serde::Serialize) -> Result<String, String> {
        let mut out = String::new();
        pipeline_core::backend::append_json(&mut out, model, PLATFORM, path, &[p]).map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// The path of a pipeline's template.
    pub fn template_path(pipeline: &Pipeline) -> String {
        format!("codepipeline/{}.template.yml", pipeline.id)
    }

    /// The path of a pipeline's `create-pipeline` input.
    pub fn create_pipeline_path(pipeline: &Pipeline) -> String {
        format!("codepipeline/{}.create-pipeline.json", pipeline.id)
    }

    /// The path of a pipeline's Git sync deployment file.
    pub fn deployment_path(pipeline: &Pipeline) -> String {
        format!("codepipeline/{}.deployment.yml", pipeline.id)
    }

    /// Checks the template against CloudFormation's size limits: a warning above what a request
    /// may carry inline (`--template-body`), an error above what CloudFormation reads from S3
    /// (Git sync and `aws cloudformation deploy --s3-bucket` upload it there). Returns whether the
    /// template can be deployed at all.
    fn template_size(p: &Pipeline, path: &str, bytes: usize, diagnostics: &mut Diagnostics) -> bool {
        let at = || Path::pipeline(p.id.as_str());
        if bytes > MAX_TEMPLATE_BYTES_S3 {
            diagnostics.push(
                Diagnostic::error(
                    "codepipeline-template-size",
                    at(),
                    format!("the template {path} has {bytes} bytes; CloudFormation reads at most {MAX_TEMPLATE_BYTES_S3} bytes from S3"),
                )
                .with_hint("split the pipeline into several (each job is a CodeBuild project with its buildspec inline), or move long scripts into files of the repository")
                .on_platform(PLATFORM),
            );
            return false;
        }
        if bytes > MAX_TEMPLATE_BYTES_INLINE {
            diagnostics.push(
                Diagnostic::warning(
                    "codepipeline-template-size",
                    at(),
                    format!("the template {path} has {bytes} bytes, more than the {MAX_TEMPLATE_BYTES_INLINE} a request may carry inline"),
                )
                .with_hint("deploy it with Git sync or `aws cloudformation deploy --s3-bucket ...` (through S3), not with `--template-body`")
                .on_platform(PLATFORM),
            );
        }
        true
    }

    fn files(&self, p: &Pipeline, ctx: &RenderContext, diagnostics: &mut Diagnostics) -> Option<Vec<(String, String)>> {
        let lowered = self.lower(p, diagnostics)?;
        let emit_error = |what: &str, e: String| {
            Diagnostic::error(
                "emit",
                Path::pipeline(p.id.as_str()),
                format!("cannot emit the {what}: {e}"),
            )
            .on_platform(PLATFORM)
        };
        let head = format!("{}\n", ctx.header.comment("# "));
        let template_path = Self::template_path(p);
        let template = match Self::emit_yaml(p, &template_path, &lowered.template, &head) {
            Ok(t) => t,
            Err(e) => {
                diagnostics.push(emit_error("template", e));
                return None;
            }
        };
        if !Self::template_size(p, &template_path, template.len(), diagnostics) {
            return None;
        }
        let json = if self.create_pipeline_input {
            match Self::create_pipeline(&lowered)
                .and_then(|input| Self::emit_json(p, &Self::create_pipeline_path(p), &input))
            {
                Ok(j) => Some(j),
                Err(e) => {
                    diagnostics.push(emit_error("create-pipeline input", e));
                    return None;
                }
            }
        } else {
            None
        };
        let file = Self::deployment_file(&lowered, ctx.repository_path(&template_path));
        let deployment = match Self::emit_yaml(p, &Self::deployment_path(p), &file, &head) {
            Ok(d) => d,
            Err(e) => {
                diagnostics.push(emit_error("deployment file", e));
                return None;
            }
        };
        diagnostics.push(
            Diagnostic::notice(
                "codepipeline-git-sync",
                Path::pipeline(p.id.as_str()),
                format!(
                    "deploy the stack of {template_path} with CloudFormation Git sync so merged changes update the pipeline"
                ),
                )
            .with_hint(format!(
                "create the stack with Git sync on this repository and deployment file {}; give the Git sync role permission to manage CodePipeline, CodeBuild and EventBridge resources and to pass the parameters' roles",
                ctx.repository_path(&Self::deployment_path(p))
            ))
            .on_platform(PLATFORM),
        );
        let mut files = vec![(template_path, template)];
        if let Some(json) = json {
            files.push((Self::create_pipeline_path(p), json));
        }
        files.push((Self::deployment_path(p), deployment));
        Some(files)
    }
}

impl Backend for CodePipeline {
    fn name(&self) -> &'static str {
        "codepipeline"
    }

    fn generate(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<GeneratedFile> {
        let mut out = Vec::new();
        for p in pipelines {
            // What this platform sees: jobs and steps restricted to other platforms are dropped.
            let p = p.for_platform(pipeline_core::Platform::CodePipeline);
            let p: &Pipeline = &p;
            let Some(files) = self.files(p, ctx, diagnostics) else {
                continue;
            };
            for (path, contents) in files {
                match GeneratedFile::new(path, contents) {
                    Ok(f) => out.push(f),
                    Err(e) => diagnostics.push(
                        Diagnostic::error("invalid-path", Path::pipeline(p.id.as_str()), e).on_platform(PLATFORM),
                    ),
                }
            }
        }
        out
    }
}
