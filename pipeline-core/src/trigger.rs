//! Triggers: what starts a pipeline.

use crate::id::InputName;

/// What starts a pipeline.
///
/// ```
/// use pipeline_core::prelude::*;
/// let triggers = [
///     Trigger::push().branches(["main"]).tags(["v*"]).into(),
///     Trigger::pull_request().branches(["main"]).paths(["src/**"]).into(),
///     Trigger::schedule("0 3 * * 1"),
///     Trigger::manual().input(Input::choice("target", "Where to deploy", ["staging", "production"])).into(),
/// ];
/// assert!(matches!(triggers[2], Trigger::Schedule(_)));
/// # let p = triggers.into_iter().fold(Pipeline::new("ci"), |p, t| p.on(t));
/// # let p = p.job(Job::new("deploy").env("TARGET", Expr::input("target")).step(Step::script("./deploy.sh \"$TARGET\"")));
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A push of matching branches or tags.
    Push(Push),
    /// A pull (merge) request targeting matching branches.
    PullRequest(PullRequest),
    /// A time schedule.
    Schedule(Schedule),
    /// A manual run, with typed inputs.
    Manual(Manual),
}

impl Trigger {
    /// A push trigger with no filters (every branch and tag push) to refine.
    pub fn push() -> Push {
        Push::default()
    }

    /// A pull request trigger with no filters to refine.
    pub fn pull_request() -> PullRequest {
        PullRequest::default()
    }

    /// A schedule in cron syntax (five fields, UTC).
    pub fn schedule(cron: impl Into<String>) -> Trigger {
        Trigger::Schedule(Schedule { cron: cron.into() })
    }

    /// A manual trigger without inputs to refine.
    pub fn manual() -> Manual {
        Manual::default()
    }
}

/// Push filters. With neither branches nor tags, every push triggers; with only branches, tag
/// pushes do not; with only tags, branch pushes do not.
///
/// Branch and tag patterns are GitHub's filter patterns: `*` matches within one `/` segment,
/// `**` across segments, `[..]` one character of a set, `?` zero or one of the preceding
/// character, `+` one or more of it, and a leading `!` excludes. GitLab gets them as regular
/// expressions, CodePipeline as its globs (where `?` is one character and `+` is literal):
/// `v1.2?` becomes `v1.{2,}` there, and a repetition a glob cannot say (`v[0-9]+.[0-9]+`) is
/// refused on CodePipeline (`codepipeline-unsupported`). Patterns of `*`, `**` and `[..]` only
/// mean the same everywhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Push {
    /// Branch name patterns (`main`, `release/**`).
    pub branches: Vec<String>,
    /// Tag name patterns (`v*`).
    pub tags: Vec<String>,
    /// Path patterns; when set, only pushes touching a matching file trigger.
    pub paths: Vec<String>,
}

impl Push {
    /// Adds branch patterns.
    #[must_use]
    pub fn branches<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.branches.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Adds tag patterns.
    #[must_use]
    pub fn tags<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.tags.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Adds path patterns.
    #[must_use]
    pub fn paths<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.paths.extend(patterns.into_iter().map(Into::into));
        self
    }
}

impl From<Push> for Trigger {
    fn from(value: Push) -> Self {
        Trigger::Push(value)
    }
}

/// Pull request filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullRequest {
    /// Target branch patterns; empty means every target branch.
    pub branches: Vec<String>,
    /// Path patterns; when set, only pull requests touching a matching file trigger.
    pub paths: Vec<String>,
}

impl PullRequest {
    /// Adds target branch patterns.
    #[must_use]
    pub fn branches<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.branches.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Adds path patterns.
    #[must_use]
    pub fn paths<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.paths.extend(patterns.into_iter().map(Into::into));
        self
    }
}

impl From<PullRequest> for Trigger {
    fn from(value: PullRequest) -> Self {
        Trigger::PullRequest(value)
    }
}

/// A cron schedule (five fields: minute hour day-of-month month day-of-week, UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The cron expression.
    pub cron: String,
}

