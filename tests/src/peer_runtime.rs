//! `bench --peer`: generation speed side by side with the peer, on the same workflow.
//!
//! Builds two small release programs in fresh temporary crates (dependencies downloaded first):
//! one with this project (`pipeline-core` and `pipeline-backends` by path) and one with
//! gh-workflow 0.9.0 (the Rust peer, GitHub only, from the cargo registry cache or crates.io).
//! Each builds the README's quick-start workflow (push to main, pull requests, one job that checks
//! out and runs the tests) 1,000 times as distinct pipelines (the name carries the copy's number)
//! and renders them to text in memory, timing the whole: model built, then
//!
//! - **ours**: validated (as the generator does before it renders) and rendered by each backend
//!   (`Backend::generate`: lowering, emission, header, the platform's checks), for GitHub,
//!   GitLab, CodePipeline (CloudFormation template and deployment file), and the three together;
//! - **the peer**: `Workflow::to_string()`.
//!
//! Each program repeats its loop (`--runs N`, default 5) and reports its best time; the two run
//! alternately, so a change in the machine's load touches both. It prints microseconds per
//! pipeline and each of ours as a ratio to the peer's GitHub figure. It asserts nothing.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::cold_build::{PEER, PEER_WORKFLOW, cargo, prepare_crate, readme_block};
use crate::{TempDir, workspace_root};

/// Pipelines rendered per timed loop, as issue 15 measured.
pub const PIPELINES: usize = 1000;

/// Our program: the quick start's pipeline, built and rendered `PIPELINES` times per backend.
const OURS_MAIN: &str = r#"use pipeline_core::backend::{Backend, Header, RenderContext};
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use std::time::Instant;

fn quick_start(i: usize) -> Pipeline {
    let test = Job::new("test")
        .step(Step::checkout())
        .step(Step::script("cargo test --workspace --locked"));
    Pipeline::new(format!("ci-{i}"))
        .name(format!("ci {i}"))
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .job(test)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let ctx = RenderContext {
        header: Header::new("pipelines", "src/main.rs", "cargo run"),
        root_in_repository: String::new(),
    };
    let github = pipeline_backends::Github::new();
    let gitlab = pipeline_backends::Gitlab::new();
    let codepipeline = pipeline_backends::CodePipeline::new();
    let sets: [(&str, Vec<&dyn Backend>); 4] = [
        ("github", vec![&github]),
        ("gitlab", vec![&gitlab]),
        ("codepipeline", vec![&codepipeline]),
        ("all", vec![&github, &gitlab, &codepipeline]),
    ];
    for (name, backends) in sets {
        let start = Instant::now();
        let mut bytes = 0;
        for i in 0..n {
            let p = quick_start(i);
            let mut diagnostics = pipeline_core::validate::validate(&p);
            for backend in &backends {
                for file in backend.generate(std::slice::from_ref(&p), &ctx, &mut diagnostics) {
                    bytes += file.contents.len();
                }
            }
            assert!(!diagnostics.has_errors(), "{name}: {diagnostics:?}");
        }
        println!("{name} {} {}", start.elapsed().as_nanos(), bytes / n);
    }
}
"#;

/// The peer's program (after [`PEER_WORKFLOW`]): the same workflow, built and rendered
/// `PIPELINES` times.
const PEER_MAIN: &str = r#"
fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for i in 0..n {
        bytes += workflow(format!("ci {i}")).to_string().expect("serialises").len();
    }
    println!("github {} {}", start.elapsed().as_nanos(), bytes / n);
}
"#;

/// One program's best time per label, and its bytes per pipeline.
#[derive(Debug, Default)]
struct Figures {
    rows: Vec<(String, Duration, usize)>,
}

impl Figures {
    fn merge(&mut self, out: &str) -> bool {
        let mut any = false;
        for line in out.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [label, nanos, bytes] = fields.as_slice() else {
                continue;
            };
            let (Ok(nanos), Ok(bytes)) = (nanos.parse::<u64>(), bytes.parse::<usize>()) else {
                continue;
            };
            let time = Duration::from_nanos(nanos);
            match self.rows.iter_mut().find(|(l, _, _)| l == label) {
                Some(row) => row.1 = row.1.min(time),
                None => self.rows.push(((*label).to_string(), time, bytes)),
            }
            any = true;
        }
        any
    }
}

