//! The cloud side of the pipelines: one CloudFormation template per AWS account the pipelines
//! touch (`aws-access/<account>.template.yml`) with the OIDC providers, one IAM role per role the
//! jobs assume whose trust policy admits exactly the subjects those jobs present, the
//! CodePipeline and CodeBuild service roles, the break-glass alert and the drift alert; and a
//! docs page (`docs/aws-access/<generator>.md`) saying which job assumes which role where.
//!
//! Identities are never guessed: a platform whose jobs assume roles needs its repository or
//! project set, every role variable needs an [`AccessRole`], or the generator reports an error
//! naming the setting to add (exit 2, nothing written).
//!
//! ```
//! use pipeline_backends::aws_access::{AccessRole, AwsAccess, Grant};
//! use pipeline_core::prelude::*;
//!
//! let deploy = Job::new("deploy")
//!     .environment(Environment::new("production").tier(Tier::Production))
//!     .step(Step::assume_aws_role(AwsRole::new(Expr::var("DEPLOY_ROLE_ARN"), "eu-west-1")))
//!     .step(Step::script("aws sts get-caller-identity"));
//! let pipeline = Pipeline::new("delivery").on(Trigger::push().branches(["main"])).job(deploy);
//! let access = AwsAccess::new("payments-api")
//!     .platforms(["github"])
//!     .github_repository("acme/payments-api")
//!     .role(AccessRole::new("DEPLOY_ROLE_ARN", "111111111111", "payments-api-deploy")
//!         .grant(Grant::lambda_deploy(["payments-api"])));
//! let rendered = pipeline_core::generator!().backend(access).pipeline(pipeline).render(&[]).unwrap();
//! let (_, file) = rendered.files.iter().find(|(_, f)| f.path.as_str() == "aws-access/111111111111.template.yml").unwrap();
//! let template = &file.contents;
//! assert!(template.contains("repo:acme/payments-api:environment:production:job_workflow_ref:acme/payments-api/.github/workflows/delivery.yml@refs/heads/main"));
//! assert!(!template.contains("pull_request"));
//! ```

mod chain;
mod page;
mod policy;
mod settings;
mod template;
mod usage;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use pipeline_core::Pipeline;
use pipeline_core::backend::{Backend, GeneratedFile, RenderContext};
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};

/// A permission of a role: what a step declares it uses ([`pipeline_core::AwsUse`]), or a grant
/// added in the settings ([`AccessRole::grant`]).
pub use pipeline_core::AwsUse as Grant;
pub use settings::AccessRole;
use usage::Usage;

/// The generator-side settings of the cloud side, and the backend that writes it (`--backend
/// aws-access`). See the [module docs](self).
#[derive(Clone, Debug)]
pub struct AwsAccess {
    pub(crate) prefix: String,
    pub(crate) platforms: Vec<String>,
    pub(crate) github_repository: Option<String>,
    pub(crate) gitlab_project: Option<String>,
    pub(crate) gitlab_url: String,
    pub(crate) gitlab_audience: String,
    pub(crate) default_branch: String,
    pub(crate) codepipeline_account: Option<String>,
    pub(crate) artifact_bucket: Option<String>,
    pub(crate) roles: Vec<AccessRole>,
}

