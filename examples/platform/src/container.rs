//! A container image built once and pushed to ECR, on every platform.

use pipeline_backends::codepipeline::CodeBuildJob;
use pipeline_backends::github::pins;
use pipeline_backends::gitlab::GitlabJob;
use pipeline_core::prelude::*;

use crate::{REGION, script};

/// ACME's CI image with the Docker CLI and the AWS CLI, for GitLab image builds.
pub const DOCKER_AWS_IMAGE: &str = "registry.acme.example/ci/docker-aws:27";

/// Builds `dockerfile` in `context` and pushes it to the ECR repository `repository` as
/// `<registry>/<repository>:<commit sha>`, with the push role `ECR_PUSH_ROLE_ARN` assumed
/// through the platform's OIDC token. Output `image` of the job is the pushed reference.
///
/// How each platform builds (typed settings, the escape hatch, where they differ):
/// - GitHub: `aws-actions/amazon-ecr-login`, `docker/setup-buildx-action` and
///   `docker/build-push-action`, pinned by SHA;
/// - GitLab: the same steps' fallback scripts with the Docker CLI, against a `docker:dind`
///   service only GitLab runs, in ACME's Docker-and-AWS-CLI image;
/// - CodeBuild: the fallback scripts on the standard image in privileged mode (its Docker daemon).
///
/// Job (local id): `image`. Step ids: `credentials`, `login`, `builder`, `build`, `output`.
///
/// ```
/// use acme_platform::ContainerImage;
/// use pipeline_core::prelude::*;
/// let image = ContainerImage::new("payments-worker").context("worker").dockerfile("worker/Dockerfile");
/// let p = Pipeline::new("worker").on(Trigger::push().branches(["main"])).add("worker", &image);
/// let job = p.find_job("worker-image").expect("image job");
/// assert_eq!(job.outputs().map(|o| o.as_str()).collect::<Vec<_>>(), ["image"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerImage {
    /// The ECR repository.
    pub repository: String,
    /// The build context.
    pub context: String,
    /// The Dockerfile.
    pub dockerfile: String,
    /// The configuration variable holding the push role's ARN.
    pub role_variable: String,
    /// The configuration variable holding the registry (`<account>.dkr.ecr.<region>.amazonaws.com`).
    pub registry_variable: String,
    /// The AWS region.
    pub region: String,
}

impl ContainerImage {
    /// An image pushed to ECR repository `repository`, built from `./Dockerfile`.
    pub fn new(repository: impl Into<String>) -> Self {
        Self {
            repository: repository.into(),
            context: ".".into(),
            dockerfile: "Dockerfile".into(),
            role_variable: "ECR_PUSH_ROLE_ARN".into(),
            registry_variable: "ECR_REGISTRY".into(),
            region: REGION.into(),
        }
    }

    /// Sets the build context.
    #[must_use]
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = context.into();
        self
    }

    /// Sets the Dockerfile.
    #[must_use]
    pub fn dockerfile(mut self, dockerfile: impl Into<String>) -> Self {
        self.dockerfile = dockerfile.into();
        self
    }
}

impl Construct for ContainerImage {
    fn build(&self, scope: &mut Scope<'_>) {
        let image = Expr::concat([
            Expr::var(self.registry_variable.as_str()),
            format!("/{}:", self.repository).into(),
            Builtin::CommitSha.into(),
        ]);
        let mut job = Job::new("image")
            .name(format!("Build and push {}", self.repository))
            .role(JobRole::BUILD)
            .env("REGISTRY", Expr::var(self.registry_variable.as_str()))
            .env("IMAGE", image.clone())
            .timeout_minutes(30)
            .extend(
                GitlabJob::new()
                    .image(DOCKER_AWS_IMAGE)
                    .service(Service::new("docker", "docker:27-dind"))
                    .variable("DOCKER_HOST", "tcp://docker:2375")
                    .variable("DOCKER_TLS_CERTDIR", ""),
            )
            .extend(CodeBuildJob {
                privileged_mode: true,
                ..CodeBuildJob::default()
            });
        let login = script::render("ecr-login.sh", &[("region", &self.region)]);
        let build = script::render(
            "image-build.sh",
            &[("dockerfile", &self.dockerfile), ("context", &self.context)],
        );
        let (login, build) = match (login, build) {
            (Ok(login), Ok(build)) => (login, build),
            (Err(e), _) | (_, Err(e)) => {
                job.problems.push(pipeline_core::diagnostic::Problem::new(
                    "template",
                    format!("script template failed: {e}"),
                    "fix the construct's template or its parameters",
                ));
                ("exit 1".into(), "exit 1".into())
            }
        };
        job = job
            .step(Step::checkout())
            .step(
                Step::assume_aws_role(
                    AwsRole::new(Expr::var(self.role_variable.as_str()), self.region.as_str())
                        .session_name(format!("{}-push", self.repository)),
                )
                .id("credentials"),
            )
            .step(Step::action(ActionStep::from(pins::AMAZON_ECR_LOGIN).fallback(login)).id("login"))
            .step(Step::action(ActionStep::from(pins::DOCKER_SETUP_BUILDX).fallback("docker version")).id("builder"))
            .step(
                Step::action(
                    ActionStep::from(pins::DOCKER_BUILD_PUSH)
                        .with("context", self.context.as_str())
                        .with("file", self.dockerfile.as_str())
                        .with("push", "true")
                        .with("tags", image)
                        .fallback(build),
                )
                .id("build")
                // The push, and the registry login before it: exactly this repository.
                .uses_aws(AwsUse::ecr_push([self.repository.as_str()])),
            )
            .step(Step::set_output("image", "printf '%s' \"$IMAGE\"").id("output"));
        scope.add_job(job);
    }
}
