//! Typed AWS settings a pipeline or job carries with `.extend(..)`: the values of the template's
//! parameters for one account ([`CodePipelineSettings`]), CodeBuild specifics of a job
//! ([`CodeBuildJob`]) and of a step ([`CodeBuildStep`]).

use indexmap::IndexMap;

use super::model::{ComputeType, ExecutionMode};

/// The account-specific values of one pipeline's stack. Every value set here becomes the
/// template parameter's default, a parameter of the Git sync deployment file and the value in the
/// `create-pipeline` input; values left unset stay template parameters without a default (and
/// placeholders in the `create-pipeline` input), reported as a notice.
///
/// ```
/// use pipeline_backends::codepipeline::CodePipelineSettings;
/// use pipeline_core::prelude::*;
///
/// let settings = CodePipelineSettings::new()
///     .full_repository_id("example-org/payments-api")
///     .artifact_bucket("payments-api-pipeline-artifacts")
///     .tag("team", "payments");
/// let p = Pipeline::new("ci")
///     .on(Trigger::push())
///     .job(Job::new("test").step(Step::script("cargo test")))
///     .extend(settings.clone());
/// assert_eq!(p.extensions.get::<CodePipelineSettings>(), Some(&settings));
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodePipelineSettings {
    /// The pipeline's name (default: the pipeline id); CodeBuild projects are named after it.
    pub pipeline_name: Option<String>,
    /// The CodeConnections (CodeStar) connection to the repository host.
    pub connection_arn: Option<String>,
    /// The repository, `owner/name`.
    pub full_repository_id: Option<String>,
    /// The branch the source action tracks when no trigger filter names one.
    pub branch: Option<String>,
    /// The S3 bucket for artifacts and the CodeBuild cache.
    pub artifact_bucket: Option<String>,
    /// CodePipeline's service role.
    pub pipeline_role_arn: Option<String>,
    /// The service role of the CodeBuild projects.
    pub codebuild_role_arn: Option<String>,
    /// The role EventBridge assumes to start the pipeline on a schedule.
    pub schedule_role_arn: Option<String>,
    /// SNS topics for approval notifications, by environment name.
    pub approval_topic_arns: IndexMap<String, String>,
    /// Values of configuration variables ([`Expr::var`](pipeline_core::Expr::var)), by name.
    pub variables: IndexMap<String, String>,
    /// Overrides the execution mode derived from the pipeline's concurrency.
    pub execution_mode: Option<ExecutionMode>,
    /// Hands CodeBuild a Git clone (`CODEBUILD_CLONE_REF`) even when no checkout asks for history.
    pub full_clone: bool,
    /// Tags of the pipeline and its stack.
    pub tags: IndexMap<String, String>,
}

