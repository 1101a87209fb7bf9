//! `bench --cold-build`: what a service team pays the first time CI builds its pipeline crate.
//!
//! Builds, each in a fresh temporary crate with an empty target directory (dependencies
//! downloaded first, so the figure is compilation only; no incremental compilation, as for a
//! git or registry dependency), a debug build of:
//!
//! - **quick start, 3 platforms**: the README's quick start (`pipeline-core` and
//!   `pipeline-backends` with default features, the README's `src/main.rs`);
//! - **quick start, GitHub only**: the same `src/main.rs`, with `pipeline-backends` reduced to
//!   `features = ["github"]`;
//! - **gh-workflow 0.9.0** (the Rust peer, GitHub only) with the same workflow, when its crate is
//!   in the cargo registry cache or can be fetched from crates.io; skipped (and said so) when not.
//!
//! Runs alternate between the variants (`--runs N`, default 1), so a change in the machine's load
//! affects them alike; it prints each run, the median per variant, and each of ours as a ratio to
//! the peer's. The machine line printed first gives the load average: figures taken on a loaded
//! machine say so there.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{TempDir, workspace_root};

/// The peer's version, as issue 15 measured it.
pub const PEER: &str = "gh-workflow 0.9.0";

/// The peer's version of the quick start's workflow (push to main, pull requests, one job that
/// checks out and runs the tests), as a function of its name: the one definition every peer
/// program of the benchmarks includes (`{PEER_WORKFLOW}` followed by a `main`).
pub const PEER_WORKFLOW: &str = r#"use gh_workflow::*;

fn workflow(name: String) -> Workflow {
    Workflow::new(name)
        .on(Event::default()
            .push(Push::default().add_branch("main"))
            .pull_request(PullRequest::default()))
        .add_job(
            "test",
            Job::new("test")
                .add_step(Step::checkout())
                .add_step(Step::new("test").run("cargo test --workspace --locked")),
        )
}
"#;

/// The peer's program for a cold build: the workflow written where GitHub reads it.
const PEER_MAIN: &str = r#"
fn main() {
    let yaml = workflow("ci".into()).to_string().expect("serialises");
    std::fs::create_dir_all(".github/workflows").expect("creates the directory");
    std::fs::write(".github/workflows/ci.yml", yaml).expect("writes the workflow");
}
"#;

/// One crate to build cold.
#[derive(Debug)]
struct Variant {
    name: &'static str,
    dependencies: String,
    main_rs: String,
    times: Vec<Duration>,
    crates: usize,
}

/// The code block that follows `<!-- quick-start: NAME -->` in a README.
///
/// ```
/// let readme = "<!-- quick-start: a.txt -->\n```text\nhello\n```\n";
/// assert_eq!(pipeline_tests::cold_build::readme_block(readme, "a.txt"), "hello\n");
/// ```
pub fn readme_block(readme: &str, name: &str) -> String {
    let marker = format!("<!-- quick-start: {name} -->");
    let after = readme
        .split_once(&marker)
        .unwrap_or_else(|| panic!("README.md has no `{marker}` marker"))
        .1;
    let fence = after.find("```").expect("a code block after the marker");
    let body_start = fence + after[fence..].find('\n').expect("a fence line") + 1;
    let body_len = after[body_start..].find("```").expect("a closing fence");
    after[body_start..body_start + body_len].to_string()
}

/// `cargo`, as the outer build runs it, with the outer build's variables removed.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // Run from `cargo run`: keep the outer build's variables out of the new crate.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("CARGO_") && key != "CARGO_HOME" {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("RUSTC_WRAPPER").env_remove("RUSTFLAGS");
    cmd
}

/// Writes the crate, resolves and downloads its dependencies; `false` when that fails.
fn prepare(dir: &Path, variant: &Variant) -> bool {
    prepare_crate(dir, &variant.dependencies, &variant.main_rs)
}

