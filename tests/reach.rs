//! Reach (issue 10): per-platform jobs and steps and service containers with an entrypoint and a
//! command, checked on the generated files of every platform and in the local runner.

use pipeline_backends::{CodePipeline, Github, Gitlab};
use pipeline_core::prelude::*;
use pipeline_core::{Backend, Header, RenderContext};
use pipeline_tests::fixtures;

/// The generated files of one backend, concatenated, and its diagnostics.
fn generate(backend: &dyn Backend, pipeline: &Pipeline) -> (String, Diagnostics) {
    let ctx = RenderContext {
        header: Header::new("reach", "tests/reach.rs", "cargo test"),
        root_in_repository: String::new(),
    };
    let mut d = Diagnostics::new();
    let files = backend.generate(std::slice::from_ref(pipeline), &ctx, &mut d);
    (files.into_iter().map(|f| f.contents).collect::<Vec<_>>().join("\n"), d)
}

fn codes(d: &Diagnostics) -> Vec<&str> {
    d.iter().map(|d| d.code).collect()
}

#[test]
fn each_platform_has_only_its_jobs_and_steps() {
    let p = fixtures::reach();
    pipeline_core::validate::assert_valid(&p);
    let (github, d) = generate(&Github::new(), &p);
    assert!(!d.has_errors(), "{d}");
    assert!(github.contains("\n  attest:\n"), "{github}");
    assert!(!github.contains("queue-test"), "{github}");
    assert!(!github.contains("upload-coverage"), "{github}");
    let (gitlab, d) = generate(&Gitlab::new(), &p);
    assert!(!d.has_errors(), "{d}");
    assert!(gitlab.contains("\nqueue-test:\n"), "{gitlab}");
    assert!(!gitlab.contains("attest"), "{gitlab}");
    assert!(gitlab.contains("./scripts/upload-coverage.sh"), "{gitlab}");
    let (codepipeline, d) = generate(&CodePipeline::new(), &p);
    assert!(!d.has_errors(), "{d}");
    assert!(codepipeline.contains("queue-test"), "{codepipeline}");
    assert!(!codepipeline.contains("attest"), "{codepipeline}");
    assert!(!codepipeline.contains("upload-coverage"), "{codepipeline}");
}

#[test]
fn a_pipeline_without_restrictions_is_seen_whole_and_borrowed() {
    let p = fixtures::minimal();
    for platform in Platform::ALL {
        assert!(matches!(p.for_platform(platform), std::borrow::Cow::Borrowed(_)));
    }
}

#[test]
fn a_need_on_a_job_absent_on_a_platform_is_an_error_naming_both_and_the_platform() {
    let p = Pipeline::new("ci")
        .on(Trigger::push())
        .job(Job::new("build").only_on(Platform::Github).step(Step::script("make")))
        .job(Job::new("deploy").needs("build").step(Step::script("./deploy.sh")));
    let d = pipeline_core::validate::validate(&p);
    let errors: Vec<_> = d.errors().filter(|e| e.code == "need-absent-on-platform").collect();
    assert_eq!(errors.len(), 2, "{d}");
    let platforms: Vec<_> = errors.iter().map(|e| e.platform).collect();
    assert_eq!(platforms, [Some("gitlab"), Some("codepipeline")], "{d}");
    for e in errors {
        assert!(
            e.message.contains("\"deploy\"") && e.message.contains("\"build\""),
            "{e}"
        );
        assert!(e.to_string().contains("job \"deploy\""), "{e}");
    }
    // Restricting the dependent job too makes it valid.
    let fixed = p.edit_job("deploy", |j| j.only_on(Platform::Github));
    pipeline_core::validate::assert_valid(&fixed);
}

#[test]
fn an_output_whose_step_a_platform_drops_is_an_error() {
    let build = Job::new("build")
        .step(Step::script("make"))
        .step(Step::set_output("version", "cat VERSION").only_on(Platform::Gitlab));
    let p = Pipeline::new("ci").on(Trigger::push()).job(build.clone()).job(
        Job::new("deploy")
            .needs(&build)
            .env("VERSION", build.output("version"))
            .step(Step::script("./deploy.sh \"$VERSION\"")),
    );
    let d = pipeline_core::validate::validate(&p);
    let errors: Vec<_> = d.errors().filter(|e| e.code == "output-absent-on-platform").collect();
    assert_eq!(errors.len(), 2, "{d}");
    assert!(errors[0].message.contains("\"version\""), "{}", errors[0]);
}

