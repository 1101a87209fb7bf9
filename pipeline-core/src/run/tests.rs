//! Executor tests on small pipelines in a temporary git repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::prelude::*;

struct Repo(PathBuf);

impl Repo {
    fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("pipeline-run-test-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("tracked.txt"), "tracked\n").expect("write");
        for args in [
            &["init", "-q"][..],
            &["add", "tracked.txt"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e.invalid",
                "commit",
                "-q",
                "-m",
                "t",
            ],
        ] {
            let ok = Command::new("git")
                .args(args)
                .current_dir(&dir)
                .output()
                .expect("git")
                .status
                .success();
            assert!(ok, "git {args:?}");
        }
        Self(dir)
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_with(p: &Pipeline, repo: &Path, host: &[(&str, &str)]) -> (Report, String) {
    let args = RunArgs {
        branch: Some("main".into()),
        ..RunArgs::default()
    };
    let ctx = context(p, repo, &args).expect("context");
    let settings = Settings {
        host: Some(
            host.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        ),
        cache_dir: Some(repo.join(".cache")),
        ..Settings::default()
    };
    let mut log = Vec::new();
    let report = execute(p, repo, &ctx, None, &settings, &mut log).expect("runs");
    (report, String::from_utf8_lossy(&log).into_owned())
}

fn status<'r>(r: &'r Report, name: &str) -> &'r JobStatus {
    &r.job(name).unwrap_or_else(|| panic!("no job {name}")).status
}

#[test]
fn outputs_are_limited_to_1024_encoded_bytes() {
    let repo = Repo::new("outputs");
    let p = Pipeline::new("p").on(Trigger::push()).job(
        Job::new("a")
            .step(Step::set_output("fits", "printf 'x%.0s' $(seq 1024)"))
            .step(Step::set_output("big", "printf '%%%.0s' $(seq 342)")),
    );
    let (report, log) = run_with(&p, &repo.0, &[]);
    let a = report.job("a").expect("a");
    assert_eq!(a.outputs.get("fits").map(String::len), Some(1024), "{log}");
    assert_eq!(a.status, JobStatus::Failed, "{log}");
    assert!(
        log.contains("output big is larger than 1024 bytes encoded (1026)"),
        "{log}"
    );
    assert_eq!(encoded_len(b"a b"), 5);
}

#[test]
fn failure_skips_steps_and_dependents_but_not_always_and_rollback() {
    let repo = Repo::new("failure");
    let p = Pipeline::new("p").on(Trigger::push()).jobs([
        Job::new("a")
            .step(Step::script("exit 4"))
            .step(Step::script("echo skipped-step"))
            .step(Step::script("echo always-step").when(Condition::always())),
        Job::new("b").needs("a").step(Step::script("true")),
        Job::new("c")
            .needs("b")
            .when(Condition::always())
            .step(Step::script("true")),
        Job::new("rollback")
            .needs("a")
            .when(Condition::failure())
            .step(Step::script("true")),
        Job::new("soft").allow_failure().step(Step::script("false")),
        Job::new("after-soft").needs("soft").step(Step::script("true")),
    ]);
    let (report, log) = run_with(&p, &repo.0, &[]);
    assert_eq!(*status(&report, "a"), JobStatus::Failed);
    assert!(matches!(status(&report, "b"), JobStatus::Skipped(_)));
    assert_eq!(*status(&report, "c"), JobStatus::Passed, "{log}");
    assert_eq!(*status(&report, "rollback"), JobStatus::Passed);
    assert_eq!(*status(&report, "soft"), JobStatus::FailedAllowed);
    assert_eq!(*status(&report, "after-soft"), JobStatus::Passed);
    assert!(log.contains("always-step") && !log.contains("skipped-step"), "{log}");
    assert_eq!(report.exit_code(), 1);
    let a = report.job("a").expect("a");
    assert_eq!(
        a.failed_step().map(|s| s.outcome.clone()),
        Some(StepOutcome::Failed(Some(4)))
    );
}

#[test]
fn secrets_are_masked_in_the_kept_log_and_only_declared_variables_reach_steps() {
    let repo = Repo::new("secrets");
    let p = Pipeline::new("p").on(Trigger::push()).job(
        Job::new("a")
            .env("T", Expr::secret("TOKEN"))
            .env("V", Expr::var("REGION"))
            .step(Step::script("echo \"t=$T v=$V ci=$CI\"")),
    );
    let (report, log) = run_with(&p, &repo.0, &[("TOKEN", "hunter22"), ("REGION", "eu-west-1")]);
    let a = report.job("a").expect("a");
    assert!(a.log.iter().any(|l| l == "t=*** v=eu-west-1 ci=true"), "{:?}", a.log);
    assert!(!log.contains("hunter22"), "{log}");
}