impl AwsAccess {
    /// The cloud side of a service whose resources are named after `prefix` (`payments-api`:
    /// roles `payments-api-codebuild`, topic `payments-api-alerts`...), for jobs on GitHub,
    /// GitLab.com (audience `sts.amazonaws.com`) and CodePipeline, default branch `main`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            platforms: settings::PLATFORMS.iter().map(|p| (*p).to_owned()).collect(),
            github_repository: None,
            gitlab_project: None,
            gitlab_url: "https://gitlab.com".into(),
            gitlab_audience: "sts.amazonaws.com".into(),
            default_branch: "main".into(),
            codepipeline_account: None,
            artifact_bucket: None,
            roles: Vec::new(),
        }
    }

    /// The platforms the jobs run on (`github`, `gitlab`, `codepipeline`): only these get trust.
    #[must_use]
    pub fn platforms<S: Into<String>>(mut self, platforms: impl IntoIterator<Item = S>) -> Self {
        self.platforms = platforms.into_iter().map(Into::into).collect();
        self
    }

    /// The GitHub repository, `OWNER/REPO`.
    #[must_use]
    pub fn github_repository(mut self, repository: impl Into<String>) -> Self {
        self.github_repository = Some(repository.into());
        self
    }

    /// The GitLab project path, `group/subgroup/project`.
    #[must_use]
    pub fn gitlab_project(mut self, project: impl Into<String>) -> Self {
        self.gitlab_project = Some(project.into());
        self
    }

    /// The GitLab instance, for self-managed ones (default `https://gitlab.com`).
    #[must_use]
    pub fn gitlab_url(mut self, url: impl Into<String>) -> Self {
        self.gitlab_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// The audience of GitLab's ID token (as set with `Gitlab::aws_audience`).
    #[must_use]
    pub fn gitlab_audience(mut self, audience: impl Into<String>) -> Self {
        self.gitlab_audience = audience.into();
        self
    }

    /// The default branch (schedules and manual runs start there).
    #[must_use]
    pub fn default_branch(mut self, branch: impl Into<String>) -> Self {
        self.default_branch = branch.into();
        self
    }

    /// The account CodePipeline and CodeBuild run in, and the artifact bucket of the pipelines:
    /// its template gets their service roles.
    #[must_use]
    pub fn codepipeline(mut self, account: impl Into<String>, artifact_bucket: impl Into<String>) -> Self {
        self.codepipeline_account = Some(account.into());
        self.artifact_bucket = Some(artifact_bucket.into());
        self
    }

    /// Declares a role the jobs assume.
    #[must_use]
    pub fn role(mut self, role: AccessRole) -> Self {
        self.roles.push(role);
        self
    }

    /// The path of the template of `account`.
    pub fn template_path(account: &str) -> String {
        format!("aws-access/{account}.template.yml")
    }

    pub(crate) fn targets(&self, platform: &str) -> bool {
        self.platforms.iter().any(|p| p == platform)
    }

    /// The declared role of a step's role reference (its variable, or its literal ARN).
    pub(crate) fn find(&self, key: &str) -> Option<&AccessRole> {
        self.roles.iter().find(|r| r.variable == key || r.arn() == key)
    }

    /// The CodeBuild service role's ARN, when CodePipeline is targeted.
    pub(crate) fn codebuild_role_arn(&self) -> Option<String> {
        let account = self.codepipeline_account.as_ref()?;
        Some(format!("arn:aws:iam::{account}:role/{}-codebuild", self.prefix))
    }

    /// Every error of the settings against the usages (each naming the setting to add) and the
    /// guardrails (production roles only under production environments, the break-glass role
    /// only from the break-glass job).
    fn check(&self, usages: &[Usage], diagnostics: &mut Diagnostics) {
        let root = Path::root().field("aws-access");
        let missing = |setting: &str, what: &str| {
            Diagnostic::error(
                "aws-access-identity",
                root.field(setting),
                format!("jobs assume AWS roles on {what}, but the trust policies cannot name it"),
            )
            .with_hint(format!("add `AwsAccess::{setting}(..)` to the generator's settings"))
        };
        if !usages.is_empty() {
            if self.targets("github") && self.github_repository.is_none() {
                diagnostics.push(missing("github_repository", "GitHub (repository OWNER/REPO)"));
            }
            if self.targets("gitlab") && self.gitlab_project.is_none() {
                diagnostics.push(missing("gitlab_project", "GitLab (project path)"));
            }
            if self.targets("codepipeline") && self.codepipeline_account.is_none() {
                diagnostics.push(missing("codepipeline", "CodePipeline (account and artifact bucket)"));
            }
        }
        for u in usages {
            let path = Path::pipeline(u.pipeline.as_str()).job(u.job.as_str());
            for key in &u.chain {
                if self.find(key).is_none() {
                    diagnostics.push(
                        Diagnostic::error(
                            "aws-access-undeclared-role",
                            path.clone(),
                            format!("job {:?} assumes role {key:?}, which no `AccessRole` declares", u.job),
                        )
                        .with_hint(format!(
                            "add `AwsAccess::role(AccessRole::new({key:?}, ACCOUNT_ID, ROLE_NAME))`"
                        )),
                    );
                }
            }
        }
        for role in &self.roles {
            if role.account.len() != 12 || !role.account.bytes().all(|b| b.is_ascii_digit()) {
                diagnostics.push(
                    Diagnostic::error(
                        "aws-access-account",
                        root.field("role").field(role.variable.as_str()),
                        format!(
                            "account {:?} of role {:?} is not a 12-digit AWS account id",
                            role.account, role.name
                        ),
                    )
                    .with_hint("give `AccessRole::new` the account id, e.g. \"111111111111\""),
                );
            }
            let users: Vec<&Usage> = usages.iter().filter(|u| u.chain.contains(&role.variable)).collect();
            let production = users.iter().any(|u| u.environment.as_ref().is_some_and(|e| e.1));
            let break_glass = users.iter().any(|u| u.break_glass);
            for u in &users {
                let path = Path::pipeline(u.pipeline.as_str()).job(u.job.as_str());
                if production && !u.environment.as_ref().is_some_and(|e| e.1) {
                    diagnostics.push(
                        Diagnostic::error(
                            "aws-access-production-role",
                            path.clone(),
                            format!(
                                "role {:?} is a production role (a job under a production environment assumes it), but job {:?} assumes it outside a production environment",
                                role.name, u.job
                            ),
                        )
                        .with_hint("put the job (a rollback too) under the production environment, or give it its own role"),
                    );
                }
                if break_glass && !u.break_glass {
                    diagnostics.push(
                        Diagnostic::error(
                            "aws-access-break-glass-role",
                            path,
                            format!(
                                "role {:?} is the break-glass role, but job {:?} is not the break-glass command",
                                role.name, u.job
                            ),
                        )
                        .with_hint(
                            "give the job its own role: the break-glass role is only for the break-glass pipeline",
                        ),
                    );
                }
            }
        }
    }

    /// The named warnings for what a trust policy cannot enforce.
    fn gaps(&self, pipelines: &[Pipeline], usages: &[Usage], diagnostics: &mut Diagnostics) {
        if let (true, Some(repo), false) = (self.targets("github"), &self.github_repository, usages.is_empty()) {
            diagnostics.push(
                Diagnostic::notice(
                    "aws-access-github-subject",
                    Path::root().field("aws-access").field("github_repository"),
                    format!(
                        "the trust policies expect GitHub ID tokens of {repo} whose `sub` names the workflow (claim keys repo, context, job_workflow_ref)"
                    ),
                )
                .with_hint(format!(
                    "set the repository's OIDC subject template once: gh api -X PUT repos/{repo}/actions/oidc/customization/sub -F use_default=false -f 'include_claim_keys[]=repo' -f 'include_claim_keys[]=context' -f 'include_claim_keys[]=job_workflow_ref'"
                ))
                .on_platform("github"),
            );
        }
        self.shared_subjects(usages, diagnostics);
        if self.targets("gitlab") {
            for u in usages {
                let environment = match &u.environment {
                    Some((name, _)) => format!(" (environment {name:?})"),
                    None => String::new(),
                };
                diagnostics.push(
                    Diagnostic::warning(
                        "aws-access-gitlab-environment",
                        Path::pipeline(u.pipeline.as_str()).job(u.job.as_str()),
                        format!(
                            "on GitLab, job {:?}{environment} is admitted by its project and ref only: IAM cannot test a GitLab token's environment or job claims, so any job of the project on the same ref can assume its role",
                            u.job
                        ),
                    )
                    .with_hint("protect the branches and tags the roles admit, and the environment, in the GitLab project settings")
                    .on_platform("gitlab"),
                );
            }
        }
        if self.targets("codepipeline") {
            for p in pipelines {
                let assumes = usages.iter().any(|u| u.pipeline == p.id.as_str());
                let pull_requests = usages.iter().any(|u| u.pipeline == p.id.as_str() && u.pull_requests);
                if assumes && pull_requests {
                    diagnostics.push(
                        Diagnostic::warning(
                            "aws-access-codebuild-pull-request",
                            Path::pipeline(p.id.as_str()),
                            format!(
                                "pipeline {:?} runs on pull requests with the shared CodeBuild service role, which the pipeline's roles trust: a pull-request build could assume them",
                                p.id.as_str()
                            ),
                        )
                        .with_hint("run pull-request checks in a pipeline without role-assuming jobs")
                        .on_platform("codepipeline"),
                    );
                }
            }
        }
    }
}

