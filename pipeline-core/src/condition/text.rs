//! Text tests: a typed [`Subject`] of the run (branch, tag, pull request branches, repository,
//! actor, an input, a configuration variable, a matrix value) compared with a string.
//!
//! Every platform compares the same way (docs/SEMANTICS.md, section "Text conditions"):
//! ASCII letters ignore case (GitHub's expression functions always do; GitLab rules use an
//! anchored `/…/i` regular expression with the value escaped; shells lower-case both sides), and
//! a subject the run does not have (the branch of a tag build, the base branch of a push) holds
//! no text, so every test on it is false and its negation true.

use crate::id::{InputName, VarName};

use super::Condition;

/// What a text test reads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// The branch being built; none for a tag or a pull request run.
    Branch,
    /// The tag being built; none unless a tag is built.
    Tag,
    /// The target (base) branch of a pull request; none on other events.
    PullRequestBase,
    /// The source (head) branch of a pull request; none on other events. Chosen by whoever opens
    /// the pull request: compared as data, never spliced into syntax.
    PullRequestHead,
    /// The repository, `owner/name` (GitLab: the project's full path).
    Repository,
    /// The user who started the run.
    Actor,
    /// A manual input (its default outside manual runs).
    Input(InputName),
    /// A configuration variable set on the platform.
    Var(VarName),
    /// The value of a matrix axis in the current cell (step conditions only: no platform knows
    /// the cell when it decides whether a job runs).
    Matrix(String),
}

/// How the subject is compared with the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextOp {
    /// The whole subject is the value.
    Equals,
    /// The subject starts with the value.
    StartsWith,
    /// The subject ends with the value.
    EndsWith,
    /// The value occurs in the subject.
    Contains,
}

impl TextOp {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            TextOp::Equals => "is",
            TextOp::StartsWith => "starts with",
            TextOp::EndsWith => "ends with",
            TextOp::Contains => "contains",
        }
    }
}

/// A comparison of a subject with a string (ASCII case ignored).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextTest {
    /// What is compared.
    pub subject: Subject,
    /// How.
    pub op: TextOp,
    /// With what: plain data on every platform.
    pub value: String,
}

impl Subject {
    /// A manual input as a subject.
    pub fn input(name: impl Into<InputName>) -> Self {
        Subject::Input(name.into())
    }

    /// A configuration variable as a subject.
    pub fn var(name: impl Into<VarName>) -> Self {
        Subject::Var(name.into())
    }

    /// A matrix axis as a subject (step conditions only).
    pub fn matrix(axis: impl Into<String>) -> Self {
        Subject::Matrix(axis.into())
    }

    fn test(self, op: TextOp, value: impl Into<String>) -> Condition {
        Condition::Text(TextTest {
            subject: self,
            op,
            value: value.into(),
        })
    }

    /// The subject is `value` (ASCII case ignored).
    ///
    /// ```
    /// use pipeline_core::condition::{Subject, TextOp};
    /// use pipeline_core::Condition;
    /// let c = Subject::PullRequestBase.equals("main");
    /// let Condition::Text(t) = &c else { unreachable!() };
    /// assert_eq!((t.op, t.value.as_str()), (TextOp::Equals, "main"));
    /// assert_eq!(c.to_string(), "pull request base branch is \"main\"");
    /// ```
    pub fn equals(self, value: impl Into<String>) -> Condition {
        self.test(TextOp::Equals, value)
    }

    /// The subject starts with `value`.
    ///
    /// ```
    /// use pipeline_core::condition::Subject;
    /// let c = Subject::Branch.starts_with("release/");
    /// assert_eq!(c.to_string(), "branch starts with \"release/\"");
    /// ```
    pub fn starts_with(self, value: impl Into<String>) -> Condition {
        self.test(TextOp::StartsWith, value)
    }

    /// The subject ends with `value`.
    ///
    /// ```
    /// use pipeline_core::condition::Subject;
    /// let c = Subject::Tag.ends_with("-rc");
    /// assert_eq!(c.to_string(), "tag ends with \"-rc\"");
    /// ```
    pub fn ends_with(self, value: impl Into<String>) -> Condition {
        self.test(TextOp::EndsWith, value)
    }

