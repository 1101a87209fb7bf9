//! Organisation policies: rules a platform team registers, checked on the portable model before
//! anything is generated. A violation is a diagnostic with a path, and no file is written.

use crate::diagnostic::Diagnostics;
use crate::pipeline::Pipeline;

/// A rule every pipeline must follow.
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::{Diagnostic, Path};
///
/// /// Every job must set its own timeout.
/// struct ExplicitTimeouts;
///
/// impl Policy for ExplicitTimeouts {
///     fn name(&self) -> &'static str { "explicit-timeouts" }
///     fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
///         for job in pipeline.jobs.iter().filter(|j| j.timeout_minutes.is_none()) {
///             out.push(Diagnostic::error(self.name(), Path::pipeline(pipeline.id.as_str()).job(job.id.as_str()),
///                 "job has no timeout").with_hint("call `.timeout_minutes(..)`"));
///         }
///     }
/// }
///
/// let p = Pipeline::new("ci").on(Trigger::push()).job(Job::new("build").step(Step::script("make")));
/// let mut out = Diagnostics::new();
/// ExplicitTimeouts.check(&p, &mut out);
/// assert!(out.has_errors());
/// # pipeline_core::validate::assert_valid(&p); // valid, and still against the policy
/// ```
pub trait Policy {
    /// The policy's name; used as the code of its diagnostics.
    fn name(&self) -> &'static str;

    /// Pushes a diagnostic for every violation in `pipeline`.
    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics);
}

use crate::diagnostic::{Diagnostic, Path};
use crate::environment::Tier;
use crate::graph::NeedsGraph;
use crate::role::JobRole;
use crate::step::StepKind;

fn job_path(pipeline: &Pipeline, job: &str) -> Path {
    Path::pipeline(pipeline.id.as_str()).job(job)
}

/// Whether `job` is an automatic rollback (role [`JobRole::ROLLBACK`], run when a job it needs
/// failed) of an approved deploy to `env`: it runs under the deploy's environment without an
/// approval of its own, since it restores the version approved before and must not wait.
fn is_rollback_of_approved(pipeline: &Pipeline, job: &crate::job::Job, env: &crate::environment::Environment) -> bool {
    job.has_role(&JobRole::ROLLBACK)
        && job.condition.as_ref().is_some_and(|c| c.mentions_status())
        && job.needs.iter().any(|n| {
            pipeline
                .find_job(n.as_str())
                .and_then(|d| d.environment.as_ref())
                .is_some_and(|e| e.name == env.name && e.requires_approval())
        })
}

/// Every job deploying to an environment of `tier` requires a manual approval.
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::policy::ApprovalRequired;
/// let p = Pipeline::new("d")
///     .on(Trigger::push())
///     .job(Job::new("ship").environment(Environment::new("prod").tier(Tier::Production)).step(Step::script("./ship.sh")));
/// let mut out = Diagnostics::new();
/// ApprovalRequired::production().check(&p, &mut out);
/// assert!(out.contains_code("approval-required"));
/// # pipeline_core::validate::assert_valid(&p); // valid, and still against the policy
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRequired {
    /// The tier whose deploys need an approval.
    pub tier: Tier,
}

impl ApprovalRequired {
    /// Production deploys need an approval.
    pub fn production() -> Self {
        Self { tier: Tier::Production }
    }
}

impl Policy for ApprovalRequired {
    fn name(&self) -> &'static str {
        "approval-required"
    }

    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
        for job in &pipeline.jobs {
            if let Some(env) = job
                .environment
                .as_ref()
                .filter(|e| e.tier == self.tier && !e.requires_approval() && !is_rollback_of_approved(pipeline, job, e))
            {
                out.push(
                    Diagnostic::error(
                        self.name(),
                        job_path(pipeline, job.id.as_str()).field("environment"),
                        format!(
                            "job {:?} deploys to {} environment {:?} without an approval",
                            job.id.as_str(),
                            self.tier.as_str(),
                            env.name.as_str()
                        ),
                    )
                    .with_hint("add `.approval(Approval::new())` to the environment"),
                );
            }
        }
    }
}

/// Every job sets its own timeout, at most `max_minutes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeoutsRequired {
    /// The longest timeout allowed.
    pub max_minutes: u32,
}

