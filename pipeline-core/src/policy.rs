//! Organisation policies: rules a platform team registers, checked on the portable model before
//! anything is generated. A violation is a diagnostic with a path, and no file is written.

use crate::diagnostic::Diagnostics;
use crate::pipeline::Pipeline;

/// A rule every pipeline must follow.
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::{Diagnostic, Path};
///
/// /// Every job must set its own timeout.
/// struct ExplicitTimeouts;
///
/// impl Policy for ExplicitTimeouts {
///     fn name(&self) -> &'static str { "explicit-timeouts" }
///     fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
///         for job in pipeline.jobs.iter().filter(|j| j.timeout_minutes.is_none()) {
///             out.push(Diagnostic::error(self.name(), Path::pipeline(pipeline.id.as_str()).job(job.id.as_str()),
///                 "job has no timeout").with_hint("call `.timeout_minutes(..)`"));
///         }
///     }
/// }
///
/// let p = Pipeline::new("ci").on(Trigger::push()).job(Job::new("build").step(Step::script("make")));
/// let mut out = Diagnostics::new();
/// ExplicitTimeouts.check(&p, &mut out);
/// assert!(out.has_errors());
/// ```
pub trait Policy {
    /// The policy's name; used as the code of its diagnostics.
    fn name(&self) -> &'static str;

    /// Pushes a diagnostic for every violation in `pipeline`.
    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics);
}
