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

/// The `pipeline-changes` job's script from the generated workflow.
fn changes_script(workflow: &str) -> String {
    use saphyr::LoadableYamlNode;
    let docs = saphyr::YamlOwned::load_from_str(workflow).expect("YAML");
    let json = pipeline_tests::readback::to_json(&docs[0]);
    let steps = json["jobs"]["pipeline-changes"]["steps"]
        .as_array()
        .expect("steps")
        .clone();
    let step = steps.iter().find(|s| s["id"] == "changes").expect("the changes step");
    assert_eq!(step["env"]["BEFORE"], "${{ github.event.before }}", "{step}");
    step["run"].as_str().expect("run").to_owned()
}

/// Runs the GitHub changes script in a repository where `files` changed since the first commit.
fn github_decides(script: &str, files: &[&str], base: Option<&str>) -> String {
    let dir = pipeline_tests::TempDir::new("reach-changes");
    let repo = dir.path();
    pipeline_tests::git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "x").expect("write");
    pipeline_tests::git(repo, &["add", "-A"]);
    pipeline_tests::git(repo, &["commit", "-qm", "first"]);
    let first = String::from_utf8(
        std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(repo)
            .output()
            .expect("git")
            .stdout,
    )
    .expect("utf-8");
    for f in files {
        let path = repo.join(f);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, "y").expect("write");
    }
    pipeline_tests::git(repo, &["add", "-A"]);
    pipeline_tests::git(repo, &["commit", "-qm", "second", "--allow-empty"]);
    let output = repo.join("github-output");
    let status = std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(repo)
        .env("EVENT_NAME", "push")
        .env("BEFORE", base.unwrap_or(first.trim()))
        .env("PR_BASE", "")
        .env("RUNNER_TEMP", repo)
        .env("GITHUB_OUTPUT", &output)
        .status()
        .expect("bash");
    assert!(status.success());
    std::fs::read_to_string(output).expect("outputs")
}

#[test]
fn a_path_filtered_job_runs_on_each_platform_only_when_its_files_changed() {
    let p = fixtures::reach();
    let (github, d) = generate(&Github::new(), &p);
    assert!(!d.has_errors(), "{d}");
    assert!(github.contains("\n  pipeline-changes:\n"), "{github}");
    assert!(
        github.contains(
            "  docs:\n    needs:\n      - pipeline-changes\n    if: needs.pipeline-changes.outputs.docs == 'true'\n"
        ),
        "{github}"
    );
    let script = changes_script(&github);
    assert_eq!(github_decides(&script, &["docs/guide/a.md"], None), "docs=true\n");
    assert_eq!(github_decides(&script, &["CHANGELOG.md"], None), "docs=true\n");
    assert_eq!(
        github_decides(&script, &["src/lib.rs", "src/notes.md"], None),
        "docs=false\n"
    );
    // No base (a new branch: `before` is all zeros): the job runs.
    assert_eq!(
        github_decides(
            &script,
            &["src/lib.rs"],
            Some("0000000000000000000000000000000000000000")
        ),
        "docs=true\n"
    );

    let (gitlab, d) = generate(&Gitlab::new(), &p);
    assert!(!d.has_errors(), "{d}");
    assert!(
        gitlab.contains("docs:\n  stage: stage-1\n  rules:\n    - changes:\n        - docs/**/*\n        - '*.md'\n"),
        "{gitlab}"
    );

    // CodePipeline refuses a job-level filter, naming the job and the way out.
    let everywhere = p.edit_job("docs", |j| j.only_on(Platforms::all()));
    let (_, d) = generate(&CodePipeline::new(), &everywhere);
    let e = d.errors().next().expect("an error");
    assert_eq!(e.code, "codepipeline-unsupported", "{d}");
    assert!(e.message.contains("path filter on job \"docs\""), "{e}");
    assert!(e.to_string().contains("when_changed"), "{e}");
}