impl AwsAccess {
    /// A named warning for each GitHub subject that several roles admit: jobs presenting it (jobs
    /// of one workflow without environments, on one ref) can assume each of those roles. On
    /// GitLab every job on a ref presents the same subject: `aws-access-gitlab-environment`.
    fn shared_subjects(&self, usages: &[Usage], diagnostics: &mut Diagnostics) {
        let mut subjects: Vec<(&'static str, String, Vec<&str>, Vec<String>)> = Vec::new();
        for u in usages {
            let Some(first) = u.chain.first() else { continue };
            let mut presented = Vec::new();
            if let (true, Some(repo)) = (self.targets("github"), &self.github_repository) {
                presented.extend(usage::github_subjects(repo, u).into_iter().map(|s| ("github", s)));
            }
            for (platform, subject) in presented {
                let job = format!("{}/{}", u.pipeline, u.job);
                match subjects.iter_mut().find(|(p, s, ..)| *p == platform && *s == subject) {
                    Some((_, _, roles, jobs)) => {
                        if !roles.contains(&first.as_str()) {
                            roles.push(first);
                        }
                        jobs.push(job);
                    }
                    None => subjects.push((platform, subject, vec![first], vec![job])),
                }
            }
        }
        for (platform, subject, roles, jobs) in subjects.into_iter().filter(|s| s.2.len() > 1) {
            diagnostics.push(
                Diagnostic::warning(
                    "aws-access-shared-subject",
                    Path::root().field("aws-access"),
                    format!(
                        "jobs {} present the same {platform} subject {subject:?}, so each of them can assume roles {}",
                        jobs.join(", "),
                        roles.join(", ")
                    ),
                )
                .with_hint("put the jobs under distinct environments (the subject names the environment), or in distinct workflows")
                .on_platform(platform),
            );
        }
    }
}

impl Backend for AwsAccess {
    fn name(&self) -> &'static str {
        "aws-access"
    }

