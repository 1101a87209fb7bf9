//! The runs of a job: one per matrix cell (exactly [`Matrix::cells`](crate::Matrix::cells), as
//! every platform runs them), each with its runner's OS; `--host-os-only` skips the cells whose
//! runner has another OS than this machine.

use crate::job::Job;

/// One run of a job: the job itself, or one matrix cell of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// The name shown in logs and the summary (`test` or `test: [stable, all]`, as GitLab names
    /// matrix jobs).
    pub name: String,
    /// The cell's axis values, in axis order (empty without a matrix).
    pub cell: Vec<(String, String)>,
    /// The operating system of the cell's runner (this machine's OS runs it either way).
    pub os: crate::runner::Os,
    /// Why this run is skipped before it starts (`--host-os-only` and another OS).
    pub skip: Option<String>,
}

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
