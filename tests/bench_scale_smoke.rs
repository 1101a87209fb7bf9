//! The scaling benchmark runs end to end and refuses bad flags: a smoke test of the command the
//! README quotes (tiny job counts, one run each; the figures themselves are never asserted).

use std::process::Command;

fn bench_scale(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bench-scale"))
        .args(args)
        .output()
        .expect("bench-scale starts")
}

#[test]
fn prints_every_phase_for_every_backend_and_shape_with_the_growth_per_doubling() {
    let out = bench_scale(&["--jobs", "8,16", "--repeat", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("machine: "),
        "the machine line comes first:\n{stdout}"
    );
    for phase in [
        "build",
        "validate",
        "lower",
        "emit",
        "generate",
        "--out run",
        "peak memory",
    ] {
        assert!(stdout.contains(phase), "no {phase} column:\n{stdout}");
    }
    for backend in ["github", "gitlab", "codepipeline"] {
        for shape in ["flat", "chain", "wide", "fan-in"] {
            let rows: Vec<&str> = stdout
                .lines()
                .filter(|l| l.split_whitespace().take(2).eq([backend, shape]))
                .collect();
            assert_eq!(rows.len(), 2, "{backend} {shape}: one row per job count:\n{stdout}");
            assert!(
                rows[1].contains('×'),
                "{backend} {shape}: the second count shows its growth: {}",
                rows[1]
            );
        }
    }
    let means = stdout
        .lines()
        .filter(|l| l.contains("per doubling, 8 to 16 jobs"))
        .count();
    assert_eq!(means, 12, "one mean growth line per backend and shape:\n{stdout}");
}

#[test]
fn bad_flags_are_named_and_exit_with_2() {
    for (args, message) in [
        (
            &["--repeat", "0"][..],
            "--repeat takes a number of runs of at least 1, not \"0\"",
        ),
        (
            &["--repeat", "x"][..],
            "--repeat takes a number of runs of at least 1, not \"x\"",
        ),
        (
            &["--jobs", "10,a"][..],
            "--jobs takes job counts of at least 1, not \"a\"",
        ),
        (&["--shapes", "ring"][..], "unknown shape \"ring\""),
        (&["jenkins"][..], "unknown backend \"jenkins\""),
        (&["--jobs"][..], "--jobs needs a value"),
    ] {
        let out = bench_scale(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
