//! The local runner: `run PIPELINE` on every generator binary executes a pipeline on this
//! machine as `docs/SEMANTICS.md` describes, and is the reference implementation of those
//! semantics (the fidelity suite compares it with gitlab-ci-local on the GitLab lowering).
//!
//! - [`context`](Context): the run's event, branch, tag and inputs; conditions and values;
//! - [`Plan`]: jobs in dependency order, matrix cells, `--dry-run`;
//! - the executor: a fresh workspace per job run (a copy of the git-tracked files, placed by the
//!   checkout step), a fresh `bash --noprofile --norc -eo pipefail` per step with only the
//!   declared environment, artifacts kept at their workspace-relative paths, outputs of any
//!   UTF-8 value, caches in a local directory, secrets from the environment and masked, manual
//!   approvals held unless `--approve`, retries, timeouts, and rollback jobs on failure;
//! - steps with no local meaning (platform actions, cloud roles) are reported as not run;
//! - the run directory is removed however the run ends, and an interrupted run ends the step's
//!   whole process group (see `workspace`).
//!
//! ```no_run
//! use pipeline_core::prelude::*;
//! use pipeline_core::run::{self, RunArgs, Settings};
//! let p = Pipeline::new("ci").on(Trigger::push()).job(Job::new("t").step(Step::script("echo hi")));
//! let args = RunArgs { pipeline: "ci".into(), branch: Some("main".into()), ..RunArgs::default() };
//! let ctx = run::context(&p, std::path::Path::new("."), &args).expect("valid arguments");
//! let report = run::execute(&p, std::path::Path::new("."), &ctx, None, &Settings::default(), &mut std::io::stderr())
//!     .expect("runs");
//! assert_eq!(report.exit_code(), 0);
//! ```

mod cells;
mod context;
mod exec;
mod mask;
mod plan;
mod process;
mod report;
mod state;
mod store;
#[cfg(test)]
mod tests;
mod workspace;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

pub use cells::Instance;
pub use context::{Context, LocalEvent, Status, glob_match};
pub use exec::{Approvals, MAX_OUTPUT_ENCODED, Settings, encoded_len};
pub use mask::Masker;
pub use plan::{Plan, PlannedJob};
pub use process::{Engine, HOST_VARIABLES};
pub use report::{JobReport, JobStatus, Report, StepOutcome, StepReport};

use crate::pipeline::Pipeline;
use crate::trigger::InputKind;

/// Exit status of a usage error (unknown pipeline, job, event or input).
pub const EXIT_USAGE: i32 = 2;

/// The arguments of `run`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunArgs {
    /// The pipeline's id.
    pub pipeline: String,
    /// `--job ID`: only this job and the jobs it needs.
    pub job: Option<String>,
    /// `--event`: push (default), tag, pull-request, manual, schedule.
    pub event: Option<LocalEvent>,
    /// `--branch B` (default: the repository's current branch).
    pub branch: Option<String>,
    /// `--tag T` (implies `--event tag`).
    pub tag: Option<String>,
    /// `--base B`: the target branch of a pull request run (default `main`).
    pub base: Option<String>,
    /// `--fork`: the pull request run comes from a fork.
    pub fork: bool,
    /// `--input k=v` (a manual run only).
    pub inputs: Vec<(String, String)>,
    /// `--approve`: pass manual approvals.
    pub approve: bool,
    /// `--dry-run`: print the plan, run nothing.
    pub dry_run: bool,
    /// `--engine docker|podman`: run jobs that name an image in it.
    pub engine: Option<String>,
    /// `--platform NAME`: run what that platform's file has (jobs and steps restricted to other
    /// platforms are left out); every job when absent.
    pub platform: Option<crate::platform::Platform>,
    /// `--changed-since REF`: the base path-filtered jobs compare with (none: they run).
    pub changed_since: Option<String>,
    /// `--host-os-only`: run only the cells whose runner has this machine's OS.
    pub host_os_only: bool,
    /// `--help`.
    pub help: bool,
}

