//! Platform actions (GitHub Actions `uses:`), always pinned by full commit SHA.

use indexmap::IndexMap;

use crate::expr::Expr;
pub use crate::token::{Access, Permission};

/// An action reference pinned to a full commit SHA, with the human version it corresponds to.
///
/// ```
/// use pipeline_core::Action;
/// let a = Action::new("github/codeql-action/init", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2");
/// assert_eq!(a.uses(), "github/codeql-action/init@8aad20d150bbac5944a9f9d289da16a4b0d87c1e");
/// assert_eq!(a.repository(), "github/codeql-action");
/// assert!(a.is_pinned());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Action {
    /// `owner/repo` or `owner/repo/path`.
    pub name: String,
    /// The full 40-hex commit SHA.
    pub sha: String,
    /// The release the SHA corresponds to (`v7.0.1`), written as a comment.
    pub version: String,
}

impl Action {
    /// An action pinned to `sha`, labelled `version`.
    pub fn new(name: impl Into<String>, sha: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            sha: sha.into(),
            version: version.into(),
        }
    }

    /// The `uses:` value.
    pub fn uses(&self) -> String {
        format!("{}@{}", self.name, self.sha)
    }

    /// The `owner/repo` part.
    pub fn repository(&self) -> &str {
        let mut slashes = self.name.match_indices('/').map(|(i, _)| i);
        match (slashes.next(), slashes.next()) {
            (Some(_), Some(second)) => &self.name[..second],
            _ => &self.name,
        }
    }

    /// Whether the SHA is a full 40-character lower-case hex commit id and a version is given.
    pub fn is_pinned(&self) -> bool {
        self.sha.len() == 40
            && self
                .sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && !self.version.trim().is_empty()
    }
}

/// A step that runs a platform action. Other platforms run `fallback` instead, or report the
/// step as unsupported.
///
/// ```
/// use pipeline_core::{Access, Action, ActionStep, Permission, Step};
/// let node = Action::new("actions/setup-node", "820762786026740c76f36085b0efc47a31fe5020", "v7.0.0");
/// let step = Step::action(ActionStep::new(node).with("node-version", "22").fallback("node --version"));
/// let plain = Step::action(Action::new("actions/attest", "1e69f48acb82d1966a394da916b4c1698aa569d6", "v4.2.2"));
/// # let _ = (Permission::IdToken, Access::Write);
/// # pipeline_core::validate::assert_valid(&pipeline_core::Pipeline::new("ci").on(pipeline_core::Trigger::push()).job(pipeline_core::Job::new("build").step(step).step(plain)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionStep {
    /// The pinned action.
    pub action: Action,
    /// Its inputs.
    pub with: IndexMap<String, Expr>,
    /// Token permissions the action needs; merged into the job's least-privilege grant.
    pub permissions: Vec<(Permission, Access)>,
    /// A shell script doing the same job on platforms without actions.
    pub fallback: Option<String>,
}

impl ActionStep {
    /// A step running `action` with no inputs.
    pub fn new(action: Action) -> Self {
        Self {
            action,
            with: IndexMap::new(),
            permissions: Vec::new(),
            fallback: None,
        }
    }

    /// Sets an input.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.with.insert(key.into(), value.into());
        self
    }

    /// Declares a token permission the action needs.
    #[must_use]
    pub fn permission(mut self, scope: Permission, access: Access) -> Self {
        self.permissions.push((scope, access));
        self
    }

    /// The script that replaces the action on platforms without actions.
    #[must_use]
    pub fn fallback(mut self, script: impl Into<String>) -> Self {
        self.fallback = Some(script.into());
        self
    }
}

impl From<Action> for ActionStep {
    fn from(action: Action) -> Self {
        ActionStep::new(action)
    }
}
