//! The platform token, shells and optional needs (issue 10): lowering snapshots on every
//! platform, and the diagnostics where a platform refuses (docs/SEMANTICS.md, sections 21, 23 and 26).

use pipeline_backends::{CodePipeline, Github, Gitlab};
use pipeline_core::prelude::*;
use pipeline_core::{Backend, Header, RenderContext};
use pipeline_tests::token_fixtures as fixtures;
use pipeline_tests::tools::{self, output};

/// The generated files of one backend, concatenated, and its diagnostics.
fn generate(backend: &dyn Backend, pipeline: &Pipeline) -> (String, Diagnostics) {
    let ctx = RenderContext {
        header: Header::new("snapshots", "tests/token_shells_needs.rs", "cargo insta review"),
        root_in_repository: String::new(),
    };
    let mut d = Diagnostics::new();
    let files = backend.generate(std::slice::from_ref(pipeline), &ctx, &mut d);
    (
        files
            .into_iter()
            .map(|f| format!("# {}\n{}", f.path.as_str(), f.contents))
            .collect::<Vec<_>>()
            .join("\n"),
        d,
    )
}

fn codes(d: &Diagnostics) -> Vec<&str> {
    d.iter().map(|d| d.code).collect()
}

#[test]
fn platform_token_github_grants_the_scopes_to_the_job() {
    let p = fixtures::platform_token();
    pipeline_core::validate::assert_valid(&p);
    let (out, d) = generate(&Github::new(), &p);
    assert!(d.is_empty(), "{d}");
    assert!(out.contains("RELEASE_TOKEN: ${{ github.token }}"), "{out}");
    assert!(out.contains("contents: write"), "{out}");
    assert!(out.contains("pull-requests: write"), "{out}");
    insta::assert_snapshot!("platform_token__github", out);
}

#[test]
fn platform_token_gitlab_is_the_job_token_with_a_named_warning_per_step() {
    let p = fixtures::platform_token();
    let (out, d) = generate(&Gitlab::new(), &p);
    assert!(!d.has_errors(), "{d}");
    assert!(out.contains("export RELEASE_TOKEN=\"${CI_JOB_TOKEN}\""), "{out}");
    let warnings: Vec<_> = d.iter().filter(|w| w.code == "gitlab-job-token-scope").collect();
    assert_eq!(warnings.len(), 2, "{d}");
    assert!(
        warnings[0].message.contains("step 3 (\"publish\") of job \"release\""),
        "{d}"
    );
    assert!(warnings[0].message.contains("contents: write"), "{d}");
    assert!(warnings[0].path.to_string().contains("release"), "{d}");
    insta::assert_snapshot!("platform_token__gitlab", out);
}

#[test]
fn platform_token_gitlab_warning_is_silenced_by_its_acknowledgement() {
    let p = fixtures::platform_token().acknowledge(Divergence::JobTokenScope);
    let rendered = Generator::new("token", ".")
        .backend(Gitlab::new())
        .pipelines(vec![p])
        .render(&[])
        .expect("renders");
    assert!(
        !rendered.diagnostics.iter().any(|n| n.code == "gitlab-job-token-scope"),
        "{}",
        rendered.diagnostics
    );
}

#[test]
fn platform_token_codepipeline_is_refused_naming_job_and_step() {
    let p = fixtures::platform_token();
    let (_, d) = generate(&CodePipeline::new(), &p);
    let errors: Vec<_> = d.errors().collect();
    assert_eq!(errors.len(), 1, "{d}");
    let e = errors[0];
    assert_eq!(e.platform, Some("codepipeline"), "{d}");
    let path = e.path.to_string();
    assert!(path.contains("release") && path.contains("publish"), "{path}");
    assert!(e.message.contains("no job token"), "{d}");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("platform_token__codepipeline_errors", text.join("\n"));
}

#[test]
fn platform_token_is_refused_outside_env_and_action_inputs_and_with_id_token() {
    let p = Pipeline::new("bad")
        .on(Trigger::push())
        .env("TOP", PlatformToken::new())
        .job(
            Job::new("build")
                .service(Service::new("db", "postgres:17").env("T", PlatformToken::new()))
                .step(Step::script("make").env("T", PlatformToken::new().scope(Permission::IdToken, Access::Write))),
        );
    let d = pipeline_core::validate::validate(&p);
    let c = codes(&d);
    assert_eq!(c.iter().filter(|c| **c == "misplaced-token").count(), 2, "{d}");
    assert!(c.contains(&"token-id-token-scope"), "{d}");
}

