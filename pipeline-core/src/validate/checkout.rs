//! Checkouts: repository names, refs and paths are data on every platform, a token is a secret,
//! and checkouts of one job do not overwrite each other.

use super::{At, Place, Validator, check_ref_name};
use crate::expr::Expr;
use crate::job::Job;
use crate::report::path_problem;
use crate::step::{Checkout, StepKind};

/// Why `name` is not a repository path (`owner/name`, `group/subgroup/project`), if it is not.
///
/// ```
/// use pipeline_core::validate::repository_problem;
/// assert_eq!(repository_problem("acme/build-tools"), None);
/// assert_eq!(repository_problem("group/sub.group/project_1"), None);
/// assert!(repository_problem("acme").is_some());
/// assert!(repository_problem("acme/../x").is_some());
/// assert!(repository_problem("-acme/x").is_some());
/// assert!(repository_problem("acme/x y").is_some());
/// ```
pub fn repository_problem(name: &str) -> Option<&'static str> {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() < 2 {
        Some("it is not `owner/name`")
    } else if parts.iter().any(|p| p.is_empty()) {
        Some("it has an empty component")
    } else if parts.iter().any(|p| p.starts_with(['.', '-'])) {
        Some("a component starts with `.` or `-`")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
    {
        Some("it holds a character other than letters, digits, `/`, `.`, `_` and `-`")
    } else {
        None
    }
}

impl Validator<'_> {
    /// The checkouts of `job`: each value checked, one checkout per directory, the workspace root
    /// first.
    pub(super) fn checkouts(&mut self, job: &Job, path: At<'_>, axes: &[&str]) {
        let mut seen: Vec<(Option<&str>, usize)> = Vec::new();
        for (i, step) in job.steps.iter().enumerate() {
            let StepKind::Checkout(c) = &step.kind else {
                continue;
            };
            let spath = || path().step(i, step.id_str());
            self.checkout(job, c, &spath, axes);
            let dir = c.path.as_deref().map(|p| p.trim_end_matches('/'));
            if seen.iter().any(|(d, _)| *d == dir) {
                self.error(
                    "checkout-twice",
                    spath(),
                    format!(
                        "job {:?} checks out into {} twice",
                        job.id.as_str(),
                        dir.map_or("the workspace".to_owned(), |d| format!("directory {d:?}"))
                    ),
                    Some("give each checkout its own directory with `.path(..)`".into()),
                );
            }
            if dir.is_none() && !seen.is_empty() {
                self.error(
                    "checkout-order",
                    spath(),
                    format!(
                        "job {:?} checks out into the workspace after checking out into a directory of it",
                        job.id.as_str()
                    ),
                    Some("check out into the workspace first: GitHub's checkout empties the workspace, GitLab and CodeBuild fetch it before the steps".into()),
                );
            }
            seen.push((dir, i));
        }
    }

    fn checkout(&mut self, job: &Job, c: &Checkout, spath: At<'_>, axes: &[&str]) {
        if let Some(repo) = &c.repository {
            if let Some(why) = repository_problem(repo) {
                self.error(
                    "invalid-checkout-repository",
                    spath().field("repository"),
                    format!("repository {repo:?} is not a repository path: {why}"),
                    Some("name it as the forge does, `owner/name` (GitHub) or `group/project` (GitLab)".into()),
                );
            }
        }
        if let Some(r) = &c.git_ref {
            let problem = match check_ref_name(r, false) {
                Err(why) => Some(why),
                Ok(()) if r.starts_with('-') => Some("it starts with '-'".to_owned()),
                Ok(()) if r.contains('$') => Some("it contains '$'".to_owned()),
                Ok(()) => None,
            };
            if let Some(why) = problem {
                self.error(
                    "invalid-checkout-ref",
                    spath().field("git_ref"),
                    format!("ref {r:?} is not a branch, tag or commit SHA: {why}"),
                    Some("give a branch or tag name (`main`, `v1.2.0`) or a full commit SHA; values known only at run time are not supported".into()),
                );
            }
        }
        if let Some(p) = &c.path {
            let why = path_problem(p).or_else(|| {
                if p.contains(['*', '?', '[']) {
                    Some("it holds a glob character")
                } else if p.starts_with('-') {
                    Some("it starts with `-`")
                } else if p.trim_end_matches('/') == "." || p.is_empty() {
                    Some("it is the workspace itself")
                } else {
                    None
                }
            });
            if let Some(why) = why {
                self.error(
                    "invalid-checkout-path",
                    spath().field("path"),
                    format!("checkout path {p:?} is not a directory inside the workspace: {why}"),
                    Some("give a directory relative to the workspace, e.g. \"tools\"; leave it unset for the workspace itself".into()),
                );
            }
        }
        if let Some(token) = &c.token {
            self.expr(token, &|| spath().field("token"), Place::ActionInput, Some((job, axes)));
            if !matches!(token, Expr::Secret(_) | Expr::Token(_)) {
                self.error(
                    "checkout-token",
                    spath().field("token"),
                    "a checkout token must be a secret or the platform token, never a literal or a computed value",
                    Some("declare a secret and pass `Expr::secret(\"NAME\")`, or `PlatformToken::new()`".into()),
                );
            }
        }
    }
}
