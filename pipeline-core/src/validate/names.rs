//! Names the platforms compare without regard to case, and names they reserve.
//!
//! - GitHub compares job ids, step ids, `workflow_dispatch` inputs, secrets, environments and
//!   job outputs case-insensitively; CodePipeline variables and GitLab variables become
//!   environment variables that differ only in case on Linux but are one on Windows runners; a
//!   workflow file `CI.yml` and `ci.yml` are one file on macOS and Windows checkouts. Two names
//!   equal but for case are an error (`case-collision`).
//! - A secret, input or matrix axis named like a platform's own variable (`GITHUB_TOKEN`,
//!   `CI_*`, `GITHUB_*`, `GITLAB_*`, `RUNNER_*`, `ACTIONS_*`, `CODEBUILD_*`, `CI`, in any case)
//!   would shadow the platform's value on the platforms where it becomes a variable, or is
//!   refused by the platform (GitHub secrets may not start with `GITHUB_`).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics, Path};
use crate::job::Job;
use crate::pipeline::Pipeline;
use crate::step::StepKind;

/// Variable name prefixes the platforms reserve for themselves, compared without regard to case.
pub const RESERVED_PREFIXES: [&str; 7] = [
    "GITHUB_",
    "RUNNER_",
    "ACTIONS_",
    "CI_",
    "GITLAB_",
    "CODEBUILD_",
    "AWS_CODEPIPELINE_",
];

/// Whole variable names the platforms reserve (`CI` is set to `true` by every platform).
pub const RESERVED_NAMES: [&str; 1] = ["CI"];

/// The reserved prefix or name `name` uses, compared without regard to case.
pub fn reserved(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    RESERVED_PREFIXES
        .iter()
        .chain(RESERVED_NAMES.iter())
        .find(|p| {
            if p.ends_with('_') {
                upper.starts_with(*p)
            } else {
                upper == **p
            }
        })
        .copied()
}

/// Pushes `reserved-name` when `name` uses a reserved prefix or name.
pub(super) fn check_reserved(out: &mut Diagnostics, path: impl FnOnce() -> Path, what: &str, name: &str) {
    if let Some(prefix) = reserved(name) {
        let rule = if prefix.ends_with('_') {
            format!("the prefix {prefix:?}")
        } else {
            format!("the name {prefix:?}")
        };
        out.push(
            Diagnostic::error(
                "reserved-name",
                path(),
                format!("{what} {name:?} uses {rule}, which a platform reserves for its own variables (in any case)"),
            )
            .with_hint(
                "choose another name: the platform's own value would be shadowed, or the platform refuses the name",
            ),
        );
    }
}

