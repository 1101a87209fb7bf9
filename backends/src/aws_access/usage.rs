//! Which job assumes which role, and the OIDC subjects that job presents on each platform
//! (GitHub's and GitLab's documented `sub` claim formats).

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::prelude::*;
use pipeline_core::{AwsUse, CloudRole, Platform, Platforms, StepKind, Tier};

/// One job that assumes a role: the role named by the step, then each role of its chain.
#[derive(Clone, Debug)]
pub(crate) struct Usage {
    pub pipeline: String,
    pub job: String,
    /// The variable (or literal ARN) of each role, in the order assumed.
    pub chain: Vec<String>,
    /// The job's environment and whether it is a production one.
    pub environment: Option<(String, bool)>,
    /// The refs the pipeline runs on outside pull requests: `refs/heads/..`, `refs/tags/..`.
    pub refs: Vec<String>,
    /// Whether the pipeline also runs on pull requests.
    pub pull_requests: bool,
    /// Whether the job is the command of a break-glass pipeline.
    pub break_glass: bool,
}

/// A role reference of a step: a CI variable's name, or a literal ARN.
fn role_key(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Var(name) => Some(name.as_str().to_owned()),
        Expr::Literal(arn) => Some(arn.clone()),
        _ => None,
    }
}

/// Every job of `pipelines` that assumes an AWS role.
pub(crate) fn usages(pipelines: &[Pipeline], default_branch: &str, diagnostics: &mut Diagnostics) -> Vec<Usage> {
    let mut out = Vec::new();
    for pipeline in pipelines {
        let (refs, pull_requests, any_branch) = refs_of(pipeline, default_branch);
        for job in &pipeline.jobs {
            for (index, step) in job.steps.iter().enumerate() {
                let StepKind::AssumeRole(CloudRole::Aws(role)) = &step.kind else {
                    continue;
                };
                let path = Path::pipeline(pipeline.id.as_str())
                    .job(job.id.as_str())
                    .step(index, step.id.as_ref().map(|s| s.as_str()));
                let mut chain = Vec::new();
                for expr in std::iter::once(&role.role_arn).chain(&role.chain) {
                    match role_key(expr) {
                        Some(key) => chain.push(key),
                        None => diagnostics.push(
                            Diagnostic::error(
                                "aws-access-role-reference",
                                path.field("role_arn"),
                                "the role is neither a configuration variable nor a literal ARN, so its account and trust policy cannot be derived",
                            )
                            .with_hint("name the role with `Expr::var(\"NAME\")` and declare it with `AwsAccess::role(AccessRole::new(\"NAME\", account, name))`"),
                        ),
                    }
                }
                if any_branch && job.environment.is_none() {
                    diagnostics.push(
                        Diagnostic::warning(
                            "aws-access-default-branch-only",
                            path.clone(),
                            format!(
                                "pipeline {:?} runs on every branch, but the trust policy admits only the default branch {default_branch:?}: job {:?} cannot assume its role on other branches",
                                pipeline.id.as_str(),
                                job.id.as_str()
                            ),
                        )
                        .with_hint("list the branches in `Trigger::push().branches(..)`, or put the job under an environment"),
                    );
                }
                let environment = job
                    .environment
                    .as_ref()
                    .map(|e| (e.name.as_str().to_owned(), e.tier == Tier::Production));
                out.push(Usage {
                    pipeline: pipeline.id.as_str().to_owned(),
                    job: job.id.as_str().to_owned(),
                    chain,
                    environment,
                    refs: refs.clone(),
                    pull_requests,
                    break_glass: job.has_role(&JobRole::new("break-glass")),
                });
            }
        }
    }
    out
}

/// The refs a pipeline runs on (pull requests excepted), whether it runs on pull requests, and
/// whether a push trigger names no branch at all (every branch: narrowed to the default one).
fn refs_of(pipeline: &Pipeline, default_branch: &str) -> (Vec<String>, bool, bool) {
    let mut refs = Vec::new();
    let mut pull_requests = false;
    let mut any_branch = false;
    let add = |r: String, refs: &mut Vec<String>| {
        if !refs.contains(&r) {
            refs.push(r);
        }
    };
    for trigger in &pipeline.triggers {
        match trigger {
            Trigger::Push(push) => {
                if push.branches.is_empty() && push.tags.is_empty() {
                    any_branch = true;
                    add(format!("refs/heads/{default_branch}"), &mut refs);
                }
                for b in &push.branches {
                    add(format!("refs/heads/{b}"), &mut refs);
                }
                for t in &push.tags {
                    add(format!("refs/tags/{t}"), &mut refs);
                }
            }
            Trigger::PullRequest(_) => pull_requests = true,
            // Schedules run on the default branch; a manual run is admitted from it (and from
            // the branches a push trigger names).
            Trigger::Schedule(_) | Trigger::Manual(_) => add(format!("refs/heads/{default_branch}"), &mut refs),
        }
    }
    (refs, pull_requests, any_branch)
}

