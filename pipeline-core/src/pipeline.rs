//! Pipelines: triggers and jobs, generated into one file (or one stack) per platform.

use std::borrow::Cow;

use crate::concurrency::Concurrency;
use crate::diagnostic::Problem;
use crate::env::Env;
use crate::expr::Expr;
use crate::extension::{Extension, Extensions};
use crate::id::{PipelineId, VarName};
use crate::job::Job;
use crate::patch::Patch;
use crate::platform::Platform;
use crate::secret::Secret;
use crate::semantics::Divergence;
use crate::trigger::{Input, Trigger};
use crate::yaml::Value;

/// The default job timeout, in minutes, when neither the job nor the pipeline sets one. It is
/// this library's choice, not a platform's (GitHub's is 360 minutes, GitLab's and CodeBuild's 60),
/// so every backend writes it explicitly (docs/SEMANTICS.md, section 10).
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 30;

/// A pipeline.
///
/// ```
/// use pipeline_core::prelude::*;
/// let ci = Pipeline::new("ci")
///     .name("CI")
///     .on(Trigger::push().branches(["main"]))
///     .on(Trigger::pull_request())
///     .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test")));
/// assert_eq!(ci.jobs.len(), 1);
/// assert!(ci.find_job("test").is_some());
/// # pipeline_core::validate::assert_valid(&ci);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// The id; names the generated files.
    pub id: PipelineId,
    /// A display name.
    pub name: String,
    /// What starts it.
    pub triggers: Vec<Trigger>,
    /// Its jobs, in the order written.
    pub jobs: Vec<Job>,
    /// Environment variables of every job.
    pub env: Env,
    /// At most one run of the group at a time.
    pub concurrency: Option<Concurrency>,
    /// Timeout of jobs that set none.
    pub default_timeout_minutes: u32,
    /// Declared secrets with their platform locations (optional; see [`Secret`]).
    pub secrets: Vec<Secret>,
    /// Edits of emitted documents, per platform (see [`crate::patch`]).
    pub patches: Vec<Patch>,
    /// Extension points that did not apply, reported by validation.
    pub problems: Vec<Problem>,
    /// Typed platform-specific settings (see [`crate::extension`]).
    pub extensions: Extensions,
    /// Platform divergences the user accepts (their warnings are not reported; see
    /// `docs/SEMANTICS.md`).
    pub acknowledged: Vec<Divergence>,
}

