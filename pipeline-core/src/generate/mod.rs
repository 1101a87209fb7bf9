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
//!     .backends(backends()) // e.g. pipeline_backends::all()
//!     .pipeline(ci)
//!     .main(); // parses the command line, exits with 0, 1 (drift) or 2 (error)
//! ```

mod build_script;
pub mod cli;
mod diff;
mod manifest;
mod write;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use std::path::{Path, PathBuf};

use crate::backend::{Backend, GeneratedFile, Header, RelPath, RenderContext};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::pipeline::Pipeline;
use crate::policy::Policy;

pub use diff::unified_diff;
pub use manifest::{MANIFEST_FILE, Manifest};
pub use write::IoError;

/// Exit status: success (or up to date under `--check`).
pub const EXIT_OK: i32 = 0;
/// Exit status: `--check` found files out of date.
pub const EXIT_DRIFT: i32 = 1;
/// Exit status: invalid usage, invalid pipeline or I/O error; nothing was written.
pub const EXIT_ERROR: i32 = 2;

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
}

/// A planned change to one file (new contents borrowed from the rendered files).
#[derive(Debug, PartialEq, Eq)]
enum Change<'a> {
    Create(Cow<'a, str>),
    Update { old: String, new: Cow<'a, str> },
    Remove(String),
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
            .unwrap_or_else(|| ".".into());
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
                    .with_hint(format!("available backends: {}", names.join(", "))),
                );
            }
        }
        if self.backends.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "no-backends",
                    crate::diagnostic::Path::root(),
                    "the generator has no backends",
                )
                .with_hint("add some, e.g. `.backends(pipeline_backends::all())`"),
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
                if file.path.as_str() == MANIFEST_FILE {
                    diagnostics.push(Diagnostic::error(
                        "reserved-path",
                        crate::diagnostic::Path::root(),
                        format!(
                            "backend {} generates {MANIFEST_FILE}, which the generator owns",
                            backend.name()
                        ),
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
        crate::semantics::apply_acknowledgements(&self.pipelines, &generated, &mut diagnostics);
        diagnostics.sort();
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(Rendered {
            files: files.into_values().collect(),
            diagnostics,
        })
    }

    /// Runs with command-line `args` (without the program name), printing to `stdout` and
    /// `stderr`; returns the exit status.
    pub fn run<I, S>(&self, args: I, stdout: &mut dyn std::io::Write, stderr: &mut dyn std::io::Write) -> i32
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names = self.backend_names();
        let options = match cli::parse(args) {
            Ok(o) => o,
            Err(e) => {
                let _ = writeln!(stderr, "{}: {e}\n\n{}", self.name, cli::usage(&self.name, &names));
                return EXIT_ERROR;
            }
        };
        if options.help {
            let _ = write!(stdout, "{}", cli::usage(&self.name, &names));
            return EXIT_OK;
        }
        let rendered = match self.render(&options.backends) {
            Ok(r) => r,
            Err(diagnostics) => {
                let _ = writeln!(stderr, "{diagnostics}");
                return EXIT_ERROR;
            }
        };
        for d in rendered.diagnostics.iter() {
            let _ = writeln!(stderr, "{d}\n");
        }
        let root = options.out.clone().unwrap_or_else(|| self.root.clone());
        if options.list {
            for (_, file) in &rendered.files {
                let _ = writeln!(stdout, "{}", file.path);
            }
            return EXIT_OK;
        }
        let selected: BTreeSet<&str> = if options.backends.is_empty() {
            names.iter().copied().collect()
        } else {
            options.backends.iter().map(String::as_str).collect()
        };
        let plan = match self.plan(&root, &rendered, &selected) {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(stderr, "{}: {e}; nothing was written.", self.name);
                return EXIT_ERROR;
            }
        };
        if options.check {
            return self.report_check(&plan, &options, stdout, stderr);
        }
        match apply(&root, &plan) {
            Ok(summary) => {
                let _ = writeln!(
                    stderr,
                    "{}: {} written, {} removed, {} unchanged in {}",
                    self.name,
                    summary.written.len(),
                    summary.removed.len(),
                    summary.unchanged,
                    root.display()
                );
                EXIT_OK
            }
            Err(e) => {
                let _ = writeln!(stderr, "{}: {e}; no generated file was changed.", self.name);
                EXIT_ERROR
            }
        }
    }

    /// Runs with the process's arguments and exits.
    pub fn main(self) -> ! {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let code = self.run(args, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
        std::process::exit(code)
    }

    /// Compares the rendered files with what is under `root`.
    fn plan<'a>(&self, root: &Path, rendered: &'a Rendered, selected: &BTreeSet<&str>) -> Result<Plan<'a>, IoError> {
        let manifest_path = RelPath::new(MANIFEST_FILE).map_err(|e| IoError {
            action: "naming",
            path: root.join(MANIFEST_FILE),
            source: std::io::Error::other(e),
        })?;
        let old_manifest_text = write::read(root, &manifest_path)?;
        let old_manifest = match &old_manifest_text {
            Some(text) => Manifest::parse(text).map_err(|e| IoError {
                action: "reading",
                path: root.join(MANIFEST_FILE),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            })?,
            None => Manifest::default(),
        };
        let mut new_manifest = Manifest::default();
        let mut changes: Vec<(RelPath, Change<'a>)> = Vec::new();
        let mut unchanged = 0;
        let mut inside = write::InsideChecker::new(root)?;
        for (backend, file) in &rendered.files {
            let exists = inside.check(&file.path)?;
            new_manifest.entries.insert(file.path.clone(), (*backend).to_owned());
            let new = Cow::Borrowed(file.contents.as_str());
            match if exists { write::read(root, &file.path)? } else { None } {
                None => changes.push((file.path.clone(), Change::Create(new))),
                Some(old) if old == file.contents => unchanged += 1,
                Some(old) => changes.push((file.path.clone(), Change::Update { old, new })),
            }
        }
        for (path, backend) in &old_manifest.entries {
            if new_manifest.entries.contains_key(path) {
                continue;
            }
            if selected.contains(backend.as_str()) {
                if !inside.check(path)? {
                    continue;
                }
                if let Some(old) = write::read(root, path)? {
                    changes.push((path.clone(), Change::Remove(old)));
                }
            } else {
                // kept: generated by a backend this run did not select
                new_manifest.entries.insert(path.clone(), backend.clone());
            }
        }
        let manifest_text = new_manifest.render(&self.name);
        match old_manifest_text {
            Some(old) if old == manifest_text => {}
            Some(old) => changes.push((
                manifest_path,
                Change::Update {
                    old,
                    new: Cow::Owned(manifest_text),
                },
            )),
            None => changes.push((manifest_path, Change::Create(Cow::Owned(manifest_text)))),
        }
        Ok(Plan { changes, unchanged })
    }

    fn report_check(
        &self,
        plan: &Plan<'_>,
        options: &cli::Options,
        stdout: &mut dyn std::io::Write,
        stderr: &mut dyn std::io::Write,
    ) -> i32 {
        let mut counts = [0usize; 3];
        for (path, change) in &plan.changes {
            let (diff, slot) = match change {
                Change::Create(new) => (unified_diff("/dev/null", &format!("b/{path}"), "", new), 0),
                Change::Update { old, new } => (unified_diff(&format!("a/{path}"), &format!("b/{path}"), old, new), 1),
                Change::Remove(old) => (unified_diff(&format!("a/{path}"), "/dev/null", old, ""), 2),
            };
            counts[slot] += 1;
            let _ = write!(stdout, "{diff}");
        }
        if plan.changes.is_empty() {
            let files = if plan.unchanged == 1 { "file is" } else { "files are" };
            let _ = writeln!(
                stderr,
                "{}: {} generated {files} up to date.",
                self.name, plan.unchanged
            );
            return EXIT_OK;
        }
        let mut command = self.header.regenerate.clone();
        if let Some(out) = &options.out {
            command.push_str(&format!(" -- --out {}", out.display()));
        }
        let _ = writeln!(
            stderr,
            "{}: {} generated file{} out of date ({} missing, {} changed, {} stale). Run `{command}` to regenerate.",
            self.name,
            plan.changes.len(),
            if plan.changes.len() == 1 { " is" } else { "s are" },
            counts[0],
            counts[1],
            counts[2],
        );
        EXIT_DRIFT
    }
}