/// GitHub's `sub` claims of a job of repository `repo` (`OWNER/REPO`), with the repository's
/// subject template set to `repo`, `context`, `job_workflow_ref` (so a claim names the workflow
/// file, and two workflows deploying to the same environment get different roles): the
/// environment's context when the job has one, else the ref's, each from every ref the workflow
/// runs on.
///
/// ```text
/// repo:acme/api:environment:production:job_workflow_ref:acme/api/.github/workflows/delivery.yml@refs/heads/main
/// repo:acme/api:ref:refs/heads/main:job_workflow_ref:acme/api/.github/workflows/nightly.yml@refs/heads/main
/// ```
pub(crate) fn github_subjects(repo: &str, usage: &Usage) -> Vec<String> {
    usage
        .refs
        .iter()
        .map(|r| {
            let context = match &usage.environment {
                Some((env, _)) => format!("environment:{env}"),
                None => format!("ref:{r}"),
            };
            format!(
                "repo:{repo}:{context}:job_workflow_ref:{repo}/.github/workflows/{}.yml@{r}",
                usage.pipeline
            )
        })
        .collect()
}

/// GitLab's `sub` claims of a job of project `project` (`group/project`): one per ref, in
/// GitLab's `project_path:…:ref_type:branch|tag:ref:NAME` format.
pub(crate) fn gitlab_subjects(project: &str, usage: &Usage) -> Vec<String> {
    usage
        .refs
        .iter()
        .map(|r| match r.strip_prefix("refs/tags/") {
            Some(tag) => format!("project_path:{project}:ref_type:tag:ref:{tag}"),
            None => format!(
                "project_path:{project}:ref_type:branch:ref:{}",
                r.trim_start_matches("refs/heads/")
            ),
        })
        .collect()
}

/// A use a step declares, with the role in effect at that step (the last role of the latest
/// role assumption before it in its job; `None`: the CodeBuild service role, for a use on
/// CodePipeline before any role is assumed) and that role's region (`${AWS::Region}` for the
/// CodeBuild service role: the stack's).
#[derive(Clone, Debug)]
pub(crate) struct RoleUse {
    /// The variable (or literal ARN) of the role in effect.
    pub role: Option<String>,
    pub region: String,
    pub usage: AwsUse,
    pub path: Path,
}

/// Every use the steps of `pipelines` declare, with the role each runs with, for the platforms
/// `targets` names. A use before any role is assumed in its job runs with the CodeBuild service
/// role on CodePipeline; on GitHub and GitLab it is an error (the step has no AWS credentials).
pub(crate) fn role_uses(pipelines: &[Pipeline], targets: &[String], diagnostics: &mut Diagnostics) -> Vec<RoleUse> {
    let targeted = |p: Platform| targets.iter().any(|t| t == p.name());
    let mut out = Vec::new();
    for pipeline in pipelines {
        for job in &pipeline.jobs {
            let mut current: Option<(String, String)> = None;
            for (index, step) in job.steps.iter().enumerate() {
                let path = Path::pipeline(pipeline.id.as_str())
                    .job(job.id.as_str())
                    .step(index, step.id.as_ref().map(|s| s.as_str()));
                if let StepKind::AssumeRole(CloudRole::Aws(role)) = &step.kind {
                    let last = role.chain.last().unwrap_or(&role.role_arn);
                    current = role_key(last).map(|key| (key, role.region.clone()));
                }
                let everywhere = step.aws_uses().iter().map(|u| (Platforms::all(), u));
                let some = step.aws_uses_on().iter().map(|(p, u)| (*p, u));
                for (on, usage) in everywhere.chain(some) {
                    let platforms: Vec<Platform> = on
                        .iter()
                        .filter(|p| job.platforms.contains(*p) && step.platforms.contains(*p) && targeted(*p))
                        .collect();
                    if platforms.is_empty() {
                        continue;
                    }
                    if let Some((role, region)) = &current {
                        out.push(RoleUse {
                            role: Some(role.clone()),
                            region: region.clone(),
                            usage: usage.clone(),
                            path: path.clone(),
                        });
                        continue;
                    }
                    for platform in platforms {
                        if platform == Platform::CodePipeline {
                            out.push(RoleUse {
                                role: None,
                                region: "${AWS::Region}".into(),
                                usage: usage.clone(),
                                path: path.clone(),
                            });
                            continue;
                        }
                        diagnostics.push(
                            Diagnostic::error(
                                "aws-access-use-without-role",
                                path.clone(),
                                format!(
                                    "a step of job {:?} uses AWS ({}) on {platform}, but no role is assumed before it in the job",
                                    job.id.as_str(),
                                    super::policy::describe(usage)
                                ),
                            )
                            .with_hint("assume the role first: `Step::assume_aws_role(..)` earlier in the job")
                            .on_platform(platform.name()),
                        );
                    }
                }
            }
        }
    }
    out
}
