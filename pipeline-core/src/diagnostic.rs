//! Diagnostics: every problem found in a pipeline, with where it is and how to fix it.
//!
//! Validation, policies and backends never stop at the first problem: they push
//! [`Diagnostic`]s into a [`Diagnostics`] collection, and the generator refuses to write anything
//! while it holds an error.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something the user must know (for example a repository setting to configure); nothing is
    /// wrong with the files.
    Notice,
    /// Files are generated, but something is probably not what the user wants.
    Warning,
    /// The pipeline cannot be generated; no file is written.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One step of a [`Path`] into the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// `pipeline "payments"`
    Pipeline(String),
    /// `job "deploy"`
    Job(String),
    /// `step 3` or `step 3 "build"` (1-based, as a person counts).
    Step(usize, Option<String>),
    /// `trigger 2` (1-based).
    Trigger(usize),
    /// `input "reason"`
    Input(String),
    /// A named field such as `needs[0]`, `env.TOKEN` or `environment`.
    Field(String),
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Pipeline(id) => write!(f, "pipeline {id:?}"),
            Segment::Job(id) => write!(f, "job {id:?}"),
            Segment::Step(n, Some(id)) => write!(f, "step {n} {id:?}"),
            Segment::Step(n, None) => write!(f, "step {n}"),
            Segment::Trigger(n) => write!(f, "trigger {n}"),
            Segment::Input(name) => write!(f, "input {name:?}"),
            Segment::Field(name) => f.write_str(name),
        }
    }
}

/// Where a diagnostic points: `pipeline "payments" > job "deploy-prod" > step 3`.
///
/// ```
/// use pipeline_core::diagnostic::Path;
/// let path = Path::pipeline("payments").job("deploy").step(2, None).field("run");
/// assert_eq!(path.to_string(), r#"pipeline "payments" > job "deploy" > step 3 > run"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(Vec<Segment>);

impl Path {
    /// The empty path (the whole generator run).
    pub fn root() -> Self {
        Self::default()
    }

    /// A path starting at a pipeline.
    pub fn pipeline(id: impl Into<String>) -> Self {
        Self(vec![Segment::Pipeline(id.into())])
    }

    /// This path extended by one segment.
    #[must_use]
    pub fn push(&self, segment: Segment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        Self(segments)
    }

    /// This path extended by a job.
    #[must_use]
    pub fn job(&self, id: impl Into<String>) -> Self {
        self.push(Segment::Job(id.into()))
    }

    /// This path extended by a step, given its 0-based index and its id if it has one.
    #[must_use]
    pub fn step(&self, index: usize, id: Option<&str>) -> Self {
        self.push(Segment::Step(index + 1, id.map(str::to_owned)))
    }

    /// This path extended by a trigger, given its 0-based index.
    #[must_use]
    pub fn trigger(&self, index: usize) -> Self {
        self.push(Segment::Trigger(index + 1))
    }

    /// This path extended by a manual input.
    #[must_use]
    pub fn input(&self, name: impl Into<String>) -> Self {
        self.push(Segment::Input(name.into()))
    }

    /// This path extended by a field name.
    #[must_use]
    pub fn field(&self, name: impl Into<String>) -> Self {
        self.push(Segment::Field(name.into()))
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(generator)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" > ")?;
            }
            write!(f, "{segment}")?;
        }
        Ok(())
    }
}