macro_rules! setters {
    ($($(#[$m:meta])* $field:ident),* $(,)?) => {$(
        $(#[$m])*
        #[must_use]
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.$field = Some(value.into());
            self
        }
    )*};
}

impl CodePipelineSettings {
    /// No values: every account-specific value stays a parameter.
    pub fn new() -> Self {
        Self::default()
    }

    setters!(
        /// Sets the pipeline's name.
        pipeline_name,
        /// Sets the connection ARN.
        connection_arn,
        /// Sets the repository (`owner/name`).
        full_repository_id,
        /// Sets the default branch.
        branch,
        /// Sets the artifact bucket.
        artifact_bucket,
        /// Sets CodePipeline's service role.
        pipeline_role_arn,
        /// Sets the CodeBuild service role.
        codebuild_role_arn,
        /// Sets the schedule role.
        schedule_role_arn,
    );

    /// Sets the SNS topic notified for approvals of `environment`.
    #[must_use]
    pub fn approval_topic_arn(mut self, environment: impl Into<String>, arn: impl Into<String>) -> Self {
        self.approval_topic_arns.insert(environment.into(), arn.into());
        self
    }

    /// Sets the value of configuration variable `name`.
    #[must_use]
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Sets the execution mode.
    #[must_use]
    pub fn execution_mode(mut self, mode: ExecutionMode) -> Self {
        self.execution_mode = Some(mode);
        self
    }

    /// Always hands CodeBuild a full Git clone.
    #[must_use]
    pub fn full_clone(mut self) -> Self {
        self.full_clone = true;
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// CodeBuild specifics of one job (a job extension), for what the portable runner cannot say.
///
/// ```
/// use pipeline_backends::codepipeline::{CodeBuildJob, model::ComputeType};
/// use pipeline_core::prelude::*;
///
/// let job = Job::new("build")
///     .extend(CodeBuildJob::new().compute_type(ComputeType::Large).install(["dnf install -y protobuf-compiler"]))
///     .step(Step::script("cargo build"));
/// assert!(job.extensions.get::<CodeBuildJob>().is_some());
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeBuildJob {
    /// The build image, replacing the runner's image (and CodeBuild's standard image).
    pub image: Option<String>,
    /// The compute type, replacing the one derived from the runner size.
    pub compute_type: Option<ComputeType>,
    /// Runs Docker in the build (privileged mode), for jobs that build images.
    pub privileged_mode: bool,
    /// Commands of the buildspec's `install` phase, before the job's steps.
    pub install_commands: Vec<String>,
}

impl CodeBuildJob {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the build image.
    #[must_use]
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Sets the compute type.
    #[must_use]
    pub fn compute_type(mut self, compute_type: ComputeType) -> Self {
        self.compute_type = Some(compute_type);
        self
    }

    /// Enables privileged mode (Docker in the build).
    #[must_use]
    pub fn privileged(mut self) -> Self {
        self.privileged_mode = true;
        self
    }

    /// Adds `install` phase commands.
    #[must_use]
    pub fn install<S: Into<String>>(mut self, commands: impl IntoIterator<Item = S>) -> Self {
        self.install_commands.extend(commands.into_iter().map(Into::into));
        self
    }
}

/// CodeBuild specifics of one step (a step extension): what CodeBuild runs instead of the step,
/// or why it cannot run it. Constructs use it where CodeBuild differs from the other platforms
/// (no OIDC identity, so no keyless signing: sign with a KMS key, or refuse).
///
/// ```
/// use pipeline_backends::codepipeline::{CodeBuildStep, CodePipeline};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let refused = Step::script("cosign sign-blob --yes app.zip")
///     .extend(CodeBuildStep::unsupported("keyless signing (CodeBuild has no OIDC identity)", "sign with an AWS KMS key"));
/// let p = Pipeline::new("ci").on(Trigger::push().branches(["main"])).job(Job::new("sign").step(refused));
/// let mut d = Diagnostics::new();
/// let _ = CodePipeline::new().lower(&p, &mut d);
/// assert!(d.to_string().contains("keyless signing (CodeBuild has no OIDC identity) in job \"sign\""), "{d}");
///
/// let replaced = Step::script("cosign sign-blob --yes app.zip").extend(CodeBuildStep::script("echo on CodeBuild"));
/// assert_eq!(replaced.extensions.get::<CodeBuildStep>().and_then(|s| s.script.as_deref()), Some("echo on CodeBuild"));
/// # pipeline_core::validate::assert_valid(&p);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("sign").step(replaced)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeBuildStep {
    /// A script CodeBuild runs instead of the step (a script's body, an action's fallback).
    pub script: Option<String>,
    /// The feature CodeBuild cannot provide and a hint: the step is refused with a
    /// `codepipeline-unsupported` error naming the feature, the job and the platform.
    pub unsupported: Option<(String, String)>,
}

impl CodeBuildStep {
    /// CodeBuild runs `script` instead of the step.
    pub fn script(script: impl Into<String>) -> Self {
        Self {
            script: Some(script.into()),
            unsupported: None,
        }
    }

    /// CodeBuild cannot run the step: generating for CodePipeline fails with a diagnostic naming
    /// `feature` (and the job), with `hint`.
    pub fn unsupported(feature: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            script: None,
            unsupported: Some((feature.into(), hint.into())),
        }
    }
}
