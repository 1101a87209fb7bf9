//! A deploy stage: one environment, an optional approval, a smoke test and an automatic rollback.

use pipeline_core::prelude::*;

use crate::{REGION, RustServiceCi, script};

/// Deploys the release artifact to one environment: downloads it, assumes the environment's
/// deploy role through the platform's OIDC token, updates the Lambda function and its alias,
/// smoke-tests the URL; a `rollback` job points the alias back at the previous version when the
/// deploy fails.
///
/// Jobs (local ids): `deploy`, `rollback`. Step ids of `deploy`: `download`, `credentials`,
/// `deploy`, `smoke-test`.
///
/// ```
/// use acme_platform::{DeployStage, RustServiceCi};
/// use pipeline_core::prelude::*;
/// let ci = RustServiceCi::new("payments-api");
/// let prod = DeployStage::new("production", "payments-api")
///     .after(&ci)
///     .tier(Tier::Production)
///     .url("https://payments.example.com")
///     .approval(Approval::new().instructions("Check the staging dashboard first."));
/// let p = Pipeline::new("d").on(Trigger::push()).with(&ci).add("production", &prod);
/// let deploy = p.find_job("production-deploy").expect("deploy job");
/// assert!(deploy.environment.as_ref().is_some_and(|e| e.requires_approval()));
/// assert_eq!(deploy.needs, ["build"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployStage {
    /// The environment's name.
    pub environment: String,
    /// Its tier.
    pub tier: Tier,
    /// Where the deployed service answers; the smoke test requests `<url>/health`.
    pub url: Option<String>,
    /// The approval required before deploying.
    pub approval: Option<Approval>,
    /// The Lambda function.
    pub function: String,
    /// The alias that serves traffic.
    pub alias: String,
    /// The configuration variable holding the deploy role's ARN.
    pub role_variable: String,
    /// The AWS region.
    pub region: String,
    /// The artifact to deploy, and the archive in it.
    pub artifact: String,
    /// The archive inside the artifact.
    pub archive: String,
    /// The version being deployed (a job output).
    pub version: OutputRef,
    /// Jobs that must succeed first (the artifact's build at least).
    pub needs: Vec<JobId>,
    /// Deploy only from this branch.
    pub branch: Option<String>,
    /// Add the automatic rollback job.
    pub rollback: bool,
}

impl DeployStage {
    /// A deploy of Lambda function `function` to `environment`, from `main`, with rollback.
    pub fn new(environment: impl Into<String>, function: impl Into<String>) -> Self {
        let environment = environment.into();
        Self {
            role_variable: format!("{}_DEPLOY_ROLE_ARN", environment.to_uppercase().replace('-', "_")),
            environment,
            tier: Tier::Staging,
            url: None,
            approval: None,
            function: function.into(),
            alias: "live".into(),
            region: REGION.into(),
            artifact: String::new(),
            archive: String::new(),
            version: OutputRef::new("build", "version"),
            needs: Vec::new(),
            branch: Some("main".into()),
            rollback: true,
        }
    }

    /// Deploys the artifact `ci` builds (at the root of the pipeline), after it.
    #[must_use]
    pub fn after(mut self, ci: &RustServiceCi) -> Self {
        self.artifact = ci.artifact().to_owned();
        self.archive = ci.archive();
        self.version = ci.version();
        if !self.needs.contains(&self.version.job) {
            self.needs.push(self.version.job.clone());
        }
        self
    }

    /// Also waits for `job` (for example the previous stage's deploy).
    #[must_use]
    pub fn needs(mut self, job: impl Into<JobId>) -> Self {
        self.needs.push(job.into());
        self
    }

    /// Sets the tier.
    #[must_use]
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// Sets the URL (and so the smoke test).
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Requires an approval before deploying.
    #[must_use]
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = Some(approval);
        self
    }

    /// Deploys from any branch the pipeline runs on.
    #[must_use]
    pub fn any_branch(mut self) -> Self {
        self.branch = None;
        self
    }

    fn role(&self, session: &str) -> Step {
        Step::assume_aws_role(
            AwsRole::new(Expr::var(self.role_variable.as_str()), self.region.as_str()).session_name(session),
        )
        .id("credentials")
    }
}

impl Construct for DeployStage {
    fn build(&self, scope: &mut Scope<'_>) {
        let mut environment = Environment::new(self.environment.as_str()).tier(self.tier);
        if let Some(url) = &self.url {
            environment = environment.url(url.as_str());
        }
        if let Some(approval) = &self.approval {
            environment = environment.approval(approval.clone());
        }
        let branch = self.branch.as_ref().map(|b| Condition::branch(b.as_str()));
        let session = format!("{}-deploy", self.function);

        let mut deploy = Job::new("deploy")
            .name(format!("Deploy to {}", self.environment))
            .role(JobRole::DEPLOY)
            .needs_all(self.needs.iter())
            .environment(environment)
            .env("VERSION", self.version.clone())
            .env("ARTIFACT_BUCKET", Expr::var("ARTIFACT_BUCKET"))
            .step(Step::download_to(self.artifact.as_str(), "dist").id("download"))
            .step(self.role(&session))
            .timeout_minutes(20);
        // Every environment deploys the same object: built once, promoted.
        let deploy_script = script::step(
            &mut deploy.problems,
            "deploy-lambda.sh",
            &[
                ("key_prefix", &self.artifact),
                ("archive", &self.archive),
                ("function", &self.function),
                ("alias", &self.alias),
            ],
        );
        // What the deploy step does in AWS, so the `aws-access` backend grants exactly that: the
        // artifact's objects in the bucket, the function's code and alias.
        let deploy_script = deploy_script
            .uses_aws(AwsUse::s3_artifacts(
                Expr::var("ARTIFACT_BUCKET"),
                self.artifact.as_str(),
            ))
            .uses_aws(AwsUse::lambda_deploy([self.function.as_str()]));
        deploy = deploy.step(deploy_script.id("deploy").name("Deploy"));
        if let Some(url) = &self.url {
            let health = format!("{}/health", url.trim_end_matches('/'));
            let smoke = script::step(&mut deploy.problems, "smoke-test.sh", &[("url", &health)]);
            deploy = deploy.step(smoke.id("smoke-test").name("Smoke test"));
        }
        if let Some(b) = &branch {
            deploy = deploy.when(b.clone());
        }

        let mut rollback = None;
        if self.rollback {
            // Under the deploy's environment (the deploy role may trust only it), without its
            // approval: an automatic rollback waits for nobody.
            let mut under = deploy.environment.clone();
            if let Some(e) = under.as_mut() {
                e.approval = None;
            }
            let mut job = Job::new("rollback")
                .name(format!("Roll {} back", self.environment))
                .role(JobRole::ROLLBACK)
                .needs(&deploy)
                .step(self.role(&format!("{}-rollback", self.function)))
                .timeout_minutes(10);
            job.environment = under;
            let body = script::step(
                &mut job.problems,
                "rollback-lambda.sh",
                &[("function", &self.function), ("alias", &self.alias)],
            );
            job = job.step(
                body.id("rollback")
                    .name("Point the alias at the previous version")
                    .uses_aws(AwsUse::lambda_deploy([self.function.as_str()])),
            );
            job = job.when(match &branch {
                Some(b) => Condition::failure() & b.clone(),
                None => Condition::failure(),
            });
            rollback = Some(job);
        }
        scope.add_job(deploy);
        if let Some(job) = rollback {
            scope.add_job(job);
        }
    }
}
