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

fn job_on(runner: Runner) -> Job {
    Job::new("test").runner(runner).step(Step::script("make"))
}

/// A GitHub label is never a GitLab runner tag: labels go to `runs-on` only, GitLab says the job
/// has no tags; GitLab tags come from `GitlabJob::tag` or a pool both platforms know.
#[test]
fn runner_labels_are_githubs_and_gitlab_tags_come_from_gitlab_or_a_pool() {
    use pipeline_backends::gitlab::GitlabJob;

    let labels = ci(job_on(Runner::labels(["ubuntu-24.04-16core"])));
    let (github, _) = generate(&Github::new(), &labels);
    assert!(github.contains("runs-on: ubuntu-24.04-16core\n"), "{github}");
    let (gitlab, d) = generate(&Gitlab::new(), &labels);
    assert!(!gitlab.contains("tags:"), "{gitlab}");
    let warning = d
        .iter()
        .find(|d| d.code == "gitlab-runner-labels")
        .unwrap_or_else(|| panic!("{d}"));
    assert!(
        !warning.is_error() && warning.message.contains("ubuntu-24.04-16core"),
        "{warning}"
    );
    assert_eq!(
        warning.path.to_string(),
        "pipeline \"ci\" > job \"test\" > runner.labels"
    );

    // Tags of GitLab's own: no warning, the labels stay GitHub's.
    let tagged = ci(job_on(Runner::labels(["ubuntu-24.04-16core"])).extend(GitlabJob::new().tag("large")));
    let (gitlab, d) = generate(&Gitlab::new(), &tagged);
    assert!(gitlab.contains("  tags:\n    - large\n"), "{gitlab}");
    assert!(!d.contains_code("gitlab-runner-labels"), "{d}");

    // A pool: self-hosted runners registered under the same name on both.
    let pool = ci(job_on(Runner::pool(["gpu"]).image("rust:1.95")));
    let (github, d) = generate(&Github::new(), &pool);
    assert!(!d.has_errors(), "{d}");
    assert!(
        github.contains("runs-on:\n      - self-hosted\n      - gpu\n"),
        "{github}"
    );
    let (gitlab, d) = generate(&Gitlab::new(), &pool);
    assert!(gitlab.contains("  tags:\n    - gpu\n"), "{gitlab}");
    assert!(d.is_empty(), "{d}");
    let (_, d) = generate(&CodePipeline::new(), &pool);
    assert!(d.contains_code("codepipeline-runner-labels"), "{d}");
}

/// A matrix value in a runner field is refused (validation, before any platform: the generator
/// writes nothing) instead of becoming a literal label on GitHub and one runner for every cell on
/// GitLab.
#[test]
fn a_matrix_value_in_a_runner_is_refused() {
    for runner in [Runner::labels(["${{ matrix.os }}"]), Runner::pool(["$POOL"])] {
        let p = ci(Job::new("test")
            .matrix(Matrix::new().axis("os", ["ubuntu-24.04", "macos-15"]))
            .runner(runner)
            .step(Step::script("make")));
        let d = pipeline_core::validate::validate(&p);
        let e = d
            .iter()
            .find(|d| d.code == "runner-expression")
            .unwrap_or_else(|| panic!("{d}"));
        assert!(e.is_error() && e.hint.is_some(), "{e}");
    }
}
