//! Portable conditions: when a job or step runs, rendered per platform
//! (`if:` on GitHub, `rules:` on GitLab, guards or stage conditions on CodePipeline).

use std::ops;

use crate::id::{InputName, JobId, VarName};

mod need;
mod text;

pub use need::JobResult;
pub use text::{Subject, TextOp, TextTest};

/// What started a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    /// A push of a branch or tag.
    Push,
    /// A pull (merge) request.
    PullRequest,
    /// A scheduled run.
    Schedule,
    /// A manual run.
    Manual,
}

impl Event {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Event::Push => "push",
            Event::PullRequest => "pull request",
            Event::Schedule => "schedule",
            Event::Manual => "manual run",
        }
    }
}

/// A condition on the run, combinable with `&`, `|` and `!`.
///
/// ```
/// use pipeline_core::{Condition, Event};
/// let on_main = Condition::branch("main") & Condition::event(Event::Push);
/// let c = on_main | Condition::tag();
/// assert!(matches!(c, Condition::Or(_)));
/// assert!(matches!(!Condition::tag(), Condition::Not(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    /// Always run, even when earlier jobs failed or the run was cancelled.
    Always,
    /// On a job: run only when a job it directly needs failed (the trigger of rollback and
    /// notification jobs; a job skipped because something further upstream failed does not
    /// count). On a step: run only when an earlier step of the job failed.
    Failure,
    /// The ref being built is the branch with this exact name.
    Branch(String),
    /// The ref being built is a tag.
    Tag,
    /// The run was started by this event.
    Event(Event),
    /// A manual input has this value.
    InputEquals(InputName, String),
    /// A subject of the run compared with a string, ASCII case ignored ([`Subject::equals`] and
    /// its siblings).
    Text(TextTest),
    /// The run is for a pull request whose source branch lives in another repository (a fork).
    Fork,
    /// A job this job needs ended with this result (job conditions only; [`Condition::need`]).
    Need(JobId, JobResult),
    /// All of them.
    And(Vec<Condition>),
    /// Any of them.
    Or(Vec<Condition>),
    /// Not this.
    Not(Box<Condition>),
}

impl Condition {
    /// The ref is the branch `name`.
    pub fn branch(name: impl Into<String>) -> Self {
        Condition::Branch(name.into())
    }

    /// The ref is a tag.
    pub fn tag() -> Self {
        Condition::Tag
    }

    /// The run was started by `event`.
    pub fn event(event: Event) -> Self {
        Condition::Event(event)
    }

    /// An earlier job failed.
    pub fn failure() -> Self {
        Condition::Failure
    }

    /// Always.
    pub fn always() -> Self {
        Condition::Always
    }

    /// The run is for a pull request from a fork: false on every other event.
    ///
    /// ```
    /// use pipeline_core::{Condition, Event};
    /// // Secrets-free checks for forks, the deploy preview only for pull requests from here.
    /// let preview = Condition::event(Event::PullRequest) & !Condition::fork();
    /// assert_eq!(preview.to_string(), "started by pull request and not from a fork");
    /// ```
    pub fn fork() -> Self {
        Condition::Fork
    }

    /// Job `job`, which this job needs, ended with `result`. Like `failure()` and `always()`, it
    /// replaces the implicit "every needed job succeeded".
    ///
    /// ```
    /// use pipeline_core::condition::JobResult;
    /// use pipeline_core::prelude::*;
    /// let build = Job::new("build").step(Step::script("make"));
    /// let report = Job::new("report")
    ///     .needs(&build)
    ///     .when(Condition::need("build", JobResult::Failure))
    ///     .step(Step::script("./report-failure.sh"));
    /// assert!(report.condition.as_ref().is_some_and(Condition::mentions_status));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("p").on(Trigger::push()).job(build).job(report));
    /// ```
    pub fn need(job: impl Into<JobId>, result: JobResult) -> Self {
        Condition::Need(job.into(), result)
    }

    /// Manual input `name` equals `value`.
    pub fn input_equals(name: impl Into<InputName>, value: impl Into<String>) -> Self {
        Condition::InputEquals(name.into(), value.into())
    }

    /// Whether the condition (anywhere inside) depends on the status of earlier jobs.
    pub fn mentions_status(&self) -> bool {
        match self {
            Condition::Always | Condition::Failure | Condition::Need(..) => true,
            Condition::And(cs) | Condition::Or(cs) => cs.iter().any(Condition::mentions_status),
            Condition::Not(c) => c.mentions_status(),
            _ => false,
        }
    }

    /// Every input the condition reads.
    pub fn inputs(&self) -> Vec<&InputName> {
        let mut out = Vec::new();
        self.visit(&mut |c| match c {
            Condition::InputEquals(name, _)
            | Condition::Text(TextTest {
                subject: Subject::Input(name),
                ..
            }) => out.push(name),
            _ => {}
        });
        out
    }