impl Pipeline {
    /// A pipeline with no triggers and no jobs; its name is its id until set.
    pub fn new(id: impl Into<PipelineId>) -> Self {
        let id = id.into();
        Self {
            name: id.to_string(),
            id,
            triggers: Vec::new(),
            jobs: Vec::new(),
            env: Env::new(),
            concurrency: None,
            default_timeout_minutes: DEFAULT_TIMEOUT_MINUTES,
            secrets: Vec::new(),
            patches: Vec::new(),
            problems: Vec::new(),
            extensions: Extensions::new(),
            acknowledged: Vec::new(),
        }
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Adds a trigger.
    #[must_use]
    pub fn on(mut self, trigger: impl Into<Trigger>) -> Self {
        self.triggers.push(trigger.into());
        self
    }

    /// Adds a job.
    #[must_use]
    pub fn job(mut self, job: Job) -> Self {
        self.jobs.push(job);
        self
    }

    /// Adds several jobs.
    #[must_use]
    pub fn jobs(mut self, jobs: impl IntoIterator<Item = Job>) -> Self {
        if self.jobs.is_empty() {
            // Collecting a vector's own iterator keeps its allocation: the jobs of a large
            // pipeline are not copied into a second one.
            self.jobs = jobs.into_iter().collect();
        } else {
            self.jobs.extend(jobs);
        }
        self
    }

    /// Sets an environment variable for every job.
    #[must_use]
    pub fn env(mut self, name: impl Into<VarName>, value: impl Into<Expr>) -> Self {
        self.env.insert(name, value);
        self
    }

    /// Sets the pipeline's concurrency group.
    #[must_use]
    pub fn concurrency(mut self, concurrency: Concurrency) -> Self {
        self.concurrency = Some(concurrency);
        self
    }

    /// Sets the default job timeout, in minutes, of jobs without their own
    /// ([`Job::timeout_minutes`](crate::Job::timeout_minutes)). Unset, it is
    /// [`DEFAULT_TIMEOUT_MINUTES`] (30), which differs from every platform's own default (GitHub
    /// 360 minutes, GitLab 60 unless the project changes it, CodeBuild 60): each backend writes
    /// the value explicitly on every job (`timeout-minutes`, `timeout`, `TimeoutInMinutes`), so
    /// the job stops after the same time everywhere (docs/SEMANTICS.md, section 10). CodeBuild's
    /// minimum is 5 minutes (warning `codepipeline-timeout`).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let build = Job::new("build").step(Step::script("make"));
    /// let p = Pipeline::new("release").on(Trigger::push()).default_timeout_minutes(90).job(build.clone());
    /// assert_eq!(p.timeout_of(&build), 90);
    /// assert_eq!(Pipeline::new("ci").timeout_of(&build), 30);
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn default_timeout_minutes(mut self, minutes: u32) -> Self {
        self.default_timeout_minutes = minutes;
        self
    }

    /// Declares a secret's platform locations.
    #[must_use]
    pub fn secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Accepts a platform divergence the generator cannot remove: its warnings are no longer
    /// reported for this pipeline (an acknowledgement that matches nothing is reported).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let p = Pipeline::new("delivery")
    ///     .on(Trigger::push())
    ///     .acknowledge(Divergence::StageLayering)
    ///     .job(Job::new("build").step(Step::script("make")));
    /// assert!(p.acknowledged.contains(&Divergence::StageLayering));
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn acknowledge(mut self, divergence: Divergence) -> Self {
        if !self.acknowledged.contains(&divergence) {
            self.acknowledged.push(divergence);
        }
        self
    }

    /// Attaches typed platform-specific settings (replacing settings of the same type).
    #[must_use]
    pub fn extend<T: Extension + Clone + PartialEq>(mut self, settings: T) -> Self {
        self.extensions.insert(settings);
        self
    }

    /// What `platform`'s backend sees: the pipeline without the jobs and steps restricted to
    /// other platforms ([`Job::only_on`], [`crate::Step::only_on`]). Borrowed when nothing is
    /// restricted.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// use pipeline_core::Platform;
    /// let p = Pipeline::new("ci")
    ///     .on(Trigger::push())
    ///     .job(Job::new("build").step(Step::script("make")))
    ///     .job(Job::new("pages").only_on(Platform::Gitlab).needs("build").step(Step::script("make site")));
    /// assert!(p.for_platform(Platform::Gitlab).find_job("pages").is_some());
    /// assert!(p.for_platform(Platform::Github).find_job("pages").is_none());
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    pub fn for_platform(&self, platform: Platform) -> Cow<'_, Pipeline> {
        let restricted = self
            .jobs
            .iter()
            .any(|j| !j.platforms.is_all() || j.steps.iter().any(|s| !s.platforms.is_all()));
        if !restricted {
            return Cow::Borrowed(self);
        }
        let mut p = self.clone();
        p.jobs.retain(|j| j.platforms.contains(platform));
        let present: std::collections::HashSet<&str> = self
            .jobs
            .iter()
            .filter(|j| j.platforms.contains(platform))
            .map(|j| j.id.as_str())
            .collect();
        for job in &mut p.jobs {
            job.steps.retain(|s| s.platforms.contains(platform));
            // An optional need on a job the platform drops is dropped with it.
            let absent: Vec<crate::id::JobId> = job
                .optional_needs
                .iter()
                .filter(|n| !present.contains(n.as_str()))
                .cloned()
                .collect();
            job.needs.retain(|n| !absent.contains(n));
            job.optional_needs.retain(|n| !absent.contains(n));
        }
        Cow::Owned(p)
    }

