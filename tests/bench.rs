//! The benchmark command: how fast and how lean generation is.
//!
//! ```text
//! cargo run --release -p pipeline-tests --bin bench            # every enabled backend
//! cargo run --release -p pipeline-tests --bin bench -- github  # one backend
//! cargo run --release -p pipeline-tests --bin bench -- --cold-build [--runs N]  # cold builds
//! cargo run --release -p pipeline-tests --bin bench -- --peer [--runs N]  # side by side with the peer
//! cargo run --release -p pipeline-tests --bin bench -- import  # typed-mapping rate of the import corpus
//! ```
//!
//! For 1, 100 and 1,000 distinct copies of the example service's delivery pipeline, and for
//! each backend and for the three platforms together (`all`), it generates in memory and with
//! files written (through the generator, as `--out DIR` does), each scenario in a fresh child
//! process so its peak memory is its own, and prints the time per pipeline, the total time, the
//! kilobytes generated per pipeline and the peak resident memory. In memory, it also times the
//! two phases of generation apart (lowering and emission, per pipeline: see
//! `pipeline_tests::phases`); the rest of the render is the generator's own work (validation,
//! headers, checks). Then (or with the
//! argument `runner` alone) it measures the local runner's own overhead per job: a pipeline of
//! jobs running `true` from this repository, minus the time the same `bash` invocations take
//! when started directly (goal: under 50 ms per job). It prints figures; it asserts nothing.
//! Every run starts with the machine it ran on (processor, cores, memory, load, rustc), so a
//! figure quoted elsewhere can say where it came from.
//!
//! `--cold-build` instead times what a service team pays in CI: a cold debug build of the README's
//! quick start (three platforms, and GitHub only) and of the peer, gh-workflow 0.9.0, with the
//! same workflow (`pipeline_tests::cold_build`). `--peer` times generation itself side by side
//! with gh-workflow on the README's quick-start workflow: 1,000 pipelines built and rendered, per
//! backend and for the three platforms together (`pipeline_tests::peer_runtime`).

use std::process::Command;
use std::time::{Duration, Instant};

use pipeline_core::{Generator, Pipeline, PipelineId};
use pipeline_tests::phases::{self, Phases};

const COUNTS: [usize; 3] = [1, 100, 1000];

/// `count` distinct copies of the example delivery pipeline: ids, names and one script differ.
fn copies(count: usize) -> Vec<Pipeline> {
    let base = example_service::delivery();
    (0..count)
        .map(|i| {
            let mut p = base.clone();
            p.id = PipelineId::new(format!("delivery-{i:04}"));
            p.name = format!("payments-api delivery #{i}");
            if let Some(job) = p.jobs.first_mut() {
                job.steps.push(pipeline_core::Step::script(format!("echo copy {i}")));
            }
            p
        })
        .collect()
}

/// The backends a bench name selects: one backend, or `all` for the three platforms.
fn selected(backend: &str) -> Vec<&'static str> {
    if backend == ALL {
        phases::BACKENDS.to_vec()
    } else {
        phases::BACKENDS.into_iter().filter(|b| *b == backend).collect()
    }
}

fn generator(backend: &str, pipelines: Vec<Pipeline>) -> Generator {
    let names = selected(backend);
    Generator::new("bench", ".")
        .source("tests/bench.rs")
        .backends(
            pipeline_templates::all()
                .into_iter()
                .filter(|b| names.contains(&b.name())),
        )
        .pipelines(pipelines)
}

/// The three platforms together.
const ALL: &str = "all";