/// Writes a binary crate named `pipelines` in `dir` with these `[dependencies]` lines and this
/// `src/main.rs`, then resolves and downloads its dependencies (offline first, from the registry
/// cache, then online); `false` when that fails.
pub fn prepare_crate(dir: &Path, dependencies: &str, main_rs: &str) -> bool {
    let manifest = format!(
        "[package]\nname = \"pipelines\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{dependencies}\n\n[workspace]\n"
    );
    let written = std::fs::create_dir_all(dir.join("src"))
        .and_then(|()| std::fs::write(dir.join("Cargo.toml"), manifest))
        .and_then(|()| std::fs::write(dir.join("src/main.rs"), main_rs));
    if let Err(e) = written {
        eprintln!("bench: cannot write {}: {e}", dir.display());
        return false;
    }
    // Offline first (the registry cache is enough when it holds every dependency), then online.
    let fetched = |offline: bool| {
        let mut cmd = cargo();
        cmd.current_dir(dir).args(["fetch", "--quiet"]);
        if offline {
            cmd.arg("--offline");
        }
        cmd.stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    fetched(true) || fetched(false)
}

/// One cold build: (wall time, crates compiled), or `None` when it failed.
fn build(dir: &Path, target: &Path) -> Option<(Duration, usize)> {
    let _ = std::fs::remove_dir_all(target);
    let start = Instant::now();
    let out = cargo()
        .current_dir(dir)
        .args(["build", "--offline", "--locked"])
        .env("CARGO_TARGET_DIR", target)
        // Without incremental compilation, as cargo builds a git or registry dependency (the
        // README's git dependency; the peer's registry one): a path dependency would be built
        // incrementally, which makes a cold build much slower and is not what CI pays.
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .ok()?;
    let elapsed = start.elapsed();
    let _ = std::fs::remove_dir_all(target);
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("bench: the cold build in {} failed:\n{log}", dir.display());
        return None;
    }
    let crates = log.lines().filter(|l| l.trim_start().starts_with("Compiling ")).count();
    Some((elapsed, crates))
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// Runs the cold-build comparison `runs` times and prints the figures.
pub fn run(runs: usize) {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let main_rs = readme_block(&readme, "src/main.rs");
    let core = format!(
        "pipeline-core = {{ path = {:?} }}",
        root.join("pipeline-core").display()
    );
    let backends = root.join("backends").display().to_string();
    let mut variants = vec![
        Variant {
            name: "quick start, 3 platforms",
            dependencies: format!("{core}\npipeline-backends = {{ path = {backends:?} }}"),
            main_rs: main_rs.clone(),
            times: Vec::new(),
            crates: 0,
        },
        Variant {
            name: "quick start, GitHub only",
            dependencies: format!(
                "{core}\npipeline-backends = {{ path = {backends:?}, default-features = false, features = [\"github\"] }}"
            ),
            main_rs,
            times: Vec::new(),
            crates: 0,
        },
    ];
    let peer = Variant {
        name: PEER,
        dependencies: "gh-workflow = \"=0.9.0\"".into(),
        main_rs: format!("{PEER_WORKFLOW}{PEER_MAIN}"),
        times: Vec::new(),
        crates: 0,
    };
    let tmp = TempDir::new("cold-build");
    let dir = |i: usize| tmp.path().join(format!("crate-{i}"));
    for (i, v) in variants.iter().enumerate() {
        if !prepare(&dir(i), v) {
            eprintln!("bench: cannot resolve the dependencies of {:?}", v.name);
            std::process::exit(1);
        }
    }
    if prepare(&dir(variants.len()), &peer) {
        variants.push(peer);
    } else {
        println!("{PEER} is neither in the cargo registry cache nor reachable on crates.io: no comparison");
    }
    let target = tmp.path().join("target");
    println!("cold debug builds (empty target directory, dependencies downloaded), {runs} run(s) each, alternating:");
    for run in 1..=runs {
        for (i, v) in variants.iter_mut().enumerate() {
            let Some((time, crates)) = build(&dir(i), &target) else {
                std::process::exit(1);
            };
            println!(
                "  run {run}: {:<26} {:>6.1} s  ({crates} crates)",
                v.name,
                time.as_secs_f64()
            );
            v.times.push(time);
            v.crates = crates;
        }
    }
    let peer_time = variants.iter().find(|v| v.name == PEER).map(|v| median(&v.times));
    println!(
        "\n{:<26} {:>10} {:>8} {:>14}",
        "variant", "median", "crates", "ours / peer"
    );
    for v in &variants {
        let m = median(&v.times);
        let ratio = match peer_time {
            Some(p) if v.name != PEER && !p.is_zero() => format!("{:.2}", m.as_secs_f64() / p.as_secs_f64()),
            _ => "-".into(),
        };
        println!(
            "{:<26} {:>8.1} s {:>8} {:>14}",
            v.name,
            m.as_secs_f64(),
            v.crates,
            ratio
        );
    }
}
