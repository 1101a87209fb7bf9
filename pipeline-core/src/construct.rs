//! Constructs: reusable pieces of pipeline that add jobs to a [`Scope`].
//!
//! A platform team publishes constructs (a Rust service's CI, a deploy stage with approval);
//! service teams compose them into pipelines and extend them. A construct adds jobs with local
//! ids (`deploy`, `smoke-test`); the scope qualifies them with the construct's place in the
//! pipeline (`production-deploy`), so ids stay unique, hierarchical and readable, and `needs`
//! or outputs that name a local job are qualified along with it.
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! /// A deploy stage: an optional approval gate, the deploy, a smoke test.
//! struct DeployStage {
//!     environment: &'static str,
//!     approval: bool,
//! }
//!
//! impl Construct for DeployStage {
//!     fn build(&self, scope: &mut Scope<'_>) {
//!         let mut environment = Environment::new(self.environment);
//!         if self.approval {
//!             environment = environment.approval(Approval::new());
//!         }
//!         let deploy = Job::new("deploy").environment(environment).step(Step::script("./deploy.sh"));
//!         let smoke = Job::new("smoke-test").needs(&deploy).step(Step::script("./smoke.sh"));
//!         scope.add_job(deploy);
//!         scope.add_job(smoke);
//!     }
//! }
//!
//! let build = Job::new("build").step(Step::script("make"));
//! let mut pipeline = Pipeline::new("delivery").on(Trigger::push().branches(["main"]));
//! let mut scope = pipeline.scope();
//! let built = scope.add("build", &build);
//! let staging = scope.add("staging", &DeployStage { environment: "staging", approval: false });
//! let production = scope.add("production", &DeployStage { environment: "production", approval: true });
//! scope.needs(&staging, &built);
//! scope.needs(&production, &staging);
//! drop(scope);
//!
//! let ids: Vec<&str> = pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
//! assert_eq!(ids, ["build", "staging-deploy", "staging-smoke-test", "production-deploy", "production-smoke-test"]);
//! assert_eq!(pipeline.find_job("production-smoke-test").map(|j| j.needs.clone()), Some(vec!["production-deploy".into()]));
//! assert_eq!(pipeline.find_job("production-deploy").map(|j| j.needs.clone()), Some(vec!["staging-smoke-test".into()]));
//! # pipeline_core::validate::assert_valid(&pipeline);
//! ```

use std::collections::BTreeSet;

use crate::expr::Expr;
use crate::id::JobId;
use crate::job::Job;
use crate::pipeline::Pipeline;

/// Something that adds jobs to a pipeline.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a construct: it does not implement `Construct`",
    label = "not a construct",
    note = "a field of a `#[derive(Construct)]` or `#[derive(Pipeline)]` struct must be a construct (a `Job`, a construct, an `Option` of one); mark a parameter field `#[construct(skip)]`"
)]
pub trait Construct {
    /// Adds this construct's jobs (with local ids) to `scope`.
    fn build(&self, scope: &mut Scope<'_>);
}

/// A plain job is a construct: added under a name, the job takes that name as its id; added at
/// the root with [`Pipeline::with`], it keeps its own.
impl Construct for Job {
    fn build(&self, scope: &mut Scope<'_>) {
        let mut job = self.clone();
        if !scope.prefix.is_empty() {
            job.id = JobId::new("");
        }
        scope.add_job(job);
    }
}

impl<C: Construct + ?Sized> Construct for &C {
    fn build(&self, scope: &mut Scope<'_>) {
        (**self).build(scope);
    }
}

impl<C: Construct + ?Sized> Construct for Box<C> {
    fn build(&self, scope: &mut Scope<'_>) {
        (**self).build(scope);
    }
}

/// An optional construct adds nothing when `None`.
impl<C: Construct> Construct for Option<C> {
    fn build(&self, scope: &mut Scope<'_>) {
        if let Some(c) = self {
            c.build(scope);
        }
    }
}

/// The jobs a construct added, to order other constructs against it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Built {
    /// Every job it added (qualified ids), in order.
    pub jobs: Vec<JobId>,
    /// Its first jobs: those that need nothing else it added.
    pub entry: Vec<JobId>,
    /// Its last jobs: those no other job it added needs, leaving out jobs that only run when
    /// something failed (a rollback), so that what comes next follows the success path.
    pub exit: Vec<JobId>,
}

impl Built {
    /// The qualified id of the job this construct added with local id `local` (`""` for a job
    /// added as the construct itself).
    pub fn job(&self, local: &str) -> Option<&JobId> {
        self.jobs
            .iter()
            .find(|j| j.as_str() == local || j.as_str().ends_with(&format!("-{local}")))
    }
}

/// Where a construct adds its jobs: a place in the pipeline with a hierarchical name.
#[derive(Debug)]
pub struct Scope<'p> {
    pipeline: &'p mut Pipeline,
    prefix: Vec<String>,
}