/// Every GitHub and GitLab file of the fixtures passes actionlint (with shellcheck), zizmor and
/// the platforms' schemas with zero findings.
#[test]
fn the_generated_files_pass_the_validators() {
    let dir = std::env::temp_dir().join(format!("token-shells-needs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut workflows = Vec::new();
    let mut gitlab = Vec::new();
    for p in fixtures::all() {
        for (backend, list) in [
            (&Github::new() as &dyn Backend, &mut workflows),
            (&Gitlab::new() as &dyn Backend, &mut gitlab),
        ] {
            let ctx = RenderContext {
                header: Header::new("snapshots", "tests/token_shells_needs.rs", "cargo insta review"),
                root_in_repository: String::new(),
            };
            let mut d = Diagnostics::new();
            let p = p.for_platform(if backend.name() == "github" {
                Platform::Github
            } else {
                Platform::Gitlab
            });
            for f in backend.generate(std::slice::from_ref(&*p), &ctx, &mut d) {
                assert!(!d.has_errors(), "{d}");
                let path = dir.join(p.id.as_str()).join(f.path.as_str());
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(&path, f.contents).expect("write");
                if f.path.as_str().ends_with(".yml") {
                    list.push(path);
                }
            }
        }
    }
    tools::assert_github_conformance(&workflows, &[]);
    tools::assert_gitlab_conformance(&gitlab);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn optional_needs_github_drops_absent_jobs_and_tests_the_results_of_the_others() {
    let p = fixtures::optional_needs();
    pipeline_core::validate::assert_valid(&p);
    let (out, d) = generate(&Github::new(), &p.for_platform(Platform::Github));
    assert!(!d.has_errors(), "{d}");
    assert!(
        out.contains("(needs.bench.result == 'success' || needs.bench.result == 'skipped')"),
        "{out}"
    );
    assert!(
        out.contains("if: ${{ !cancelled() && !failure() && needs.publish.result == 'success' }}"),
        "notify, after an optional need, tests its need explicitly:\n{out}"
    );
    insta::assert_snapshot!("optional_needs__github", out);
}

#[test]
fn optional_needs_gitlab_writes_optional_true_and_drops_jobs_absent_on_gitlab() {
    let p = fixtures::optional_needs();
    let (out, d) = generate(&Gitlab::new(), &p.for_platform(Platform::Gitlab));
    assert!(!d.has_errors(), "{d}");
    assert!(!out.contains("sign"), "{out}");
    insta::assert_snapshot!("optional_needs__gitlab", out);
}

#[test]
fn optional_needs_codepipeline_orders_the_stages_after_the_jobs_present() {
    let p = fixtures::optional_needs();
    let (out, d) = generate(&CodePipeline::new(), &p.for_platform(Platform::CodePipeline));
    assert!(!d.has_errors(), "{d}");
    assert!(!out.contains("sign") && !out.contains("mdbook"), "{out}");
    assert!(out.contains("Skipping job bench"), "{out}");
    assert!(
        !out.contains("Skipping job publish") && !out.contains("Skipping job notify"),
        "publish does not inherit the condition of its optional need:\n{out}"
    );
    insta::assert_snapshot!("optional_needs__codepipeline", out);
}

#[test]
fn optional_needs_are_refused_where_platforms_would_differ() {
    let p = Pipeline::new("bad")
        .on(Trigger::push())
        .job(
            Job::new("build")
                .step(Step::set_output("v", "echo 1"))
                .step(Step::upload("bin", ["target/bin"])),
        )
        .job(
            Job::new("rollback")
                .needs("build")
                .when(Condition::failure())
                .step(Step::script("./rollback.sh")),
        )
        .job(
            Job::new("publish")
                .needs_optional("build")
                .needs_optional("rollback")
                .needs_optional("nope")
                .env("V", Expr::Output(OutputRef::new("build", "v")))
                .when(Condition::always())
                .step(Step::download("bin"))
                .step(Step::script("./publish.sh")),
        );
    let d = pipeline_core::validate::validate(&p);
    let c = codes(&d);
    for code in [
        "unknown-need",
        "optional-need-on-status-job",
        "optional-need-output",
        "optional-need-artifact",
        "optional-need-with-status-condition",
    ] {
        assert!(c.contains(&code), "{code}: {d}");
    }
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@e.invalid"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// gitlab-ci-local runs the GitLab file on a branch other than `main` with no change under
/// `docs/`: `docs` and `bench` are not in the pipeline, and `publish` (which needs them
/// optionally) and `notify` run.
#[test]
fn optional_needs_gitlab_ci_local_runs_the_job_without_its_absent_needs() {
    let dir = std::env::temp_dir().join(format!("optional-needs-gcl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scripts")).expect("mkdir");
    let Some(mut cmd) = tools::gitlab_ci_local(&dir) else {
        return;
    };
    let p = fixtures::optional_needs();
    let (out, _) = generate(&Gitlab::new(), &p.for_platform(Platform::Gitlab));
    std::fs::write(dir.join(".gitlab-ci.yml"), out.split_once('\n').expect("path line").1).expect("write");
    std::fs::write(dir.join("Makefile"), "all:\n\ttrue\n").expect("write");
    for (script, text) in [("publish", "publish ran"), ("notify", "notify ran")] {
        let path = dir.join("scripts").join(format!("{script}.sh"));
        std::fs::write(&path, format!("#!/bin/sh\necho '{text}'\n")).expect("write");
        let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
        std::fs::set_permissions(&path, mode).expect("chmod");
    }
    std::fs::write(dir.join(".gitignore"), ".gcl-home/\n.gitlab-ci-local/\n").expect("write");
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "t"]);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "main"]);
    git(
        &dir,
        &["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"],
    );
    git(&dir, &["checkout", "-q", "-b", "feature"]);
    cmd.arg("--force-shell-executor");
    let run = output(cmd);
    let text = run.text();
    assert_eq!(run.code, 0, "{text}");
    assert!(text.contains("publish ran") && text.contains("notify ran"), "{text}");
    assert!(!text.contains("mdbook") && !text.contains("make bench"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shells_github_names_the_shell_on_the_step() {
    let p = fixtures::shells();
    pipeline_core::validate::assert_valid(&p);
    let (out, d) = generate(&Github::new(), &p.for_platform(Platform::Github));
    assert!(!d.has_errors(), "{d}");
    assert!(
        out.contains("        shell: pwsh\n")
            && out.contains("        shell: sh\n")
            && out.contains("        shell: cmd # zizmor: ignore[misfeature]\n"),
        "{out}"
    );
    insta::assert_snapshot!("shells__github", out);
}

#[test]
fn shells_gitlab_and_codebuild_run_the_step_from_a_bash_launcher() {
    let p = fixtures::shells();
    for backend in [&Gitlab::new() as &dyn Backend, &CodePipeline::new()] {
        let platform = if backend.name() == "gitlab" {
            Platform::Gitlab
        } else {
            Platform::CodePipeline
        };
        let (out, d) = generate(backend, &p.for_platform(platform));
        assert!(!d.has_errors(), "{d}");
        assert!(out.contains("pwsh -NoLogo -NoProfile -NonInteractive -File"), "{out}");
        assert!(out.contains("$ErrorActionPreference = 'stop'"), "{out}");
        assert!(
            out.contains("sh -e \"$pipeline_shell_dir/step.sh\" < /dev/null"),
            "{out}"
        );
        assert!(!out.contains("dir /b"), "{out}");
        insta::assert_snapshot!(format!("shells__{}", backend.name()), out);
    }
}

#[test]
fn shells_a_runner_that_cannot_run_the_shell_is_an_error_naming_job_step_and_platform() {
    let p = Pipeline::new("bad")
        .on(Trigger::push())
        .job(Job::new("linux").step(Step::script("dir").id("list").shell(Shell::Cmd)))
        .job(
            Job::new("win")
                .runner(Runner::windows())
                .only_on(Platform::Github)
                .step(Step::script("echo").shell(Shell::Sh)),
        );
    pipeline_core::validate::assert_valid(&p);
    let (_, d) = generate(&Github::new(), &p.for_platform(Platform::Github));
    let errors: Vec<String> = d.errors().map(|e| format!("{} @ {}", e.message, e.path)).collect();
    assert_eq!(errors.len(), 2, "{d}");
    assert!(
        errors[0].contains("job \"linux\"") && errors[0].contains("cmd") && errors[0].contains("\"list\""),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("job \"win\"") && errors[1].contains("sh"),
        "{errors:?}"
    );
    let (_, d) = generate(&Gitlab::new(), &p.for_platform(Platform::Gitlab));
    let e: Vec<_> = d.errors().collect();
    assert_eq!(e.len(), 1, "{d}");
    assert!(
        e[0].platform == Some("gitlab") && e[0].message.contains("\"linux\"") && e[0].path.to_string().contains("list"),
        "{d}"
    );
    let (_, d) = generate(&CodePipeline::new(), &p.for_platform(Platform::CodePipeline));
    let e: Vec<_> = d.errors().collect();
    assert_eq!(e.len(), 1, "{d}");
    assert!(
        e[0].platform == Some("codepipeline") && e[0].message.contains("cmd") && e[0].path.to_string().contains("list"),
        "{d}"
    );
}

#[test]
fn shells_only_script_steps_take_one_and_step_state_needs_bash() {
    let p = Pipeline::new("bad").on(Trigger::push()).job(
        Job::new("b").step(Step::checkout().shell(Shell::Pwsh)).step(
            Step::script("echo A=1 >> $env:PIPELINE_ENV")
                .shell(Shell::Pwsh)
                .exports_env("A"),
        ),
    );
    let d = pipeline_core::validate::validate(&p);
    let c = codes(&d);
    assert!(
        c.contains(&"shell-not-script") && c.contains(&"shell-step-state"),
        "{d}"
    );
}