impl Policy for TimeoutsRequired {
    fn name(&self) -> &'static str {
        "timeout-required"
    }

    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
        for job in &pipeline.jobs {
            let path = || job_path(pipeline, job.id.as_str()).field("timeout_minutes");
            match job.timeout_minutes {
                None => out.push(
                    Diagnostic::error(
                        self.name(),
                        path(),
                        format!("job {:?} has no timeout of its own", job.id.as_str()),
                    )
                    .with_hint(format!("call `.timeout_minutes(..)` (at most {})", self.max_minutes)),
                ),
                Some(t) if t > self.max_minutes => out.push(Diagnostic::error(
                    self.name(),
                    path(),
                    format!(
                        "job {:?} may run {t} minutes, more than the {} allowed",
                        job.id.as_str(),
                        self.max_minutes
                    ),
                )),
                Some(_) => {}
            }
        }
    }
}

/// Actions come only from these owners (`actions`, `aws-actions`, your organisation); they
/// are always pinned by SHA (validation checks that for everyone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedActions {
    /// Allowed `owner` parts of `owner/repo`.
    pub owners: Vec<String>,
}

impl Policy for AllowedActions {
    fn name(&self) -> &'static str {
        "allowed-actions"
    }

    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
        for job in &pipeline.jobs {
            for (i, step) in job.steps.iter().enumerate() {
                if let StepKind::Action(a) = &step.kind {
                    let owner = a.action.name.split('/').next().unwrap_or_default();
                    if !self.owners.iter().any(|o| o == owner) {
                        out.push(
                            Diagnostic::error(
                                self.name(),
                                job_path(pipeline, job.id.as_str()).step(i, step.id_str()),
                                format!("action {:?} is not from an allowed owner", a.action.name),
                            )
                            .with_hint(format!("allowed owners: {}", self.owners.join(", "))),
                        );
                    }
                }
            }
        }
    }
}

/// A security scan (a job with role [`JobRole::SECURITY_SCAN`]) precedes every deploy (every job
/// with an environment), through `needs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanBeforeDeploy;

impl Policy for ScanBeforeDeploy {
    fn name(&self) -> &'static str {
        "scan-before-deploy"
    }

    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
        let graph = NeedsGraph::new(pipeline);
        for (i, job) in pipeline.jobs.iter().enumerate() {
            if job.environment.is_none() {
                continue;
            }
            let scanned = graph
                .ancestors(i)
                .iter()
                .any(|a| pipeline.jobs[*a].has_role(&JobRole::SECURITY_SCAN));
            if !scanned {
                out.push(
                    Diagnostic::error(
                        self.name(),
                        job_path(pipeline, job.id.as_str()).field("needs"),
                        format!("job {:?} deploys without a security scan before it", job.id.as_str()),
                    )
                    .with_hint("make it need (directly or not) a job with `.role(JobRole::SECURITY_SCAN)`"),
                );
            }
        }
    }
}

/// Every container image (job images and service images) is pinned by digest, so that whoever
/// controls a registry tag cannot change what runs with the pipeline's credentials (zizmor's
/// pedantic `unpinned-images` audit asks the same of GitHub workflows). Images set through a
/// backend's typed settings (`GitlabJob::image`, `CodeBuildJob::image`) are the organisation's
/// own and are not checked here.
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::policy::ImagesPinnedByDigest;
/// let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// let job = |image: &str| Job::new("test").runner(Runner::linux().image(image)).step(Step::script("make"));
/// let mut out = Diagnostics::new();
/// ImagesPinnedByDigest.check(&Pipeline::new("p").job(job("rust:1.95")), &mut out);
/// assert!(out.contains_code("images-pinned-by-digest"));
/// let mut out = Diagnostics::new();
/// let pinned = pipeline_core::image::pinned("rust:1.95", digest);
/// let p = Pipeline::new("p").on(Trigger::push()).job(job(&pinned));
/// ImagesPinnedByDigest.check(&p, &mut out);
/// assert!(out.is_empty());
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImagesPinnedByDigest;