/// Peak resident set size of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Runs one scenario in this process and prints one machine-readable line: nanoseconds, files,
/// peak MiB, bytes generated, and (in memory) the nanoseconds of lowering and of emission.
fn scenario(backend: &str, count: usize, mode: &str) {
    let pipelines = copies(count);
    let generator = generator(backend, pipelines.clone());
    let (elapsed, files, bytes) = match mode {
        "memory" => {
            let start = Instant::now();
            let rendered = generator.render(&[]).unwrap_or_else(|d| panic!("{d}"));
            let elapsed = start.elapsed();
            let bytes = rendered.files.iter().map(|(_, f)| f.contents.len()).sum();
            (elapsed, rendered.files.len(), bytes)
        }
        "write" => {
            let dir = std::env::temp_dir().join(format!("pipeline-bench-{}-{backend}-{count}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let mut sink = Vec::new();
            let mut err = Vec::new();
            let out = dir.to_string_lossy().into_owned();
            let start = Instant::now();
            let code = generator.run(["--out", out.as_str()], &mut sink, &mut err);
            let elapsed = start.elapsed();
            assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
            let (files, bytes) = disk_usage(&dir);
            let _ = std::fs::remove_dir_all(&dir);
            (elapsed, files, bytes)
        }
        other => panic!("unknown mode {other}"),
    };
    let peak = peak_rss_mib().unwrap_or(f64::NAN);
    let mut split = Phases::default();
    if mode == "memory" {
        for p in &pipelines {
            for b in selected(backend) {
                split += phases::lower_emit(b, p);
            }
        }
    }
    println!(
        "{} {} {:.1} {} {} {}",
        elapsed.as_nanos(),
        files,
        peak,
        bytes,
        split.lower.as_nanos(),
        split.emit.as_nanos()
    );
}

/// The number of files under `dir` and their total size in bytes.
fn disk_usage(dir: &std::path::Path) -> (usize, usize) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(path),
                Ok(m) => {
                    files += 1;
                    bytes += m.len() as usize;
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}

/// Jobs per runner measurement.
const RUNNER_JOBS: usize = 20;

/// The runner's overhead per job, with and without a checkout (a copy of this repository's
/// tracked files), beyond the commands the jobs run.
fn runner_overhead() {
    use pipeline_core::run::{self, RunArgs, Settings};
    use pipeline_core::{Job, Step, Trigger};

    let repo = pipeline_tests::workspace_root();
    // The commands alone: the same bash invocation, started directly.
    let script = std::env::temp_dir().join(format!("pipeline-bench-step-{}.sh", std::process::id()));
    std::fs::write(&script, "true\n").unwrap_or_else(|e| panic!("cannot write {}: {e}", script.display()));
    let start = Instant::now();
    for _ in 0..RUNNER_JOBS {
        let ok = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "bash failed");
    }
    let commands = start.elapsed();
    let _ = std::fs::remove_file(&script);
    println!(
        "\nlocal runner: {RUNNER_JOBS} jobs running `true` (the commands alone: {:.1} ms per job)",
        commands.as_secs_f64() * 1e3 / RUNNER_JOBS as f64
    );
    println!("{:<24} {:>14} {:>22}", "jobs", "per job", "runner overhead per job");
    for checkout in [false, true] {
        let jobs = (0..RUNNER_JOBS).map(|i| {
            let job = Job::new(format!("job-{i:02}"));
            let job = if checkout { job.step(Step::checkout()) } else { job };
            job.step(Step::script("true"))
        });
        let p = pipeline_core::Pipeline::new("bench").on(Trigger::push()).jobs(jobs);
        let args = RunArgs {
            branch: Some("main".into()),
            ..RunArgs::default()
        };
        let ctx = run::context(&p, &repo, &args).unwrap_or_else(|e| panic!("{e}"));
        let start = Instant::now();
        let report = run::execute(&p, &repo, &ctx, None, &Settings::default(), &mut std::io::sink())
            .unwrap_or_else(|e| panic!("{e}"));
        let total = start.elapsed();
        assert_eq!(report.exit_code(), 0, "{}", report.summary());
        let per = total.as_secs_f64() * 1e3 / RUNNER_JOBS as f64;
        let overhead = (total.saturating_sub(commands)).as_secs_f64() * 1e3 / RUNNER_JOBS as f64;
        println!(
            "{:<24} {:>11.1} ms {:>19.1} ms",
            if checkout { "checkout + `true`" } else { "`true`" },
            per,
            overhead
        );
    }
}

/// The `N` of `<mode> [--runs N]` (`default` without it); exits with the usage on anything else.
fn runs(args: &[String], default: usize) -> usize {
    let runs = match args.get(1..) {
        Some([flag, n]) if flag == "--runs" => n.parse().unwrap_or(0),
        Some([]) => default,
        _ => 0,
    };
    if runs == 0 {
        eprintln!("bench: usage: bench {} [--runs N]  (N at least 1)", args[0]);
        std::process::exit(2);
    }
    runs
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, backend, count, mode] = args.as_slice() {
        if flag == "--scenario" {
            scenario(backend, count.parse().unwrap_or(1), mode);
            return;
        }
    }
    pipeline_tests::print_machine();
    if args == ["runner"] {
        runner_overhead();
        return;
    }
    if args == ["import"] {
        import_rate();
        return;
    }
    if args.first().is_some_and(|a| a == "--peer") {
        pipeline_tests::peer_runtime::run(runs(&args, 5));
        return;
    }
    if args.first().is_some_and(|a| a == "--cold-build") {
        pipeline_tests::cold_build::run(runs(&args, 1));
        return;
    }
    let mut all: Vec<&'static str> = phases::BACKENDS.to_vec();
    all.push(ALL);
    let backends: Vec<&str> = if args.is_empty() {
        all.clone()
    } else {
        for a in &args {
            if !all.contains(&a.as_str()) {
                eprintln!("bench: unknown backend {a:?} (available: {})", all.join(", "));
                std::process::exit(2);
            }
        }
        args.iter().map(String::as_str).collect()
    };
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("cannot find myself: {e}"));
    if cfg!(debug_assertions) {
        eprintln!("bench: this is a debug build; run with --release for meaningful figures\n");
    }
    // File creation cost is the file system's: say which one, so figures can be compared.
    println!(
        "write mode writes under {} (set TMPDIR to measure another file system)\n",
        std::env::temp_dir().display()
    );
    println!(
        "{:<14} {:>6} {:<7} {:>12} {:>13} {:>10} {:>12} {:>12} {:>12}",
        "backend", "count", "mode", "per pipeline", "total", "KB/pipe", "peak memory", "lower/pipe", "emit/pipe"
    );
    for backend in backends {
        for count in COUNTS {
            for mode in ["memory", "write"] {
                let out = Command::new(&exe)
                    .args(["--scenario", backend, &count.to_string(), mode])
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run scenario: {e}"));
                let text = String::from_utf8_lossy(&out.stdout);
                let fields: Vec<&str> = text.split_whitespace().collect();
                let number = |i: usize| fields.get(i).and_then(|n| n.parse::<u64>().ok());
                let (Some(nanos), Some(mib), Some(bytes), Some(lower), Some(emit)) =
                    (number(0), fields.get(2), number(3), number(4), number(5))
                else {
                    eprintln!(
                        "scenario {backend} {count} {mode} failed:\n{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    std::process::exit(1);
                };
                let total = Duration::from_nanos(nanos);
                let per = |nanos: u64| {
                    if nanos == 0 {
                        String::new()
                    } else {
                        format!("{:.1} µs", nanos as f64 / 1e3 / count as f64)
                    }
                };
                println!(
                    "{:<14} {:>6} {:<7} {:>12} {:>13} {:>10} {:>8} MiB {:>12} {:>12}",
                    backend,
                    count,
                    mode,
                    per(nanos),
                    format!("{:.2} ms", total.as_secs_f64() * 1e3),
                    format!("{:.1}", bytes as f64 / 1024.0 / count as f64),
                    mib,
                    per(lower),
                    per(emit)
                );
            }
        }
    }
    runner_overhead();
}