impl Pipeline {
    /// The root scope of this pipeline, to add constructs with [`Scope::add`].
    pub fn scope(&mut self) -> Scope<'_> {
        Scope {
            pipeline: self,
            prefix: Vec::new(),
        }
    }

    /// Adds `construct` at the root: its jobs keep their local ids.
    #[must_use]
    pub fn with(mut self, construct: &(impl Construct + ?Sized)) -> Self {
        self.scope().add_here(construct);
        self
    }

    /// Adds `construct` under `name`: its jobs' ids are prefixed with `name`.
    #[must_use]
    pub fn add(mut self, name: &str, construct: &(impl Construct + ?Sized)) -> Self {
        self.scope().add(name, construct);
        self
    }
}

impl<'p> Scope<'p> {
    /// The qualified id of local id `local` in this scope.
    pub fn qualify(&self, local: &str) -> JobId {
        let mut parts: Vec<&str> = self.prefix.iter().map(String::as_str).collect();
        if !local.is_empty() {
            parts.push(local);
        }
        JobId::new(parts.join("-"))
    }

    /// The pipeline being built (for settings such as triggers or secrets a construct needs).
    pub fn pipeline(&mut self) -> &mut Pipeline {
        self.pipeline
    }

    /// Adds a job with a local id; returns its qualified id.
    ///
    /// Its `needs` and the job outputs it reads that name jobs of this scope (by local id) are
    /// qualified when the construct is finished; ids of jobs elsewhere are kept as they are.
    pub fn add_job(&mut self, mut job: Job) -> JobId {
        let local = job.id.to_string();
        job.id = self.qualify(&local);
        let id = job.id.clone();
        self.pipeline.jobs.push(job);
        id
    }

    /// Adds `construct` under `name`; returns the jobs it added.
    pub fn add(&mut self, name: &str, construct: &(impl Construct + ?Sized)) -> Built {
        let mut prefix = self.prefix.clone();
        if !name.is_empty() {
            prefix.push(name.to_owned());
        }
        let mut child = Scope {
            pipeline: &mut *self.pipeline,
            prefix,
        };
        child.add_here(construct)
    }

    /// Adds `construct` in this scope itself (no extra name).
    pub fn add_here(&mut self, construct: &(impl Construct + ?Sized)) -> Built {
        let start = self.pipeline.jobs.len();
        construct.build(self);
        self.finish(start)
    }

    /// Qualifies local references of the jobs added since `start` and describes them.
    fn finish(&mut self, start: usize) -> Built {
        let added: BTreeSet<String> = self.pipeline.jobs[start..].iter().map(|j| j.id.to_string()).collect();
        let prefix = self.qualify("");
        let resolve = |id: &JobId| -> Option<JobId> {
            if added.contains(id.as_str()) {
                return None;
            }
            let qualified = if prefix.as_str().is_empty() {
                id.clone()
            } else if id.as_str().is_empty() {
                prefix.clone()
            } else {
                JobId::new(format!("{prefix}-{id}"))
            };
            added.contains(qualified.as_str()).then_some(qualified)
        };
        for job in &mut self.pipeline.jobs[start..] {
            job.rename_job_refs(&resolve);
        }
        let jobs: Vec<JobId> = self.pipeline.jobs[start..].iter().map(|j| j.id.clone()).collect();
        let local = |id: &JobId| jobs.contains(id);
        let entry = self.pipeline.jobs[start..]
            .iter()
            .filter(|j| !j.needs.iter().any(local))
            .map(|j| j.id.clone())
            .collect();
        // The success path ends at jobs nothing else needs; jobs that run on failure (rollbacks,
        // notifications) are not part of it, or what comes next would wait for a rollback.
        let added = &self.pipeline.jobs[start..];
        let on_success: Vec<&Job> = added
            .iter()
            .filter(|j| !j.condition.as_ref().is_some_and(|c| c.mentions_status()))
            .collect();
        let path = if on_success.is_empty() {
            added.iter().collect()
        } else {
            on_success
        };
        let exit = path
            .iter()
            .filter(|j| !path.iter().any(|o| o.needs.contains(&j.id)))
            .map(|j| j.id.clone())
            .collect();
        Built { jobs, entry, exit }
    }

    /// Makes the first jobs of `later` need the last jobs of `earlier`.
    pub fn needs(&mut self, later: &Built, earlier: &Built) {
        for job in self.pipeline.jobs.iter_mut().filter(|j| later.entry.contains(&j.id)) {
            for id in &earlier.exit {
                if !job.needs.contains(id) {
                    job.needs.push(id.clone());
                }
            }
        }
    }

    /// Applies `edit` to every job of `built` (to set an environment, a condition, a runner).
    pub fn configure(&mut self, built: &Built, mut edit: impl FnMut(&mut Job)) {
        for job in self.pipeline.jobs.iter_mut().filter(|j| built.jobs.contains(&j.id)) {
            edit(job);
        }
    }
}

