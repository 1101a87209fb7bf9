//! Optional needs on GitHub (docs/SEMANTICS.md, section 23). A need on a job absent from the
//! workflow is already dropped ([`Pipeline::for_platform`](pipeline_core::Pipeline::for_platform));
//! a job that needs a job which did not run (its `if:` or path filter false) would be skipped by
//! GitHub's implicit `success()`, which looks at every job before it. So a job with optional
//! needs, and every job after one, tests its needs' results itself: it runs when no job before it
//! failed or was cancelled, each ordinary need succeeded, and each optional need succeeded or was
//! skipped.

use pipeline_core::id_hash::{IdMap, IdSet};

use pipeline_core::{Job, Pipeline};

/// The ids of the jobs that have optional needs or come after a job that has, computed once per
/// pipeline in time linear in its jobs and needs (each job is settled once, from its needs).
pub(super) fn after_optional(pipeline: &Pipeline) -> IdSet<&str> {
    let by_id: IdMap<&str, &Job> = pipeline.jobs.iter().map(|j| (j.id.as_str(), j)).collect();
    // `Some(true)`: after an optional need; `Some(false)`: not; absent: not settled yet. A job
    // on the stack is provisionally `false`, so a (refused elsewhere) cycle cannot loop.
    let mut settled: IdMap<&str, bool> = IdMap::with_capacity_and_hasher(by_id.len(), Default::default());
    for root in &pipeline.jobs {
        let mut stack: Vec<(&Job, bool)> = vec![(root, false)];
        while let Some((job, expanded)) = stack.pop() {
            let id = job.id.as_str();
            if expanded {
                let after = !job.optional_needs.is_empty()
                    || job
                        .needs
                        .iter()
                        .any(|n| settled.get(n.as_str()).copied().unwrap_or(false));
                settled.insert(id, after);
                continue;
            }
            if settled.contains_key(id) {
                continue;
            }
            settled.insert(id, false);
            stack.push((job, true));
            for need in &job.needs {
                if let Some(j) = by_id
                    .get(need.as_str())
                    .filter(|j| !settled.contains_key(j.id.as_str()))
                {
                    stack.push((j, false));
                }
            }
        }
    }
    settled
        .into_iter()
        .filter_map(|(id, after)| after.then_some(id))
        .collect()
}

/// The job's `if:`: `own` (as the lowering wrote it), or the explicit test of its needs' results
/// in front of it when the job has optional needs or comes after a job that has.
/// `after` is [`after_optional`] of the job's pipeline.
pub(super) fn condition(after: &IdSet<&str>, job: &Job, own: Option<String>) -> Option<String> {
    if job.condition.as_ref().is_some_and(|c| c.mentions_status()) || !after.contains(job.id.as_str()) {
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
