//! What flows between jobs: artifacts (uploaded once, downloaded by jobs that need the
//! producer) and job outputs (consumed by jobs that need the producer directly).

use std::collections::HashMap;

use super::{At, MAX_ID_LEN, Validator, Walk, diagnostic};
use crate::diagnostic::did_you_mean;
use crate::graph::NeedsGraph;
use crate::id::rules;
use crate::job::Job;
use crate::step::StepKind;

impl<'a> Validator<'a> {
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

    /// Gathers job `j`'s uploads (checking their names: an artifact is uploaded once), downloads,
    /// and the outputs and secrets its values read.
    pub(super) fn gather(&self, walk: &mut Walk<'a>, j: usize, job: &'a Job) {
        for (i, step) in job.steps.iter().enumerate() {
            match &step.kind {
                StepKind::Upload(u) => {
                    walk.names.upload(j, i);
                    let path = || self.root.job(job.id.as_str()).step(i, step.id_str());
                    if !rules::is_simple_name(u.artifact.as_str()) || u.artifact.as_str().len() > MAX_ID_LEN {
                        walk.uploads.push(diagnostic(
                            "invalid-artifact-name",
                            path(),
                            format!("artifact name {:?} is not valid", u.artifact.as_str()),
                            Some("use letters, digits, '-' and '_'".into()),
                        ));
                    }
                    if let Some(first) = walk.producers.insert(u.artifact.as_str(), j) {
                        walk.uploads.push(diagnostic(
                            "duplicate-artifact",
                            path(),
                            format!(
                                "artifact {:?} is uploaded twice (also by job {:?})",
                                u.artifact.as_str(),
                                self.p.jobs[first].id.as_str()
                            ),
                            Some("build an artifact once and promote it; give other uploads their own name".into()),
                        ));
                        walk.producers.insert(u.artifact.as_str(), first);
                    }
                }
                StepKind::Download(_) => walk.downloads.push((j, i)),
                _ => {}
            }
        }
        for value in job.exprs() {
            walk.consumed.extend(value.outputs().map(|o| (j, o)));
            for s in value.secrets() {
                walk.names.secret(s.as_str(), j);
            }
        }
    }

    /// Each download's artifact is uploaded by a job the downloading job needs.
    pub(super) fn downloads(&mut self, graph: &NeedsGraph<'_>, walk: &Walk<'a>) {
        let root = self.root.clone();
        let producers = &walk.producers;
        for &(j, i) in &walk.downloads {
            let (job, step) = (&self.p.jobs[j], &self.p.jobs[j].steps[i]);
            let path = || root.job(job.id.as_str()).step(i, step.id_str());
            let StepKind::Download(d) = &step.kind else { continue };
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

    /// Each output read comes from a job the reading job needs directly, which sets it.
    pub(super) fn outputs(&mut self, graph: &NeedsGraph<'_>, walk: &Walk<'a>) {
        let root = self.root.clone();
        // The last job with each id, as before duplicate ids are reported (built once: a scan
        // per consumed output was quadratic; and only when a job reads an output).
        let mut last_index: Option<HashMap<&str, usize>> = None;
        for &(j, out) in &walk.consumed {
            let job = &self.p.jobs[j];
            let path = || root.job(job.id.as_str());
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