    /// The job with id `id`.
    pub fn find_job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// Edits the job with id `id` (a problem is reported if there is none).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let p = Pipeline::new("ci")
    ///     .on(Trigger::push())
    ///     .job(Job::new("test").step(Step::script("cargo test").id("test")))
    ///     .edit_job("test", |job| job.insert_before("test", Step::script("cargo fetch --locked")));
    /// assert_eq!(p.jobs[0].steps.len(), 2);
    /// let missing = Pipeline::new("ci").edit_job("tset", |job| job);
    /// assert_eq!(missing.problems[0].code, "unknown-job");
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn edit_job(mut self, id: &str, edit: impl FnOnce(Job) -> Job) -> Self {
        match self.jobs.iter().position(|j| j.id == id) {
            Some(i) => {
                let job = std::mem::replace(&mut self.jobs[i], Job::new(""));
                self.jobs[i] = edit(job);
            }
            None => self.unknown_job(id, "edit"),
        }
        self
    }

    /// Replaces the job with id `id` by `job` (a problem is reported if there is none).
    #[must_use]
    pub fn replace_job(mut self, id: &str, job: Job) -> Self {
        match self.jobs.iter().position(|j| j.id == id) {
            Some(i) => self.jobs[i] = job,
            None => self.unknown_job(id, "replace"),
        }
        self
    }

    /// Removes the job with id `id` (a problem is reported if there is none; jobs that needed it
    /// are reported by validation).
    #[must_use]
    pub fn remove_job(mut self, id: &str) -> Self {
        match self.jobs.iter().position(|j| j.id == id) {
            Some(i) => {
                self.jobs.remove(i);
            }
            None => self.unknown_job(id, "remove"),
        }
        self
    }

    fn unknown_job(&mut self, id: &str, what: &str) {
        let ids: Vec<&str> = self.jobs.iter().map(|j| j.id.as_str()).collect();
        let hint = crate::diagnostic::did_you_mean(id, ids.iter().copied())
            .map(|s| format!("did you mean {s:?}?"))
            .unwrap_or_else(|| format!("jobs in this pipeline: {}", ids.join(", ")));
        self.problems.push(Problem::new(
            "unknown-job",
            format!("cannot {what} job {id:?}: the pipeline has no such job"),
            hint,
        ));
    }

    /// The job with id `id`, mutably.
    pub fn find_job_mut(&mut self, id: &str) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|j| j.id == id)
    }

    /// The declaration of secret `name`, or its default declaration.
    pub fn secret_decl(&self, name: &str) -> Secret {
        self.secrets
            .iter()
            .find(|s| s.name == name)
            .cloned()
            .unwrap_or_else(|| Secret::new(name))
    }

    /// Every input of every manual trigger.
    pub fn inputs(&self) -> impl Iterator<Item = &Input> {
        self.triggers.iter().flat_map(|t| match t {
            Trigger::Manual(m) => m.inputs.as_slice(),
            _ => &[],
        })
    }

    /// The timeout of `job`, falling back to the pipeline default.
    pub fn timeout_of(&self, job: &Job) -> u32 {
        job.timeout_minutes.unwrap_or(self.default_timeout_minutes)
    }

    /// Edits the documents `platform` emits for this pipeline, after lowering: the last-resort
    /// escape hatch ([`Patch`]).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    ///
    /// let p = Pipeline::new("ci")
    ///     .on(Trigger::push())
    ///     .job(Job::new("test").step(Step::script("cargo test")))
    ///     .patch("gitlab", |_file, _doc| {});
    /// assert!(p.has_patches("gitlab") && !p.has_patches("github"));
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn patch(mut self, platform: &'static str, f: impl Fn(&str, &mut Value) + Send + Sync + 'static) -> Self {
        self.patches.push(Patch::new(platform, f));
        self
    }

    /// Whether any patch edits `platform`'s documents.
    pub fn has_patches(&self, platform: &str) -> bool {
        self.patches.iter().any(|p| p.platform == platform)
    }

    /// Applies every patch of this pipeline for `platform` to the document of `file`, in order
    /// (what a backend calls before emitting a document; see [`Patch`] for an example).
    pub fn apply_patches(&self, platform: &str, file: &str, doc: &mut Value) {
        for patch in self.patches.iter().filter(|p| p.platform == platform) {
            patch.apply(file, doc);
        }
    }
}
