//! The scaling benchmark: one pipeline of thousands of jobs, per shape, backend and phase.
//!
//! ```text
//! cargo run --release -p pipeline-tests --bin bench-scale             # every enabled backend
//! cargo run --release -p pipeline-tests --bin bench-scale -- gitlab   # some backends
//! cargo run --release -p pipeline-tests --bin bench-scale -- --jobs 1000,2000 --shapes chain
//! cargo run --release -p pipeline-tests --bin bench-scale -- --repeat 15  # best of 15 (default 9)
//! ```
//!
//! For one pipeline of 1,000 / 2,000 / 4,000 / 8,000 jobs in four shapes (flat: no needs; chain:
//! each job needs the previous one; wide: one root and every other job needing it; fan-in:
//! independent jobs and a last job needing all of them), and for each backend, it times each
//! phase: building the model, validating it, lowering it into the platform's model and emitting
//! that as text (apart, through each backend's public `lower`: see `pipeline_tests::phases`),
//! generating its files (`Backend::generate`: lowering, emission, headers and the platform's
//! checks), and a whole generator run with `--out` into a temporary directory (validation,
//! generation and writing the files). Every
//! scenario runs in a fresh child process, so its peak resident memory is its own, and is run
//! `--repeat` times: each phase shows its best time (a loaded machine only adds). Next to each
//! time it prints the growth factor from the previous job count: ×2 per doubling is linear,
//! ×4 quadratic; after the last size, one line gives each phase's mean growth per doubling over
//! the whole range (the geometric mean of the steps, less noisy than any one step). When a
//! backend refuses a shape (a platform limit, such as CodePipeline's 50 actions per stage), its
//! lowering is still timed, the `--out` run is skipped, and the reason is printed once.
//! It prints figures; it asserts nothing.

use std::process::Command;
use std::time::{Duration, Instant};

use pipeline_core::backend::{Backend, Header, RenderContext};
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;

const JOBS: [usize; 4] = [1000, 2000, 4000, 8000];
const SHAPES: [&str; 4] = ["flat", "chain", "wide", "fan-in"];
/// The phases, in the order a scenario prints their nanoseconds.
const PHASES: [&str; 6] = ["build", "validate", "lower", "emit", "generate", "--out run"];
/// The number of phases.
const N: usize = PHASES.len();

/// One pipeline of `n` jobs in `shape`; every job runs one script.
fn pipeline(shape: &str, n: usize) -> Pipeline {
    let id = |i: usize| format!("job-{i:05}");
    let jobs = (0..n).map(|i| {
        let job = Job::new(id(i)).step(Step::script(format!("make part-{i}")));
        match shape {
            "flat" => job,
            "chain" if i > 0 => job.needs(id(i - 1)),
            "wide" if i > 0 => job.needs(id(0)),
            "fan-in" if i == n - 1 => job.needs_all((0..n - 1).map(id)),
            "chain" | "wide" | "fan-in" => job,
            other => panic!("unknown shape {other}"),
        }
    });
    Pipeline::new(format!("scale-{shape}"))
        .on(Trigger::push().branches(["main"]))
        .jobs(jobs.collect::<Vec<_>>())
}

fn backend(name: &str) -> Box<dyn Backend> {
    pipeline_templates::all()
        .into_iter()
        .find(|b| b.name() == name)
        .unwrap_or_else(|| panic!("unknown backend {name}"))
}

/// Peak resident set size of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The first error of `diagnostics`, on one line.
fn first_error(diagnostics: &Diagnostics) -> Option<String> {
    diagnostics
        .iter()
        .find(|d| d.is_error())
        .map(|d| d.to_string().lines().next().unwrap_or_default().to_string())
}

