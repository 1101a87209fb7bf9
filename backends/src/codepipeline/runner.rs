//! Runners on CodePipeline: each runner of a job is a CodeBuild project (environment type,
//! image and compute type come from its architecture and size, in `job/mod.rs`); CodeBuild's
//! on-demand Linux containers are the only machines a pipeline can name, so macOS and Windows
//! runners, and a matrix read at run time, are refused.

use std::collections::HashSet;

use pipeline_core::diagnostic::Path;
use pipeline_core::validate::cell_name;
use pipeline_core::{Job, Os};

use super::context::Lowering;

impl Lowering<'_> {
    /// Refuses every runner of the job CodeBuild cannot provide (once per runner, naming the first
    /// cell on it), and a matrix from an output.
    pub(crate) fn refuse_runners(&mut self, job: &Job, path: &Path) {
        let Some(m) = &job.matrix else {
            if job.runner.os != Os::Linux {
                self.refuse_os(job, job.runner.os, None, path);
            }
            return;
        };
        if m.from_output.is_some() {
            self.unsupported(
                path.field("matrix"),
                format!("a matrix read from a job output (job {:?})", job.id.as_str()),
                "CodePipeline's actions are fixed when the stack is deployed: list the cells in the pipeline".into(),
            );
        }
        let mut seen = HashSet::new();
        for cell in m.cells() {
            let runner = job.runner_for(&cell);
            if runner.os != Os::Linux && seen.insert(runner.key()) {
                self.refuse_os(job, runner.os, Some(cell_name(&cell)), path);
            }
        }
        if m.cells().is_empty() && job.runner.os != Os::Linux {
            self.refuse_os(job, job.runner.os, None, path);
        }
    }

    fn refuse_os(&mut self, job: &Job, os: Os, cell: Option<String>, path: &Path) {
        let which = match cell {
            Some(c) => format!("cell [{c}] of job {:?}", job.id.as_str()),
            None => format!("job {:?}", job.id.as_str()),
        };
        let why = match os {
            Os::Macos => "macOS builds need a reserved-capacity fleet of Mac instances",
            _ => "Windows builds run commands in PowerShell, and the steps are bash scripts",
        };
        self.unsupported(
            path.field("runner"),
            format!("a {} runner ({which}): {why}", os.as_str()),
            "run this job on Linux for CodePipeline, or exclude the cell (a pipeline for GitHub and GitLab only leaves the CodePipeline backend out)".into(),
        );
    }
}
