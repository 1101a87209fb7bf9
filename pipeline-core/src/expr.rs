//! Portable values: literals and references (built-in variables, secrets, inputs, job outputs,
//! matrix values, configuration variables) that each backend renders in its own syntax.
//!
//! Values reach scripts only through environment variables: a script body is plain text, and an
//! [`Expr`] is placed in `env`, so untrusted data (a branch name, a pull request title) is never
//! spliced into shell code.

use crate::id::{InputName, JobId, OutputName, SecretName, StepId, VarName};
use crate::token::PlatformToken;

/// A variable every platform provides, rendered per platform
/// (`github.sha`, `$CI_COMMIT_SHA`, `#{SourceVariables.CommitId}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Builtin {
    /// The full commit SHA being built.
    CommitSha,
    /// The short name of the branch or tag being built.
    RefName,
    /// An id unique to this run of the pipeline.
    RunId,
    /// The repository, as `owner/name` (or the platform's full path).
    Repository,
    /// The user who started the run.
    Actor,
    /// The directory the repository is checked out into.
    Workspace,
    /// What started the run, in the platform's own vocabulary.
    EventName,
    /// The source branch of a pull request. Untrusted: anyone who can open a pull request chooses
    /// it, so it must never be spliced into a script (the model only allows it in `env`).
    HeadRef,
}

impl Builtin {
    /// Every built-in, for exhaustive backend tests.
    pub const ALL: [Builtin; 8] = [
        Builtin::CommitSha,
        Builtin::RefName,
        Builtin::RunId,
        Builtin::Repository,
        Builtin::Actor,
        Builtin::Workspace,
        Builtin::EventName,
        Builtin::HeadRef,
    ];

    /// Whether a third party controls the value (and so it must only travel through `env`).
    pub fn is_untrusted(self) -> bool {
        matches!(self, Builtin::HeadRef)
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::CommitSha => "commit sha",
            Builtin::RefName => "ref name",
            Builtin::RunId => "run id",
            Builtin::Repository => "repository",
            Builtin::Actor => "actor",
            Builtin::Workspace => "workspace",
            Builtin::EventName => "event name",
            Builtin::HeadRef => "pull request head ref",
        }
    }
}

/// A typed handle on a job output: produced by a [`Step::set_output`](crate::Step::set_output)
/// step in job `job`, consumed by later jobs through `env`.
///
/// ```
/// use pipeline_core::prelude::*;
/// let build = Job::new("build").step(Step::set_output("version", "$(cat VERSION)"));
/// let version: OutputRef = build.output("version");
/// let deploy = Job::new("deploy").needs(&build).env("VERSION", version).step(Step::script("./deploy.sh"));
/// assert_eq!(deploy.needs[0], "build");
/// # pipeline_core::validate::assert_valid(&Pipeline::new("d").on(Trigger::push()).job(build).job(deploy));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutputRef {
    /// The job that produces the output.
    pub job: JobId,
    /// The output's name.
    pub name: OutputName,
}

impl OutputRef {
    /// A handle on output `name` of job `job`.
    pub fn new(job: impl Into<JobId>, name: impl Into<OutputName>) -> Self {
        Self {
            job: job.into(),
            name: name.into(),
        }
    }
}

/// A typed handle on a step output: exported by step `step` of a job with
/// [`Step::exports_output`](crate::Step::exports_output), read by the later steps of the same job
/// through `env` (docs/SEMANTICS.md, section 17).
///
/// ```
/// use pipeline_core::prelude::*;
/// let version = Step::script("echo \"version=1.2.3\" >> \"$PIPELINE_OUTPUT\"").id("meta").exports_output("version");
/// let read: StepOutput = version.output("version");
/// let job = Job::new("build")
///     .step(version)
///     .step(Step::script("echo \"$VERSION\"").env("VERSION", read));
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StepOutput {
    /// The step that exports the output (its id).
    pub step: StepId,
    /// The output's name.
    pub name: OutputName,
}

