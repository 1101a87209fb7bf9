//! Traps of portability found by rewriting real pipelines (issue 10), checked on the generated
//! files of every platform: the default timeout is written explicitly everywhere, runner labels
//! are GitHub's and GitLab tags come only from a GitLab setting or a portable pool, and a runner
//! field never carries an expression.

use pipeline_backends::{CodePipeline, Github, Gitlab};
use pipeline_core::prelude::*;
use pipeline_core::{Backend, Header, RenderContext};

/// The generated files of one backend, concatenated, and its diagnostics.
fn generate(backend: &dyn Backend, pipeline: &Pipeline) -> (String, Diagnostics) {
    let ctx = RenderContext {
        header: Header::new("traps", "tests/portability_traps.rs", "cargo test"),
        root_in_repository: String::new(),
    };
    let mut d = Diagnostics::new();
    let files = backend.generate(std::slice::from_ref(pipeline), &ctx, &mut d);
    (files.into_iter().map(|f| f.contents).collect::<Vec<_>>().join("\n"), d)
}

fn ci(job: Job) -> Pipeline {
    Pipeline::new("ci").on(Trigger::push().branches(["main"])).job(job)
}

/// The default of 30 minutes is no platform's own default, so each one gets it written out.
#[test]
fn every_platform_gets_the_timeout_written_out() {
    for (p, minutes) in [
        (ci(Job::new("test").step(Step::script("make"))), 30),
        (
            ci(Job::new("test").step(Step::script("make"))).default_timeout_minutes(90),
            90,
        ),
        (ci(Job::new("test").timeout_minutes(45).step(Step::script("make"))), 45),
    ] {
        let (github, d) = generate(&Github::new(), &p);
        assert!(!d.has_errors(), "{d}");
        assert!(github.contains(&format!("timeout-minutes: {minutes}\n")), "{github}");
        let (gitlab, d) = generate(&Gitlab::new(), &p);
        assert!(!d.has_errors(), "{d}");
        let written = if minutes % 60 == 0 {
            format!("{}h", minutes / 60)
        } else if minutes > 60 {
            format!("{}h {}m", minutes / 60, minutes % 60)
        } else {
            format!("{minutes}m")
        };
        assert!(gitlab.contains(&format!("timeout: '{written}'\n")), "{gitlab}");
        let (codepipeline, d) = generate(&CodePipeline::new(), &p);
        assert!(!d.has_errors(), "{d}");
        assert!(
            codepipeline.contains(&format!("TimeoutInMinutes: {minutes}\n")),
            "{codepipeline}"
        );
    }
}
