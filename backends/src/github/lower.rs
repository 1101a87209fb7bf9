//! Portable pipeline -> GitHub workflow.

use std::collections::BTreeMap;

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::yaml::{Commented, OrderedMap, Spaced};
use pipeline_core::{Access, CloudRole, Env, InputKind, Job, Permission, Pipeline, Step, StepKind, Trigger};

use super::escape;
use super::expr;
use super::model::{self as gh, WithValue};
use super::pins;
use super::{Github, GithubJob};

pub(crate) const PLATFORM: &str = "github";

/// The most inputs a `workflow_dispatch` trigger may declare (GitHub raised the limit from 10 to
/// 25 in December 2025; GitHub refuses the workflow file beyond it).
pub const MAX_DISPATCH_INPUTS: usize = 25;

pub(crate) struct Lowering<'a> {
    pub(crate) config: &'a Github,
    pub(crate) pipeline: &'a Pipeline,
    pub(crate) diagnostics: &'a mut Diagnostics,
    /// The jobs with optional needs or after one ([`super::optional::after_optional`]).
    pub(crate) after_optional: pipeline_core::id_hash::IdSet<&'a str>,
}

impl Lowering<'_> {
    fn root(&self) -> Path {
        Path::pipeline(self.pipeline.id.as_str())
    }

    pub(super) fn error(&mut self, path: Path, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics.push(
            Diagnostic::error("github-unsupported", path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    pub(crate) fn workflow(&mut self) -> gh::Workflow {
        let p = self.pipeline;
        self.release_caches();
        escape::unevaluated(
            self.diagnostics,
            || Path::pipeline(p.id.as_str()).field("name"),
            "pipeline name",
            &p.name,
        );
        let mut jobs: Vec<(String, gh::Job)> = p.jobs.iter().map(|j| (j.id.as_str().to_owned(), self.job(j))).collect();
        // Job-level path filters: one job computes which filtered jobs run (paths filters are
        // workflow-level only on GitHub).
        if let Some(core) = super::changes::job(p) {
            let mut changes = self.job(&core);
            super::changes::finish(p, &mut changes);
            for (job, lowered) in p.jobs.iter().zip(&mut jobs) {
                super::changes::gate(job, &mut lowered.1);
            }
            jobs.insert(0, (pipeline_core::changes::CHANGES_JOB.to_owned(), changes));
        }
        // The lowered jobs become the map as they are (not copied entry by entry).
        let jobs = OrderedMap::from(jobs);
        gh::Workflow {
            name: p.name.clone(),
            on: self.on(),
            permissions: gh::Permissions::new(),
            concurrency: p.concurrency.as_ref().map(|c| gh::Concurrency {
                group: expr::value(&c.group, self.pipeline),
                cancel_in_progress: c.cancel_in_progress,
            }),
            env: env(&p.env, self.pipeline),
            defaults: gh::Defaults {
                run: gh::RunDefaults { shell: "bash" },
            },
            jobs: Spaced(jobs),
        }
    }

    /// Tag pushes and pushes to release branches publish releases; a cache restored there may
    /// have been written by an untrusted pull request run. (zizmor's `cache-poisoning` audit
    /// uses the same notion of a publishing trigger.)
    fn release_caches(&mut self) {
        let releases = self.pipeline.triggers.iter().any(|t| match t {
            Trigger::Push(p) => {
                !p.tags.is_empty() || p.branches.iter().any(|b| b.to_ascii_lowercase().starts_with("release"))
            }
            _ => false,
        });
        if !releases || self.config.release_caches {
            return;
        }
        for job in &self.pipeline.jobs {
            for (i, step) in job.steps.iter().enumerate() {
                let (message, hint) = match &step.kind {
                    StepKind::Cache(_) => (
                        "a cache in a pipeline triggered by tag or release-branch pushes lets a pull request poison the release build".to_owned(),
                        "move releases to their own pipeline without caches, or opt in with `Github::new().allow_release_caches()`".to_owned(),
                    ),
                    StepKind::Action(a) if super::cache_aware::caches(a) => (
                        format!(
                            "action {} keeps a cache of its own; in a pipeline triggered by tag or release-branch pushes a pull request can poison the release build through it",
                            a.action.name
                        ),
                        format!(
                            "turn the action's cache off with its input (see {}'s action.yml: `cache`, `package-manager-cache`, `lookup-only`...), move releases to their own pipeline, or opt in with `Github::new().allow_release_caches()`",
                            a.action.name
                        ),
                    ),
                    _ => continue,
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        "github-cache-in-release",
                        self.root().job(job.id.as_str()).step(i, step.id_str()),
                        message,
                    )
                    .with_hint(hint)
                    .on_platform(PLATFORM),
                );
            }
        }
    }

    fn on(&mut self) -> gh::On {
        let mut on = gh::On::default();
        let pipeline = self.pipeline;
        for (i, trigger) in pipeline.triggers.iter().enumerate() {
            // Built only for a diagnostic.
            let path = || Path::pipeline(pipeline.id.as_str()).trigger(i);
            match trigger {
                Trigger::Push(push) => {
                    if on.push.is_some() {
                        self.error(
                            path(),
                            "a workflow has one push filter; this pipeline has several push triggers",
                            "merge them into one `Trigger::push()`",
                        );
                        continue;
                    }
                    self.filters(
                        &path,
                        &[
                            ("branches", &push.branches),
                            ("tags", &push.tags),
                            ("paths", &push.paths),
                        ],
                    );
                    on.push = Some(gh::PushFilter {
                        branches: push.branches.clone(),
                        tags: push.tags.clone(),
                        paths: push.paths.clone(),
                    });
                }
                Trigger::PullRequest(pr) => {
                    if on.pull_request.is_some() {
                        self.error(
                            path(),
                            "a workflow has one pull_request filter; this pipeline has several pull request triggers",
                            "merge them into one `Trigger::pull_request()`",
                        );
                        continue;
                    }
                    self.filters(&path, &[("branches", &pr.branches), ("paths", &pr.paths)]);
                    on.pull_request = Some(gh::PullRequestFilter {
                        branches: pr.branches.clone(),
                        paths: pr.paths.clone(),
                    });
                }
                Trigger::Schedule(s) => on.schedule.push(gh::Cron { cron: s.cron.clone() }),
                Trigger::Manual(m) => {
                    if m.inputs.len() > MAX_DISPATCH_INPUTS {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "github-too-many-inputs",
                                path(),
                                format!(
                                    "a workflow_dispatch event takes at most {MAX_DISPATCH_INPUTS} inputs; pipeline {:?} declares {}",
                                    self.pipeline.id.as_str(),
                                    m.inputs.len()
                                ),
                            )
                            .with_hint("merge related inputs into one (a choice, or a JSON string parsed by the first job), or split the pipeline")
                            .on_platform(PLATFORM),
                        );
                    }
                    let inputs = m
                        .inputs
                        .iter()
                        .map(|input| {
                            let ipath = || path().input(input.name.as_str());
                            escape::unevaluated(self.diagnostics, ipath, "input description", &input.description);
                            if let Some(d) = input.default_string() {
                                escape::unevaluated(self.diagnostics, ipath, "input default", &d);
                            }
                            if let InputKind::Choice { options, .. } = &input.kind {
                                for o in options {
                                    escape::unevaluated(self.diagnostics, ipath, "input option", o);
                                }
                            }
                            let (kind, default, options) = match &input.kind {
                                InputKind::String { default } => {
                                    ("string", default.clone().map(gh::InputDefault::String), Vec::new())
                                }
                                InputKind::Choice { options, default } => {
                                    ("choice", default.clone().map(gh::InputDefault::String), options.clone())
                                }
                                InputKind::Boolean { default } => {
                                    ("boolean", Some(gh::InputDefault::Bool(*default)), Vec::new())
                                }
                            };
                            let input_def = gh::DispatchInput {
                                description: input.description.clone(),
                                required: input.required,
                                kind,
                                default,
                                options,
                            };
                            (input.name.to_string(), input_def)
                        })
                        .collect();
                    on.workflow_dispatch = Some(gh::WorkflowDispatch { inputs });
                }
            }
        }
        on.workflow_call = super::reuse::workflow_call(self.pipeline, self.diagnostics);
        on
    }

    /// Trigger filters are not evaluated: `${{` there is refused.
    fn filters(&mut self, path: &dyn Fn() -> Path, filters: &[(&str, &Vec<String>)]) {
        for (field, patterns) in filters {
            for pattern in *patterns {
                escape::unevaluated(self.diagnostics, || path().field(*field), "filter pattern", pattern);
            }
        }
    }

    fn job(&mut self, job: &Job) -> gh::Job {
        // Paths are built only for diagnostics.
        let pipeline = self.pipeline;
        let path = || Path::pipeline(pipeline.id.as_str()).job(job.id.as_str());
        let mut permissions: BTreeMap<Permission, Access> = BTreeMap::new();
        let mut grant = |scope: Permission, access: Access| {
            let entry = permissions.entry(scope).or_insert(access);
            *entry = (*entry).max(access);
        };
        let mut steps = Vec::with_capacity(job.steps.len());
        let mut outputs = OrderedMap::new();
        for (i, step) in job.steps.iter().enumerate() {
            match &step.kind {
                StepKind::Checkout(_) => grant(Permission::Contents, Access::Read),
                StepKind::AssumeRole(_) => grant(Permission::IdToken, Access::Write),
                StepKind::Action(a) => a.permissions.iter().for_each(|(s, l)| grant(*s, *l)),
                StepKind::SetOutput(o) => {
                    let id = output_step_id(step);
                    if job
                        .steps
                        .iter()
                        .enumerate()
                        .any(|(j, s)| j != i && s.id_str() == Some(id.as_str()))
                    {
                        self.error(
                            path().step(i, step.id_str()),
                            format!("the set-output step needs the id {id:?}, which another step of the job uses"),
                            "give the set-output step an explicit id with `.id(..)`",
                        );
                    }
                    let value = ["${{ steps.", id.as_str(), ".outputs.", o.name.as_str(), " }}"].concat();
                    outputs.insert(o.name.as_str().to_owned(), value);
                }
                StepKind::Script(_) | StepKind::Upload(_) | StepKind::Download(_) | StepKind::Cache(_) => {}
            }
            self.shell_fits_runners(job, i, step);
            self.steps(step, &mut steps);
        }
        if !job.test_reports.is_empty() {
            let upload = self.pinned(pins::UPLOAD_ARTIFACT);
            steps.extend(super::reports::upload(job, upload, path(), self.diagnostics));
        }
        if job.retry > 0 {
            self.diagnostics.push(
                Diagnostic::warning(
                    "github-no-retry",
                    path().field("retry"),
                    format!("GitHub Actions cannot retry a job; job {:?} runs once", job.id.as_str()),
                )
                .with_hint("make the flaky step retry itself, or rerun failed jobs from the UI; accept the difference with `.acknowledge(Divergence::Retry)` on the pipeline")
                .on_platform(PLATFORM),
            );
        }
        // The platform token's scopes (docs/SEMANTICS.md, section 21).
        for token in job.exprs().flat_map(|e| e.tokens()) {
            token.scopes.iter().for_each(|(s, a)| grant(*s, *a));
        }
        let settings = job.extensions.get::<GithubJob>();
        for (permission, access) in settings.map(|s| s.permissions.as_slice()).unwrap_or_default() {
            grant(*permission, *access);
        }
        let overrides = settings.map(|s| s.runs_on.as_slice()).unwrap_or_default();
        let (runs_on, strategy) = self.runner_and_matrix(job, overrides, path);
        let environment = job.environment.as_ref().map(|e| {
            if e.requires_approval() {
                self.diagnostics.push(
                    Diagnostic::notice(
                        "github-environment-reviewers",
                        path().field("environment"),
                        format!("job {:?} waits for approval only once environment {:?} has required reviewers", job.id.as_str(), e.name.as_str()),
                    )
                    .with_hint(format!("in the repository's Settings > Environments > {}, add required reviewers (and restrict deployment branches)", e.name))
                    .on_platform(PLATFORM),
                );
            }
            gh::EnvironmentRef { name: escape::literal(e.name.as_str()), url: e.url.as_ref().map(|u| expr::value(u, pipeline)) }
        });
        let concurrency = match (&job.concurrency, &job.environment) {
            (Some(c), _) => Some(gh::Concurrency {
                group: expr::value(&c.group, self.pipeline),
                cancel_in_progress: c.cancel_in_progress,
            }),
            // Two deploys to one environment must never overlap; queue them.
            (None, Some(e)) => Some(gh::Concurrency {
                group: [self.pipeline.id.as_str(), "-deploy-", e.name.as_str()].concat(),
                cancel_in_progress: false,
            }),
            (None, None) => None,
        };
        let lowered = gh::Job {
            name: escape::literal_opt(job.name.as_ref()),
            needs: job.needs.iter().map(|n| n.as_str().to_owned()).collect(),
            condition: super::optional::condition(
                &self.after_optional,
                job,
                job.condition
                    .as_ref()
                    .map(|c| expr::condition(c, self.pipeline, expr::On::Job)),
            ),
            runs_on: Some(runs_on),
            container: job.runner.image.as_ref().map(|image| gh::Container {
                image: escape::literal(image),
                env: OrderedMap::new(),
                ports: Vec::new(),
                options: None,
            }),
            services: job
                .services
                .iter()
                .map(|s| {
                    let ports = s.ports.iter().map(|p| format!("{p}:{p}")).collect();
                    if !s.command.is_empty() {
                        self.error(
                            path().field(format!("services.{}.command", s.name)),
                            format!(
                                "service {:?} of job {:?} has a command; GitHub's service containers take none (only the image's own command runs)",
                                s.name,
                                job.id.as_str()
                            ),
                            "use an image whose default command is the one you need, or start the container in a step (`docker run -d ...`) on a GitHub-only step (`Step::only_on`)",
                        );
                    }
                    (
                        s.name.clone(),
                        gh::Container {
                            image: escape::literal(&s.image),
                            env: env(&s.env, self.pipeline),
                            ports,
                            // validated as one word of `[A-Za-z0-9/._+:@-]`: nothing to escape
                            options: s.entrypoint.as_ref().map(|e| format!("--entrypoint {e}")),
                        },
                    )
                })
                .collect(),
            environment,
            permissions: permissions.into_iter().map(|(s, a)| (s.key(), a.as_str())).collect(),
            concurrency,
            timeout_minutes: Some(self.pipeline.timeout_of(job)),
            continue_on_error: job.allow_failure,
            strategy,
            outputs,
            env: env(&job.env, self.pipeline),
            steps,
            uses: None,
            with: OrderedMap::new(),
            secrets: OrderedMap::new(),
        };
        match job.extensions.get::<super::settings::CallWorkflow>() {
            Some(call) => super::reuse::call(self.pipeline, job, call, lowered, path(), self.diagnostics),
            None => lowered,
        }
    }

    /// `uses:` for a built-in pin, or its override.
    fn pinned(&self, pin: pins::Pin) -> Commented<String> {
        match self.config.pins.get(pin.name) {
            Some(action) => uses(&action.name, &action.sha, &action.version),
            None => uses(pin.name, pin.sha, pin.version),
        }
    }

    /// One portable step is one GitHub step, except a chained role (one step per role); they are
    /// appended to `out`.
    fn steps(&mut self, step: &Step, out: &mut Vec<gh::Step>) {
        let base = gh::Step {
            id: step.id.as_ref().map(|id| id.as_str().to_owned()),
            name: escape::literal_opt(step.name.as_ref()),
            condition: step
                .condition
                .as_ref()
                .map(|c| expr::condition(c, self.pipeline, expr::On::Step)),
            uses: None,
            with: With::new(),
            env: env(&step.env, self.pipeline),
            working_directory: escape::literal_opt(step.working_directory.as_ref()),
            run: None,
            shell: None,
            continue_on_error: step.continue_on_error,
        };
        let step = match &step.kind {
            StepKind::Script(body) if !step.state.is_empty() => gh::Step {
                run: Some(crate::shell::state_step(
                    body,
                    &step.state,
                    &crate::shell::StateSink::Github,
                )),
                ..base
            },
            StepKind::Script(body) => gh::Step {
                run: Some(body.clone()),
                shell: match step.shell {
                    pipeline_core::Shell::Bash => None,
                    // The pipeline chose cmd; zizmor's `misfeature` audit only says it cannot
                    // analyse cmd scripts (docs/SEMANTICS.md, section 26).
                    pipeline_core::Shell::Cmd => Some(gh::ShellName::Commented(Commented(
                        "cmd",
                        "zizmor: ignore[misfeature]".to_owned(),
                    ))),
                    other => Some(gh::ShellName::Plain(other.name())),
                },
                ..base
            },
            StepKind::Checkout(c) => {
                let mut with = With::with_capacity(8);
                with.insert("persist-credentials".into(), false.into());
                // Validated data: repository paths, refs and directories hold no `${{`.
                if let Some(repo) = &c.repository {
                    with.insert("repository".into(), escape::literal(repo).into());
                }
                if let Some(r) = &c.git_ref {
                    with.insert("ref".into(), escape::literal(r).into());
                }
                if let Some(p) = &c.path {
                    with.insert("path".into(), escape::literal(p).into());
                }
                if let Some(token) = &c.token {
                    with.insert("token".into(), expr::value(token, self.pipeline).into());
                }
                if let Some(depth) = c.fetch_depth {
                    with.insert("fetch-depth".into(), WithValue::Int(i64::from(depth)));
                }
                if c.submodules {
                    // Recursively, as GitLab's and CodeBuild's submodule checkouts.
                    with.insert("submodules".into(), "recursive".into());
                }
                if c.lfs {
                    with.insert("lfs".into(), true.into());
                }
                gh::Step {
                    uses: Some(self.pinned(pins::CHECKOUT)),
                    with,
                    ..base
                }
            }
            StepKind::Action(a) => gh::Step {
                uses: Some(uses(&a.action.name, &a.action.sha, &a.action.version)),
                with: a
                    .with
                    .iter()
                    .map(|(k, v)| (k.clone(), WithValue::String(expr::value(v, self.pipeline))))
                    .collect(),
                ..base
            },
            StepKind::Upload(u) => {
                // upload-artifact roots the files at their common directory: stage them with their
                // workspace-relative paths and upload the staging directory (docs/SEMANTICS.md, 7).
                let dir = ["pipeline-artifacts/", u.artifact.as_str()].concat();
                out.push(gh::Step {
                    name: Some(escape::literal(&format!("Stage artifact {}", u.artifact))),
                    condition: base.condition.clone(),
                    run: Some(escape::literal(
                        &(crate::shell::stage_artifact(
                            u.artifact.as_str(),
                            &u.paths,
                            &format!("\"$RUNNER_TEMP/{dir}\""),
                        ) + "\n"),
                    )),
                    ..gh::Step::default()
                });
                let mut with = With::with_capacity(5);
                with.insert("name".into(), escape::literal(u.artifact.as_str()).into());
                with.insert(
                    "path".into(),
                    ["${{ runner.temp }}/", escape::literal(&dir).as_str()].concat().into(),
                );
                with.insert("if-no-files-found".into(), "error".into());
                with.insert("include-hidden-files".into(), true.into());
                if let Some(days) = u.retention_days {
                    with.insert("retention-days".into(), WithValue::Int(i64::from(days)));
                }
                gh::Step {
                    uses: Some(self.pinned(pins::UPLOAD_ARTIFACT)),
                    with,
                    ..base
                }
            }
            StepKind::Download(d) => {
                // Into the workspace: the artifact holds workspace-relative paths (validation
                // keeps `download_to` directories consistent with them).
                let mut with = With::with_capacity(1);
                with.insert("name".into(), escape::literal(d.artifact.as_str()).into());
                gh::Step {
                    uses: Some(self.pinned(pins::DOWNLOAD_ARTIFACT)),
                    with,
                    ..base
                }
            }
            StepKind::Cache(c) => {
                let prefix = [escape::literal(&c.key_prefix).as_str(), "-${{ runner.os }}-"].concat();
                let key = if c.key_files.is_empty() {
                    [prefix.as_str(), "${{ github.sha }}"].concat()
                } else {
                    let files: Vec<String> = c.key_files.iter().map(|f| expr::quote(f)).collect();
                    format!("{prefix}${{{{ hashFiles({}) }}}}", files.join(", "))
                };
                let mut with = With::with_capacity(3);
                with.insert("path".into(), escape::literal(&c.paths.join("\n")).into());
                with.insert("key".into(), key.into());
                with.insert("restore-keys".into(), prefix.into());
                gh::Step {
                    uses: Some(self.pinned(pins::CACHE)),
                    with,
                    ..base
                }
            }
            StepKind::AssumeRole(CloudRole::Aws(role)) => {
                let uses = self.pinned(pins::CONFIGURE_AWS_CREDENTIALS);
                for (n, arn) in std::iter::once(&role.role_arn).chain(&role.chain).enumerate() {
                    let mut with = With::with_capacity(5);
                    with.insert("role-to-assume".into(), expr::value(arn, self.pipeline).into());
                    with.insert("aws-region".into(), escape::literal(&role.region).into());
                    if let Some(name) = &role.session_name {
                        with.insert("role-session-name".into(), escape::literal(name).into());
                    }
                    if let Some(seconds) = role.duration_seconds {
                        with.insert("role-duration-seconds".into(), WithValue::Int(i64::from(seconds)));
                    }
                    if n > 0 {
                        with.insert("role-chaining".into(), true.into());
                    }
                    out.push(if n == 0 {
                        gh::Step {
                            uses: Some(uses.clone()),
                            with,
                            ..base.clone()
                        }
                    } else {
                        gh::Step {
                            name: Some(format!("Assume chained role {n}")),
                            condition: base.condition.clone(),
                            uses: Some(uses.clone()),
                            with,
                            ..gh::Step::default()
                        }
                    });
                }
                return;
            }
            StepKind::SetOutput(o) => {
                let script = crate::shell::github_output(o.name.as_str(), &o.command);
                gh::Step {
                    id: Some(output_step_id(step)),
                    run: Some(script),
                    ..base
                }
            }
        };
        out.push(step);
    }
}

/// `with:` of a step.
type With = OrderedMap<String, WithValue>;

/// `uses: name@sha # version`.
fn uses(name: &str, sha: &str, version: &str) -> Commented<String> {
    Commented([name, "@", sha].concat(), version.to_owned())
}

/// The id of a set-output step: its own, or `output-<name>`.
fn output_step_id(step: &Step) -> String {
    match (&step.id, &step.kind) {
        (Some(id), _) => id.as_str().to_owned(),
        (None, StepKind::SetOutput(o)) => ["output-", o.name.as_str()].concat(),
        (None, _) => String::new(),
    }
}

fn env(env: &Env, pipeline: &Pipeline) -> OrderedMap<String, String> {
    env.iter()
        .map(|(k, v)| (k.as_str().to_owned(), expr::value(v, pipeline)))
        .collect()
}