#[test]
fn untracked_files_stay_out_and_a_job_without_checkout_starts_empty() {
    let repo = Repo::new("workspace");
    std::fs::write(repo.0.join("untracked.txt"), "x").expect("write");
    let p = Pipeline::new("p").on(Trigger::push()).jobs([
        Job::new("with")
            .step(Step::checkout())
            .step(Step::script("test -f tracked.txt && test ! -e untracked.txt")),
        Job::new("without").step(Step::script("test -z \"$(ls -A)\"")),
    ]);
    let (report, log) = run_with(&p, &repo.0, &[]);
    assert_eq!(report.exit_code(), 0, "{log}");
}

#[test]
fn a_step_past_its_deadline_is_ended_with_its_process_group() {
    use std::time::{Duration, Instant};
    let mut dir = super::workspace::RunDir::new().expect("dir");
    let script = dir.path().join("sleep.sh");
    std::fs::write(&script, "sleep 30 &\nsleep 30\n").expect("write");
    let process = super::process::StepProcess {
        script,
        cwd: dir.path().to_path_buf(),
        env: Vec::new(),
        container: None,
    };
    let start = Instant::now();
    let ended = process
        .run(&mut dir, start + Duration::from_millis(300), false, &mut |_, _| {})
        .expect("runs");
    assert!(ended.timed_out);
    assert_ne!(ended.code, Some(0));
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn matrix_cells_see_their_values_and_fail_fast_cancels_the_rest() {
    let repo = Repo::new("matrix");
    let cells = |fail_fast: Option<bool>| {
        let mut m = Matrix::new().axis("n", ["1", "2", "3"]);
        m.fail_fast = fail_fast;
        Pipeline::new("p").on(Trigger::push()).job(
            Job::new("m")
                .matrix(m)
                .env("N", Expr::matrix("n"))
                .step(Step::script("echo \"cell $N\"\n[ \"$N\" != 2 ]")),
        )
    };
    let (report, log) = run_with(&cells(None), &repo.0, &[]);
    let names: Vec<(&str, &str)> = report
        .jobs
        .iter()
        .map(|j| (j.name.as_str(), j.status.label()))
        .collect();
    assert_eq!(
        names,
        [("m: [1]", "passed"), ("m: [2]", "FAILED"), ("m: [3]", "passed")],
        "{log}"
    );
    assert!(report.job("m: [3]").is_some_and(|j| j.log == ["cell 3"]));
    let (report, log) = run_with(&cells(Some(true)), &repo.0, &[]);
    assert_eq!(
        report.job("m: [3]").map(|j| j.status.clone()),
        Some(JobStatus::Skipped("fail fast: m: [2] failed".into())),
        "{log}"
    );
}

#[test]
fn a_pipeline_its_triggers_do_not_start_runs_nothing_and_says_why() {
    let repo = Repo::new("triggers");
    let p = Pipeline::new("p")
        .on(Trigger::push().branches(["release"]))
        .job(Job::new("a").step(Step::script("echo ran")));
    let (report, log) = run_with(&p, &repo.0, &[]);
    assert!(!report.started && report.jobs.is_empty(), "{log}");
    assert_eq!(report.exit_code(), 0);
    assert!(
        log.contains("does not start on push of \"main\"; its triggers: push to release"),
        "{log}"
    );
}

/// A job whose first step exports a variable, a PATH entry and an output (docs/SEMANTICS.md,
/// section 17), and whose later steps check them.
fn state_job(first: &str) -> Job {
    let meta = Step::script(first)
        .id("meta")
        .exports_env("GREETING")
        .adds_path()
        .exports_output("version");
    let version = meta.output("version");
    Job::new("state")
        .env("GREETING", "from the job")
        .step(meta)
        .step(
            Step::script("[ \"$GREETING\" = 'hello world' ] && [ \"$V\" = 1.2.3 ] && probe-tool | grep -qx tool")
                .env("V", version),
        )
        .step(Step::script("[ \"$GREETING\" = own ]").env("GREETING", "own"))
}

#[test]
fn step_state_reaches_later_steps_of_the_job() {
    let repo = Repo::new("state");
    let first = "mkdir -p bin && printf '#!/bin/sh\\necho tool\\n' > bin/probe-tool && chmod +x bin/probe-tool\n\
                 echo 'GREETING=first' >> \"$PIPELINE_ENV\"\necho 'GREETING=hello world' >> \"$PIPELINE_ENV\"\n\
                 echo bin >> \"$PIPELINE_PATH\"\necho 'version=1.2.3' >> \"$PIPELINE_OUTPUT\"\n";
    let p = Pipeline::new("s").on(Trigger::push()).job(state_job(first));
    crate::validate::assert_valid(&p);
    let (report, log) = run_with(&p, &repo.0, &[]);
    assert_eq!(*status(&report, "state"), JobStatus::Passed, "{log}");
}

#[test]
fn an_undeclared_export_fails_the_step() {
    let repo = Repo::new("state-undeclared");
    let p = Pipeline::new("s")
        .on(Trigger::push())
        .job(state_job("echo 'OTHER=x' >> \"$PIPELINE_ENV\""));
    let (report, log) = run_with(&p, &repo.0, &[]);
    assert_eq!(*status(&report, "state"), JobStatus::Failed, "{log}");
    assert!(
        log.contains("OTHER in $PIPELINE_ENV is not declared by the step"),
        "{log}"
    );
}

#[test]
fn the_platform_token_comes_from_pipeline_token_masked() {
    let repo = Repo::new("token");
    let p =
        Pipeline::new("p")
            .on(Trigger::push())
            .job(Job::new("a").step(Step::script("echo \"token=$GH_TOKEN\"").env(
                "GH_TOKEN",
                PlatformToken::new().scope(Permission::Contents, Access::Read),
            )));
    let (report, log) = run_with(&p, &repo.0, &[(crate::token::LOCAL_TOKEN_VAR, "ghs_local42")]);
    let a = report.job("a").expect("a");
    assert!(a.log.iter().any(|l| l == "token=***"), "{:?}", a.log);
    assert!(!log.contains("ghs_local42"), "{log}");
    let (report, _) = run_with(&p, &repo.0, &[]);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains(crate::token::LOCAL_TOKEN_VAR)),
        "{:?}",
        report.warnings
    );
}

