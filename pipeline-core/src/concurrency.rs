//! Concurrency: at most one run of a group at a time.

use crate::expr::Expr;

/// Runs sharing `group` do not overlap; with `cancel_in_progress`, a new run cancels the running
/// one instead of queueing behind it (right for pull request checks, wrong for deploys).
///
/// ```
/// use pipeline_core::{Builtin, Concurrency, Expr};
/// let c = Concurrency::new(Expr::concat(["ci-".into(), Builtin::RefName.into()])).cancel_in_progress();
/// assert!(c.cancel_in_progress);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concurrency {
    /// The group name.
    pub group: Expr,
    /// Cancel the running member of the group when a new one starts.
    pub cancel_in_progress: bool,
}

impl Concurrency {
    /// A queueing group.
    pub fn new(group: impl Into<Expr>) -> Self {
        Self {
            group: group.into(),
            cancel_in_progress: false,
        }
    }

    /// Cancels the running member when a new one starts.
    #[must_use]
    pub fn cancel_in_progress(mut self) -> Self {
        self.cancel_in_progress = true;
        self
    }
}
