//! What flows between jobs: artifacts (uploaded once, downloaded by jobs that need the
//! producer) and job outputs (consumed by jobs that need the producer directly).

use std::collections::{BTreeMap, HashMap};

use super::{At, MAX_ID_LEN, Validator};
use crate::diagnostic::did_you_mean;
use crate::graph::NeedsGraph;
use crate::id::rules;
use crate::step::StepKind;

impl Validator<'_> {
    /// Artifacts are restored at the paths they were uploaded from (docs/SEMANTICS.md,
    /// section 7): a download directory other than the workspace must hold every uploaded path.
    fn download_path(&mut self, d: &crate::artifact::Download, producer: usize, path: At<'_>) {
        let dir = d.path.trim_start_matches("./").trim_end_matches('/');
        if dir.is_empty() || dir == "." {
            return;
        }
        let normal = |p: &str| p.trim_start_matches("./").to_owned();
        let uploaded: Vec<String> = self.p.jobs[producer]
            .steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Upload(u) if u.artifact == d.artifact => Some(u.paths.iter().map(|p| normal(p))),
                _ => None,
            })
            .flatten()
            .collect();
        let prefix = format!("{dir}/");
        let outside: Vec<&String> = uploaded
            .iter()
            .filter(|p| p.trim_end_matches('/') != dir && !p.starts_with(&prefix))
            .collect();
        if !outside.is_empty() {
            let outside: Vec<&str> = outside.iter().map(|p| p.as_str()).collect();
            self.error(
                "download-path",
                path(),
                format!(
                    "artifact {:?} is restored where it was uploaded from ({}), not under {dir:?}",
                    d.artifact.as_str(),
                    outside.join(", ")
                ),
                Some(format!(
                    "use `Step::download({:?})`, or upload the files from under {dir:?}",
                    d.artifact.as_str()
                )),
            );
        }
    }

    pub(super) fn artifacts(&mut self, graph: &NeedsGraph<'_>) {
        let mut producers: BTreeMap<&str, usize> = BTreeMap::new();
        let root = self.root.clone();
        for (j, job) in self.p.jobs.iter().enumerate() {
            for (i, step) in job.steps.iter().enumerate() {
                let path = || root.job(job.id.as_str()).step(i, step.id_str());
                if let StepKind::Upload(u) = &step.kind {
                    if !rules::is_simple_name(u.artifact.as_str()) || u.artifact.as_str().len() > MAX_ID_LEN {
                        self.error(
                            "invalid-artifact-name",
                            path(),
                            format!("artifact name {:?} is not valid", u.artifact.as_str()),
                            Some("use letters, digits, '-' and '_'".into()),
                        );
                    }
                    if let Some(first) = producers.insert(u.artifact.as_str(), j) {
                        self.error(
                            "duplicate-artifact",
                            path(),
                            format!(
                                "artifact {:?} is uploaded twice (also by job {:?})",
                                u.artifact.as_str(),
                                self.p.jobs[first].id.as_str()
                            ),
                            Some("build an artifact once and promote it; give other uploads their own name".into()),
                        );
                        producers.insert(u.artifact.as_str(), first);
                    }
                }
            }
        }
        for (j, job) in self.p.jobs.iter().enumerate() {
            for (i, step) in job.steps.iter().enumerate() {
                let path = || root.job(job.id.as_str()).step(i, step.id_str());
                if let StepKind::Download(d) = &step.kind {
                    match producers.get(d.artifact.as_str()) {
                        None => {
                            let hint = did_you_mean(d.artifact.as_str(), producers.keys().copied())
                                .map(|s| format!("did you mean {s:?}?"))
                                .unwrap_or_else(|| "upload it in an earlier job with `Step::upload`".into());
                            self.error(
                                "unknown-artifact",
                                path(),
                                format!("artifact {:?} is downloaded but never uploaded", d.artifact.as_str()),
                                Some(hint),
                            );
                        }
                        Some(&producer) if producer == j => {
                            self.error(
                                "artifact-same-job",
                                path(),
                                format!(
                                    "artifact {:?} is downloaded in the job that uploads it",
                                    d.artifact.as_str()
                                ),
                                Some("files stay on the runner within a job; remove the download".into()),
                            );
                        }
                        Some(&producer) if !graph.is_ancestor(producer, j) => {
                            let producer_id = self.p.jobs[producer].id.as_str();
                            self.error(
                                "artifact-not-needed",
                                path(),
                                format!(
                                    "artifact {:?} comes from job {producer_id:?}, which job {:?} does not need",
                                    d.artifact.as_str(),
                                    job.id.as_str()
                                ),
                                Some(format!(
                                    "add `.needs(\"{producer_id}\")` so the artifact exists before this job starts"
                                )),
                            );
                        }
                        Some(&producer) => self.download_path(d, producer, &path),
                    }
                }
            }
        }
    }

    pub(super) fn outputs(&mut self, graph: &NeedsGraph<'_>) {
        let root = self.root.clone();
        // The last job with each id, as before duplicate ids are reported (built once: a scan
        // per consumed output was quadratic).
        let last_index: HashMap<&str, usize> = self
            .p
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id.as_str(), i))
            .collect();
        for (j, job) in self.p.jobs.iter().enumerate() {
            let path = || root.job(job.id.as_str());
            for value in job.exprs() {
                for out in value.outputs() {
                    let Some(&producer) = last_index.get(out.job.as_str()) else {
                        self.error(
                            "unknown-output-job",
                            path(),
                            format!(
                                "output {:?} comes from unknown job {:?}",
                                out.name.as_str(),
                                out.job.as_str()
                            ),
                            None,
                        );
                        continue;
                    };
                    let producer_job = &self.p.jobs[producer];
                    if !producer_job.outputs().any(|o| o == &out.name) {
                        let names: Vec<&str> = producer_job.outputs().map(|o| o.as_str()).collect();
                        let hint = did_you_mean(out.name.as_str(), names.iter().copied())
                            .map(|s| format!("did you mean {s:?}?"))
                            .unwrap_or_else(|| {
                                format!(
                                    "add `Step::set_output(\"{}\", ..)` to job {:?}",
                                    out.name.as_str(),
                                    out.job.as_str()
                                )
                            });
                        self.error(
                            "output-never-produced",
                            path(),
                            format!(
                                "output {:?} of job {:?} is consumed but never produced",
                                out.name.as_str(),
                                out.job.as_str()
                            ),
                            Some(hint),
                        );
                    }
                    if producer == j {
                        self.error(
                            "output-same-job",
                            path(),
                            format!(
                                "job {:?} consumes its own output {:?}",
                                job.id.as_str(),
                                out.name.as_str()
                            ),
                            Some("within a job, pass values through files or the environment".into()),
                        );
                    } else if !graph.needs_of(j).contains(&producer) {
                        self.error(
                            "output-not-needed",
                            path(),
                            format!(
                                "job {:?} uses output {:?} of job {:?} without needing it directly",
                                job.id.as_str(),
                                out.name.as_str(),
                                out.job.as_str()
                            ),
                            Some(format!("add `.needs(\"{}\")`", out.job.as_str())),
                        );
                    }
                }
            }
        }
    }
}