#[derive(Debug)]
struct Plan<'a> {
    changes: Vec<(RelPath, Change<'a>)>,
    unchanged: usize,
}

/// Writes every changed file to a temporary file first; only when all are written are they
/// moved into place, then stale files removed and the manifest (last in the plan) updated.
fn apply(root: &Path, plan: &Plan<'_>) -> Result<WriteSummary, IoError> {
    let mut stager = write::Stager::new(root);
    let mut staged = Vec::new();
    for (path, change) in &plan.changes {
        let contents = match change {
            Change::Create(new) | Change::Update { new, .. } => new,
            Change::Remove(_) => continue,
        };
        match stager.stage(path, contents) {
            Ok(s) => staged.push((path.clone(), s)),
            Err(e) => {
                staged.into_iter().for_each(|(_, s)| s.abandon());
                return Err(e);
            }
        }
    }
    // The manifest goes last, so an interrupted run still lists every file it may have written.
    let manifest = staged
        .iter()
        .position(|(p, _)| p.as_str() == MANIFEST_FILE)
        .map(|i| staged.remove(i));
    let mut summary = WriteSummary {
        unchanged: plan.unchanged,
        ..WriteSummary::default()
    };
    let mut staged = staged.into_iter();
    while let Some((path, s)) = staged.next() {
        if let Err(e) = s.commit() {
            staged.for_each(|(_, s)| s.abandon());
            if let Some((_, m)) = manifest {
                m.abandon();
            }
            return Err(e);
        }
        summary.written.push(path);
    }
    for (path, change) in &plan.changes {
        if let Change::Remove(_) = change {
            if let Err(e) = write::remove(root, path) {
                if let Some((_, m)) = manifest {
                    m.abandon();
                }
                return Err(e);
            }
            summary.removed.push(path.clone());
        }
    }
    if let Some((_, m)) = manifest {
        m.commit()?;
    }
    Ok(summary)
}

/// The nearest ancestor of `dir` (itself included) that holds a `.git` entry.
fn repository_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}