#[test]
fn a_job_on_no_platform_is_an_error() {
    let p = Pipeline::new("ci")
        .on(Trigger::push())
        .job(Job::new("ghost").only_on(Platforms::none()).step(Step::script("make")))
        .job(Job::new("test").step(Step::script("make")));
    assert_eq!(codes(&pipeline_core::validate::validate(&p)), ["job-on-no-platform"]);
}

#[test]
fn the_local_runner_runs_what_the_named_platform_has() {
    let dir = pipeline_tests::TempDir::new("reach-runner");
    let g = Generator::new("reach", dir.path()).pipelines(vec![fixtures::reach()]);
    let plan = |extra: &[&str]| {
        let mut args = vec!["run", "reach", "--dry-run", "--branch", "main"];
        args.extend(extra);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = g.run(args, &mut out, &mut err);
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    };
    let (code, all, err) = plan(&[]);
    assert_eq!(code, 0, "{all}{err}");
    assert!(all.contains(". attest") && all.contains(". queue-test"), "{all}");
    let (code, gitlab, err) = plan(&["--platform", "gitlab"]);
    assert_eq!(code, 0, "{gitlab}{err}");
    assert!(
        gitlab.contains(". queue-test") && !gitlab.contains(". attest"),
        "{gitlab}"
    );
    let (code, github, err) = plan(&["--platform=github"]);
    assert_eq!(code, 0, "{github}{err}");
    assert!(
        github.contains(". attest") && !github.contains(". queue-test"),
        "{github}"
    );
    let (code, _, err) = plan(&["--platform", "jenkins"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown platform \"jenkins\"") && err.contains("gitlab"),
        "{err}"
    );
}

#[test]
fn service_entrypoint_and_command_on_each_platform() {
    let (gitlab, d) = generate(&Gitlab::new(), &fixtures::reach());
    assert!(!d.has_errors(), "{d}");
    assert!(
        gitlab.contains(
            "      entrypoint:\n        - redis-server\n      command:\n        - --appendonly\n        - 'yes'\n"
        ),
        "{gitlab}"
    );
    let (codepipeline, d) = generate(&CodePipeline::new(), &fixtures::reach());
    assert!(!d.has_errors(), "{d}");
    assert!(
        codepipeline.contains("--entrypoint redis-server redis:7.4-alpine --appendonly yes --port 6380 > /dev/null"),
        "{codepipeline}"
    );
    let (github, d) = generate(&Github::new(), &fixtures::reach());
    assert!(!d.has_errors(), "{d}");
    assert!(
        github.contains("        options: --entrypoint redis-server\n"),
        "{github}"
    );
}

#[test]
fn github_refuses_a_service_command_with_a_diagnostic() {
    let p = Pipeline::new("ci").on(Trigger::push()).job(
        Job::new("test")
            .service(Service::new("queue", "redis:7").command(["--port", "6380"]))
            .step(Step::script("make")),
    );
    pipeline_core::validate::assert_valid(&p);
    let (_, d) = generate(&Github::new(), &p);
    let e = d.errors().next().expect("an error");
    assert_eq!((e.code, e.platform), ("github-unsupported", Some("github")), "{d}");
    assert!(
        e.message.contains("service \"queue\"") && e.message.contains("command"),
        "{e}"
    );
    assert!(e.to_string().contains("services.queue.command"), "{e}");
    for backend in [&Gitlab::new() as &dyn Backend, &CodePipeline::new()] {
        let (_, d) = generate(backend, &p);
        assert!(!d.has_errors(), "{d}");
    }
}

#[test]
fn entrypoint_and_command_words_are_data() {
    let with = |s: Service| {
        let p = Pipeline::new("ci")
            .on(Trigger::push())
            .job(Job::new("test").service(s).step(Step::script("make")));
        codes(&pipeline_core::validate::validate(&p))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        with(Service::new("a", "redis:7").entrypoint("redis-server --port 1")),
        ["invalid-service-entrypoint"]
    );
    assert_eq!(
        with(Service::new("a", "redis:7").entrypoint("")),
        ["invalid-service-entrypoint"]
    );
    assert_eq!(
        with(Service::new("a", "redis:7").command(["--requirepass", "$PASSWORD"])),
        ["invalid-service-command"]
    );
    assert!(
        with(
            Service::new("a", "redis:7")
                .entrypoint("/usr/local/bin/redis-server")
                .command(["--port", "6380"])
        )
        .is_empty()
    );
}
