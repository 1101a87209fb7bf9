//! A generator binary for tests that need a real process: killed part way, or run under a file
//! size limit. `FIXTURE_PIPELINES` pipelines (default 200), each with a script of
//! `FIXTURE_SCRIPT_BYTES` bytes (default 40); `FIXTURE_VARIANT` changes every file's contents.

use pipeline_backends::Github;
use pipeline_core::prelude::*;

fn number(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let pipelines = number("FIXTURE_PIPELINES", 200);
    let bytes = number("FIXTURE_SCRIPT_BYTES", 40);
    let variant = std::env::var("FIXTURE_VARIANT").unwrap_or_default();
    let script = format!("echo {variant}{}", "x".repeat(bytes));
    Generator::new("fixture", ".")
        .source("tests/bin/fixture_generator.rs")
        .backend(Github::new())
        .pipelines((0..pipelines).map(|i| {
            Pipeline::new(format!("p{i:03}"))
                .on(Trigger::push().branches(["main"]))
                .job(Job::new("test").step(Step::script(script.clone())))
        }))
        .main()
}
