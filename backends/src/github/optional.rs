//! Optional needs on GitHub (docs/SEMANTICS.md, section 23). A need on a job absent from the
//! workflow is already dropped ([`Pipeline::for_platform`](pipeline_core::Pipeline::for_platform));
//! a job that needs a job which did not run (its `if:` or path filter false) would be skipped by
//! GitHub's implicit `success()`, which looks at every job before it. So a job with optional
//! needs, and every job after one, tests its needs' results itself: it runs when no job before it
//! failed or was cancelled, each ordinary need succeeded, and each optional need succeeded or was
//! skipped.

use pipeline_core::{Job, Pipeline};

/// Whether `job`, or a job before it, has optional needs.
fn after_optional(pipeline: &Pipeline, job: &Job) -> bool {
    let mut stack = vec![job];
    let mut seen: Vec<&str> = Vec::new();
    while let Some(j) = stack.pop() {
        if seen.contains(&j.id.as_str()) {
            continue;
        }
        seen.push(j.id.as_str());
        if !j.optional_needs.is_empty() {
            return true;
        }
        stack.extend(j.needs.iter().filter_map(|n| pipeline.find_job(n.as_str())));
    }
    false
}

/// The job's `if:`: `own` (as the lowering wrote it), or the explicit test of its needs' results
/// in front of it when the job has optional needs or comes after a job that has.
pub(super) fn condition(pipeline: &Pipeline, job: &Job, own: Option<String>) -> Option<String> {
    if job.condition.as_ref().is_some_and(|c| c.mentions_status()) || !after_optional(pipeline, job) {
        return own;
    }
    let mut parts: Vec<String> = vec!["!cancelled()".into(), "!failure()".into()];
    for need in &job.needs {
        let n = need.as_str();
        parts.push(if job.is_optional_need(n) {
            format!("(needs.{n}.result == 'success' || needs.{n}.result == 'skipped')")
        } else {
            format!("needs.{n}.result == 'success'")
        });
    }
    if let Some(c) = own {
        let c = c
            .strip_prefix("${{ ")
            .and_then(|c| c.strip_suffix(" }}"))
            .map_or(c.clone(), str::to_owned);
        parts.push(format!("({c})"));
    }
    Some(format!("${{{{ {} }}}}", parts.join(" && ")))
}