impl Policy for ImagesPinnedByDigest {
    fn name(&self) -> &'static str {
        "images-pinned-by-digest"
    }

    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
        for job in &pipeline.jobs {
            let images = job
                .runner
                .image
                .iter()
                .map(|i| (i, "runner.image".to_owned()))
                .chain(job.services.iter().map(|s| (&s.image, format!("services.{}", s.name))));
            for (image, field) in images {
                // A malformed reference is reported by validation.
                if crate::image::parse(image).is_ok_and(|r| !r.is_pinned()) {
                    out.push(
                        Diagnostic::error(
                            self.name(),
                            job_path(pipeline, job.id.as_str()).field(field),
                            format!("image {image:?} of job {:?} is not pinned by digest", job.id.as_str()),
                        )
                        .with_hint(format!(
                            "pin it: `pipeline_core::image::pinned({image:?}, \"sha256:...\")` (the digest of the image the tag names today: `docker buildx imagetools inspect {image}`)"
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn check(policy: &dyn Policy, p: &Pipeline) -> Vec<String> {
        let mut out = Diagnostics::new();
        policy.check(p, &mut out);
        out.iter().map(|d| format!("{} @ {}", d.code, d.path)).collect()
    }

    fn deploy(tier: Tier, approval: bool) -> Job {
        let mut env = Environment::new("prod").tier(tier);
        if approval {
            env = env.approval(Approval::new());
        }
        Job::new("deploy").environment(env).step(Step::script("./deploy.sh"))
    }

    #[test]
    fn approvals() {
        let bad = Pipeline::new("p").job(deploy(Tier::Production, false));
        assert_eq!(
            check(&ApprovalRequired::production(), &bad),
            ["approval-required @ pipeline \"p\" > job \"deploy\" > environment"]
        );
        assert!(
            check(
                &ApprovalRequired::production(),
                &Pipeline::new("p").job(deploy(Tier::Production, true))
            )
            .is_empty()
        );
        assert!(
            check(
                &ApprovalRequired::production(),
                &Pipeline::new("p").job(deploy(Tier::Staging, false))
            )
            .is_empty()
        );
        // An automatic rollback of an approved deploy runs under its environment, unapproved;
        // the role alone (without the failure condition or an approved deploy) exempts nothing.
        let rollback = |when: Option<Condition>| {
            let mut job = Job::new("rollback")
                .role(JobRole::ROLLBACK)
                .needs("deploy")
                .environment(Environment::new("prod").tier(Tier::Production))
                .step(Step::script("./rollback.sh"));
            job.condition = when;
            job
        };
        let p = |approved: bool, when: Option<Condition>| {
            Pipeline::new("p")
                .job(deploy(Tier::Production, approved))
                .job(rollback(when))
        };
        assert!(check(&ApprovalRequired::production(), &p(true, Some(Condition::failure()))).is_empty());
        assert_eq!(
            check(&ApprovalRequired::production(), &p(true, None)),
            ["approval-required @ pipeline \"p\" > job \"rollback\" > environment"]
        );
        assert_eq!(
            check(&ApprovalRequired::production(), &p(false, Some(Condition::failure()))).len(),
            2
        );
    }

    #[test]
    fn timeouts() {
        let p = Pipeline::new("p")
            .job(Job::new("a").step(Step::script("x")))
            .job(Job::new("b").timeout_minutes(90).step(Step::script("x")))
            .job(Job::new("c").timeout_minutes(10).step(Step::script("x")));
        assert_eq!(
            check(&TimeoutsRequired { max_minutes: 60 }, &p),
            [
                "timeout-required @ pipeline \"p\" > job \"a\" > timeout_minutes",
                "timeout-required @ pipeline \"p\" > job \"b\" > timeout_minutes"
            ]
        );
    }

    #[test]
    fn allowed_actions() {
        let p = Pipeline::new("p").job(
            Job::new("a")
                .step(Step::action(Action::new(
                    "actions/checkout",
                    "3d3c42e5aac5ba805825da76410c181273ba90b1",
                    "v7.0.1",
                )))
                .step(Step::action(Action::new(
                    "random/thing",
                    "3d3c42e5aac5ba805825da76410c181273ba90b1",
                    "v1",
                ))),
        );
        assert_eq!(
            check(
                &AllowedActions {
                    owners: vec!["actions".into()]
                },
                &p
            ),
            ["allowed-actions @ pipeline \"p\" > job \"a\" > step 2"]
        );
    }

    #[test]
    fn scans_before_deploys() {
        let scan = Job::new("scan")
            .role(JobRole::SECURITY_SCAN)
            .step(Step::script("audit"));
        let build = Job::new("build").needs(&scan).step(Step::script("make"));
        let ok = Pipeline::new("p")
            .job(scan.clone())
            .job(build.clone())
            .job(deploy(Tier::Staging, false).needs(&build));
        assert!(check(&ScanBeforeDeploy, &ok).is_empty());
        let bad = Pipeline::new("p").job(scan).job(deploy(Tier::Staging, false));
        assert_eq!(
            check(&ScanBeforeDeploy, &bad),
            ["scan-before-deploy @ pipeline \"p\" > job \"deploy\" > needs"]
        );
    }
}