/// One problem (or notice) with a path, a message and an optional hint.
///
/// ```
/// use pipeline_core::diagnostic::{Diagnostic, Path};
/// let d = Diagnostic::error("unknown-need", Path::pipeline("ci").job("deploy").field("needs[0]"),
///     r#"job "deploy" needs unknown job "biuld""#)
///     .with_hint(r#"did you mean "build"?"#);
/// assert_eq!(d.to_string(), concat!(
///     "error[unknown-need]: job \"deploy\" needs unknown job \"biuld\"\n",
///     "  --> pipeline \"ci\" > job \"deploy\" > needs[0]\n",
///     "  = hint: did you mean \"build\"?",
/// ));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// A stable kebab-case code naming the rule (`unknown-need`, `cycle`, `gitlab-unsupported`).
    pub code: &'static str,
    /// The platform the diagnostic is about (`github`, `gitlab`, `codepipeline`), if any.
    pub platform: Option<&'static str>,
    /// Where in the model.
    pub path: Path,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of any severity.
    pub fn new(severity: Severity, code: &'static str, path: Path, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            platform: None,
            path,
            message: message.into(),
            hint: None,
        }
    }

    /// An error: the pipeline is not generated.
    pub fn error(code: &'static str, path: Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }

    /// A warning: files are generated anyway.
    pub fn warning(code: &'static str, path: Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }

    /// A notice: something to configure outside the generated files.
    pub fn notice(code: &'static str, path: Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Notice, code, path, message)
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the platform the diagnostic is about.
    #[must_use]
    pub fn on_platform(mut self, platform: &'static str) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Whether this diagnostic stops generation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.code)?;
        if let Some(platform) = self.platform {
            write!(f, " ({platform})")?;
        }
        write!(f, ": {}\n  --> {}", self.message, self.path)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// A problem noticed while the model was being built (an extension point that did not apply,
/// such as inserting a step after a step that does not exist). It is stored on the job or
/// pipeline and reported by validation with its path, so building never panics and every
/// problem is reported at once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Problem {
    /// A stable kebab-case code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Problem {
    /// A problem with a hint.
    pub fn new(code: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The problem as an error diagnostic at `path`.
    pub fn at(&self, path: Path) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: self.code,
            platform: None,
            path,
            message: self.message.clone(),
            hint: self.hint.clone(),
        }
    }
}

/// A collection of diagnostics, in the order they were found.
///
/// ```
/// use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
/// let mut all = Diagnostics::new();
/// all.push(Diagnostic::notice("approval-setting", Path::pipeline("ci"), "configure reviewers"));
/// assert!(!all.has_errors());
/// all.push(Diagnostic::error("empty-job", Path::pipeline("ci").job("x"), "job has no steps"));
/// assert!(all.has_errors());
/// assert_eq!(all.errors().count(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds every diagnostic of another collection.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// Every diagnostic.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// How many diagnostics there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a diagnostic with this code is present (handy in tests).
    pub fn contains_code(&self, code: &str) -> bool {
        self.0.iter().any(|d| d.code == code)
    }

    /// Sorts by severity (errors first) then path, and removes exact duplicates, so output is
    /// stable however the checks were ordered.
    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.path.cmp(&b.path)));
        self.0.dedup();
    }

    /// Turns the collection into a `Result`: `Err(self)` when it holds an error.
    pub fn into_result(self) -> Result<Diagnostics, Diagnostics> {
        if self.has_errors() { Err(self) } else { Ok(self) }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{d}")?;
        }
        let errors = self.errors().count();
        if errors > 0 {
            write!(
                f,
                "\n\n{errors} error{} found; no file was written.",
                if errors == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Suggests the closest candidate for a misspelt name, for "did you mean" hints.
///
/// ```
/// use pipeline_core::diagnostic::did_you_mean;
/// assert_eq!(did_you_mean("biuld", ["build", "test"]), Some("build".to_owned()));
/// assert_eq!(did_you_mean("zzz", ["build", "test"]), None);
/// ```
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_owned())
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
/// adjacent characters (`biuld` is one edit from `build`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("biuld", "build"), 1);
    }

    #[test]
    fn sorting_puts_errors_first_and_dedups() {
        let mut all = Diagnostics::new();
        let n = Diagnostic::notice("n", Path::pipeline("a"), "n");
        let e = Diagnostic::error("e", Path::pipeline("b"), "e");
        all.push(n.clone());
        all.push(e.clone());
        all.push(e.clone());
        all.sort();
        assert_eq!(all.iter().cloned().collect::<Vec<_>>(), vec![e, n]);
    }

    #[test]
    fn display_counts_errors() {
        let mut all = Diagnostics::new();
        all.push(Diagnostic::error("a", Path::pipeline("p"), "one"));
        all.push(Diagnostic::error("b", Path::pipeline("p"), "two").on_platform("gitlab"));
        let text = all.to_string();
        assert!(text.contains("error[b] (gitlab): two"), "{text}");
        assert!(text.ends_with("2 errors found; no file was written."), "{text}");
    }
}
