//! What a local run is for (event, branch, tag, inputs) and how conditions, triggers and values
//! evaluate in it.

use std::collections::BTreeMap;

use crate::condition::{Condition, Event, JobResult, Subject};
use crate::expr::{Builtin, Expr};
use crate::pipeline::Pipeline;
use crate::trigger::Trigger;

/// The event a local run simulates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LocalEvent {
    /// A push of a branch.
    #[default]
    Push,
    /// A push of a tag.
    Tag,
    /// A pull (merge) request.
    PullRequest,
    /// A manual run.
    Manual,
    /// A scheduled run.
    Schedule,
}

impl LocalEvent {
    /// Every event, in the order `--event` lists them.
    pub const ALL: [LocalEvent; 5] = [
        LocalEvent::Push,
        LocalEvent::Tag,
        LocalEvent::PullRequest,
        LocalEvent::Manual,
        LocalEvent::Schedule,
    ];

    /// The name `--event` takes.
    pub fn name(self) -> &'static str {
        match self {
            LocalEvent::Push => "push",
            LocalEvent::Tag => "tag",
            LocalEvent::PullRequest => "pull-request",
            LocalEvent::Manual => "manual",
            LocalEvent::Schedule => "schedule",
        }
    }

    /// Parses an `--event` name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The model's event this is.
    pub fn event(self) -> Event {
        match self {
            LocalEvent::Push | LocalEvent::Tag => Event::Push,
            LocalEvent::PullRequest => Event::PullRequest,
            LocalEvent::Manual => Event::Manual,
            LocalEvent::Schedule => Event::Schedule,
        }
    }
}

/// The facts of one local run that conditions and values read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// What started the run.
    pub event: LocalEvent,
    /// The branch being built (for a pull request: its source branch); `None` for a tag.
    pub branch: Option<String>,
    /// The tag being built.
    pub tag: Option<String>,
    /// Every input of the pipeline with its value (defaults included).
    pub inputs: BTreeMap<String, String>,
    /// The commit being built.
    pub commit_sha: String,
    /// The repository, `owner/name` when the origin remote says so.
    pub repository: String,
    /// Who started the run.
    pub actor: String,
    /// An id unique to this run.
    pub run_id: String,
    /// The files changed since `--changed-since REF` (committed since it, and uncommitted);
    /// `None` without a base, when path-filtered jobs run (docs/SEMANTICS.md, section 19).
    pub changed_paths: Option<Vec<String>>,
    /// The target branch of a pull request run (`--base`, default `main`).
    pub base: Option<String>,
    /// Whether a pull request run comes from a fork (`--fork`).
    pub fork: bool,
}

/// The status of the jobs a job needs, or of the earlier steps of a job, for `Always` and
/// `Failure`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// A directly needed job failed (for a job), or an earlier step failed (for a step).
    pub failed: bool,
}

impl Context {
    /// Whether a job with path filter `patterns` runs: no filter, no base, or a changed file
    /// matches (see [`crate::changes`]).
    pub fn changed(&self, patterns: &[String]) -> bool {
        patterns.is_empty()
            || self
                .changed_paths
                .as_ref()
                .is_none_or(|files| files.iter().any(|f| crate::changes::matches(patterns, f)))
    }

    /// The name of the ref being built (the tag, else the branch).
    pub fn ref_name(&self) -> &str {
        self.tag.as_deref().or(self.branch.as_deref()).unwrap_or("")
    }

    /// Whether `condition` holds; `status` answers `Always` and `Failure`. Matrix values hold no
    /// text here: a step condition on them is decided by [`Context::holds_in`].
    pub fn holds(&self, condition: &Condition, status: Status) -> bool {
        self.holds_in(condition, status, &[])
    }

    /// The text of `subject` in this run and matrix `cell`; `None` when the run has none (the
    /// branch of a tag or pull request run, the pull request branches of a push).
    pub fn subject(&self, subject: &Subject, cell: &[(String, String)]) -> Option<String> {
        let pull_request = self.event == LocalEvent::PullRequest;
        match subject {
            Subject::Branch if pull_request || self.tag.is_some() => None,
            Subject::Branch => self.branch.clone(),
            Subject::Tag => self.tag.clone(),
            Subject::PullRequestBase if pull_request => Some(self.base.clone().unwrap_or_else(|| "main".into())),
            Subject::PullRequestHead if pull_request => self.branch.clone(),
            Subject::PullRequestBase | Subject::PullRequestHead => None,
            Subject::Repository => Some(self.repository.clone()),
            Subject::Actor => Some(self.actor.clone()),
            Subject::Input(name) => self.inputs.get(name.as_str()).cloned(),
            Subject::Var(name) => std::env::var(name.as_str()).ok(),
            Subject::Matrix(axis) => cell.iter().find(|(a, _)| a == axis).map(|(_, v)| v.clone()),
        }
    }

