//! Jobs: a list of steps that run on one runner, ordered against other jobs by `needs`.

use crate::concurrency::Concurrency;
use crate::condition::Condition;
use crate::diagnostic::Problem;
use crate::env::Env;
use crate::environment::Environment;
use crate::expr::{Expr, OutputRef};
use crate::extension::{Extension, Extensions};
use crate::id::{JobId, OutputName, VarName};
use crate::matrix::Matrix;
use crate::platform::Platforms;
use crate::report::TestReport;
use crate::role::JobRole;
use crate::runner::Runner;
use crate::service::Service;
use crate::step::{Step, StepKind};

/// A job.
///
/// ```
/// use pipeline_core::prelude::*;
/// let test = Job::new("test")
///     .name("Unit tests")
///     .step(Step::checkout())
///     .step(Step::script("cargo test --workspace --locked"))
///     .timeout_minutes(20);
/// let deploy = Job::new("deploy")
///     .needs(&test)
///     .environment(Environment::new("staging"))
///     .step(Step::script("./deploy.sh"));
/// assert_eq!(deploy.needs, ["test"]);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test).job(deploy));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The job's id, unique in its pipeline.
    pub id: JobId,
    /// A display name.
    pub name: Option<String>,
    /// Jobs that must finish first.
    pub needs: Vec<JobId>,
    /// The needs of [`Job::needs`] that are optional ([`Job::needs_optional`]).
    pub optional_needs: Vec<JobId>,
    /// Where it runs.
    pub runner: Runner,
    /// What it does, in order.
    pub steps: Vec<Step>,
    /// Environment variables of every step.
    pub env: Env,
    /// The environment it deploys to.
    pub environment: Option<Environment>,
    /// Runs only when this holds.
    pub condition: Option<Condition>,
    /// Runs once per matrix cell.
    pub matrix: Option<Matrix>,
    /// Service containers beside it.
    pub services: Vec<Service>,
    /// Maximum duration; the pipeline's default when `None`.
    pub timeout_minutes: Option<u32>,
    /// At most one run of this job's group at a time.
    pub concurrency: Option<Concurrency>,
    /// Retries after a failure (0 to 2).
    pub retry: u8,
    /// A failure does not fail the pipeline.
    pub allow_failure: bool,
    /// What the job is for (`security-scan`, `deploy`...), for policies and docs.
    pub roles: Vec<JobRole>,
    /// Extension points that did not apply, reported by validation.
    pub problems: Vec<Problem>,
    /// Typed platform-specific settings (see [`crate::extension`]).
    pub extensions: Extensions,
    /// The platforms the job exists on (every platform by default; see [`Job::only_on`]).
    pub platforms: Platforms,
    /// Runs only when a file matching one of these patterns changed (see [`crate::changes`]);
    /// empty: always.
    pub changed_paths: Vec<String>,
    /// Test reports the platform keeps and shows whatever the job's result (see
    /// [`crate::report`]).
    pub test_reports: Vec<TestReport>,
}

impl Job {
    /// A job with no steps, running on the default runner.
    pub fn new(id: impl Into<JobId>) -> Self {
        Self {
            id: id.into(),
            name: None,
            needs: Vec::new(),
            optional_needs: Vec::new(),
            runner: Runner::default(),
            steps: Vec::new(),
            env: Env::new(),
            environment: None,
            condition: None,
            matrix: None,
            services: Vec::new(),
            timeout_minutes: None,
            concurrency: None,
            retry: 0,
            allow_failure: false,
            roles: Vec::new(),
            problems: Vec::new(),
            extensions: Extensions::new(),
            platforms: Platforms::all(),
            changed_paths: Vec::new(),
            test_reports: Vec::new(),
        }
    }

    /// Collects a test report after the job's steps, also when a step failed: GitLab shows it
    /// in the pipeline's Tests tab (`artifacts: reports: junit`), CodeBuild in a report group,
    /// GitHub keeps the files as artifact `test-reports-<job>` (see [`crate::report`]).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let test = Job::new("test")
    ///     .step(Step::script("cargo nextest run --profile ci"))
    ///     .test_report(TestReport::junit("target/nextest/ci/junit.xml"));
    /// assert_eq!(test.test_reports.len(), 1);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test));
    /// ```
    #[must_use]
    pub fn test_report(mut self, report: TestReport) -> Self {
        self.test_reports.push(report);
        self
    }