/// Builds the crate's release binary; its path, or `None` when the build failed.
fn build(dir: &Path, target: &Path) -> Option<std::path::PathBuf> {
    let out = cargo()
        .current_dir(dir)
        .args(["build", "--release", "--offline", "--locked", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "bench: the release build in {} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(target.join("release/pipelines"))
}

fn per_pipeline_us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6 / PIPELINES as f64
}

/// Runs the side-by-side comparison, `runs` loops per program, and prints the figures.
pub fn run(runs: usize) {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    // The workflow both programs build is the README's quick start: fail loudly if it changed.
    let quick_start = readme_block(&readme, "src/main.rs");
    for needle in [
        "Step::checkout()",
        "cargo test --workspace --locked",
        "Trigger::pull_request()",
    ] {
        assert!(
            quick_start.contains(needle),
            "README's quick start no longer has {needle}: update tests/src/peer_runtime.rs"
        );
    }
    let dependencies = format!(
        "pipeline-core = {{ path = {:?} }}\npipeline-backends = {{ path = {:?} }}",
        root.join("pipeline-core").display(),
        root.join("backends").display()
    );
    let tmp = TempDir::new("peer-runtime");
    let (ours_dir, peer_dir) = (tmp.path().join("ours"), tmp.path().join("peer"));
    if !prepare_crate(&ours_dir, &dependencies, OURS_MAIN) {
        eprintln!("bench: cannot resolve this project's dependencies");
        std::process::exit(1);
    }
    let with_peer = prepare_crate(
        &peer_dir,
        "gh-workflow = \"=0.9.0\"",
        &format!("{PEER_WORKFLOW}{PEER_MAIN}"),
    );
    if !with_peer {
        println!("{PEER} is neither in the cargo registry cache nor reachable on crates.io: no comparison");
    }
    println!("building both programs (release)...");
    let Some(ours_bin) = build(&ours_dir, &tmp.path().join("target-ours")) else {
        std::process::exit(1);
    };
    let peer_bin = if with_peer {
        build(&peer_dir, &tmp.path().join("target-peer"))
    } else {
        None
    };
    let (mut ours, mut peer) = (Figures::default(), Figures::default());
    for _ in 0..runs {
        for (bin, figures) in [(Some(&ours_bin), &mut ours), (peer_bin.as_ref(), &mut peer)] {
            let Some(bin) = bin else { continue };
            let out = Command::new(bin)
                .arg(PIPELINES.to_string())
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
            if !out.status.success() || !figures.merge(&String::from_utf8_lossy(&out.stdout)) {
                eprintln!(
                    "bench: {} failed:\n{}",
                    bin.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                std::process::exit(1);
            }
        }
    }
    let peer_github = peer.rows.first().map(|r| r.1);
    println!(
        "\nthe README's quick-start workflow, {PIPELINES} distinct pipelines built and rendered in memory, best of {runs}:"
    );
    println!(
        "{:<34} {:>14} {:>14} {:>16}",
        "program", "µs / pipeline", "bytes / pipe.", "ours / peer GH"
    );
    for (label, time, bytes) in &ours.rows {
        let ratio = peer_github.map_or_else(
            || "-".to_string(),
            |p| format!("{:.2}", time.as_secs_f64() / p.as_secs_f64()),
        );
        println!(
            "{:<34} {:>14.1} {:>14} {:>16}",
            format!("ours, {label} (validated)"),
            per_pipeline_us(*time),
            bytes,
            ratio
        );
    }
    for (label, time, bytes) in &peer.rows {
        println!(
            "{:<34} {:>14.1} {:>14} {:>16}",
            format!("{PEER}, {label}"),
            per_pipeline_us(*time),
            bytes,
            "-"
        );
    }
}