impl StepOutput {
    /// A handle on output `name` of step `step`.
    pub fn new(step: impl Into<StepId>, name: impl Into<OutputName>) -> Self {
        Self {
            step: step.into(),
            name: name.into(),
        }
    }
}

/// A portable string value.
///
/// ```
/// use pipeline_core::{Builtin, Expr};
/// let tag = Expr::concat(["registry.example.com/app:".into(), Expr::from(Builtin::CommitSha)]);
/// assert!(!tag.is_literal());
/// assert_eq!(Expr::from("plain").as_literal(), Some("plain"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A literal string, escaped as the platform needs.
    Literal(String),
    /// A built-in variable.
    Builtin(Builtin),
    /// A secret, by name; only allowed in `env` and action inputs.
    Secret(SecretName),
    /// An input of a manually started run.
    Input(InputName),
    /// An output of an earlier job (which must be in `needs`).
    Output(OutputRef),
    /// An output of an earlier step of the same job (only in a step's `env` or action inputs).
    StepOutput(StepOutput),
    /// The value of a matrix axis in the current cell.
    Matrix(String),
    /// A non-secret configuration variable set on the platform (GitHub `vars.X`, a GitLab CI/CD
    /// variable, a CloudFormation parameter on AWS).
    Var(VarName),
    /// The platform's job token with its scopes (a secret: only in `env` and action inputs; see
    /// [`crate::token`]).
    Token(PlatformToken),
    /// Several values joined.
    Concat(Vec<Expr>),
}

impl Expr {
    /// A literal.
    pub fn lit(value: impl Into<String>) -> Self {
        Expr::Literal(value.into())
    }

    /// A secret reference.
    pub fn secret(name: impl Into<SecretName>) -> Self {
        Expr::Secret(name.into())
    }

    /// A manual input reference.
    pub fn input(name: impl Into<InputName>) -> Self {
        Expr::Input(name.into())
    }

    /// A matrix axis reference.
    pub fn matrix(axis: impl Into<String>) -> Self {
        Expr::Matrix(axis.into())
    }

    /// A configuration variable reference.
    pub fn var(name: impl Into<VarName>) -> Self {
        Expr::Var(name.into())
    }

    /// Several values joined; adjacent literals are merged and a single part is unwrapped.
    pub fn concat(parts: impl IntoIterator<Item = Expr>) -> Self {
        let mut out: Vec<Expr> = Vec::new();
        for part in parts {
            let flattened = match part {
                Expr::Concat(inner) => inner,
                other => vec![other],
            };
            for p in flattened {
                match (out.last_mut(), p) {
                    (Some(Expr::Literal(prev)), Expr::Literal(next)) => prev.push_str(&next),
                    (_, Expr::Literal(next)) if next.is_empty() => {}
                    (_, p) => out.push(p),
                }
            }
        }
        match out.len() {
            0 => Expr::Literal(String::new()),
            1 => out.pop().unwrap_or_else(|| Expr::Literal(String::new())),
            _ => Expr::Concat(out),
        }
    }

    /// Whether this is a plain literal.
    pub fn is_literal(&self) -> bool {
        matches!(self, Expr::Literal(_))
    }

