//! Job-level path filters on GitHub: `on.<event>.paths` filters whole workflows only, so a
//! `pipeline-changes` job compares the run with its base (the previous commit of a push, the
//! base of a pull request) and sets one output per filtered job; each filtered job needs it and
//! runs only when its output is `true`. Without a base (a new branch, a tag, a schedule, a
//! manual run) every filtered job runs, as GitLab's `rules:changes` does.

use pipeline_core::changes::{CHANGES_JOB, regex};
use pipeline_core::{Checkout, Job, Pipeline, Step};

use super::model as gh;

/// The step that computes the outputs.
const STEP: &str = "changes";

/// The `pipeline-changes` job as a portable job, when a job of `pipeline` has a path filter;
/// the lowering lowers it, then [`finish`] adds what only GitHub has.
pub(super) fn job(pipeline: &Pipeline) -> Option<Job> {
    let filtered: Vec<&Job> = pipeline.jobs.iter().filter(|j| !j.changed_paths.is_empty()).collect();
    if filtered.is_empty() {
        return None;
    }
    let mut script = String::from(
        "base=\n\
         case \"$EVENT_NAME\" in\n\
         \x20 push) base=\"$BEFORE\" ;;\n\
         \x20 pull_request | pull_request_target) base=\"$PR_BASE\" ;;\n\
         esac\n\
         # Without a base (a new branch, a tag, a schedule, a manual run) every filtered job runs.\n\
         all=true\n\
         changed=\"$RUNNER_TEMP/pipeline-changed-paths\"\n\
         if [ -n \"$base\" ] && git cat-file -e \"$base^{commit}\" 2> /dev/null; then\n\
         \x20 all=false\n\
         \x20 git diff --name-only \"$base\" HEAD > \"$changed\"\n\
         fi\n",
    );
    for job in &filtered {
        let alternatives: Vec<String> = job.changed_paths.iter().map(|p| regex(p)).collect();
        script.push_str(&format!(
            "if $all || grep -Eq '{}' \"$changed\"; then echo '{id}=true'; else echo '{id}=false'; fi >> \"$GITHUB_OUTPUT\"\n",
            alternatives.join("|"),
            id = job.id.as_str()
        ));
    }
    let core = Job::new(CHANGES_JOB)
        .name("Changed paths")
        .step(Step::checkout_with(Checkout {
            fetch_depth: Some(0),
            ..Checkout::default()
        }))
        .step(Step::script(script).id(STEP));
    Some(core)
}

/// The step's inputs (GitHub's event context, through env) and the job's outputs, one per
/// filtered job.
pub(super) fn finish(pipeline: &Pipeline, lowered: &mut gh::Job) {
    if let Some(step) = lowered.steps.iter_mut().find(|s| s.id.as_deref() == Some(STEP)) {
        for (name, value) in [
            ("EVENT_NAME", "${{ github.event_name }}"),
            ("BEFORE", "${{ github.event.before }}"),
            ("PR_BASE", "${{ github.event.pull_request.base.sha }}"),
        ] {
            step.env.insert(name.to_owned(), value.to_owned());
        }
    }
    for job in pipeline.jobs.iter().filter(|j| !j.changed_paths.is_empty()) {
        let id = job.id.as_str();
        lowered
            .outputs
            .insert(id.to_owned(), format!("${{{{ steps.{STEP}.outputs.{id} }}}}"));
    }
}

/// Makes a filtered job need `pipeline-changes` and run only when its output is `true` (and its
/// own condition holds).
pub(super) fn gate(job: &Job, lowered: &mut gh::Job) {
    if job.changed_paths.is_empty() {
        return;
    }
    lowered.needs.insert(0, CHANGES_JOB.to_owned());
    let gate = format!("needs.{CHANGES_JOB}.outputs.{} == 'true'", job.id.as_str());
    lowered.condition = Some(match lowered.condition.take() {
        None => gate,
        Some(c) => {
            let c = c
                .strip_prefix("${{ ")
                .and_then(|c| c.strip_suffix(" }}"))
                .map_or(c.clone(), str::to_owned);
            format!("{gate} && ({c})")
        }
    });
}
