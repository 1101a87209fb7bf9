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
        let dir = components(&d.path);
        if dir.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let uploaded: Vec<&String> = self.p.jobs[producer]
            .steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Upload(u) if u.artifact == d.artifact => Some(u.paths.iter()),
                _ => None,
            })
            .flatten()
            .collect();
        // A path lies under the directory when its components start with the directory's (the
        // directory itself counts: uploading `dist` restores `dist/...`). A directory outside the
        // workspace holds none of them.
        let outside: Vec<&str> = uploaded
            .iter()
            .filter(|p| match (&dir, components(p)) {
                (Some(dir), Some(c)) => !c.starts_with(dir),
                _ => true,
            })
            .map(|p| p.as_str())
            .collect();
        let dir = dir.map_or_else(|| d.path.clone(), |c| c.join("/"));
        if !outside.is_empty() {
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
        // per consumed output was quadratic; and only when a job reads an output).
        let mut last_index: Option<HashMap<&str, usize>> = None;
        for (j, job) in self.p.jobs.iter().enumerate() {
            let path = || root.job(job.id.as_str());
            for value in job.exprs() {
                for out in value.outputs() {
                    let index = last_index.get_or_insert_with(|| {
                        self.p
                            .jobs
                            .iter()
                            .enumerate()
                            .map(|(i, j)| (j.id.as_str(), i))
                            .collect()
                    });
                    let Some(&producer) = index.get(out.job.as_str()) else {
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

/// The components of a workspace-relative path, lexically normalised (`.` and empty components
/// dropped, `..` applied); `None` when the path leaves the workspace or is absolute.
fn components(path: &str) -> Option<Vec<&str>> {
    if path.starts_with('/') {
        return None;
    }
    let mut out = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            part => out.push(part),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::validate::validate;

    fn download_path_errors(uploaded: &[&str], dir: &str) -> usize {
        let p = Pipeline::new("p")
            .on(Trigger::push())
            .job(
                Job::new("build")
                    .step(Step::script("make"))
                    .step(Step::upload("app", uploaded.to_vec())),
            )
            .job(Job::new("use").needs("build").step(Step::download_to("app", dir)));
        validate(&p).iter().filter(|d| d.code == "download-path").count()
    }

    /// Paths under the download directory, the directory itself, and spellings with `./`, `//`
    /// or `..` that stay under it are restored there: no error.
    #[test]
    fn paths_under_the_download_directory_are_accepted() {
        for (uploaded, dir) in [
            (&["dist"][..], "dist"),
            (&["dist/"], "dist"),
            (&["./dist"], "dist/"),
            (&["dist/app.zip", "dist/docs"], "./dist"),
            (&["dist//app.zip"], "dist"),
            (&["dist/./bin/app"], "dist/bin"),
            (&["dist/tmp/../app.zip"], "dist"),
            (&["dist/*.zip"], "dist"),
            (&["target/release/app"], "."),
        ] {
            assert_eq!(download_path_errors(uploaded, dir), 0, "{uploaded:?} under {dir:?}");
        }
    }

    /// Paths that are restored elsewhere are still refused.
    #[test]
    fn paths_outside_the_download_directory_are_refused() {
        for (uploaded, dir) in [
            (&["target/app"][..], "dist"),
            (&["distribution/app"], "dist"),
            (&["dist"], "dist/bin"),
            (&["dist/../app"], "dist"),
            (&["**/*.zip"], "dist"),
            (&["dist"], "../dist"),
        ] {
            assert_eq!(download_path_errors(uploaded, dir), 1, "{uploaded:?} under {dir:?}");
        }
    }
}
