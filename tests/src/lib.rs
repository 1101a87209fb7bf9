//! Helpers for the integration and conformance tests: temporary directories, the workspace
//! root, the conformance tools (skipped loudly locally, required under `CI=true`), and pipelines
//! that exercise every feature of the model.

pub mod aws_access;
pub mod cold_build;
pub mod fixtures;
pub mod fixtures_reports;
pub mod hazards;
pub mod modules;
pub mod peer_runtime;
pub mod phases;
pub mod probes;
pub mod readback;
pub mod token_fixtures;
pub mod tools;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A directory under the system temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, empty directory whose name contains `label`.
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pipeline-tests-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Self(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Every file under it, as sorted relative paths with `/` separators.
    pub fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() && !path.is_symlink() {
                    walk(&path, base, out);
                } else if let Ok(rel) = path.strip_prefix(base) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &self.0, &mut out);
        out.sort();
        out
    }

    /// Reads a file under it.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.0.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The result of running a generator in-process.
#[derive(Debug)]
pub struct Run {
    /// Exit status.
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

/// Runs `generator` with `args`, capturing its output.
pub fn run(generator: &pipeline_core::Generator, args: &[&str]) -> Run {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let code = generator.run(args.iter().copied(), &mut stdout, &mut stderr);
    Run {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A named set of pipelines generated together.
#[derive(Debug)]
pub struct PipelineSet {
    /// A short name (`example-service`, `everything`).
    pub name: &'static str,
    /// The pipelines.
    pub pipelines: Vec<pipeline_core::Pipeline>,
}

/// Every set of pipelines the conformance tests run the platforms' tools on: the example
/// service, this repository's CI, and the fixtures.
pub fn pipeline_sets() -> Vec<PipelineSet> {
    vec![
        PipelineSet {
            name: "example-service",
            pipelines: example_service::pipelines(),
        },
        PipelineSet {
            name: "ci",
            pipelines: ci::pipelines(),
        },
        PipelineSet {
            name: "everything",
            pipelines: vec![fixtures::everything()],
        },
        PipelineSet {
            name: "conditions",
            pipelines: vec![fixtures::conditions()],
        },
        PipelineSet {
            name: "conditions-pr",
            pipelines: vec![fixtures::conditions_pull_requests()],
        },
        PipelineSet {
            name: "minimal",
            pipelines: vec![fixtures::minimal()],
        },
        PipelineSet {
            name: "release",
            pipelines: vec![fixtures::release()],
        },
        PipelineSet {
            name: "supply-chain",
            pipelines: vec![fixtures::supply_chain_release(), fixtures::supply_chain_delivery()],
        },
        PipelineSet {
            name: "drift",
            pipelines: fixtures::drift(),
        },
        PipelineSet {
            name: "strategies",
            pipelines: vec![
                fixtures::strategies(),
                fixtures::codedeploy(),
                fixtures::feature_flags(),
            ],
        },
        PipelineSet {
            name: "reach",
            pipelines: vec![fixtures::reach()],
        },
        PipelineSet {
            name: "service-strategies",
            pipelines: fixtures::service_strategies(),
        },
        PipelineSet {
            name: "runners",
            pipelines: vec![fixtures::runners_matrices(&[])],
        },
        PipelineSet {
            name: "runners-all-os",
            pipelines: vec![fixtures::runners_matrices(&[pipeline_core::Runner::macos()])],
        },
        PipelineSet {
            name: "steps",
            pipelines: vec![fixtures::step_state()],
        },
        PipelineSet {
            name: "reports",
            pipelines: vec![fixtures_reports::test_reports()],
        },
        PipelineSet {
            name: "checkouts",
            pipelines: vec![fixtures_reports::checkouts()],
        },
        PipelineSet {
            name: "reusable",
            pipelines: vec![fixtures_reports::reusable(), fixtures_reports::caller()],
        },
    ]
}

/// The backend named `name` (`github`, `gitlab`, `codepipeline`) with its default settings.
///
/// # Panics
/// When no enabled backend has that name.
pub fn backend(name: &str) -> Box<dyn pipeline_core::Backend> {
    pipeline_templates::all()
        .into_iter()
        .find(|b| b.name() == name)
        .unwrap_or_else(|| panic!("no backend named {name}"))
}

/// Renders `set` with backend `name` in memory.
pub fn render(set: &PipelineSet, name: &str) -> Result<Vec<pipeline_core::GeneratedFile>, pipeline_core::Diagnostics> {
    let generator = pipeline_core::Generator::new("conformance", ".")
        .source("tests")
        .regenerate_command("cargo test -p pipeline-tests")
        .backends([backend(name)])
        .pipelines(set.pipelines.clone());
    generator
        .render(&[])
        .map(|r| r.files.into_iter().map(|(_, f)| f).collect())
}

/// Renders every set with backend `name` and writes each set's files under `<dir>/<set>/`.
/// Returns the written paths (absolute).
///
/// # Panics
/// When a set does not render, unless `may_reject` names it (a fixture using a feature the
/// platform cannot express; its rejection is asserted by the backend's diagnostics tests).
pub fn write_generated(dir: &TempDir, name: &str, may_reject: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for set in pipeline_sets() {
        match render(&set, name) {
            Ok(files) => {
                for file in files {
                    let path = dir.path().join(set.name).join(file.path.as_str());
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
                    }
                    std::fs::write(&path, &file.contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
                    out.push(path);
                }
            }
            Err(d) if may_reject.contains(&set.name) => eprintln!("{} rejects {} (expected):\n{d}", name, set.name),
            Err(d) => panic!("{} does not render on {name}:\n{d}", set.name),
        }
    }
    out.sort();
    out
}

/// Runs `git ARGS` in `dir` with a fixed identity, `main` as the default branch and no signing
/// (the tests' repositories must not depend on the machine's git configuration).
///
/// # Panics
/// When git cannot run or fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=pipeline-tests",
            "-c",
            "user.email=pipeline-tests@example.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The first line of `/proc/<file>` matching `key`, without the key.
fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{file}")).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(
        line[key.len()..]
            .trim_start_matches([' ', '\t', ':'])
            .trim()
            .to_string(),
    )
}

/// Prints what benchmark figures were measured on: processor, cores, memory, load, rustc, OS.
pub fn print_machine() {
    let cpu = proc_field("cpuinfo", "model name").unwrap_or_else(|| std::env::consts::ARCH.into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = proc_field("meminfo", "MemTotal")
        .and_then(|kb| kb.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(|| "?".into(), |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0));
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "rustc ?".into());
    println!(
        "machine: {cpu}, {cores} cores, {memory}, load average {load}; {rustc}; {}",
        std::env::consts::OS
    );
}