    /// Whether `condition` holds in matrix `cell` (a step condition may read its values).
    ///
    /// ```
    /// use pipeline_core::condition::Subject;
    /// use pipeline_core::run::{Context, Status};
    /// let ctx = Context::default();
    /// let c = Subject::matrix("os").starts_with("Windows");
    /// let cell = [("os".to_owned(), "windows-latest".to_owned())];
    /// assert!(ctx.holds_in(&c, Status::default(), &cell));
    /// assert!(!ctx.holds(&c, Status::default()));
    /// ```
    pub fn holds_in(&self, condition: &Condition, status: Status, cell: &[(String, String)]) -> bool {
        self.eval(condition, status, cell, &[])
    }

    /// Whether a job's `condition` holds, given how each job it needs ended.
    ///
    /// ```
    /// use pipeline_core::condition::JobResult;
    /// use pipeline_core::run::{Context, Status};
    /// use pipeline_core::Condition;
    /// let c = Condition::need("build", JobResult::Failure);
    /// let ctx = Context::default();
    /// assert!(ctx.holds_for_job(&c, Status { failed: true }, &[("build", JobResult::Failure)]));
    /// assert!(!ctx.holds_for_job(&c, Status::default(), &[("build", JobResult::Success)]));
    /// ```
    pub fn holds_for_job(&self, condition: &Condition, status: Status, needs: &[(&str, JobResult)]) -> bool {
        self.eval(condition, status, &[], needs)
    }

    fn eval(
        &self,
        condition: &Condition,
        status: Status,
        cell: &[(String, String)],
        needs: &[(&str, JobResult)],
    ) -> bool {
        let go = |c: &Condition| self.eval(c, status, cell, needs);
        match condition {
            Condition::Need(job, result) => needs.iter().any(|(j, r)| *j == job.as_str() && r == result),
            Condition::Text(t) => t.matches(self.subject(&t.subject, cell).as_deref()),
            Condition::Fork => self.event == LocalEvent::PullRequest && self.fork,
            Condition::Always => true,
            Condition::Failure => status.failed,
            Condition::Branch(b) => self.tag.is_none() && self.branch.as_deref() == Some(b.as_str()),
            Condition::Tag => self.tag.is_some(),
            Condition::Event(e) => self.event.event() == *e,
            Condition::InputEquals(name, value) => self.inputs.get(name.as_str()) == Some(value),
            Condition::And(cs) => cs.iter().all(go),
            Condition::Or(cs) => cs.iter().any(go),
            Condition::Not(c) => !go(c),
        }
    }

    /// Whether `pipeline` starts for this run, and if not, why. Path filters cannot be decided
    /// locally (there is no "before" commit): they count as matching, which the second value
    /// says.
    pub fn triggers(&self, pipeline: &Pipeline) -> (bool, Vec<String>) {
        let mut notes = Vec::new();
        let started = pipeline.triggers.iter().any(|t| {
            let (matches, paths) = match (t, self.event) {
                (Trigger::Push(p), LocalEvent::Push) => (
                    (p.branches.is_empty() && p.tags.is_empty())
                        || p.branches
                            .iter()
                            .any(|b| glob_match(b, self.branch.as_deref().unwrap_or(""))),
                    &p.paths,
                ),
                (Trigger::Push(p), LocalEvent::Tag) => (
                    (p.branches.is_empty() && p.tags.is_empty())
                        || p.tags.iter().any(|b| glob_match(b, self.tag.as_deref().unwrap_or(""))),
                    &p.paths,
                ),
                (Trigger::PullRequest(p), LocalEvent::PullRequest) => {
                    if !p.branches.is_empty() {
                        notes.push(format!(
                            "the pull request's target branch is not known locally: the filter {} counts as matching",
                            p.branches.join(", ")
                        ));
                    }
                    (true, &p.paths)
                }
                (Trigger::Schedule(_), LocalEvent::Schedule) | (Trigger::Manual(_), LocalEvent::Manual) => {
                    return true;
                }
                _ => return false,
            };
            if matches && !paths.is_empty() {
                notes.push(format!(
                    "path filters ({}) are not evaluated locally: they count as matching",
                    paths.join(", ")
                ));
            }
            matches
        });
        (started, notes)
    }

