//! The runs of a job: one per matrix cell (exactly [`Matrix::cells`](crate::Matrix::cells), as
//! every platform runs them), each with its runner's OS; `--host-os-only` skips the cells whose
//! runner has another OS than this machine.

use super::plan::{Instance, Plan};
use crate::job::Job;
use crate::runner::Os;

/// The runs of a job: one per matrix cell, named as GitLab names them.
pub(super) fn instances(job: &Job) -> Vec<Instance> {
    let cells = job.matrix.as_ref().map(|m| m.cells()).unwrap_or_default();
    if cells.is_empty() {
        return vec![Instance {
            name: job.id.to_string(),
            cell: Vec::new(),
            os: job.runner.os,
            skip: None,
        }];
    }
    cells
        .into_iter()
        .map(|cell| Instance {
            name: format!(
                "{}: [{}]",
                job.id,
                cell.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(", ")
            ),
            os: job.runner_for(&cell).os,
            cell: cell.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            skip: None,
        })
        .collect()
}

impl Plan<'_> {
    /// Skips the runs whose runner has another OS than `host` (`--host-os-only`); without it,
    /// every cell runs on this machine whatever its runner's OS.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// use pipeline_core::run::{Context, LocalEvent, Plan};
    /// let p = Pipeline::new("ci").on(Trigger::push()).job(
    ///     Job::new("test")
    ///         .matrix(Matrix::new().runners([Runner::linux(), Runner::windows()]))
    ///         .step(Step::script("true")),
    /// );
    /// let ctx = Context { event: LocalEvent::Push, branch: Some("main".into()), ..Context::default() };
    /// let plan = Plan::new(&p, &ctx, None).unwrap().host_os_only(Some(Os::Linux));
    /// let skipped: Vec<bool> = plan.jobs[0].instances.iter().map(|i| i.skip.is_some()).collect();
    /// assert_eq!(skipped, [false, true]);
    /// # pipeline_core::validate::assert_valid(&p);
    /// ```
    #[must_use]
    pub fn host_os_only(mut self, host: Option<Os>) -> Self {
        for planned in &mut self.jobs {
            for inst in &mut planned.instances {
                if Some(inst.os) != host {
                    inst.skip = Some(format!(
                        "runs on {}, not this machine's OS (--host-os-only)",
                        inst.os.as_str()
                    ));
                }
            }
        }
        self
    }
}
