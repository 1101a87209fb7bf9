//! The local runner from the command line (`run PIPELINE ...` of every generator binary):
//! `--dry-run` on every pipeline of the example service, a probe pipeline executed job by job,
//! approvals, masking of secrets, the exit statuses (2 for an unknown pipeline, job or event,
//! naming the valid ones; 1 for a failing step, naming the job and step with the log tail), and
//! an interrupted run (SIGINT, SIGTERM) ending its processes and leaving nothing behind.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipeline_core::{Generator, Trigger};
use pipeline_tests::{Run, TempDir};

/// A git repository with one tracked file (the runner's workspace is a copy of tracked files).
fn repository(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    std::fs::write(dir.path().join("probe.txt"), "a tracked file\n").expect("write");
    std::fs::write(dir.path().join("untracked.txt"), "not copied\n").expect("write");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["checkout", "-q", "-b", "main"]);
    git(&["add", "probe.txt"]);
    git(&["commit", "-q", "-m", "probe"]);
    dir
}

fn probes(repo: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_probes"));
    cmd.args(args)
        .current_dir(repo)
        .env("XDG_CACHE_HOME", repo.join(".cache-home"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("probes runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn example_generator() -> Generator {
    Generator::new("example-service", pipeline_tests::workspace_root())
        .backends(pipeline_templates::all())
        .pipelines(example_service::pipelines())
}

fn run_in_process(g: &Generator, args: &[&str]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = g.run(args.iter().copied(), &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

#[test]
fn dry_run_plans_every_pipeline_of_the_example_service() {
    let g = example_generator();
    for p in example_service::pipelines() {
        let inputs: Vec<String> = p
            .inputs()
            .filter(|i| i.required && i.default_string().is_none_or(|d| d.is_empty()))
            .map(|i| format!("--input={}=a reason", i.name))
            .collect();
        let mut args = vec!["run", p.id.as_str(), "--dry-run"];
        match p.triggers.first() {
            Some(Trigger::Push(push)) if push.branches.is_empty() && !push.tags.is_empty() => {
                args.extend(["--tag", "v1.0.0"]);
            }
            Some(Trigger::Push(_)) => args.extend(["--branch", "main"]),
            Some(Trigger::PullRequest(_)) => args.extend(["--event", "pull-request", "--branch", "feature"]),
            Some(Trigger::Schedule(_)) => args.extend(["--event", "schedule", "--branch", "main"]),
            Some(Trigger::Manual(_)) | None => {
                args.extend(["--event", "manual", "--branch", "main"]);
                args.extend(inputs.iter().map(String::as_str));
            }
        }
        let run = run_in_process(&g, &args);
        assert_eq!(run.code, 0, "{args:?}\n{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .starts_with(&format!("plan for pipeline {:?}", p.id.as_str())),
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains("NOT STARTED"), "{args:?}: {}", run.stdout);
        for job in &p.jobs {
            assert!(
                run.stdout.contains(&format!(". {}", job.id)),
                "{} missing:\n{}",
                job.id,
                run.stdout
            );
        }
    }
    // The plan says what has no local meaning, what waits for an approval, and the cells.
    let run = run_in_process(&g, &["run", "delivery", "--dry-run", "--branch", "main"]);
    assert!(run.stdout.contains("SKIPPED locally: cloud role"), "{}", run.stdout);
    assert!(run.stdout.contains("approval required"), "{}", run.stdout);
    assert!(run.stdout.contains("matrix: 2 cells"), "{}", run.stdout);
}

#[test]
fn usage_errors_exit_2_and_name_the_valid_choices() {
    let g = example_generator();
    let run = run_in_process(&g, &["run", "delivry", "--dry-run"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no pipeline \"delivry\"; pipelines: delivery, nightly"),
        "{}",
        run.stderr
    );
    let run = run_in_process(
        &g,
        &["run", "delivery", "--job", "biuld", "--dry-run", "--branch", "main"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("has no job \"biuld\"; its jobs: lint, unit-tests"),
        "{}",
        run.stderr
    );
    let run = run_in_process(&g, &["run", "delivery", "--event", "nightly"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown event \"nightly\"; events: push, tag, pull-request, manual, schedule"),
        "{}",
        run.stderr
    );
    let run = run_in_process(&g, &["run", "delivery", "--input", "x=1", "--dry-run"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("inputs are set by a manual run only"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_probe_pipeline_runs_every_job_locally() {
    let repo = repository("runner-local");
    let run = probes(repo.path(), &["run", "local", "--branch", "main", "--approve"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = run.stderr.rsplit("\njob ").next().unwrap_or_default();
    for (job, result) in [
        ("build", "passed"),
        ("test: [1]", "passed"),
        ("test: [2]", "passed"),
        ("deploy", "passed"),
        ("rollback", "skipped"),
    ] {
        assert!(
            summary.lines().any(|l| l.starts_with(job) && l.contains(result)),
            "{job} not {result}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("shard 1 ok") && run.stderr.contains("shard 2 ok"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("deploying 1.2.3"), "{}", run.stderr);
    assert!(
        run.stderr.contains("image rust:1.95-bookworm: running on the host"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("not run locally: cloud role arn:aws:iam::111111111111:role/deploy"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("not run locally: platform action actions/checkout@"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cache deps-"), "{}", run.stderr);
    // The cache persists: the second run restores it.
    let again = probes(
        repo.path(),
        &["run", "local", "--branch", "main", "--job", "build"],
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("restored 1 files"), "{}", again.stderr);
    // Without --approve, the gate holds the deploy (and the run passes so far).
    let held = probes(repo.path(), &["run", "local", "--branch", "main"], &[]);
    assert_eq!(held.code, 0, "{}", held.stderr);
    assert!(
        held.stderr.contains("stopped at the approval of deploy"),
        "{}",
        held.stderr
    );
    assert!(!held.stderr.contains("deploying"), "{}", held.stderr);
}

#[test]
fn a_failing_step_exits_1_naming_the_job_and_step_with_the_log_tail() {
    let repo = repository("runner-failing");
    let run = probes(repo.path(), &["run", "failing"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: job \"check\" failed at step \"second\" (failed (exit 7))"),
        "{}",
        run.stderr
    );
    let tail = run.stderr.rsplit("last lines of its log:").next().unwrap_or_default();
    assert!(
        tail.contains("| line before the failure") && tail.contains("| the reason"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("never"), "{}", run.stderr);
    assert!(run.stderr.contains("pipeline \"failing\" failed"), "{}", run.stderr);
}

#[test]
fn secrets_come_from_the_environment_and_are_masked() {
    let repo = repository("runner-secret");
    let run = probes(
        repo.path(),
        &["run", "secret"],
        &[("PROBE_TOKEN", "s3cr3t-value"), ("PROBE_UNDECLARED", "leaked")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("token is ***"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t-value"), "{}", run.stderr);
    assert!(run.stderr.contains("undeclared=[]"), "{}", run.stderr);
    let missing = probes(repo.path(), &["run", "secret"], &[]);
    assert!(
        missing
            .stderr
            .contains("secret PROBE_TOKEN is not set in the environment"),
        "{}",
        missing.stderr
    );
}

/// Whether process `pid` is alive.
fn alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn interrupted_run_leaves_nothing_behind(signal: &str) {
    let repo = repository(&format!("runner-{signal}"));
    let tmp = repo.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    // A shell that starts a command in the background without job control (`cmd &`, nohup,
    // some CI agents) makes it ignore SIGINT, and an ignored signal stays ignored across exec:
    // the runner would rightly not be interrupted. GNU env restores the default disposition, so
    // this test checks the runner, not how the test suite was started.
    let mut child = Command::new("env")
        .arg(format!("--default-signal={signal}"))
        .arg(env!("CARGO_BIN_EXE_probes"))
        .args(["run", "sleepy", "--branch", "main"])
        .current_dir(repo.path())
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("probes runs");
    let pids = tmp.join("step.pids");
    let start = Instant::now();
    while !pids.exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "the step never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&pids).expect("pids");
    let step_pids: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    assert_eq!(step_pids.len(), 2, "{text}");
    assert!(step_pids.iter().all(|p| alive(p)));
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
    let status = child.wait().expect("wait");
    assert!(!status.success());
    let start = Instant::now();
    loop {
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .expect("tmp")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("pipeline-run-"))
            .collect();
        let running: Vec<&String> = step_pids.iter().filter(|p| alive(p)).collect();
        if left.is_empty() && running.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "after SIG{signal}: run directories left {left:?}, processes still running {running:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(err.contains("interrupted"), "{err}");
}

#[test]
fn ctrl_c_ends_the_step_processes_and_removes_the_workspace() {
    interrupted_run_leaves_nothing_behind("INT");
}

#[test]
fn sigterm_ends_the_step_processes_and_removes_the_workspace() {
    interrupted_run_leaves_nothing_behind("TERM");
}
