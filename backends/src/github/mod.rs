//! GitHub Actions: one workflow file per pipeline, `.github/workflows/<id>.yml`.
//!
//! Secure by default: workflow-level `permissions: {}` and per-job grants derived from the
//! steps; actions pinned by full commit SHA with the release as a comment; `persist-credentials:
//! false` on checkout; secrets and untrusted event data reach scripts only through `env:`; a
//! timeout on every job; deploy jobs queue per environment; approvals through environments
//! (whose required reviewers are a repository setting, reported as a notice).

mod cache_aware;
mod changes;
mod escape;
mod expr;
mod lower;
pub mod model;
mod optional;
pub mod pins;
mod reports;
mod reuse;
mod runner;
mod settings;
mod shells;

pub use lower::MAX_DISPATCH_INPUTS;
pub use settings::{CallInput, CallWorkflow, GithubJob, Reusable};

/// The backend's name, as `--backend` and patches know it.
const PLATFORM: &str = "github";

use std::collections::BTreeMap;

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::{Action, Backend, GeneratedFile, Pipeline, RenderContext};

/// The GitHub Actions backend.
///
/// ```
/// use pipeline_backends::github::{Github, pins};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let ci = Pipeline::new("ci")
///     .on(Trigger::push().branches(["main"]))
///     .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test")));
/// let mut diagnostics = Diagnostics::new();
/// let yaml = Github::new().render(&ci, &mut diagnostics).expect("renders");
/// assert!(yaml.contains("uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"));
/// assert!(yaml.contains("persist-credentials: false"));
/// ```
#[derive(Clone, Debug)]
pub struct Github {
    pub(crate) pins: BTreeMap<String, Action>,
    pub(crate) release_caches: bool,
    pub(crate) runner: String,
    pub(crate) arm_runner: String,
    pub(crate) runner_labels: BTreeMap<String, Vec<String>>,
}

impl Default for Github {
    fn default() -> Self {
        Self {
            pins: BTreeMap::new(),
            release_caches: false,
            runner: "ubuntu-24.04".into(),
            arm_runner: "ubuntu-24.04-arm".into(),
            runner_labels: BTreeMap::new(),
        }
    }
}

impl Github {
    /// The backend with the built-in pins and `ubuntu-24.04` runners.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the built-in pin of the same action (for example a newer `actions/checkout`).
    #[must_use]
    pub fn pin(mut self, action: impl Into<Action>) -> Self {
        let action = action.into();
        self.pins.insert(action.name.clone(), action);
        self
    }

    /// Allows caches in workflows triggered by tag pushes. By default they are an error: a cache
    /// written by a pull request run can be restored by the release build (cache poisoning), so
    /// release pipelines should build without caches.
    #[must_use]
    pub fn allow_release_caches(mut self) -> Self {
        self.release_caches = true;
        self
    }

    /// The hosted runner label for x64 jobs without labels.
    #[must_use]
    pub fn runner(mut self, label: impl Into<String>) -> Self {
        self.runner = label.into();
        self
    }

    /// The lowered workflow of one pipeline, for inspection or patching before emission.
    pub fn lower(&self, pipeline: &Pipeline, diagnostics: &mut Diagnostics) -> model::Workflow {
        lower::Lowering {
            config: self,
            pipeline,
            diagnostics,
            after_optional: optional::after_optional(pipeline),
        }
        .workflow()
    }

    /// The workflow file's YAML, without header; `None` when an error was reported.
    pub fn render(&self, pipeline: &Pipeline, diagnostics: &mut Diagnostics) -> Option<String> {
        let mut out = String::new();
        self.render_into(pipeline, diagnostics, &mut out).then_some(out)
    }

    /// Appends the workflow file's YAML to `out` (emitted straight from the model); `false` when
    /// an error was reported.
    fn render_into(&self, pipeline: &Pipeline, diagnostics: &mut Diagnostics, out: &mut String) -> bool {
        let workflow = self.lower(pipeline, diagnostics);
        match pipeline_core::backend::append_yaml(out, &workflow, PLATFORM, &Self::path(pipeline), &[pipeline]) {
            Ok(()) => true,
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error(
                        "emit",
                        Path::pipeline(pipeline.id.as_str()),
                        format!("cannot emit the workflow: {e}"),
                    )
                    .on_platform("github"),
                );
                false
            }
        }
    }

    /// The path of a pipeline's workflow file.
    pub fn path(pipeline: &Pipeline) -> String {
        format!(".github/workflows/{}.yml", pipeline.id)
    }
}