    /// Runs the job only when a file matching one of `patterns` changed compared with the run's
    /// base (see [`crate::changes`]): GitHub computes it in a `pipeline-changes` job, GitLab
    /// with `rules:changes`; CodePipeline refuses it (its path filters are the trigger's). Jobs
    /// that need this one must have the same filter.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let docs = Job::new("docs").when_changed(["docs/**", "mkdocs.yml"]).step(Step::script("mkdocs build"));
    /// assert_eq!(docs.changed_paths, ["docs/**", "mkdocs.yml"]);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(docs));
    /// ```
    #[must_use]
    pub fn when_changed<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.changed_paths.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Keeps the job on these platforms only: the others' files do not have it (see
    /// [`crate::platform`]). A job left on a platform that needs this one is a validation error.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// use pipeline_core::Platform;
    /// let pages = Job::new("docs").only_on([Platform::Github, Platform::Gitlab]).step(Step::script("mdbook build"));
    /// assert!(!pages.platforms.contains(Platform::CodePipeline));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(pages));
    /// ```
    #[must_use]
    pub fn only_on(mut self, platforms: impl Into<Platforms>) -> Self {
        self.platforms = platforms.into();
        self
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Runs after `job`.
    #[must_use]
    pub fn needs(mut self, job: impl Into<JobId>) -> Self {
        self.needs.push(job.into());
        self
    }

    /// Runs after `job` when `job` is in the pipeline and runs; runs all the same when `job` is
    /// not on the platform ([`Job::only_on`], [`Pipeline::for_platform`](crate::Pipeline::for_platform))
    /// or does not run because its own condition or path filter ([`Job::when_changed`]) is false.
    /// When `job` fails (or is skipped because a job before it failed), this job is skipped, as
    /// with [`Job::needs`] (docs/SEMANTICS.md, section 23). GitLab writes `optional: true`, GitHub
    /// drops the need where the job is absent and tests the needs' results in `if:`.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let docs = Job::new("docs").when_changed(["docs/**"]).step(Step::script("mdbook build"));
    /// let publish = Job::new("publish").needs_optional(&docs).step(Step::script("./publish.sh"));
    /// assert_eq!(publish.needs, ["docs"]);
    /// assert!(publish.is_optional_need("docs"));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(docs).job(publish));
    /// ```
    #[must_use]
    pub fn needs_optional(mut self, job: impl Into<JobId>) -> Self {
        let job = job.into();
        self.needs.push(job.clone());
        self.optional_needs.push(job);
        self
    }

    /// Whether the need on `job` is optional ([`Job::needs_optional`]).
    pub fn is_optional_need(&self, job: &str) -> bool {
        self.optional_needs.iter().any(|n| n == job)
    }

    /// Runs after all of `jobs`.
    #[must_use]
    pub fn needs_all<J: Into<JobId>>(mut self, jobs: impl IntoIterator<Item = J>) -> Self {
        self.needs.extend(jobs.into_iter().map(Into::into));
        self
    }

    /// Sets the runner.
    #[must_use]
    pub fn runner(mut self, runner: Runner) -> Self {
        self.runner = runner;
        self
    }

    /// The runner of one matrix cell: the cell's runner from the matrix's runner axis, with the
    /// job runner's image; the job's runner for a cell without one.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let job = Job::new("test").matrix(Matrix::new().runners([Runner::windows()]));
    /// assert_eq!(job.runner_for(&[("runner", "windows-x64")]).os, Os::Windows);
    /// assert_eq!(job.runner_for(&[]).os, Os::Linux);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job.step(Step::script("make"))));
    /// ```
    pub fn runner_for(&self, cell: &[(&str, &str)]) -> Runner {
        match self.matrix.as_ref().and_then(|m| m.runner_of(cell)) {
            Some(r) => Runner {
                image: r.image.clone().or_else(|| self.runner.image.clone()),
                ..r.clone()
            },
            None => self.runner.clone(),
        }
    }

    /// Every runner the job's cells run on (the job's runner without a runner axis), in order.
    pub fn runners(&self) -> Vec<Runner> {
        let mut out: Vec<Runner> = Vec::new();
        match &self.matrix {
            Some(m) if !m.runners.is_empty() => {
                for cell in m.cells() {
                    let r = self.runner_for(&cell);
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
            _ => out.push(self.runner.clone()),
        }
        out
    }

    /// Appends a step.
    #[must_use]
    pub fn step(mut self, step: impl Into<Step>) -> Self {
        if self.steps.len() == self.steps.capacity() && self.steps.len() < 4 {
            // Steps are large: a job of one or two steps keeps room for exactly those (a plain
            // `push` reserves four), which keeps a pipeline of thousands of jobs in the caches.
            self.steps.reserve_exact(1);
        }
        self.steps.push(step.into());
        self
    }

    /// Appends several steps.
    #[must_use]
    pub fn steps<S: Into<Step>>(mut self, steps: impl IntoIterator<Item = S>) -> Self {
        self.steps.extend(steps.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for every step.
    #[must_use]
    pub fn env(mut self, name: impl Into<VarName>, value: impl Into<Expr>) -> Self {
        self.env.insert(name, value);
        self
    }

    /// Deploys to `environment`.
    #[must_use]
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Runs only when `condition` holds.
    #[must_use]
    pub fn when(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Runs once per cell of `matrix`.
    #[must_use]
    pub fn matrix(mut self, matrix: Matrix) -> Self {
        self.matrix = Some(matrix);
        self
    }

    /// Adds a service container.
    #[must_use]
    pub fn service(mut self, service: Service) -> Self {
        self.services.push(service);
        self
    }

    /// Sets the job's timeout, in minutes: a job that runs longer is stopped and fails. Without
    /// it the job gets the pipeline's default
    /// ([`Pipeline::default_timeout_minutes`](crate::Pipeline::default_timeout_minutes), 30
    /// minutes unless set), which is this library's choice and differs from every platform's own
    /// default (GitHub 360 minutes, GitLab 60 unless the project changes it, CodeBuild 60); each
    /// backend writes the value explicitly (docs/SEMANTICS.md, section 10).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let test = Job::new("test").timeout_minutes(45).step(Step::script("make test"));
    /// let lint = Job::new("lint").step(Step::script("make lint"));
    /// let p = Pipeline::new("ci").on(Trigger::push()).job(test.clone()).job(lint.clone());
    /// assert_eq!(p.timeout_of(&test), 45);
    /// assert_eq!(p.timeout_of(&lint), 30);
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout_minutes = Some(minutes);
        self
    }

    /// Sets the concurrency group.
    #[must_use]
    pub fn concurrency(mut self, concurrency: Concurrency) -> Self {
        self.concurrency = Some(concurrency);
        self
    }

    /// Retries up to `times` after a failure.
    #[must_use]
    pub fn retry(mut self, times: u8) -> Self {
        self.retry = times;
        self
    }

    /// A failure does not fail the pipeline.
    #[must_use]
    pub fn allow_failure(mut self) -> Self {
        self.allow_failure = true;
        self
    }

    /// Attaches typed platform-specific settings (replacing settings of the same type).
    #[must_use]
    pub fn extend<T: Extension + Clone + PartialEq>(mut self, settings: T) -> Self {
        self.extensions.insert(settings);
        self
    }

    /// A typed handle on output `name` of this job, for `env` of later jobs.
    pub fn output(&self, name: impl Into<OutputName>) -> OutputRef {
        OutputRef::new(self.id.clone(), name)
    }

    /// The outputs this job's steps set, in step order.
    pub fn outputs(&self) -> impl Iterator<Item = &OutputName> + Clone {
        self.steps.iter().filter_map(|s| match &s.kind {
            StepKind::SetOutput(o) => Some(&o.name),
            _ => None,
        })
    }

    /// The names of the secrets this job's values reference anywhere ([`Job::exprs`]), sorted,
    /// each once.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let job = Job::new("publish")
    ///     .env("B", Expr::secret("TOKEN"))
    ///     .step(Step::script("make publish").env("A", Expr::secret("KEY")).env("C", Expr::secret("TOKEN")));
    /// assert_eq!(job.secret_names(), ["KEY", "TOKEN"]);
    /// # let p = Pipeline::new("p").on(Trigger::push()).secret(Secret::new("KEY")).secret(Secret::new("TOKEN")).job(job);
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    pub fn secret_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.exprs().flat_map(|e| e.secrets()).map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Every value this job places anywhere (job env, step env, action inputs, checkout tokens, environment URL,
    /// concurrency group, service env, cloud roles), for checks that look at references.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> + '_ {
        // An iterator, not a collected `Vec`: validation walks every job's values several
        // times, and a pipeline of thousands of jobs would allocate a vector each time.
        fn values(env: &Env) -> impl Iterator<Item = &Expr> {
            env.iter().map(|(_, v)| v)
        }
        let steps = self.steps.iter().flat_map(move |step| {
            let (with, role, token) = match &step.kind {
                StepKind::Action(a) => (Some(a.with.values()), None, None),
                StepKind::AssumeRole(crate::cloud::CloudRole::Aws(role)) => (
                    None,
                    Some(std::iter::once(&role.role_arn).chain(role.chain.iter())),
                    None,
                ),
                StepKind::Checkout(c) => (None, None, c.token.as_ref()),
                _ => (None, None, None),
            };
            values(&step.env)
                .chain(with.into_iter().flatten())
                .chain(role.into_iter().flatten())
                .chain(token)
        });
        values(&self.env)
            .chain(steps)
            .chain(self.environment.iter().flat_map(|e| e.url.iter()))
            .chain(self.concurrency.iter().map(|c| &c.group))
            .chain(self.services.iter().flat_map(move |s| values(&s.env)))
    }

    /// Every platform token the job hands out, with the step that receives it (`None`: the job's
    /// `env`, so every step), in order: job env, then each step's env, action inputs and checkout
    /// token.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let job = Job::new("release")
    ///     .step(Step::script("make"))
    ///     .step(Step::script("gh release create v1").env("GH_TOKEN", PlatformToken::new()));
    /// assert_eq!(job.tokens(), [(Some(1), &PlatformToken::new())]);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
    /// ```
    pub fn tokens(&self) -> Vec<(Option<usize>, &crate::token::PlatformToken)> {
        let mut out: Vec<_> = self
            .env
            .iter()
            .flat_map(|(_, v)| v.tokens())
            .map(|t| (None, t))
            .collect();
        for (i, step) in self.steps.iter().enumerate() {
            let inputs = match &step.kind {
                StepKind::Action(a) => a.with.values().collect(),
                StepKind::Checkout(c) => c.token.iter().collect(),
                _ => Vec::new(),
            };
            out.extend(
                step.env
                    .iter()
                    .map(|(_, v)| v)
                    .chain(inputs)
                    .flat_map(Expr::tokens)
                    .map(|t| (Some(i), t)),
            );
        }
        out
    }

    /// The index of the step with id `id`.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id_str() == Some(id))
    }

    /// Marks what the job is for.
    #[must_use]
    pub fn role(mut self, role: JobRole) -> Self {
        if !self.roles.contains(&role) {
            self.roles.push(role);
        }
        self
    }

    /// Whether the job has `role`.
    pub fn has_role(&self, role: &JobRole) -> bool {
        self.roles.contains(role)
    }

    fn anchor(&mut self, id: &str, what: &str) -> Option<usize> {
        let found = self.step_index(id);
        if found.is_none() {
            let ids: Vec<&str> = self.steps.iter().filter_map(Step::id_str).collect();
            let hint = crate::diagnostic::did_you_mean(id, ids.iter().copied())
                .map(|s| format!("did you mean {s:?}?"))
                .unwrap_or_else(|| {
                    if ids.is_empty() {
                        "no step of this job has an id; give the step one with `.id(..)`".to_owned()
                    } else {
                        format!("step ids in this job: {}", ids.join(", "))
                    }
                });
            self.problems.push(Problem::new(
                "unknown-step",
                format!("cannot {what} step {id:?}: the job has no such step"),
                hint,
            ));
        }
        found
    }

    /// Inserts `step` before the step with id `anchor` (a problem is reported if there is none).
    #[must_use]
    pub fn insert_before(mut self, anchor: &str, step: impl Into<Step>) -> Self {
        if let Some(i) = self.anchor(anchor, "insert before") {
            self.steps.insert(i, step.into());
        }
        self
    }

    /// Inserts `step` after the step with id `anchor` (a problem is reported if there is none).
    #[must_use]
    pub fn insert_after(mut self, anchor: &str, step: impl Into<Step>) -> Self {
        if let Some(i) = self.anchor(anchor, "insert after") {
            self.steps.insert(i + 1, step.into());
        }
        self
    }

    /// Replaces the step with id `anchor` (a problem is reported if there is none).
    #[must_use]
    pub fn replace_step(mut self, anchor: &str, step: impl Into<Step>) -> Self {
        if let Some(i) = self.anchor(anchor, "replace") {
            self.steps[i] = step.into();
        }
        self
    }

    /// Removes the step with id `anchor` (a problem is reported if there is none).
    #[must_use]
    pub fn remove_step(mut self, anchor: &str) -> Self {
        if let Some(i) = self.anchor(anchor, "remove") {
            self.steps.remove(i);
        }
        self
    }

    /// Calls `f` on every value this job places anywhere (see [`Job::exprs`]), mutably.
    pub fn visit_exprs_mut(&mut self, f: &mut impl FnMut(&mut Expr)) {
        self.env.values_mut().for_each(&mut *f);
        for step in &mut self.steps {
            step.env.values_mut().for_each(&mut *f);
            match &mut step.kind {
                StepKind::Action(a) => a.with.values_mut().for_each(&mut *f),
                StepKind::AssumeRole(crate::cloud::CloudRole::Aws(role)) => {
                    f(&mut role.role_arn);
                    role.chain.iter_mut().for_each(&mut *f);
                }
                StepKind::Checkout(c) => c.token.iter_mut().for_each(&mut *f),
                StepKind::Script(_)
                | StepKind::Upload(_)
                | StepKind::Download(_)
                | StepKind::Cache(_)
                | StepKind::SetOutput(_) => {}
            }
        }
        if let Some(env) = &mut self.environment {
            env.url.iter_mut().for_each(&mut *f);
        }
        if let Some(c) = &mut self.concurrency {
            f(&mut c.group);
        }
        for service in &mut self.services {
            service.env.values_mut().for_each(&mut *f);
        }
    }
}

impl From<&Job> for JobId {
    fn from(job: &Job) -> Self {
        job.id.clone()
    }
}