    /// `value` occurs in the subject.
    ///
    /// ```
    /// use pipeline_core::condition::Subject;
    /// let c = Subject::matrix("os").contains("windows");
    /// assert_eq!(c.to_string(), "matrix value \"os\" contains \"windows\"");
    /// ```
    pub fn contains(self, value: impl Into<String>) -> Condition {
        self.test(TextOp::Contains, value)
    }

    /// A name for messages.
    pub fn name(&self) -> String {
        match self {
            Subject::Branch => "branch".into(),
            Subject::Tag => "tag".into(),
            Subject::PullRequestBase => "pull request base branch".into(),
            Subject::PullRequestHead => "pull request head branch".into(),
            Subject::Repository => "repository".into(),
            Subject::Actor => "actor".into(),
            Subject::Input(i) => format!("input {:?}", i.as_str()),
            Subject::Var(v) => format!("variable {:?}", v.as_str()),
            Subject::Matrix(a) => format!("matrix value {a:?}"),
        }
    }
}

impl TextTest {
    /// Whether `subject` (the run's text, `None` when the run has no such subject) passes the
    /// test, comparing ASCII letters without case: the reference every lowering follows.
    ///
    /// ```
    /// use pipeline_core::condition::{Subject, TextOp, TextTest};
    /// let t = TextTest { subject: Subject::Branch, op: TextOp::StartsWith, value: "Release/".into() };
    /// assert!(t.matches(Some("release/1.0")));
    /// assert!(!t.matches(Some("main")));
    /// assert!(!t.matches(None));
    /// ```
    pub fn matches(&self, subject: Option<&str>) -> bool {
        let Some(subject) = subject else { return false };
        let s = subject.to_ascii_lowercase();
        let v = self.value.to_ascii_lowercase();
        if v.is_empty() {
            return false;
        }
        match self.op {
            TextOp::Equals => s == v,
            TextOp::StartsWith => s.starts_with(&v),
            TextOp::EndsWith => s.ends_with(&v),
            TextOp::Contains => s.contains(&v),
        }
    }

    /// What is wrong with the value for a portable comparison, if anything: it must be non-empty
    /// (an empty value would tell an absent subject from an empty one differently per platform),
    /// printable ASCII (case folding beyond ASCII differs per platform), without line breaks.
    ///
    /// ```
    /// use pipeline_core::condition::Subject;
    /// use pipeline_core::Condition;
    /// let Condition::Text(t) = Subject::Actor.equals("") else { unreachable!() };
    /// assert!(t.problem().is_some());
    /// let Condition::Text(t) = Subject::Actor.equals("main' || true") else { unreachable!() };
    /// assert!(t.problem().is_none());
    /// ```
    pub fn problem(&self) -> Option<String> {
        if self.value.is_empty() {
            return Some(format!("the value compared with the {} is empty", self.subject.name()));
        }
        if let Some(c) = self.value.chars().find(|c| !(' '..='~').contains(c)) {
            return Some(format!(
                "the value {:?} compared with the {} holds {c:?}, which is not printable ASCII",
                self.value,
                self.subject.name()
            ));
        }
        None
    }
}

impl std::fmt::Display for TextTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {:?}", self.subject.name(), self.op.name(), self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(op: TextOp, value: &str) -> TextTest {
        TextTest {
            subject: Subject::Branch,
            op,
            value: value.into(),
        }
    }

    #[test]
    fn ascii_case_is_ignored_and_absent_subjects_never_match() {
        assert!(t(TextOp::Equals, "MAIN").matches(Some("main")));
        assert!(!t(TextOp::Equals, "main").matches(Some("main2")));
        assert!(t(TextOp::EndsWith, "-RC").matches(Some("v1-rc")));
        assert!(t(TextOp::Contains, "Fix").matches(Some("hotfix/x")));
        assert!(!t(TextOp::Contains, "x").matches(None));
        assert!(!t(TextOp::Equals, "").matches(Some("")));
    }

    #[test]
    fn problems() {
        assert!(t(TextOp::Equals, "a\nb").problem().is_some());
        assert!(t(TextOp::Equals, "café").problem().is_some());
        assert!(t(TextOp::Equals, "${{ x }}'\"$`\\").problem().is_none());
    }
}
