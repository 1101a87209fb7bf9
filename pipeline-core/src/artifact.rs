//! Artifacts: files one job produces and later jobs use ("build one artifact, promote it").

use crate::id::ArtifactName;

/// Uploads files as a named artifact.
///
/// ```
/// use pipeline_core::{Step, StepKind, Upload};
/// let s = Step::upload("app", ["target/release/app"]);
/// assert!(matches!(s.kind, StepKind::Upload(_)));
/// let kept: Step = Upload::new("report", ["report.html"]).retention_days(5).into();
/// assert!(matches!(kept.kind, StepKind::Upload(Upload { retention_days: Some(5), .. })));
/// # use pipeline_core::{Job, Pipeline, Trigger};
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("build").step(Step::script("make")).step(s).step(kept)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The artifact's name, unique in the pipeline.
    pub artifact: ArtifactName,
    /// Files or directories (glob patterns allowed) relative to the workspace.
    pub paths: Vec<String>,
    /// How long the platform keeps it, in days.
    pub retention_days: Option<u32>,
}

impl Upload {
    /// Uploads `paths` as artifact `name`.
    pub fn new<S: Into<String>>(name: impl Into<ArtifactName>, paths: impl IntoIterator<Item = S>) -> Self {
        Self {
            artifact: name.into(),
            paths: paths.into_iter().map(Into::into).collect(),
            retention_days: None,
        }
    }

    /// Keeps the artifact `days` days.
    #[must_use]
    pub fn retention_days(mut self, days: u32) -> Self {
        self.retention_days = Some(days);
        self
    }
}

/// Downloads a named artifact uploaded by a job this job needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    /// The artifact's name.
    pub artifact: ArtifactName,
    /// The directory of the workspace its files lie under (`.` by default); they arrive at the
    /// paths they were uploaded from.
    pub path: String,
}