    /// The literal text, if this is a plain literal.
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            Expr::Literal(s) => Some(s),
            _ => None,
        }
    }

    /// The parts of this value: itself, or the parts of a concatenation.
    pub fn parts(&self) -> &[Expr] {
        match self {
            Expr::Concat(parts) => parts,
            other => std::slice::from_ref(other),
        }
    }

    /// Every secret this value references.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretName> {
        self.parts().iter().filter_map(|p| match p {
            Expr::Secret(s) => Some(s),
            _ => None,
        })
    }

    /// Every platform token this value holds.
    pub fn tokens(&self) -> impl Iterator<Item = &PlatformToken> {
        self.parts().iter().filter_map(|p| match p {
            Expr::Token(t) => Some(t),
            _ => None,
        })
    }

    /// Every job output this value references.
    pub fn outputs(&self) -> impl Iterator<Item = &OutputRef> {
        self.parts().iter().filter_map(|p| match p {
            Expr::Output(o) => Some(o),
            _ => None,
        })
    }

    /// Every step output this value references.
    pub fn step_outputs(&self) -> impl Iterator<Item = &StepOutput> {
        self.parts().iter().filter_map(|p| match p {
            Expr::StepOutput(o) => Some(o),
            _ => None,
        })
    }

    /// Every input this value references.
    pub fn inputs(&self) -> impl Iterator<Item = &InputName> {
        self.parts().iter().filter_map(|p| match p {
            Expr::Input(i) => Some(i),
            _ => None,
        })
    }

    /// Every matrix axis this value references.
    pub fn matrix_axes(&self) -> impl Iterator<Item = &str> {
        self.parts().iter().filter_map(|p| match p {
            Expr::Matrix(a) => Some(a.as_str()),
            _ => None,
        })
    }

    /// Every built-in this value references.
    pub fn builtins(&self) -> impl Iterator<Item = Builtin> + '_ {
        self.parts().iter().filter_map(|p| match p {
            Expr::Builtin(b) => Some(*b),
            _ => None,
        })
    }

    /// Every configuration variable this value references.
    pub fn vars(&self) -> impl Iterator<Item = &VarName> {
        self.parts().iter().filter_map(|p| match p {
            Expr::Var(v) => Some(v),
            _ => None,
        })
    }

    /// Renders the value with one closure per kind of part; backends use this so that adding a
    /// kind of reference is a compile error in every backend rather than a silent gap.
    pub fn render(&self, mut part: impl FnMut(&Expr) -> String) -> String {
        self.parts().iter().map(&mut part).collect()
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Expr::Literal(value.to_owned())
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Expr::Literal(value)
    }
}

impl From<&String> for Expr {
    fn from(value: &String) -> Self {
        Expr::Literal(value.clone())
    }
}

impl From<Builtin> for Expr {
    fn from(value: Builtin) -> Self {
        Expr::Builtin(value)
    }
}

impl From<OutputRef> for Expr {
    fn from(value: OutputRef) -> Self {
        Expr::Output(value)
    }
}

impl From<StepOutput> for Expr {
    fn from(value: StepOutput) -> Self {
        Expr::StepOutput(value)
    }
}

impl From<&StepOutput> for Expr {
    fn from(value: &StepOutput) -> Self {
        Expr::StepOutput(value.clone())
    }
}

impl From<PlatformToken> for Expr {
    fn from(value: PlatformToken) -> Self {
        Expr::Token(value)
    }
}

impl From<&PlatformToken> for Expr {
    fn from(value: &PlatformToken) -> Self {
        Expr::Token(value.clone())
    }
}

impl From<&OutputRef> for Expr {
    fn from(value: &OutputRef) -> Self {
        Expr::Output(value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_merges_literals_and_flattens() {
        let e = Expr::concat([
            "a".into(),
            "b".into(),
            Expr::concat(["c".into(), Builtin::RunId.into()]),
            "".into(),
            "d".into(),
        ]);
        assert_eq!(e, Expr::Concat(vec!["abc".into(), Builtin::RunId.into(), "d".into()]));
        assert_eq!(Expr::concat(["x".into()]), Expr::lit("x"));
        assert_eq!(Expr::concat([]), Expr::lit(""));
    }

    #[test]
    fn references_are_listed() {
        let e = Expr::concat([
            Expr::secret("TOKEN"),
            "-".into(),
            OutputRef::new("build", "version").into(),
            Expr::input("reason"),
            Expr::matrix("os"),
        ]);
        assert_eq!(e.secrets().map(|s| s.as_str()).collect::<Vec<_>>(), ["TOKEN"]);
        assert_eq!(e.outputs().count(), 1);
        assert_eq!(e.inputs().count(), 1);
        assert_eq!(e.matrix_axes().collect::<Vec<_>>(), ["os"]);
    }
}