/// The importer over its corpus (`backends/import/tests/import-corpus/`): jobs and steps mapped
/// to typed forms, the escape hatches grouped by reason, and the time it took. Every step of the
/// corpus is counted as typed or as an escape hatch; none is dropped.
fn import_rate() {
    let dir = pipeline_tests::workspace_root().join("backends/import/tests/import-corpus");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files.push(dir.join("gitlab-monorepo/.gitlab-ci.yml"));
    let start = Instant::now();
    let import = pipeline_import::import(&files);
    let elapsed = start.elapsed();
    for p in &import.problems {
        eprintln!("{p}");
    }
    let sum = |f: fn(&pipeline_import::Summary) -> usize| import.summaries.iter().map(f).sum::<usize>();
    let (jobs, jobs_typed, steps, steps_typed) = (
        sum(|s| s.jobs),
        sum(|s| s.jobs_typed),
        sum(|s| s.steps),
        sum(|s| s.steps_typed),
    );
    let pct = |a: usize, b: usize| if b == 0 { 100.0 } else { a as f64 * 100.0 / b as f64 };
    println!(
        "import: {} files in {:.1} ms (rustfmt included)",
        import.summaries.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    println!(
        "  steps typed: {steps_typed}/{steps} ({:.1}%, goal > 90%), escape hatches {}, dropped 0",
        pct(steps_typed, steps),
        steps - steps_typed
    );
    println!(
        "  jobs without any escape hatch: {jobs_typed}/{jobs} ({:.1}%)",
        pct(jobs_typed, jobs)
    );
    let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for s in &import.summaries {
        for (_, why) in &s.hatches {
            *reasons.entry(why.as_str()).or_default() += 1;
        }
    }
    println!("  escape hatches by reason:");
    for (why, n) in reasons {
        println!("    {n:>3}  {why}");
    }
}