    fn generate(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<GeneratedFile> {
        let mut found = Diagnostics::new();
        let usages = usage::usages(pipelines, &self.default_branch, &mut found);
        let role_uses = usage::role_uses(pipelines, &self.platforms, &mut found);
        self.check(&usages, &mut found);
        if found.has_errors() {
            diagnostics.extend(found.iter().cloned());
            return Vec::new();
        }
        self.gaps(pipelines, &usages, &mut found);
        diagnostics.extend(found.iter().cloned());
        let mut accounts: BTreeMap<String, ()> = BTreeMap::new();
        for role in &self.roles {
            if usages.iter().any(|u| u.chain.contains(&role.variable)) {
                accounts.insert(role.account.clone(), ());
            }
        }
        if let Some(account) = &self.codepipeline_account {
            if self.targets("codepipeline") {
                accounts.insert(account.clone(), ());
            }
        }
        let mut files = Vec::new();
        let mut problems = Diagnostics::new();
        for account in accounts.keys() {
            let contents = template::render(
                self,
                account,
                pipelines,
                &usages,
                &role_uses,
                &ctx.header,
                &mut problems,
            );
            files.push(GeneratedFile::new(Self::template_path(account), contents).expect("a relative path"));
        }
        if problems.has_errors() {
            diagnostics.extend(problems.iter().cloned());
            return Vec::new();
        }
        let page = page::render(self, &usages, &role_uses, &ctx.header);
        files.push(
            GeneratedFile::new(format!("docs/aws-access/{}.md", ctx.header.generator), page).expect("a relative path"),
        );
        files
    }
}