#[test]
fn an_optional_need_that_did_not_run_lets_the_job_run_and_one_that_failed_does_not() {
    let repo = Repo::new("optional");
    let p = Pipeline::new("p")
        .on(Trigger::push())
        .job(Job::new("build").step(Step::script("true")))
        .job(
            Job::new("bench")
                .when(Condition::branch("release"))
                .step(Step::script("true")),
        )
        .job(Job::new("broken").step(Step::script("exit 3")))
        .job(Job::new("after-broken").needs("broken").step(Step::script("true")))
        .job(
            Job::new("publish")
                .needs("build")
                .needs_optional("bench")
                .step(Step::script("true")),
        )
        .job(Job::new("notify").needs("publish").step(Step::script("true")))
        .job(
            Job::new("on-broken")
                .needs_optional("broken")
                .step(Step::script("true")),
        )
        .job(
            Job::new("on-after-broken")
                .needs_optional("after-broken")
                .step(Step::script("true")),
        );
    crate::validate::assert_valid(&p);
    let (report, _) = run_with(&p, &repo.0, &[]);
    assert!(matches!(status(&report, "bench"), JobStatus::Skipped(_)));
    assert_eq!(status(&report, "publish"), &JobStatus::Passed);
    assert_eq!(status(&report, "notify"), &JobStatus::Passed);
    assert!(matches!(status(&report, "on-broken"), JobStatus::Skipped(_)));
    assert!(matches!(status(&report, "on-after-broken"), JobStatus::Skipped(_)));
}

#[test]
fn sh_steps_run_strict_pwsh_steps_need_pwsh_and_cmd_steps_are_refused() {
    let repo = Repo::new("shells");
    let has_pwsh = std::process::Command::new("sh")
        .args(["-c", "command -v pwsh"])
        .output()
        .is_ok_and(|o| o.status.success());
    let p = Pipeline::new("p")
        .on(Trigger::push())
        .job(Job::new("sh").step(Step::script("echo \"posix $A\"").shell(Shell::Sh).env("A", "sh")))
        .job(Job::new("sh-strict").step(Step::script("false\necho not reached").shell(Shell::Sh)))
        .job(
            Job::new("pwsh").step(
                Step::script("Write-Output \"pwsh $env:A\"")
                    .shell(Shell::Pwsh)
                    .env("A", "ok"),
            ),
        )
        .job(Job::new("cmd").step(Step::script("dir").shell(Shell::Cmd)));
    crate::validate::assert_valid(&p);
    let (report, _) = run_with(&p, &repo.0, &[]);
    let sh = report.job("sh").expect("sh");
    assert!(sh.log.iter().any(|l| l == "posix sh"), "{:?}", sh.log);
    let strict = report.job("sh-strict").expect("sh-strict");
    assert_eq!(strict.status, JobStatus::Failed);
    assert!(!strict.log.iter().any(|l| l == "not reached"), "{:?}", strict.log);
    let pwsh = report.job("pwsh").expect("pwsh");
    if has_pwsh {
        assert!(pwsh.log.iter().any(|l| l == "pwsh ok"), "{:?}", pwsh.log);
    } else {
        assert_eq!(pwsh.status, JobStatus::Failed);
        assert!(
            pwsh.log.iter().any(|l| l.contains("pwsh is not installed")),
            "{:?}",
            pwsh.log
        );
    }
    let cmd = report.job("cmd").expect("cmd");
    assert_eq!(cmd.status, JobStatus::Failed);
    assert!(
        cmd.log.iter().any(|l| l.contains("cmd runs on Windows runners only")),
        "{:?}",
        cmd.log
    );
}