    /// The value of `expr` for a job; `lookup` answers secrets, configuration variables, job
    /// outputs and matrix values (`None`: not available, an empty string).
    pub fn value(&self, expr: &Expr, workspace: &str, lookup: &mut dyn FnMut(&Expr) -> Option<String>) -> String {
        expr.render(|part| match part {
            Expr::Literal(s) => s.clone(),
            Expr::Builtin(b) => match b {
                Builtin::CommitSha => self.commit_sha.clone(),
                Builtin::RefName => self.ref_name().to_owned(),
                Builtin::RunId => self.run_id.clone(),
                Builtin::Repository => self.repository.clone(),
                Builtin::Actor => self.actor.clone(),
                Builtin::Workspace => workspace.to_owned(),
                Builtin::EventName => self.event.name().to_owned(),
                Builtin::HeadRef => match self.event {
                    LocalEvent::PullRequest => self.branch.clone().unwrap_or_default(),
                    _ => String::new(),
                },
            },
            Expr::Input(name) => self.inputs.get(name.as_str()).cloned().unwrap_or_default(),
            Expr::Secret(_)
            | Expr::Token(_)
            | Expr::Var(_)
            | Expr::Output(_)
            | Expr::StepOutput(_)
            | Expr::Matrix(_) => lookup(part).unwrap_or_default(),
            Expr::Concat(inner) => inner
                .iter()
                .map(|p| self.value(p, workspace, lookup))
                .collect::<String>(),
        })
    }
}

/// Glob matching as the platforms' branch filters and artifact paths use it: `*` matches any
/// characters but `/`, `**` any characters, `?` one character but `/`.
///
/// ```
/// use pipeline_core::run::glob_match;
/// assert!(glob_match("release/**", "release/1.2/hotfix"));
/// assert!(glob_match("v*", "v1.2.3"));
/// assert!(!glob_match("dist/*", "dist/a/b"));
/// assert!(glob_match("dist/**/*.txt", "dist/a/b.txt"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let mut rest = &p[2..];
                // `**/` also matches no directory at all.
                if rest.first() == Some(&b'/') && go(&rest[1..], t) {
                    return true;
                }
                if rest.first() == Some(&b'/') {
                    rest = &p[2..];
                }
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            Some(b'*') => {
                let rest = &p[1..];
                for i in 0..=t.len() {
                    if go(rest, &t[i..]) {
                        return true;
                    }
                    if t.get(i) == Some(&b'/') {
                        break;
                    }
                }
                false
            }
            Some(b'?') => t.first().is_some_and(|c| *c != b'/') && go(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Whether a path pattern has glob characters.
pub(crate) fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(event: LocalEvent, branch: Option<&str>, tag: Option<&str>) -> Context {
        Context {
            event,
            branch: branch.map(str::to_owned),
            tag: tag.map(str::to_owned),
            ..Context::default()
        }
    }

    #[test]
    fn conditions_evaluate() {
        let push_main = ctx(LocalEvent::Push, Some("main"), None);
        let tag = ctx(LocalEvent::Tag, None, Some("v1"));
        let c = Condition::branch("main") & Condition::event(Event::Push);
        assert!(push_main.holds(&c, Status::default()));
        assert!(!tag.holds(&c, Status::default()));
        assert!(tag.holds(&Condition::tag(), Status::default()));
        assert!(tag.holds(&Condition::event(Event::Push), Status::default()));
        assert!(!push_main.holds(&Condition::failure(), Status::default()));
        assert!(push_main.holds(&Condition::failure(), Status { failed: true }));
        assert!(push_main.holds(&!Condition::tag(), Status::default()));
    }

    #[test]
    fn triggers_select_the_run() {
        let p = Pipeline::new("p")
            .on(Trigger::push().branches(["main", "release/**"]))
            .on(Trigger::manual());
        assert!(ctx(LocalEvent::Push, Some("release/1/x"), None).triggers(&p).0);
        assert!(!ctx(LocalEvent::Push, Some("feature"), None).triggers(&p).0);
        assert!(!ctx(LocalEvent::Tag, None, Some("v1")).triggers(&p).0);
        assert!(ctx(LocalEvent::Manual, Some("feature"), None).triggers(&p).0);
        assert!(!ctx(LocalEvent::Schedule, Some("main"), None).triggers(&p).0);
    }

    #[test]
    fn globs() {
        assert!(glob_match("**", "a/b"));
        assert!(glob_match("**/x", "x"));
        assert!(glob_match("a/?", "a/b"));
        assert!(!glob_match("a/?", "a/"));
        assert!(!glob_match("main", "main2"));
    }
}
