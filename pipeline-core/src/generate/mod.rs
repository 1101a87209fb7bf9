//! The generator: validates pipelines, lowers them with every selected backend, and writes the
//! files atomically, checks them (`--check`) or lists them (`--list`).
//!
//! ```no_run
//! use pipeline_core::prelude::*;
//! # fn backends() -> Vec<Box<dyn Backend>> { Vec::new() }
//! let ci = Pipeline::new("ci")
//!     .on(Trigger::push().branches(["main"]))
//!     .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test")));
//! pipeline_core::generator!()
//!     .backends(backends()) // e.g. pipeline_backends::platforms()
//!     .pipeline(ci)
//!     .main(); // parses the command line, exits with 0, 1 (drift) or 2 (error)
//! ```

mod acknowledge;
mod apply;
mod build_script;
pub mod cli;
mod diff;
mod lock;
mod manifest;
mod plan;
mod report;
mod run;
mod sha256;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::backend::{Backend, GeneratedFile, Header, RelPath, RenderContext};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::pipeline::Pipeline;
use crate::policy::Policy;

#[doc(hidden)]
pub use apply::Fault;
pub use diff::unified_diff;
pub use manifest::{Entry, Evidence, LEGACY_MANIFEST_FILE, MANIFEST_DIR, Manifest};
pub use write::IoError;

/// Exit status: success (or up to date under `--check`).
pub const EXIT_OK: i32 = 0;
/// Exit status: `--check` found files out of date.
pub const EXIT_DRIFT: i32 = 1;
/// Exit status: invalid usage, invalid pipeline, denied warnings or I/O error; nothing was
/// written, or the message lists exactly what was.
pub const EXIT_ERROR: i32 = 2;

/// How long a generator waits for another one writing under the same root, unless
/// [`Generator::lock_timeout`] or the `PIPELINE_LOCK_TIMEOUT` environment variable (seconds)
/// says otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// A generator for a set of pipelines and backends. See the [module docs](self).
pub struct Generator {
    name: String,
    root: PathBuf,
    /// The repository the default root lives in, when known.
    repository: Option<PathBuf>,
    /// Files a build script reruns on.
    watch: Vec<String>,
    header: Header,
    backends: Vec<Box<dyn Backend>>,
    pipelines: Vec<Pipeline>,
    policies: Vec<Box<dyn Policy>>,
    lock_timeout: Option<Duration>,
    fault: Option<Fault>,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("name", &self.name)
            .field("root", &self.root)
            .field("backends", &self.backend_names())
            .field(
                "pipelines",
                &self.pipelines.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A generator for the calling crate: named after its package, writing under the root of the
/// repository the crate is in, with `cargo run -p <package>` as the regenerate command.
#[macro_export]
macro_rules! generator {
    () => {
        $crate::generate::Generator::for_crate(env!("CARGO_PKG_NAME"), env!("CARGO_MANIFEST_DIR"))
    };
}

/// The files a run would produce, per backend, in memory.
#[derive(Debug)]
pub struct Rendered {
    /// `(backend name, file)`, sorted by path.
    pub files: Vec<(&'static str, GeneratedFile)>,
    /// Warnings and notices (errors make [`Generator::render`] fail instead).
    pub diagnostics: Diagnostics,
}

/// What writing changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files created or updated.
    pub written: Vec<RelPath>,
    /// Stale files removed.
    pub removed: Vec<RelPath>,
    /// Files already up to date.
    pub unchanged: usize,
    /// Whether the generator's manifest was written.
    pub manifest_written: bool,
}

impl Generator {
    /// A generator named `name` writing under `root`.
    pub fn new(name: impl Into<String>, root: impl Into<PathBuf>) -> Self {
        let name = name.into();
        Self {
            header: Header::new(name.clone(), name.clone(), format!("cargo run -p {name}")),
            name,
            root: root.into(),
            repository: None,
            watch: Vec::new(),
            backends: Vec::new(),
            pipelines: Vec::new(),
            policies: Vec::new(),
            lock_timeout: None,
            fault: None,
        }
    }

    /// A generator for package `package` whose manifest directory is `manifest_dir`; prefer the
    /// [`generator!`](crate::generator) macro, which fills both in.
    pub fn for_crate(package: &str, manifest_dir: &str) -> Self {
        let manifest_dir = Path::new(manifest_dir);
        let repo = repository_root(manifest_dir).unwrap_or_else(|| manifest_dir.to_path_buf());
        let source = manifest_dir
            .strip_prefix(&repo)
            .ok()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "the crate at the repository root".into());
        let mut g = Self::new(package, repo.clone());
        g.header.source = source;
        g.repository = Some(repo);
        g
    }

    /// Writes under `root` instead (for example the crate's own directory:
    /// `.output_root(env!("CARGO_MANIFEST_DIR"))`). Files that name other generated files by
    /// repository path use `root`'s place in the repository, whatever `--out` says.
    #[must_use]
    pub fn output_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = root.into();
        self
    }

