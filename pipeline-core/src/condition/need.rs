//! The result of a needed job, for conditions such as "run when `build` failed".

/// How a job a condition names ended (GitHub's `needs.<job>.result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobResult {
    /// It succeeded (or failed while allowed to fail).
    Success,
    /// It failed.
    Failure,
    /// It did not run: its condition was false, or a job it needs did not succeed.
    Skipped,
    /// The run was cancelled while it ran or waited.
    Cancelled,
}

impl JobResult {
    /// The name GitHub uses (`success`, `failure`, `skipped`, `cancelled`).
    ///
    /// ```
    /// use pipeline_core::condition::JobResult;
    /// assert_eq!(JobResult::Skipped.name(), "skipped");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            JobResult::Success => "success",
            JobResult::Failure => "failure",
            JobResult::Skipped => "skipped",
            JobResult::Cancelled => "cancelled",
        }
    }
}