/// A manual run with inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manual {
    /// The inputs the person starting the run fills in.
    pub inputs: Vec<Input>,
}

impl Manual {
    /// Adds an input.
    #[must_use]
    pub fn input(mut self, input: Input) -> Self {
        self.inputs.push(input);
        self
    }
}

impl From<Manual> for Trigger {
    fn from(value: Manual) -> Self {
        Trigger::Manual(value)
    }
}

/// A typed input of a manual run, readable in jobs through
/// [`Expr::input`](crate::Expr::input) and [`Condition::input_equals`](crate::Condition::input_equals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The input's name.
    pub name: InputName,
    /// What to fill in, shown to the person starting the run.
    pub description: String,
    /// Its type and default.
    pub kind: InputKind,
    /// Whether a value must be given.
    pub required: bool,
}

/// The type of an [`Input`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// Free text.
    String {
        /// The default value.
        default: Option<String>,
    },
    /// One of a list of options.
    Choice {
        /// The allowed values.
        options: Vec<String>,
        /// The default (one of the options).
        default: Option<String>,
    },
    /// A yes/no switch.
    Boolean {
        /// The default value.
        default: bool,
    },
}

impl Input {
    /// A free-text input.
    pub fn string(name: impl Into<InputName>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            kind: InputKind::String { default: None },
            required: false,
        }
    }

    /// A choice among `options`; the first is the default.
    pub fn choice<S: Into<String>>(
        name: impl Into<InputName>,
        description: impl Into<String>,
        options: impl IntoIterator<Item = S>,
    ) -> Self {
        let options: Vec<String> = options.into_iter().map(Into::into).collect();
        let default = options.first().cloned();
        Self {
            name: name.into(),
            description: description.into(),
            kind: InputKind::Choice { options, default },
            required: true,
        }
    }

    /// A boolean input.
    pub fn boolean(name: impl Into<InputName>, description: impl Into<String>, default: bool) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            kind: InputKind::Boolean { default },
            required: false,
        }
    }

    /// Makes the input mandatory.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the default value.
    #[must_use]
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        let value = value.into();
        match &mut self.kind {
            InputKind::String { default } | InputKind::Choice { default, .. } => *default = Some(value),
            InputKind::Boolean { default } => *default = value == "true",
        }
        self
    }

    /// The default as a string, if any (`"true"`/`"false"` for booleans).
    pub fn default_string(&self) -> Option<String> {
        match &self.kind {
            InputKind::String { default } | InputKind::Choice { default, .. } => default.clone(),
            InputKind::Boolean { default } => Some(default.to_string()),
        }
    }
}

/// A trigger in words, for docs: `push to main, release/** (tags v*) touching src/**`.
impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn paths(p: &[String], f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            if p.is_empty() {
                Ok(())
            } else {
                write!(f, " touching {}", p.join(", "))
            }
        }
        match self {
            Trigger::Push(p) => {
                f.write_str("push")?;
                match (p.branches.is_empty(), p.tags.is_empty()) {
                    (true, true) => f.write_str(" of any branch or tag")?,
                    (false, true) => write!(f, " to {}", p.branches.join(", "))?,
                    (true, false) => write!(f, " of tags {}", p.tags.join(", "))?,
                    (false, false) => write!(f, " to {} or of tags {}", p.branches.join(", "), p.tags.join(", "))?,
                }
                paths(&p.paths, f)
            }
            Trigger::PullRequest(p) => {
                f.write_str("pull request")?;
                if !p.branches.is_empty() {
                    write!(f, " into {}", p.branches.join(", "))?;
                }
                paths(&p.paths, f)
            }
            Trigger::Schedule(s) => write!(f, "schedule `{}` (UTC)", s.cron),
            Trigger::Manual(m) if m.inputs.is_empty() => f.write_str("manual run"),
            Trigger::Manual(m) => {
                let names: Vec<&str> = m.inputs.iter().map(|i| i.name.as_str()).collect();
                write!(f, "manual run with inputs {}", names.join(", "))
            }
        }
    }
}