    /// How long to wait for another generator writing under the same output root before
    /// failing (default [`DEFAULT_LOCK_TIMEOUT`]; the `PIPELINE_LOCK_TIMEOUT` environment
    /// variable, in seconds, overrides both).
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// Injects a fault into writing (tests of interrupted runs).
    #[doc(hidden)]
    #[must_use]
    pub fn inject_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Names the source in the header of generated files.
    #[must_use]
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.header.source = source.into();
        self
    }

    /// The command the header and `--check` give to regenerate.
    #[must_use]
    pub fn regenerate_command(mut self, command: impl Into<String>) -> Self {
        self.header.regenerate = command.into();
        self
    }

    /// Adds a backend.
    #[must_use]
    pub fn backend(mut self, backend: impl Backend + 'static) -> Self {
        self.backends.push(Box::new(backend));
        self
    }

    /// Adds backends.
    #[must_use]
    pub fn backends(mut self, backends: impl IntoIterator<Item = Box<dyn Backend>>) -> Self {
        self.backends.extend(backends);
        self
    }

    /// Adds a pipeline.
    #[must_use]
    pub fn pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipelines.push(pipeline);
        self
    }

    /// Adds pipelines.
    #[must_use]
    pub fn pipelines(mut self, pipelines: impl IntoIterator<Item = Pipeline>) -> Self {
        self.pipelines.extend(pipelines);
        self
    }

    /// Applies `edit` to every pipeline added so far: an option that changes each generated
    /// pipeline (for example a job checking that the generated files are up to date) reads the
    /// generator's settings, such as [`Generator::header`], and is applied after the pipelines
    /// are added.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let g = Generator::new("ci", ".")
    ///     .pipeline(Pipeline::new("a").on(Trigger::push()).job(Job::new("t").step(Step::script("true"))))
    ///     .edit_pipelines(|p| p.default_timeout_minutes = 30);
    /// assert_eq!(g.pipelines_ref()[0].default_timeout_minutes, 30);
    /// # for p in g.pipelines_ref() { pipeline_core::validate::assert_valid(p); }
    /// ```
    #[must_use]
    pub fn edit_pipelines(mut self, edit: impl FnMut(&mut Pipeline)) -> Self {
        self.pipelines.iter_mut().for_each(edit);
        self
    }

    /// Adds an organisation policy, checked before anything is generated.
    #[must_use]
    pub fn policy(mut self, policy: impl Policy + 'static) -> Self {
        self.policies.push(Box::new(policy));
        self
    }

    /// Adds policies.
    #[must_use]
    pub fn policies(mut self, policies: impl IntoIterator<Item = Box<dyn Policy>>) -> Self {
        self.policies.extend(policies);
        self
    }

    /// The default output root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The header generated files start with.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The pipelines.
    pub fn pipelines_ref(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// Where the default output root is inside its repository (`""` when it is the root or the
    /// repository is unknown).
    pub fn root_in_repository(&self) -> String {
        let repository = self.repository.clone().or_else(|| repository_root(&self.root));
        repository
            .and_then(|repo| {
                self.root
                    .strip_prefix(&repo)
                    .ok()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .map(|p| p.trim_matches('/').to_owned())
            .unwrap_or_default()
    }

    /// The pipeline `id`, or an error naming the closest id ("did you mean") and the others,
    /// for commands that take a pipeline by name.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let release = Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(Job::new("build").step(Step::script("make")));
    /// # pipeline_core::validate::assert_valid(&release);
    /// let g = Generator::new("ci", ".").pipeline(release);
    /// assert!(g.find_pipeline("release").is_ok());
    /// let err = g.find_pipeline("relase").unwrap_err();
    /// assert_eq!(err.hint.as_deref(), Some("did you mean \"release\"? pipelines: release"));
    /// ```
    pub fn find_pipeline(&self, id: &str) -> Result<&Pipeline, Diagnostic> {
        if let Some(p) = self.pipelines.iter().find(|p| p.id.as_str() == id) {
            return Ok(p);
        }
        let ids: Vec<&str> = self.pipelines.iter().map(|p| p.id.as_str()).collect();
        Err(Diagnostic::error(
            "unknown-pipeline",
            crate::diagnostic::Path::root(),
            format!("no pipeline named {id:?}"),
        )
        .with_hint(with_suggestion(id, &ids, "pipelines")))
    }

    /// The job `job` of pipeline `pipeline`, or an error with a "did you mean" hint.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let ci = Pipeline::new("ci").on(Trigger::push()).job(Job::new("build").step(Step::script("make")));
    /// # pipeline_core::validate::assert_valid(&ci);
    /// let g = Generator::new("ci", ".").pipeline(ci);
    /// let err = g.find_job("ci", "biuld").unwrap_err();
    /// assert_eq!(err.hint.as_deref(), Some("did you mean \"build\"? jobs of ci: build"));
    /// ```
    pub fn find_job(&self, pipeline: &str, job: &str) -> Result<(&Pipeline, &crate::job::Job), Diagnostic> {
        let p = self.find_pipeline(pipeline)?;
        if let Some(j) = p.jobs.iter().find(|j| j.id.as_str() == job) {
            return Ok((p, j));
        }
        let ids: Vec<&str> = p.jobs.iter().map(|j| j.id.as_str()).collect();
        Err(Diagnostic::error(
            "unknown-job",
            crate::diagnostic::Path::pipeline(pipeline),
            format!("pipeline {pipeline:?} has no job named {job:?}"),
        )
        .with_hint(with_suggestion(job, &ids, &format!("jobs of {pipeline}"))))
    }

    /// The repository `run` copies its workspace from: the generator's repository, else the
    /// one the output root is in, else the output root.
    fn repository_dir(&self) -> PathBuf {
        self.repository
            .clone()
            .or_else(|| repository_root(&self.root))
            .unwrap_or_else(|| self.root.clone())
    }

    fn backend_names(&self) -> Vec<&'static str> {
        self.backends.iter().map(|b| b.name()).collect()
    }

    /// Validates, applies policies and renders every pipeline with the backends named in
    /// `selected` (all when empty), in memory. `Err` holds every diagnostic when any is an error.
    pub fn render(&self, selected: &[String]) -> Result<Rendered, Diagnostics> {
        let mut diagnostics = Diagnostics::new();
        let names = self.backend_names();
        for s in selected {
            if !names.contains(&s.as_str()) {
                diagnostics.push(
                    Diagnostic::error(
                        "unknown-backend",
                        crate::diagnostic::Path::root(),
                        format!("unknown backend {s:?}"),
                    )
                    .with_hint(with_suggestion(s, &names, "available backends")),
                );
            }
        }
        if !manifest::valid_generator_name(&self.name) {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-generator-name",
                    crate::diagnostic::Path::root(),
                    format!("generator name {:?} cannot name its manifest file", self.name),
                )
                .with_hint(
                    "use ASCII letters, digits, `.`, `_` and `-`, not starting with `.` (a package name is fine)",
                ),
            );
        }
        if self.backends.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "no-backends",
                    crate::diagnostic::Path::root(),
                    "the generator has no backends",
                )
                .with_hint("add some, e.g. `.backends(pipeline_backends::platforms())`"),
            );
        }
        if self.pipelines.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "no-pipelines",
                    crate::diagnostic::Path::root(),
                    "the generator has no pipelines",
                )
                .with_hint("add one with `.pipeline(..)`"),
            );
        }
        diagnostics.extend(crate::validate::validate_all(&self.pipelines));
        for policy in &self.policies {
            for p in &self.pipelines {
                policy.check(p, &mut diagnostics);
            }
        }
        if diagnostics.has_errors() {
            diagnostics.sort();
            return Err(diagnostics);
        }
        let ctx = RenderContext {
            header: self.header.clone(),
            root_in_repository: self.root_in_repository(),
        };
        let mut files: BTreeMap<RelPath, (&'static str, GeneratedFile)> = BTreeMap::new();
        let mut generated: Vec<&str> = Vec::new();
        for backend in self
            .backends
            .iter()
            .filter(|b| selected.is_empty() || selected.iter().any(|s| s == b.name()))
        {
            generated.push(backend.name());
            for file in backend.generate(&self.pipelines, &ctx, &mut diagnostics) {
                let path = file.path.as_str();
                if path == LEGACY_MANIFEST_FILE
                    || path == MANIFEST_DIR
                    || path.strip_prefix(MANIFEST_DIR).is_some_and(|r| r.starts_with('/'))
                {
                    diagnostics.push(Diagnostic::error(
                        "reserved-path",
                        crate::diagnostic::Path::root(),
                        format!("backend {} generates {path}, which the generator owns", backend.name()),
                    ));
                } else if let Some((other, _)) = files.get(&file.path) {
                    diagnostics.push(
                        Diagnostic::error(
                            "path-conflict",
                            crate::diagnostic::Path::root(),
                            format!("backends {other} and {} both generate {}", backend.name(), file.path),
                        )
                        .with_hint("rename one of the pipelines"),
                    );
                } else {
                    files.insert(file.path.clone(), (backend.name(), file));
                }
            }
        }
        acknowledge::apply_acknowledgements(&self.pipelines, &generated, &mut diagnostics);
        diagnostics.sort();
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(Rendered {
            files: files.into_values().collect(),
            diagnostics,
        })
    }
}

/// `did you mean "x"? <what>: a, b, c` (or only the list when nothing is close).
fn with_suggestion(name: &str, candidates: &[&str], what: &str) -> String {
    let suggestion = crate::diagnostic::did_you_mean(name, candidates.iter().copied())
        .map(|n| format!("did you mean {n:?}? "))
        .unwrap_or_default();
    format!("{suggestion}{what}: {}", candidates.join(", "))
}

/// The nearest ancestor of `dir` (itself included) that holds a `.git` entry.
fn repository_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}