#[test]
fn path_filters_match_alike_in_rust_and_in_the_generated_regex() {
    let patterns = ["src/**", "**/*.rs", "*.md", "docs/?.txt", "a/**/b", "Cargo.toml"];
    let files = [
        "src/a/b.c",
        "src",
        "main.rs",
        "x/y/main.rs",
        "x.md",
        "d/x.md",
        "docs/a.txt",
        "docs/ab.txt",
        "a/b",
        "a/x/y/b",
        "Cargo.toml",
        "Cargo_toml",
        "a/bb",
    ];
    for pattern in patterns {
        let input = files.join("\n") + "\n";
        let out = std::process::Command::new("bash")
            .args([
                "-c",
                "grep -E \"$1\" || true",
                "-",
                &pipeline_core::changes::regex(pattern),
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(input.as_bytes())?;
                child.wait_with_output()
            })
            .expect("grep");
        let by_grep: Vec<&str> = std::str::from_utf8(&out.stdout).expect("utf-8").lines().collect();
        let by_rust: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| pipeline_core::changes::matches(&[pattern.to_owned()], f))
            .collect();
        assert_eq!(by_grep, by_rust, "{pattern}");
    }
}

#[test]
fn path_filters_are_checked() {
    let p = |docs: Job, after: Job| {
        let d = pipeline_core::validate::validate(&Pipeline::new("ci").on(Trigger::push()).job(docs).job(after));
        codes(&d).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let docs = || Job::new("docs").step(Step::script("make docs"));
    assert_eq!(
        p(
            docs().when_changed(["docs/{a,b}"]),
            Job::new("x").step(Step::script("true"))
        ),
        ["invalid-change-pattern"]
    );
    assert_eq!(
        p(
            docs().when_changed(["docs/**"]),
            Job::new("x").needs("docs").step(Step::script("true"))
        ),
        ["needs-path-filtered-job"]
    );
    assert!(
        p(
            docs().when_changed(["docs/**"]),
            Job::new("x")
                .needs("docs")
                .when_changed(["docs/**"])
                .step(Step::script("true"))
        )
        .is_empty()
    );
    assert_eq!(
        p(
            docs().when_changed(["docs/**"]),
            Job::new("pipeline-changes").step(Step::script("true"))
        ),
        ["reserved-job-id"]
    );
}

#[test]
fn the_local_runner_honours_path_filters_against_a_base() {
    let dir = pipeline_tests::TempDir::new("reach-runner-changes");
    let repo = dir.path();
    pipeline_tests::git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "x").expect("write");
    pipeline_tests::git(repo, &["add", "-A"]);
    pipeline_tests::git(repo, &["commit", "-qm", "first"]);
    std::fs::create_dir_all(repo.join("src")).expect("mkdir");
    std::fs::write(repo.join("src/lib.rs"), "y").expect("write");
    pipeline_tests::git(repo, &["add", "-A"]);
    pipeline_tests::git(repo, &["commit", "-qm", "second"]);
    let g = Generator::new("reach", repo).pipelines(vec![fixtures::reach()]);
    let plan = |extra: &[&str]| {
        let mut args = vec!["run", "reach", "--dry-run", "--branch", "main", "--platform", "gitlab"];
        args.extend(extra);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = g.run(args, &mut out, &mut err);
        let text = String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err);
        (code, text)
    };
    let (code, text) = plan(&[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("path filter docs/**, *.md: runs (no base"), "{text}");
    let (code, text) = plan(&["--changed-since", "HEAD~1"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("path filter docs/**, *.md: nothing matching changed, skipped"),
        "{text}"
    );
    std::fs::write(repo.join("NOTES.md"), "z").expect("write");
    pipeline_tests::git(repo, &["add", "-A"]);
    let (_, text) = plan(&["--changed-since", "HEAD~1"]);
    assert!(
        text.contains("path filter docs/**, *.md: a matching file changed"),
        "{text}"
    );
    let (code, text) = plan(&["--changed-since", "no-such-ref"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("--changed-since no-such-ref: not a commit"), "{text}");
}
