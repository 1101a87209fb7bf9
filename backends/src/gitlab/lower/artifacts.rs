//! Artifacts: which job uploads each artifact, and a job's `artifacts:` keyword.

use std::collections::{BTreeMap, BTreeSet};

use pipeline_core::StepKind;
use pipeline_core::diagnostic::Path;

use super::{Lowering, OUTPUTS_FILE, StepsOut};
use crate::gitlab::model::{self as gl, When};

impl Lowering<'_> {
    /// Which job uploads each artifact.
    pub(super) fn artifact_producers(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for (i, job) in self.pipeline.jobs.iter().enumerate() {
            for step in &job.steps {
                if let StepKind::Upload(u) = &step.kind {
                    out.entry(u.artifact.to_string()).or_insert(i);
                }
            }
        }
        out
    }

    pub(super) fn artifacts(&mut self, steps: &StepsOut, path: &Path) -> Option<gl::Artifacts> {
        if steps.uploads.is_empty() && !steps.outputs {
            return None;
        }
        let mut a = gl::Artifacts::default();
        if steps.outputs {
            a.reports = Some(gl::Reports {
                dotenv: Some(OUTPUTS_FILE.to_owned()),
                junit: Vec::new(),
            });
        }
        if steps.uploads.is_empty() {
            return Some(a);
        }
        for (u, _, _) in &steps.uploads {
            for p in &u.paths {
                if !a.paths.contains(p) {
                    a.paths.push(p.clone());
                }
            }
        }
        let whens: BTreeSet<When> = steps.uploads.iter().map(|(_, w, _)| *w).collect();
        let when = match whens.iter().copied().collect::<Vec<_>>().as_slice() {
            [one] => *one,
            _ => When::Always,
        };
        a.when = (when != When::OnSuccess).then_some(when);
        let retentions: BTreeSet<Option<u32>> = steps.uploads.iter().map(|(u, _, _)| u.retention_days).collect();
        let retention = if retentions.contains(&None) {
            None
        } else {
            retentions.iter().flatten().max().copied()
        };
        a.expire_in = retention.map(|d| {
            if d == 1 {
                "1 day".to_owned()
            } else {
                format!("{d} days")
            }
        });
        if let [(u, _, _)] = steps.uploads.as_slice() {
            a.name = Some(u.artifact.to_string());
        } else if whens.len() > 1 || retentions.len() > 1 {
            let names: Vec<&str> = steps.uploads.iter().map(|(u, _, _)| u.artifact.as_str()).collect();
            self.warn(
                "gitlab-artifacts-merged",
                path.clone(),
                format!(
                    "a GitLab job has one set of artifacts: {} are uploaded together, {}{}",
                    names.join(", "),
                    match when {
                        When::Always => "whatever the job's result",
                        When::OnFailure => "when the job fails",
                        _ => "when the job succeeds",
                    },
                    match retention {
                        Some(d) => format!(", kept {d} days"),
                        None => ", kept for the project's default time".to_owned(),
                    }
                ),
                "upload them from separate jobs to keep their own conditions and retention",
            );
        }
        Some(a)
    }
}