    /// Every configuration variable the condition reads.
    pub fn vars(&self) -> Vec<&VarName> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Text(TextTest {
                subject: Subject::Var(name),
                ..
            }) = c
            {
                out.push(name);
            }
        });
        out
    }

    /// Every matrix axis the condition reads.
    ///
    /// ```
    /// use pipeline_core::condition::Subject;
    /// let c = Subject::matrix("os").equals("windows") | Subject::matrix("rust").equals("nightly");
    /// assert_eq!(c.matrix_axes(), ["os", "rust"]);
    /// ```
    pub fn matrix_axes(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Text(TextTest {
                subject: Subject::Matrix(axis),
                ..
            }) = c
            {
                out.push(axis.as_str());
            }
        });
        out
    }

    /// Every text test of the condition.
    pub fn text_tests(&self) -> Vec<&TextTest> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Text(t) = c {
                out.push(t);
            }
        });
        out
    }

    /// Calls `f` on this condition and every condition inside it.
    pub fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Condition)) {
        f(self);
        match self {
            Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| c.visit(f)),
            Condition::Not(c) => c.visit(f),
            _ => {}
        }
    }

    /// The negation normal form: `Not` pushed down to the leaves (De Morgan), nested `And`/`Or`
    /// flattened and double negations removed. Platforms without a `not` operator (GitLab rules)
    /// render from this form.
    ///
    /// ```
    /// use pipeline_core::Condition;
    /// let c = !(Condition::branch("main") & !Condition::tag());
    /// assert_eq!(
    ///     c.to_nnf(),
    ///     Condition::Or(vec![!Condition::branch("main"), Condition::tag()]),
    /// );
    /// ```
    #[must_use]
    pub fn to_nnf(&self) -> Condition {
        fn go(c: &Condition, negate: bool) -> Condition {
            match (c, negate) {
                (Condition::Not(inner), n) => go(inner, !n),
                (Condition::And(cs), false) | (Condition::Or(cs), true) => {
                    flatten(cs.iter().map(|c| go(c, negate)).collect(), true)
                }
                (Condition::Or(cs), false) | (Condition::And(cs), true) => {
                    flatten(cs.iter().map(|c| go(c, negate)).collect(), false)
                }
                (leaf, false) => leaf.clone(),
                (leaf, true) => Condition::Not(Box::new(leaf.clone())),
            }
        }
        fn flatten(items: Vec<Condition>, and: bool) -> Condition {
            let mut out = Vec::new();
            for item in items {
                match (item, and) {
                    (Condition::And(inner), true) | (Condition::Or(inner), false) => out.extend(inner),
                    (other, _) => out.push(other),
                }
            }
            if out.len() == 1 {
                return out.remove(0);
            }
            if and { Condition::And(out) } else { Condition::Or(out) }
        }
        go(self, false)
    }
}

impl ops::BitAnd for Condition {
    type Output = Condition;
    fn bitand(self, rhs: Condition) -> Condition {
        match self {
            Condition::And(mut cs) => {
                cs.push(rhs);
                Condition::And(cs)
            }
            other => Condition::And(vec![other, rhs]),
        }
    }
}

impl ops::BitOr for Condition {
    type Output = Condition;
    fn bitor(self, rhs: Condition) -> Condition {
        match self {
            Condition::Or(mut cs) => {
                cs.push(rhs);
                Condition::Or(cs)
            }
            other => Condition::Or(vec![other, rhs]),
        }
    }
}

impl ops::Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        match self {
            Condition::Not(inner) => *inner,
            other => Condition::Not(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nnf_pushes_negation_to_leaves() {
        let c = !(Condition::branch("a") | (Condition::tag() & !Condition::event(Event::Push)));
        assert_eq!(
            c.to_nnf(),
            Condition::And(vec![
                !Condition::branch("a"),
                Condition::Or(vec![!Condition::tag(), Condition::event(Event::Push)]),
            ])
        );
    }

    #[test]
    fn double_negation_cancels() {
        assert_eq!(!!Condition::tag(), Condition::tag());
        assert_eq!(Condition::Not(Box::new(!Condition::tag())).to_nnf(), Condition::tag());
    }

    #[test]
    fn status_detection() {
        assert!((Condition::failure() & Condition::branch("main")).mentions_status());
        assert!(!(Condition::tag() | Condition::branch("main")).mentions_status());
    }
}

/// A condition in words, for docs and messages: `branch is "main" and (tag pushed or manual run)`.
impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn go(c: &Condition, nested: bool, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let list = |cs: &[Condition], sep: &str, f: &mut std::fmt::Formatter<'_>| -> std::fmt::Result {
                if nested {
                    f.write_str("(")?;
                }
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    go(c, true, f)?;
                }
                if nested { f.write_str(")") } else { Ok(()) }
            };
            match c {
                Condition::Always => f.write_str("always"),
                Condition::Failure => f.write_str("an earlier job failed"),
                Condition::Branch(b) => write!(f, "branch is {b:?}"),
                Condition::Tag => f.write_str("a tag is built"),
                Condition::Event(e) => write!(f, "started by {}", e.name()),
                Condition::InputEquals(i, v) => write!(f, "input {:?} is {v:?}", i.as_str()),
                Condition::Text(t) => write!(f, "{t}"),
                Condition::Fork => f.write_str("from a fork"),
                Condition::Need(j, r) => write!(f, "job {:?} ended in {}", j.as_str(), r.name()),
                Condition::And(cs) => list(cs, " and ", f),
                Condition::Or(cs) => list(cs, " or ", f),
                Condition::Not(c) => {
                    f.write_str("not ")?;
                    go(c, true, f)
                }
            }
        }
        go(self, false, f)
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn conditions_read_as_words() {
        let c =
            Condition::branch("main") & (Condition::tag() | Condition::event(Event::Manual)) & !Condition::failure();
        assert_eq!(
            c.to_string(),
            "branch is \"main\" and (a tag is built or started by manual run) and not an earlier job failed"
        );
    }
}