/// The usage text of `NAME run`.
pub fn usage(name: &str, pipelines: &[&str]) -> String {
    format!(
        "\
Usage: {name} run PIPELINE [--job ID] [--event EVENT] [--branch B] [--tag T]
              [--base B] [--fork] [--input NAME=VALUE]... [--approve] [--dry-run] [--engine docker|podman]
              [--host-os-only] [--platform github|gitlab|codepipeline] [--changed-since REF]

Runs a pipeline on this machine, as docs/SEMANTICS.md describes: every job in a fresh copy
of the repository's tracked files, every step in a fresh bash, secrets from the environment
(masked in the log), artifacts and outputs passed along, manual approvals held unless
--approve. Steps with no local meaning (platform actions, cloud roles) are reported, not run.

  PIPELINE        one of: {}
  --job ID        only this job and the jobs it needs
  --event EVENT   push (default), tag, pull-request, manual, schedule
  --branch B      the branch being built (default: the current branch)
  --tag T         the tag being built (implies --event tag)
  --base B        a pull request's target branch (default: main; with --event pull-request)
  --fork          the pull request comes from a fork (with --event pull-request)
  --input N=V     a manual run's input (repeatable; other events use the defaults)
  --approve       pass manual approvals
  --dry-run       print the plan (order, conditions, matrix cells) and run nothing
  --engine E      run jobs that name an image with docker or podman (default: on the host)
  --platform P    run what platform P's file has (jobs and steps only on others left out)
  --changed-since REF  path-filtered jobs run only if a matching file changed since REF
                  (without it they run, as on a platform's run with no base)
  --host-os-only  skip matrix cells and jobs whose runner has another OS than this machine
                  (without it, every cell runs here, whatever its runner's OS)

Exit status: 0 passed (or stopped at an approval), 1 a job failed, 2 invalid usage.
",
        pipelines.join(", ")
    )
}

/// Parses the arguments after `run`.
///
/// ```
/// use pipeline_core::run::{parse_args, LocalEvent};
/// let a = parse_args(["ci", "--event", "manual", "--input", "target=prod", "--approve"]).expect("valid");
/// assert_eq!(a.pipeline, "ci");
/// assert_eq!(a.event, Some(LocalEvent::Manual));
/// assert_eq!(a.inputs, [("target".to_owned(), "prod".to_owned())]);
/// assert!(parse_args(["ci", "--event", "push-ish"]).is_err());
/// ```
pub fn parse_args<I, S>(args: I) -> Result<RunArgs, String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut a = RunArgs::default();
    let mut args = args.into_iter().map(Into::into);
    let mut pipeline: Option<String> = None;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| args.next()) {
                Some(v) if !v.is_empty() && !v.starts_with("--") => Ok(v),
                _ => Err(format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "--job" => a.job = Some(value("--job")?),
            "--event" => {
                let v = value("--event")?;
                let names: Vec<&str> = LocalEvent::ALL.iter().map(|e| e.name()).collect();
                a.event = Some(
                    LocalEvent::parse(&v)
                        .ok_or_else(|| format!("unknown event {v:?}; events: {}", names.join(", ")))?,
                );
            }
            "--branch" => a.branch = Some(value("--branch")?),
            "--tag" => a.tag = Some(value("--tag")?),
            "--base" => a.base = Some(value("--base")?),
            "--input" => {
                let v = value("--input")?;
                let (k, v) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--input takes NAME=VALUE, not {v:?}"))?;
                a.inputs.push((k.to_owned(), v.to_owned()));
            }
            "--engine" => a.engine = Some(value("--engine")?),
            "--changed-since" => a.changed_since = Some(value("--changed-since")?),
            "--platform" => {
                let v = value("--platform")?;
                a.platform = Some(
                    crate::platform::Platform::parse(&v)
                        .ok_or_else(|| format!("unknown platform {v:?}; platforms: github, gitlab, codepipeline"))?,
                );
            }
            "--approve" | "--dry-run" | "--fork" | "--host-os-only" | "-h" | "--help" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
            }
            "--approve" => a.approve = true,
            "--fork" => a.fork = true,
            "--dry-run" => a.dry_run = true,
            "--host-os-only" => a.host_os_only = true,
            "-h" | "--help" => a.help = true,
            other if other.starts_with('-') => return Err(format!("unknown option {other:?}")),
            other if pipeline.is_none() => pipeline = Some(other.to_owned()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if a.tag.is_some() && a.event.is_some_and(|e| e != LocalEvent::Tag) {
        return Err("--tag builds a tag: it goes with --event tag (or no --event)".into());
    }
    if a.event == Some(LocalEvent::Tag) && a.tag.is_none() {
        return Err("--event tag needs --tag NAME".into());
    }
    if (a.base.is_some() || a.fork) && a.event != Some(LocalEvent::PullRequest) {
        return Err("--base and --fork describe a pull request: they go with --event pull-request".into());
    }
    if a.tag.is_some() && a.branch.is_some() {
        return Err("--branch and --tag cannot be combined: a run builds one ref".into());
    }
    match pipeline {
        Some(p) => a.pipeline = p,
        None if a.help => {}
        None => return Err("run needs the id of a pipeline".into()),
    }
    Ok(a)
}

fn git(repo: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(repo).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The context of a run of `pipeline` in repository `repo` with `args`: the event, the ref
/// (the current branch by default), the inputs (defaults, and a manual run's `--input`s), the
/// commit and the repository. `Err` is a usage error naming what is valid.
pub fn context(pipeline: &Pipeline, repo: &Path, args: &RunArgs) -> Result<Context, String> {
    let event = args.event.unwrap_or(if args.tag.is_some() {
        LocalEvent::Tag
    } else {
        LocalEvent::Push
    });
    let branch = if event == LocalEvent::Tag {
        None
    } else {
        Some(
            args.branch
                .clone()
                .or_else(|| git(repo, &["symbolic-ref", "--short", "-q", "HEAD"]))
                .unwrap_or_else(|| "main".to_owned()),
        )
    };
    let mut inputs = BTreeMap::new();
    for input in pipeline.inputs() {
        inputs.insert(input.name.to_string(), input.default_string().unwrap_or_default());
    }
    if !args.inputs.is_empty() && event != LocalEvent::Manual {
        return Err(format!(
            "inputs are set by a manual run only (--event manual); on a {} run every input holds its default",
            event.name()
        ));
    }
    for (name, value) in &args.inputs {
        let Some(input) = pipeline.inputs().find(|i| i.name == name.as_str()) else {
            let names: Vec<&str> = pipeline.inputs().map(|i| i.name.as_str()).collect();
            return Err(if names.is_empty() {
                format!("pipeline {:?} has no inputs (--input {name}=...)", pipeline.id.as_str())
            } else {
                format!(
                    "pipeline {:?} has no input {name:?}; its inputs: {}",
                    pipeline.id.as_str(),
                    names.join(", ")
                )
            });
        };
        match &input.kind {
            InputKind::Choice { options, .. } if !options.contains(value) => {
                return Err(format!(
                    "input {name:?} is one of {}, not {value:?}",
                    options.join(", ")
                ));
            }
            InputKind::Boolean { .. } if value != "true" && value != "false" => {
                return Err(format!("input {name:?} is true or false, not {value:?}"));
            }
            _ => {}
        }
        inputs.insert(name.clone(), value.clone());
    }
    if event == LocalEvent::Manual {
        for input in pipeline.inputs() {
            if input.required && inputs.get(input.name.as_str()).is_none_or(String::is_empty) {
                return Err(format!(
                    "input {:?} is required: --input {}=...",
                    input.name.as_str(),
                    input.name
                ));
            }
        }
    }
    let repository = git(repo, &["remote", "get-url", "origin"])
        .map(|url| {
            let url = url.trim_end_matches(".git").trim_end_matches('/');
            let mut parts = url.rsplit(['/', ':']);
            let name = parts.next().unwrap_or_default();
            let owner = parts.next().unwrap_or_default();
            if owner.is_empty() {
                name.to_owned()
            } else {
                format!("{owner}/{name}")
            }
        })
        .or_else(|| {
            repo.canonicalize()
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "local".to_owned());
    let run_id = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    );
    Ok(Context {
        event,
        branch,
        tag: args.tag.clone(),
        inputs,
        commit_sha: git(repo, &["rev-parse", "HEAD"]).unwrap_or_else(|| "0".repeat(40)),
        repository,
        actor: std::env::var("USER").unwrap_or_else(|_| "local".to_owned()),
        run_id,
        changed_paths: match &args.changed_since {
            None => None,
            Some(base) => {
                let not_a_commit = || format!("--changed-since {base}: not a commit of this repository");
                if base.starts_with('-') {
                    return Err(not_a_commit());
                }
                let out = Command::new("git")
                    .args(["diff", "--name-only", base.as_str(), "--"])
                    .current_dir(repo)
                    .output()
                    .ok()
                    .filter(|o| o.status.success())
                    .ok_or_else(not_a_commit)?;
                Some(
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .map(str::to_owned)
                        .collect(),
                )
            }
        },
        base: args.base.clone(),
        fork: args.fork,
    })
}

/// Runs `pipeline` (only job `only` and what it needs, when given) from repository `repo`,
/// logging to `out`. `Err`: the run could not start (unknown job, no git repository).
pub fn execute(
    pipeline: &Pipeline,
    repo: &Path,
    ctx: &Context,
    only: Option<&str>,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<Report, String> {
    let mut plan = Plan::new(pipeline, ctx, only)?;
    if settings.host_os_only {
        plan = plan.host_os_only(crate::runner::Os::host());
    }
    let executor = exec::Executor::new(ctx, settings, repo, out)?;
    Ok(executor.run(&plan))
}

/// `NAME run ...`: parses `args`, prints the plan or runs, prints the summary; returns the exit
/// status.
pub fn cli<I, S>(
    name: &str,
    pipelines: &[Pipeline],
    repo: &Path,
    args: I,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let ids: Vec<&str> = pipelines.iter().map(|p| p.id.as_str()).collect();
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "{name} run: {e}\n\n{}", usage(name, &ids));
            return EXIT_USAGE;
        }
    };
    if args.help {
        let _ = write!(stdout, "{}", usage(name, &ids));
        return 0;
    }
    let Some(pipeline) = pipelines.iter().find(|p| p.id == args.pipeline.as_str()) else {
        let _ = writeln!(
            stderr,
            "{name} run: no pipeline {:?}; pipelines: {}",
            args.pipeline,
            ids.join(", ")
        );
        return EXIT_USAGE;
    };
    let diagnostics = crate::validate::validate(pipeline);
    let seen = match args.platform {
        Some(platform) => pipeline.for_platform(platform),
        None => std::borrow::Cow::Borrowed(pipeline),
    };
    let pipeline: &Pipeline = &seen;
    if diagnostics.has_errors() {
        let _ = writeln!(stderr, "{diagnostics}");
        return EXIT_USAGE;
    }
    let settings = Settings {
        host_os_only: args.host_os_only,
        approve: if args.approve { Approvals::All } else { Approvals::None },
        engine: match args.engine.as_deref() {
            None => None,
            Some(e @ ("docker" | "podman")) => {
                if Command::new(e).arg("--version").output().is_err() {
                    let _ = writeln!(stderr, "{name} run: --engine {e}: {e} is not installed");
                    return EXIT_USAGE;
                }
                Some(Engine { program: e.to_owned() })
            }
            Some(other) => {
                let _ = writeln!(stderr, "{name} run: unknown engine {other:?}; engines: docker, podman");
                return EXIT_USAGE;
            }
        },
        ..Settings::default()
    };
    let ctx = match context(pipeline, repo, &args) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(stderr, "{name} run: {e}");
            return EXIT_USAGE;
        }
    };
    if args.dry_run {
        return match Plan::new(pipeline, &ctx, args.job.as_deref()) {
            Ok(plan) => {
                let plan = if args.host_os_only {
                    plan.host_os_only(crate::runner::Os::host())
                } else {
                    plan
                };
                let _ = write!(stdout, "{}", plan.describe(&ctx));
                0
            }
            Err(e) => {
                let _ = writeln!(stderr, "{name} run: {e}");
                EXIT_USAGE
            }
        };
    }
    match execute(pipeline, repo, &ctx, args.job.as_deref(), &settings, stderr) {
        Ok(report) => {
            let _ = write!(stderr, "{}", report.summary());
            report.exit_code()
        }
        Err(e) => {
            let _ = writeln!(stderr, "{name} run: {e}");
            EXIT_USAGE
        }
    }
}