impl Backend for Github {
    fn name(&self) -> &'static str {
        "github"
    }

    fn generate(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<GeneratedFile> {
        let mut files = Vec::new();
        let header = format!("{}\n", ctx.header.comment("# "));
        // Each file is written into one reused buffer, then copied at its exact size: no growing
        // per file, no spare capacity kept. It starts at the size of a small workflow, which
        // spares a one-job pipeline the buffer's growth steps.
        let mut text = String::with_capacity(4096);
        reuse::check_calls(pipelines, diagnostics);
        for p in pipelines {
            // What this platform sees: jobs and steps restricted to other platforms are dropped.
            let p = p.for_platform(pipeline_core::Platform::Github);
            let p: &Pipeline = &p;
            for (name, action) in &self.pins {
                if !action.is_pinned() {
                    diagnostics.push(
                        Diagnostic::error(
                            "unpinned-action",
                            Path::root(),
                            format!("the pin override for {name} is not a full commit SHA with a version"),
                        )
                        .on_platform("github"),
                    );
                }
            }
            text.clear();
            text.push_str(&header);
            if !self.render_into(p, diagnostics, &mut text) {
                continue;
            }
            match GeneratedFile::new(Self::path(p), text.as_str()) {
                Ok(f) => files.push(f),
                Err(e) => diagnostics
                    .push(Diagnostic::error("invalid-path", Path::pipeline(p.id.as_str()), e).on_platform("github")),
            }
        }
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::prelude::*;

    fn release_with_cache() -> Pipeline {
        Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(
            Job::new("build")
                .step(Step::checkout())
                .step(Step::cache(Cache::new("cargo", ["target"])))
                .step(Step::script("cargo build")),
        )
    }

    #[test]
    fn caches_in_release_pipelines_are_refused_unless_allowed() {
        let mut d = Diagnostics::new();
        let _ = Github::new().render(&release_with_cache(), &mut d);
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["github-cache-in-release"]);
        assert_eq!(
            d.iter().next().map(|d| d.path.to_string()),
            Some("pipeline \"release\" > job \"build\" > step 2".into())
        );

        let mut d = Diagnostics::new();
        let yaml = Github::new()
            .allow_release_caches()
            .render(&release_with_cache(), &mut d);
        assert!(d.is_empty(), "{d}");
        assert!(yaml.is_some_and(|y| y.contains("actions/cache@")));
    }

    /// The built-in caches of `setup-*` actions are caches too (zizmor's `cache-poisoning`).
    #[test]
    fn built_in_caches_of_actions_in_release_pipelines_are_refused() {
        let release = |step: ActionStep| {
            Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(
                Job::new("build")
                    .step(Step::checkout())
                    .step(Step::action(step))
                    .step(Step::script("make")),
            )
        };
        for step in [
            ActionStep::from(pins::SETUP_NODE)
                .with("node-version", "22")
                .with("cache", "npm"),
            ActionStep::from(pins::SETUP_NODE).with("node-version", "22"),
            ActionStep::from(pins::SETUP_PYTHON)
                .with("python-version", "3.13")
                .with("cache", "pip"),
            ActionStep::from(pins::SETUP_GO).with("go-version", "1.25"),
            ActionStep::from(pins::SETUP_JAVA)
                .with("distribution", "temurin")
                .with("java-version", "21")
                .with("cache", "gradle"),
            ActionStep::from(pins::RUST_CACHE),
        ] {
            let mut d = Diagnostics::new();
            let _ = Github::new().render(&release(step.clone()), &mut d);
            let e = d.iter().find(|d| d.code == "github-cache-in-release");
            assert!(
                e.is_some_and(|e| e.is_error()
                    && e.message.contains(&step.action.name)
                    && e.path.to_string().ends_with("step 2")),
                "{}: {d}",
                step.action.name
            );
            let mut d = Diagnostics::new();
            let _ = Github::new().allow_release_caches().render(&release(step), &mut d);
            assert!(!d.contains_code("github-cache-in-release"), "{d}");
        }
        for step in [
            ActionStep::from(pins::SETUP_NODE)
                .with("node-version", "22")
                .with("package-manager-cache", "false"),
            ActionStep::from(pins::SETUP_PYTHON).with("python-version", "3.13"),
            ActionStep::from(pins::SETUP_GO)
                .with("go-version", "1.25")
                .with("cache", "false"),
        ] {
            let mut d = Diagnostics::new();
            let _ = Github::new().render(&release(step), &mut d);
            assert!(!d.contains_code("github-cache-in-release"), "{d}");
        }
    }

    #[test]
    fn release_branches_count_as_releases() {
        let mut p = release_with_cache();
        p.triggers = vec![Trigger::push().branches(["release/**"]).into()];
        let mut d = Diagnostics::new();
        let _ = Github::new().render(&p, &mut d);
        assert!(d.contains_code("github-cache-in-release"), "{d}");
        p.triggers = vec![Trigger::push().branches(["main"]).into()];
        let mut d = Diagnostics::new();
        let _ = Github::new().render(&p, &mut d);
        assert!(d.is_empty(), "{d}");
    }

    #[test]
    fn several_push_triggers_are_refused() {
        let p = Pipeline::new("p")
            .on(Trigger::push().branches(["main"]))
            .on(Trigger::push().tags(["v*"]))
            .job(Job::new("a").step(Step::script("true")));
        let mut d = Diagnostics::new();
        let _ = Github::new().render(&p, &mut d);
        assert!(d.contains_code("github-unsupported"), "{d}");
        assert!(d.to_string().contains("trigger 2"), "{d}");
    }

    #[test]
    fn pin_overrides_replace_built_in_pins() {
        let newer = Action::new("actions/checkout", "0123456789abcdef0123456789abcdef01234567", "v8.0.0");
        let p = Pipeline::new("p")
            .on(Trigger::push())
            .job(Job::new("a").step(Step::checkout()));
        let mut d = Diagnostics::new();
        let yaml = Github::new().pin(newer).render(&p, &mut d).expect("renders");
        assert!(
            yaml.contains("uses: actions/checkout@0123456789abcdef0123456789abcdef01234567 # v8.0.0"),
            "{yaml}"
        );
    }

    #[test]
    fn retry_is_reported_not_dropped_silently() {
        let p = Pipeline::new("p")
            .on(Trigger::push())
            .job(Job::new("a").retry(2).step(Step::script("true")));
        let mut d = Diagnostics::new();
        let _ = Github::new().render(&p, &mut d);
        assert!(d.contains_code("github-no-retry") && !d.has_errors(), "{d}");
    }
}