/// Runs one scenario in this process and prints one machine-readable line: the nanoseconds of
/// each phase, the bytes generated and the peak memory; when the backend refuses the pipeline (a
/// platform limit), the `--out` run and the bytes are 0 and a second line says `refused: <reason>`.
fn scenario(backend_name: &str, shape: &str, n: usize) {
    let backend = backend(backend_name);
    let start = Instant::now();
    let p = pipeline(shape, n);
    let build = start.elapsed();

    let start = Instant::now();
    let diagnostics = pipeline_core::validate::validate(&p);
    let validate = start.elapsed();
    if let Some(error) = first_error(&diagnostics) {
        // The bench's own pipeline must be valid: this is a bug here, not a platform limit.
        eprintln!("the {shape} pipeline of {n} jobs is invalid: {error}");
        std::process::exit(1);
    }

    let ctx = RenderContext {
        header: Header::new(
            "bench-scale",
            "tests/bench_scale.rs",
            "cargo run -p pipeline-tests --bin bench-scale",
        ),
        root_in_repository: String::new(),
    };
    let split = pipeline_tests::phases::lower_emit(backend_name, &p);
    let mut diagnostics = Diagnostics::new();
    let start = Instant::now();
    let files = backend.generate(std::slice::from_ref(&p), &ctx, &mut diagnostics);
    let generate = start.elapsed();
    if let Some(error) = first_error(&diagnostics) {
        // A platform limit: the lowering ran, so its time still counts; nothing is written.
        println!(
            "{} {} {} {} {} 0 0 {:.1}\nrefused: {error}",
            build.as_nanos(),
            validate.as_nanos(),
            split.lower.as_nanos(),
            split.emit.as_nanos(),
            generate.as_nanos(),
            peak_rss_mib().unwrap_or(f64::NAN)
        );
        return;
    }
    let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
    drop(files);

    let dir = std::env::temp_dir().join(format!("pipeline-bench-scale-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let generator = Generator::new("bench-scale", ".")
        .source("tests/bench_scale.rs")
        .backend(BoxedBackend(backend))
        .pipeline(p);
    let out = dir.to_string_lossy().into_owned();
    let (mut sink, mut err) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let code = generator.run(["--out", out.as_str()], &mut sink, &mut err);
    let run = start.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    if code != 0 {
        eprintln!("the generator failed: {}", String::from_utf8_lossy(&err));
        std::process::exit(1);
    }
    println!(
        "{} {} {} {} {} {} {} {:.1}",
        build.as_nanos(),
        validate.as_nanos(),
        split.lower.as_nanos(),
        split.emit.as_nanos(),
        generate.as_nanos(),
        run.as_nanos(),
        bytes,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}

/// A boxed backend handed to the generator, which takes backends by value.
struct BoxedBackend(Box<dyn Backend>);

impl Backend for BoxedBackend {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn generate(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<pipeline_core::backend::GeneratedFile> {
        self.0.generate(pipelines, ctx, diagnostics)
    }
}

/// `1.23 ms` / `456 µs` / `1.2 s`.
fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// A comma-separated list option (`--jobs 1000,2000`), or `default`.
fn list_option(args: &mut Vec<String>, flag: &str) -> Option<Vec<String>> {
    let i = args.iter().position(|a| a == flag)?;
    args.remove(i);
    if i >= args.len() {
        eprintln!("bench-scale: {flag} needs a value");
        std::process::exit(2);
    }
    Some(args.remove(i).split(',').map(str::to_string).collect())
}

/// One scenario's phase times (ns), output bytes and peak memory, as its process printed them.
type Sample = ([u128; N], String, String);

/// Runs one scenario in a child process: its sample, and the platform's refusal if any.
fn run_scenario(exe: &std::path::Path, backend: &str, shape: &str, n: usize) -> (Sample, Option<String>) {
    let out = Command::new(exe)
        .args(["--scenario", backend, shape, &n.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run scenario: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let (text, reason) = text.trim().split_once('\n').unwrap_or((text.trim(), ""));
    let refused = reason.strip_prefix("refused: ").map(str::to_string);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let nanos: Vec<u128> = fields.iter().take(N).filter_map(|f| f.parse().ok()).collect();
    let (Ok(nanos), Some(bytes), Some(mib)) = (<[u128; N]>::try_from(nanos), fields.get(N), fields.get(N + 1)) else {
        eprintln!(
            "scenario {backend} {shape} {n} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    };
    ((nanos, bytes.to_string(), mib.to_string()), refused)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, backend, shape, n] = args.as_slice() {
        if flag == "--scenario" {
            scenario(backend, shape, n.parse().unwrap_or(1));
            return;
        }
    }
    pipeline_tests::print_machine();
    let jobs: Vec<usize> = list_option(&mut args, "--jobs").map_or_else(
        || JOBS.to_vec(),
        |l| {
            l.iter()
                .map(|n| match n.parse() {
                    Ok(n) if n > 0 => n,
                    _ => {
                        eprintln!("bench-scale: --jobs takes job counts of at least 1, not {n:?}");
                        std::process::exit(2);
                    }
                })
                .collect()
        },
    );
    let repeat: usize = match list_option(&mut args, "--repeat").as_deref() {
        None => 9,
        Some([n]) => match n.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("bench-scale: --repeat takes a number of runs of at least 1, not {n:?}");
                std::process::exit(2);
            }
        },
        Some(other) => {
            eprintln!("bench-scale: --repeat takes one number, not {:?}", other.join(","));
            std::process::exit(2);
        }
    };
    let shapes: Vec<String> =
        list_option(&mut args, "--shapes").unwrap_or_else(|| SHAPES.iter().map(|s| s.to_string()).collect());
    for s in &shapes {
        if !SHAPES.contains(&s.as_str()) {
            eprintln!("bench-scale: unknown shape {s:?} (available: {})", SHAPES.join(", "));
            std::process::exit(2);
        }
    }
    let all: Vec<&'static str> = pipeline_tests::phases::BACKENDS.to_vec();
    let backends: Vec<&str> = if args.is_empty() {
        all.clone()
    } else {
        for a in &args {
            if !all.contains(&a.as_str()) {
                eprintln!("bench-scale: unknown backend {a:?} (available: {})", all.join(", "));
                std::process::exit(2);
            }
        }
        args.iter().map(String::as_str).collect()
    };
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("cannot find myself: {e}"));
    if cfg!(debug_assertions) {
        eprintln!("bench-scale: this is a debug build; run with --release for meaningful figures\n");
    }
    println!(
        "one pipeline of N jobs; each time is followed by its growth factor from the previous N \
         (×2 per doubling is linear, ×4 quadratic); --out writes under {}\n",
        std::env::temp_dir().display()
    );
    print!("{:<13} {:<7} {:>5}", "backend", "shape", "jobs");
    for phase in PHASES {
        print!(" {phase:>15}");
    }
    println!(" {:>9} {:>11}", "output", "peak memory");
    for backend in backends {
        for shape in &shapes {
            let mut previous: Option<[u128; N]> = None;
            let mut first: Option<(usize, [u128; N])> = None;
            let mut told = false;
            // Repeats go round the job counts (1000, 2000, ..., 1000, 2000, ...) rather than
            // running one count five times and then the next: a drift in the machine's speed
            // (another tenant, a clock change) then touches every count alike, instead of
            // bending one step's growth factor.
            let mut bests: Vec<Option<Sample>> = vec![None; jobs.len()];
            let mut refusals: Vec<Option<String>> = vec![None; jobs.len()];
            for _ in 0..repeat {
                for (k, &n) in jobs.iter().enumerate() {
                    let (sample, refused) = run_scenario(&exe, backend, shape, n);
                    if refused.is_some() {
                        refusals[k] = refused;
                    }
                    bests[k] = Some(match bests[k].take() {
                        None => sample,
                        Some((b, bytes, mib)) => (std::array::from_fn(|i| b[i].min(sample.0[i])), bytes, mib),
                    });
                }
            }
            for ((&n, best), refused) in jobs.iter().zip(bests).zip(refusals) {
                let Some((nanos, bytes, mib)) = best else { break };
                print!("{backend:<13} {shape:<7} {n:>5}");
                for (i, ns) in nanos.iter().enumerate() {
                    if *ns == 0 {
                        print!(" {:>15}", "refused");
                        continue;
                    }
                    let growth = previous
                        .map(|p| format!("×{:.1}", *ns as f64 / p[i].max(1) as f64))
                        .unwrap_or_default();
                    print!(" {:>9} {growth:>5}", human(Duration::from_nanos(*ns as u64)));
                }
                let kib = bytes.parse::<f64>().unwrap_or(f64::NAN) / 1024.0;
                println!(" {:>6.0} KB {mib:>7} MiB", kib);
                if let Some(reason) = refused.filter(|_| !told) {
                    // Once per shape: the lowering still runs and is timed, nothing is written.
                    println!("{:>27} refused by the platform's limits: {reason}", "↳");
                    told = true;
                }
                previous = Some(nanos);
                first.get_or_insert((n, nanos));
                if let Some((n0, t0)) = first.filter(|&(n0, _)| n > n0 && Some(&n) == jobs.last()) {
                    // The geometric mean of the steps: one noisy step weighs a third of it.
                    let doublings = (n as f64 / n0 as f64).log2();
                    print!("{:>27} per doubling, {n0} to {n} jobs:", "↳");
                    for (i, phase) in PHASES.iter().enumerate() {
                        if nanos[i] > 0 && t0[i] > 0 {
                            let g = (nanos[i] as f64 / t0[i] as f64).powf(1.0 / doublings);
                            print!(" {phase} ×{g:.2}");
                        }
                    }
                    println!();
                }
            }
        }
    }
}
