//! Imports GitHub Actions workflows and GitLab CI files as a Rust module of typed pipelines.
//!
//! Each file becomes one function returning a `Pipeline`, built with the library's public API;
//! what has no typed form is kept working through a patch (the model's escape hatch), each
//! with a `// why:` comment, and counted in the per-file summary. Invalid YAML, or YAML the
//! platform would reject, is a [`Diagnostic`] whose path is the file, line and column ([`Location`]); nothing is generated for
//! that file and the others proceed.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("import-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let file = dir.join("ci.yml");
//! std::fs::write(&file, "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: cargo test\n").unwrap();
//! let import = pipeline_import::import(&[file]);
//! assert!(import.problems.is_empty());
//! assert_eq!(import.summaries[0].steps_typed, 2);
//! assert!(import.module.unwrap().contains("Step::script(\"cargo test\")"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod expr;
mod github;
mod github_steps;
mod gitlab;
mod gitlab_layout;
mod gitlab_load;
mod gitlab_steps;
mod gitlab_values;
mod matrix;
mod out;
mod pins;
mod yaml;

pub use out::Summary;

pub use pipeline_core::diagnostic::Diagnostic;

/// Where in an imported file a [`Diagnostic`] of the import points: its path is
/// `file:line:column` (`file` alone for the whole file).
///
/// ```
/// use pipeline_import::Location;
/// let dir = std::env::temp_dir().join(format!("import-location-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let file = dir.join("ci.yml");
/// std::fs::write(&file, "on: push\njobs:\n  a: [1\n").unwrap();
/// let import = pipeline_import::import(&[file.clone()]);
/// let d = &import.problems[0];
/// assert_eq!(d.code, "import-yaml");
/// let at = Location::of(d).unwrap();
/// assert_eq!((at.file.as_str(), at.line >= 3), (file.to_str().unwrap(), true));
/// assert!(d.to_string().contains(&format!("--> {}:{}:{}", at.file, at.line, at.col)));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: String,
    /// Line, from 1 (0: the whole file).
    pub line: usize,
    /// Column, from 1 (0: the whole file).
    pub col: usize,
}

impl Location {
    /// The location a diagnostic of the import points at.
    pub fn of(d: &Diagnostic) -> Option<Location> {
        let Some(pipeline_core::diagnostic::Segment::Field(at)) = d.path.segments().last() else {
            return None;
        };
        let mut parts = at.rsplitn(3, ':');
        let (col, line) = (parts.next()?, parts.next()?);
        match (line.parse(), col.parse(), parts.next()) {
            (Ok(line), Ok(col), Some(file)) => Some(Location {
                file: file.to_string(),
                line,
                col,
            }),
            _ => Some(Location {
                file: at.clone(),
                line: 0,
                col: 0,
            }),
        }
    }
}

/// An import error: `code`, at `line`:`col` of `file` (0: the whole file), with what to do.
pub(crate) fn located(
    code: &'static str,
    file: &str,
    line: usize,
    col: usize,
    message: impl Into<String>,
) -> Diagnostic {
    let at = if line == 0 {
        file.to_string()
    } else {
        format!("{file}:{line}:{col}")
    };
    Diagnostic::error(code, pipeline_core::diagnostic::Path::root().field(at), message)
        .with_hint("fix the file (nothing was generated for it); the other files were imported")
}

/// The result of an import.
#[derive(Debug, Default)]
pub struct Import {
    /// The Rust module (rustfmt-formatted), when at least one file imported.
    pub module: Option<String>,
    /// One summary per imported file.
    pub summaries: Vec<Summary>,
    /// Files that could not be imported: errors whose path is `file:line:column`.
    pub problems: Vec<Diagnostic>,
}

/// Which platform a file is for: GitLab for `.gitlab-ci.yml` and files under `.gitlab/`, or any
/// file without GitHub's `on`/`jobs`; GitHub otherwise.
fn is_gitlab(path: &Path, doc: &yaml::Node) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.ends_with(".gitlab-ci.yml")
        || name == ".gitlab-ci.yaml"
        || path.components().any(|c| c.as_os_str() == ".gitlab")
        || (doc.get("on").is_none() && doc.get("jobs").is_none())
}

/// A pipeline id from a file name (`release.yml` -> `release`, `.gitlab-ci.yml` -> `gitlab-ci`).
fn pipeline_id(path: &Path) -> String {
    let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("pipeline");
    let stem = stem
        .trim_end_matches(".yml")
        .trim_end_matches(".yaml")
        .trim_start_matches('.');
    let id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() { "pipeline".into() } else { id }
}

/// Imports `paths` (workflow or GitLab CI files) into one module. A GitLab file's local includes
/// are read relative to its directory (the project root).
pub fn import(paths: &[PathBuf]) -> Import {
    let mut result = Import::default();
    let mut pipelines = Vec::new();
    let mut sources = Vec::new();
    let mut funcs: Vec<String> = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        let imported = import_one(path, &file);
        match imported {
            Ok((platform, codes)) => {
                let mut summary = Summary {
                    file: file.clone(),
                    pipelines: codes.len(),
                    ..Summary::default()
                };
                for mut code in codes {
                    while funcs.contains(&code.func) {
                        code.func.push('_');
                    }
                    funcs.push(code.func.clone());
                    summary.jobs += code.jobs;
                    summary.jobs_typed += code.jobs_typed;
                    summary.steps += code.steps;
                    summary.steps_typed += code.steps_typed;
                    summary
                        .hatches
                        .extend(code.hatches.iter().map(|h| (h.at.clone(), h.why.clone())));
                    pipelines.push((platform.to_string(), code));
                }
                result.summaries.push(summary);
                sources.push(file);
            }
            Err(p) => result.problems.push(p),
        }
    }
    if !pipelines.is_empty() {
        let module = out::module(&sources, &pipelines);
        match rustfmt(&module) {
            Ok(m) => result.module = Some(m),
            Err(e) => result.problems.push(
                Diagnostic::error(
                    "import-rustfmt",
                    pipeline_core::diagnostic::Path::root().field("(generated module)"),
                    format!("rustfmt failed: {e}"),
                )
                .with_hint("install rustfmt (`rustup component add rustfmt`); nothing was written"),
            ),
        }
    }
    result
}

fn import_one(path: &Path, file: &str) -> Result<(&'static str, Vec<out::PipelineCode>), Diagnostic> {
    let text =
        std::fs::read_to_string(path).map_err(|e| located("import-read", file, 0, 0, format!("cannot read: {e}")))?;
    let doc = yaml::parse(&text).map_err(|e| {
        located(
            "import-yaml",
            file,
            e.pos.line,
            e.pos.col,
            format!("invalid YAML: {}", e.message),
        )
    })?;
    let id = pipeline_id(path);
    if !is_gitlab(path, &doc) {
        return Ok(("github", vec![github::import(file, &text, &doc, &id)?]));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let root = dir.ancestors().find(|d| d.join(".git").exists()).unwrap_or(dir);
    if let Some(several) = gitlab::several(path, root, &doc)? {
        return Ok(("gitlab", several));
    }
    let (merged, hatches) = gitlab_load::load(path, root, 0)?;
    Ok(("gitlab", vec![gitlab::import(file, &merged, hatches, &id, None)?]))
}

/// Formats Rust code with `rustfmt --edition 2024` (through stdin).
pub fn rustfmt(code: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(code.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}