/// Pushes `case-collision` for every name in `names` equal to an earlier one but for case. Each
/// name comes with a function computing its path, called only for a collision (checking a valid
/// pipeline allocates no paths, and no key for a name already in lower case).
///
/// Two different names in lower case never collide, so a list without an upper-case letter (the
/// usual case) is settled by one scan, without a map.
fn collisions<'a, P: FnOnce() -> Path, I>(out: &mut Diagnostics, what: &str, names: I)
where
    I: IntoIterator<Item = (&'a str, P)>,
    I::IntoIter: Clone,
{
    let names = names.into_iter();
    if !names
        .clone()
        .any(|(name, _)| name.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return;
    }
    let mut seen: HashMap<Cow<'a, str>, &'a str> = HashMap::new();
    for (name, path) in names {
        let key = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        match seen.get(&key) {
            Some(first) if *first != name => out.push(
                Diagnostic::error(
                    "case-collision",
                    path(),
                    format!("{what} {name:?} differs from {first:?} only in case"),
                )
                .with_hint("platforms that compare names without regard to case (GitHub, Windows and macOS file systems) would see one name; rename one of them"),
            ),
            Some(_) => {}
            None => {
                seen.insert(key, name);
            }
        }
    }
}

/// Case collisions across pipelines generated together: their ids name files.
pub(super) fn pipeline_ids(pipelines: &[Pipeline], out: &mut Diagnostics) {
    collisions(
        out,
        "pipeline id",
        pipelines
            .iter()
            .map(|p| (p.id.as_str(), || Path::pipeline(p.id.as_str()))),
    );
}

/// What the walk over a pipeline's jobs gathers for the case collisions between jobs, and the
/// diagnostics of each job's own names (step ids, outputs, matrix axes) in job order.
#[derive(Default)]
pub(super) struct Gathered<'a> {
    /// Whether a job id holds an upper-case letter (without one no two ids collide).
    upper_job_id: bool,
    /// Secrets referenced in values: (name, the referencing job's index).
    secrets: Vec<(&'a str, usize)>,
    /// The jobs with an environment.
    environments: Vec<usize>,
    /// Uploads: (job index, step index).
    uploads: Vec<(usize, usize)>,
    /// The jobs' own names, in job order.
    jobs: Diagnostics,
}

impl<'a> Gathered<'a> {
    /// Gathers job `j` of the walk and checks its own names; `exprs` visits the job's values'
    /// secrets and `uploads` its uploads (the walk reads them once for several checks).
    pub(super) fn job(&mut self, root: &Path, j: usize, job: &'a Job) {
        self.upper_job_id |= job.id.as_str().bytes().any(|b| b.is_ascii_uppercase());
        if job.environment.is_some() {
            self.environments.push(j);
        }
        let out = &mut self.jobs;
        let jpath = || root.job(job.id.as_str());
        collisions(
            out,
            "step id",
            job.steps
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.id_str().map(|id| (id, move || jpath().step(i, Some(id))))),
        );
        collisions(out, "output", job.outputs().map(|o| (o.as_str(), jpath)));
        if let Some(m) = &job.matrix {
            collisions(
                out,
                "matrix axis",
                m.axes
                    .keys()
                    .map(|a| (a.as_str(), move || jpath().field(format!("matrix.{a}")))),
            );
            for axis in m.axes.keys() {
                check_reserved(out, || jpath().field(format!("matrix.{axis}")), "matrix axis", axis);
            }
        }
    }

    /// A secret referenced by job `j`.
    pub(super) fn secret(&mut self, name: &'a str, j: usize) {
        self.secrets.push((name, j));
    }

    /// Step `i` of job `j` uploads an artifact.
    pub(super) fn upload(&mut self, j: usize, i: usize) {
        self.uploads.push((j, i));
    }

    /// Case collisions and reserved names in the pipeline, then the jobs' own.
    pub(super) fn finish(self, p: &'a Pipeline, out: &mut Diagnostics) {
        let root = &Path::pipeline(p.id.as_str());
        if self.upper_job_id {
            collisions(
                out,
                "job id",
                p.jobs.iter().map(|j| (j.id.as_str(), || root.job(j.id.as_str()))),
            );
        }
        let inputs: Vec<_> = p
            .triggers
            .iter()
            .enumerate()
            .flat_map(|(i, t)| match t {
                crate::trigger::Trigger::Manual(m) => m.inputs.iter().map(|input| (i, input)).collect(),
                _ => Vec::new(),
            })
            .collect();
        collisions(
            out,
            "input",
            inputs
                .iter()
                .map(|(i, input)| (input.name.as_str(), || root.trigger(*i).input(input.name.as_str()))),
        );
        for (i, input) in &inputs {
            check_reserved(
                out,
                || root.trigger(*i).input(input.name.as_str()),
                "input",
                input.name.as_str(),
            );
        }
        // Secrets, declared (`Ok` with the declaration's index) or referenced in values (`Err`
        // with the referencing job's index).
        let declared = p.secrets.iter().enumerate().map(|(i, s)| (s.name.as_str(), Ok(i)));
        let referenced = self.secrets.iter().map(|&(name, j)| (name, Err(j)));
        collisions(
            out,
            "secret",
            declared.chain(referenced).map(|(name, at)| {
                (name, move || match at {
                    Ok(i) => root.field(format!("secrets.{}", p.secrets[i].name)),
                    Err(j) => root.job(p.jobs[j].id.as_str()),
                })
            }),
        );
        collisions(
            out,
            "environment",
            self.environments.iter().filter_map(|&j| {
                let job = &p.jobs[j];
                job.environment
                    .as_ref()
                    .map(|e| (e.name.as_str(), move || root.job(job.id.as_str()).field("environment")))
            }),
        );
        collisions(
            out,
            "artifact",
            self.uploads.iter().filter_map(|&(j, i)| {
                let (job, step) = (&p.jobs[j], &p.jobs[j].steps[i]);
                match &step.kind {
                    StepKind::Upload(u) => Some((u.artifact.as_str(), move || {
                        root.job(job.id.as_str()).step(i, step.id_str())
                    })),
                    _ => None,
                }
            }),
        );
        out.extend(self.jobs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_in_any_case() {
        assert_eq!(reserved("GITHUB_TOKEN"), Some("GITHUB_"));
        assert_eq!(reserved("github_token"), Some("GITHUB_"));
        assert_eq!(reserved("Ci_Commit_Branch"), Some("CI_"));
        assert_eq!(reserved("codebuild_x"), Some("CODEBUILD_"));
        assert_eq!(reserved("ci"), Some("CI"));
        assert_eq!(reserved("CIRCLE"), None);
        assert_eq!(reserved("DEPLOY_TOKEN"), None);
    }
}