impl Job {
    /// Rewrites every job id this job refers to (`needs`, outputs read from other jobs) for which
    /// `rename` returns a new id.
    pub fn rename_job_refs(&mut self, rename: &impl Fn(&JobId) -> Option<JobId>) {
        for need in &mut self.needs {
            if let Some(new) = rename(need) {
                *need = new;
            }
        }
        self.visit_exprs_mut(&mut |e| rename_in_expr(e, rename));
    }
}

fn rename_in_expr(e: &mut Expr, rename: &impl Fn(&JobId) -> Option<JobId>) {
    match e {
        Expr::Output(o) => {
            if let Some(new) = rename(&o.job) {
                o.job = new;
            }
        }
        Expr::Concat(parts) => parts.iter_mut().for_each(|p| rename_in_expr(p, rename)),
        Expr::Literal(_)
        | Expr::Builtin(_)
        | Expr::Secret(_)
        | Expr::Input(_)
        | Expr::Matrix(_)
        | Expr::Var(_)
        | Expr::Token(_)
        | Expr::StepOutput(_) => {}
    }
}

/// A value that describes a whole pipeline (what `#[derive(Pipeline)]` implements).
pub trait ToPipeline {
    /// The pipeline.
    fn to_pipeline(&self) -> Pipeline;
}

impl ToPipeline for Pipeline {
    fn to_pipeline(&self) -> Pipeline {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    struct Build;
    impl Construct for Build {
        fn build(&self, scope: &mut Scope<'_>) {
            let compile = Job::new("compile")
                .step(Step::script("make"))
                .step(Step::set_output("version", "cat VERSION"));
            let package = Job::new("package")
                .needs(&compile)
                .env("VERSION", compile.output("version"))
                .step(Step::script("make dist"));
            scope.add_job(compile);
            scope.add_job(package);
        }
    }

    struct Nested;
    impl Construct for Nested {
        fn build(&self, scope: &mut Scope<'_>) {
            let a = scope.add("linux", &Build);
            let b = scope.add("macos", &Build);
            scope.needs(&b, &a);
        }
    }

    #[test]
    fn local_references_are_qualified_and_hierarchical() {
        let p = Pipeline::new("p").on(Trigger::push()).add("release", &Nested);
        let ids: Vec<&str> = p.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "release-linux-compile",
                "release-linux-package",
                "release-macos-compile",
                "release-macos-package"
            ]
        );
        let package = p.find_job("release-macos-package").expect("job");
        assert_eq!(package.needs, ["release-macos-compile"]);
        assert_eq!(
            package.env.get("VERSION"),
            Some(&Expr::Output(OutputRef::new("release-macos-compile", "version")))
        );
        assert_eq!(
            p.find_job("release-macos-compile").map(|j| j.needs.clone()),
            Some(vec!["release-linux-package".into()])
        );
        assert!(
            !crate::validate::validate(&p).has_errors(),
            "{}",
            crate::validate::validate(&p)
        );
    }

    #[test]
    fn a_job_added_as_a_construct_takes_its_name() {
        let job = Job::new("ignored").step(Step::script("true"));
        let p = Pipeline::new("p")
            .on(Trigger::push())
            .add("lint", &job)
            .with(&Job::new("top").step(Step::script("true")));
        let ids: Vec<&str> = p.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["lint", "top"]);
    }

    #[test]
    fn built_describes_entry_and_exit_jobs() {
        let mut p = Pipeline::new("p");
        let built = p.scope().add("b", &Build);
        assert_eq!(built.entry, [JobId::new("b-compile")]);
        assert_eq!(built.exit, [JobId::new("b-package")]);
        assert_eq!(built.job("package"), Some(&JobId::new("b-package")));
    }

    #[test]
    fn failure_handlers_are_not_exits() {
        struct WithRollback;
        impl Construct for WithRollback {
            fn build(&self, scope: &mut Scope<'_>) {
                let deploy = Job::new("deploy").step(Step::script("./deploy"));
                let rollback = Job::new("rollback")
                    .needs(&deploy)
                    .when(Condition::failure())
                    .step(Step::script("./undo"));
                scope.add_job(deploy);
                scope.add_job(rollback);
            }
        }
        let mut p = Pipeline::new("p");
        let built = p.scope().add("staging", &WithRollback);
        assert_eq!(built.exit, [JobId::new("staging-deploy")]);
    }

    #[test]
    fn configure_edits_every_job_of_a_construct() {
        let mut p = Pipeline::new("p");
        let mut scope = p.scope();
        let built = scope.add("b", &Build);
        scope.configure(&built, |j| j.timeout_minutes = Some(7));
        assert!(p.jobs.iter().all(|j| j.timeout_minutes == Some(7)));
    }
}
