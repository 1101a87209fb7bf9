//! A job's steps -> its `script:`, and what else they add to the job (checkout, uploads,
//! caches, downloads, outputs).

use pipeline_core::diagnostic::Path;
use pipeline_core::{CloudRole, Condition, Job, Step, StepKind};

use super::aws::aws_script;
use super::{Lowering, OUTPUTS_FILE, StepsOut};
use crate::gitlab::expr;
use crate::gitlab::model::{self as gl, When};
use crate::gitlab::script;

/// How a step's text runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run<'a> {
    /// As its own bash process (every user script).
    Process,
    /// As its own process whose standard output is the encoded value of this dotenv variable.
    Output(&'a str),
    /// In the job's shell (generated code that exports what later steps need).
    JobShell,
}

/// How a step is named in messages.
fn describe(index: usize, step: &Step) -> String {
    match (&step.name, &step.id) {
        (Some(name), _) => format!("step {name:?}"),
        (None, Some(id)) => format!("step {:?}", id.as_str()),
        (None, None) => format!("step {}", index + 1),
    }
}

impl Lowering<'_> {
    pub(super) fn steps(&mut self, job: &Job, path: &Path) -> StepsOut {
        // Steps that run after a failure (or always): every step records its failure instead of
        // ending the job, and the job fails at the end (docs/SEMANTICS.md, section 4).
        let mut out = StepsOut {
            status_mode: job.steps.iter().any(|s| {
                matches!(
                    s.kind,
                    StepKind::Script(_) | StepKind::Action(_) | StepKind::SetOutput(_) | StepKind::AssumeRole(_)
                ) && s.condition.as_ref().is_some_and(Condition::mentions_status)
            }),
            ..StepsOut::default()
        };
        for (i, step) in job.steps.iter().enumerate() {
            let spath = path.step(i, step.id_str());
            let what = describe(i, step);
            match &step.kind {
                StepKind::Checkout(c) if !c.is_workspace_root() => {
                    let fetch = crate::gitlab::checkout::fetch_step(step, c);
                    let body = crate::gitlab::checkout::FETCH;
                    self.script_step(Run::Process, &fetch, body, &what, &spath, job, &mut out, i);
                }
                StepKind::Checkout(c) => {
                    if step.condition.is_some()
                        || step.continue_on_error
                        || step.working_directory.is_some()
                        || !step.env.is_empty()
                    {
                        self.unsupported(
                            spath.clone(),
                            format!(
                                "GitLab clones the repository before job {:?} starts; its checkout cannot have a condition, environment, working directory or continue on error",
                                job.id.as_str()
                            ),
                            "remove those settings from the checkout step",
                        );
                    }
                    if let Some(first) = &out.checkout {
                        if first != c {
                            self.unsupported(
                                spath.clone(),
                                format!("job {:?} checks out the repository twice with different settings; GitLab clones once", job.id.as_str()),
                                "keep one checkout step",
                            );
                        }
                    } else {
                        out.checkout = Some(c.clone());
                    }
                }
                StepKind::Upload(u) => {
                    if let Some(when) = self.status_only(step, &spath, job, "an artifact upload", "artifacts") {
                        if when == When::OnSuccess {
                            // GitLab only warns about a path that matches nothing; the upload
                            // step fails, as on every platform (docs/SEMANTICS.md, section 7).
                            let check = script::uploaded_paths_exist(u.artifact.as_str(), &u.paths);
                            self.script_step(Run::Process, step, &check, &what, &spath, job, &mut out, i);
                        }
                        out.uploads.push((u.clone(), when, spath.clone()));
                    }
                }
                StepKind::Cache(c) => {
                    if let Some(when) = self.status_only(step, &spath, job, "a cache", "cache") {
                        let key = if c.key_files.is_empty() {
                            gl::CacheKey::Fixed(c.key_prefix.clone())
                        } else {
                            if c.key_files.len() > 10 {
                                self.unsupported(
                                    spath.clone(),
                                    format!(
                                        "GitLab computes a cache key from at most 10 files; job {:?} lists {}",
                                        job.id.as_str(),
                                        c.key_files.len()
                                    ),
                                    "hash fewer files (a lock file is usually enough)",
                                );
                            }
                            gl::CacheKey::Files {
                                files: c.key_files.clone(),
                                prefix: c.key_prefix.clone(),
                            }
                        };
                        out.caches.push(gl::Cache {
                            key,
                            paths: c.paths.clone(),
                            when: (when != When::OnSuccess).then_some(when),
                        });
                        if out.caches.len() == 5 {
                            self.unsupported(
                                spath.clone(),
                                format!(
                                    "GitLab allows at most 4 caches per job; job {:?} has more",
                                    job.id.as_str()
                                ),
                                "cache several paths under one key",
                            );
                        }
                    }
                }
                StepKind::Download(d) => {
                    // GitLab downloads the needed jobs' artifacts before the script: a condition
                    // on the download cannot remove files, and needs no shell.
                    out.downloads
                        .push((d.artifact.to_string(), d.path.clone(), spath.clone()));
                }
                StepKind::Script(body) if !step.state.is_empty() => {
                    // The exports land in a bash file the job's shell sources after the step
                    // (docs/SEMANTICS.md, section 17); `$0` is the step's own file.
                    let sink = crate::shell::StateSink::File {
                        file: "\"${0%.sh}.state.sh\"",
                        step: step.id_str().unwrap_or_default(),
                    };
                    let wrapper = crate::shell::state_step(body, &step.state, &sink);
                    self.script_step(Run::Process, step, &wrapper, &what, &spath, job, &mut out, i);
                    out.script.push(script::source_state(i));
                }
                StepKind::Script(body) => {
                    if step.shell == pipeline_core::Shell::Cmd {
                        self.unsupported(
                            spath.clone().field("shell"),
                            format!("step {} of job {:?} runs in cmd, which needs Windows; GitLab runs the steps on Linux or macOS", i + 1, job.id.as_str()),
                            "use `Shell::Pwsh` (the image needs pwsh), or keep the step on GitHub's Windows runners with `Step::only_on(Platform::Github)`",
                        );
                    }
                    // Another shell runs from a bash launcher (docs/SEMANTICS.md, section 26).
                    let body = step.shell.launcher(body);
                    self.script_step(Run::Process, step, &body, &what, &spath, job, &mut out, i);
                }
                StepKind::Action(a) => match &a.fallback {
                    Some(fallback) => {
                        self.script_step(Run::Process, step, fallback, &what, &spath, job, &mut out, i);
                    }
                    None => self.unsupported(
                        spath.clone(),
                        format!(
                            "GitLab cannot run the GitHub action {} (job {:?})",
                            a.action.name,
                            job.id.as_str()
                        ),
                        "give the action step a shell script for other platforms with `.fallback(\"...\")`",
                    ),
                },
                StepKind::SetOutput(o) => {
                    let dotenv = expr::dotenv_name(&job.output(o.name.clone()));
                    // Beside the step's own file (the steps directory is the job shell's variable).
                    let file = "\"${0%.sh}.command.sh\"".to_owned();
                    let body = crate::shell::print_encoded_output(o.name.as_str(), &o.command, &file);
                    out.outputs = true;
                    self.script_step(Run::Output(&dotenv), step, &body, &what, &spath, job, &mut out, i);
                }
                StepKind::AssumeRole(CloudRole::Aws(role)) => {
                    if step.continue_on_error || step.working_directory.is_some() || !step.env.is_empty() {
                        self.unsupported(
                            spath.clone(),
                            format!(
                                "the AWS role step of job {:?} exports credentials to the steps after it; on GitLab it cannot have its own environment, working directory or continue on error",
                                job.id.as_str()
                            ),
                            "set those on the job, or remove them",
                        );
                    }
                    out.aws = true;
                    let body = aws_script(role);
                    let plain = Step {
                        env: pipeline_core::Env::new(),
                        working_directory: None,
                        continue_on_error: false,
                        ..step.clone()
                    };
                    self.script_step(Run::JobShell, &plain, &body, &what, &spath, job, &mut out, i);
                }
            }
        }
        if out.status_mode {
            out.script.push(script::fail_if_failed());
        }
        out
    }

    /// The `when` of an upload or cache step, whose condition may only be a job status.
    fn status_only(&mut self, step: &Step, path: &Path, job: &Job, what: &str, keyword: &str) -> Option<When> {
        let Some(c) = &step.condition else {
            return Some(When::OnSuccess);
        };
        match c {
            Condition::Always => Some(When::Always),
            Condition::Failure => Some(When::OnFailure),
            _ => {
                self.unsupported(
                    path.clone(),
                    format!(
                        "GitLab `{keyword}:` can only depend on the job's result; {what} of job {:?} has another condition",
                        job.id.as_str()
                    ),
                    "use `Condition::always()` or `Condition::failure()`, or no condition",
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn script_step(
        &mut self,
        how: Run<'_>,
        step: &Step,
        body: &str,
        what: &str,
        path: &Path,
        job: &Job,
        out: &mut StepsOut,
        index: usize,
    ) {
        let guard = match script::guard(step.condition.as_ref()) {
            Ok(g) => g,
            Err(e) => {
                self.dnf_error(e, path.field("condition"), job.id.as_str(), "step");
                return;
            }
        };
        if guard.never {
            return;
        }
        let mut tests: Vec<String> = Vec::new();
        if out.status_mode && !guard.after {
            tests.push(script::NOT_FAILED.to_owned());
        }
        if let Some(t) = &guard.test {
            tests.push(if tests.is_empty() || !t.contains(" || ") {
                t.clone()
            } else {
                format!("{{ {t}; }}")
            });
        }
        let test = (!tests.is_empty()).then(|| tests.join(" && "));
        let record = (out.status_mode && !step.continue_on_error).then_some(what);
        let text = match how {
            Run::JobShell => script::in_job_shell(body, test.as_deref()),
            Run::Process | Run::Output(_) => {
                let env = script::exports(&step.env, &mut out.decoded);
                script::wrap(
                    index,
                    body,
                    &env,
                    step.working_directory.as_deref(),
                    test.as_deref(),
                    step.continue_on_error.then_some(what),
                    match how {
                        Run::Output(dotenv) => Some((dotenv, OUTPUTS_FILE)),
                        _ => None,
                    },
                    record,
                )
            }
        };
        out.isolated |= how != Run::JobShell;
        out.script.push(script::entry(text));
    }
}
