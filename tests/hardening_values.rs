//! No value becomes code (issue 11): hazard strings put into every string field of the model
//! either are refused with a diagnostic (with a path and a hint) or reach the platform as a
//! literal, as each platform's own evaluator reads it (`pipeline_tests::hazards`: GitHub's
//! template expressions, GitLab's variable expansion, CodePipeline's `#{…}`), and actionlint
//! accepts every workflow. Then the validation that issue 11 asks for: names equal but for case,
//! reserved names, platform limits, secrets reachable from pull requests, rollback environments,
//! image digests.

use std::path::PathBuf;

use pipeline_core::prelude::*;
use pipeline_core::{Diagnostics, GeneratedFile, Secret, Severity};
use pipeline_tests::TempDir;
use pipeline_tests::hazards::{findings, load};
use pipeline_tests::tools;

/// Hazard strings: live syntax of each platform around the marker.
const HAZARDS: &[&str] = &[
    "${{ secrets.PWNED }}",
    "x${{ github.event.PWNED }}y",
    "$PWNED",
    "a${PWNED}b",
    "$$PWNED",
    "#{PWNED.x}",
    "#{variables.PWNED}",
    "${PWNED}#{PWNED}${{PWNED}}",
    "50%PWNED%",
];

const SHA: &str = "8e8c483db84b4bee98b60c0593521ed34d9990e8";

/// A pipeline that uses every field once; `h` goes into the field named `field`.
fn pipeline(field: &str, h: &str) -> Pipeline {
    let pick = |name: &str, plain: &str| -> String { if field == name { h.to_owned() } else { plain.to_owned() } };
    let lit = |name: &str, plain: &str| -> Expr { Expr::lit(pick(name, plain)) };
    let mut input =
        Input::string("reason", pick("input.description", "why")).default_value(pick("input.default", "none"));
    if field == "input.name" {
        input = Input::string(h, "why");
    }
    let choice = Input::choice(
        "target",
        pick("choice.description", "where"),
        ["eu", &pick("choice.option", "us")],
    );
    let mut push = Trigger::push()
        .branches(["main", &pick("push.branch", "feature/*")])
        .paths([pick("push.path", "src/**")]);
    // Tag pushes publish releases, where GitHub refuses caches: the tag field goes without one.
    let cache = Step::cache(
        Cache::new(pick("cache.key", "cargo"), [pick("cache.path", "target")])
            .hash_files([pick("cache.key_file", "Cargo.lock")]),
    );
    let mut build_steps = vec![
        Step::checkout(),
        // CodePipeline refuses other repositories, refs and directories (by name, tested apart).
        Step::checkout_with(
            Checkout::repository(pick("checkout.repository", "acme/tools"))
                .git_ref(pick("checkout.ref", "v1.0.0"))
                .path(pick("checkout.path", "tools")),
        )
        .only_on([Platform::Github, Platform::Gitlab]),
    ];
    if field == "push.tag" {
        push = push.tags([h]);
    } else {
        build_steps.push(cache);
    }
    let build = Job::new(pick("job.id", "build"))
        .name(pick("job.name", "Build it"))
        .runner(
            Runner::labels(["ubuntu-24.04", &pick("runner.label", "linux")]).image(pick("runner.image", "rust:1.85")),
        )
        .service(
            Service::new(pick("service.name", "db"), pick("service.image", "postgres:17"))
                .env("POSTGRES_DB", lit("service.env", "app")),
        )
        .env("JOB_VALUE", lit("job.env", "plain"))
        .env("PIECES", pieces(field == "job.env.pieces", h))
        .concurrency(Concurrency::new(lit("job.concurrency", "build-group")))
        .when(
            Condition::branch(pick("condition.branch", "main"))
                | Condition::input_equals("target", pick("condition.input", "eu"))
                | Subject::Branch.starts_with(pick("condition.text.branch", "release/"))
                | Subject::input("reason").contains(pick("condition.text.input", "hotfix")),
        )
        .steps(build_steps)
        .step(
            Step::script("make")
                .name(pick("step.name", "Compile"))
                .working_directory(pick("step.working_directory", "src"))
                .env("STEP_VALUE", lit("step.env", "plain")),
        )
        .step(Step::set_output("version", "cat VERSION"))
        .step(Step::upload(
            pick("artifact.name", "app"),
            [pick("upload.path", "dist")],
        ));
    let test = Job::new("test")
        .matrix(Matrix::new().axis("os", ["a", &pick("matrix.value", "b")]))
        .env("OS", Expr::matrix("os"))
        .step(Step::script("make test"))
        .test_report(TestReport::junit(pick("report.path", "reports/junit.xml")));
    let deploy = Job::new("deploy")
        .needs(build.id.clone())
        .environment(
            Environment::new(pick("environment.name", "production"))
                .url(lit("environment.url", "https://example.com"))
                .approval(
                    Approval::new()
                        .instructions(pick("approval.instructions", "check it"))
                        .review_url(pick("approval.review_url", "https://example.com/review")),
                ),
        )
        .env("VERSION", build.output("version"))
        .step(Step::download_to(
            pick("artifact.name", "app"),
            pick("download.path", "dist"),
        ))
        .step(Step::assume_aws_role(
            AwsRole::new(
                lit("role.arn", "arn:aws:iam::123456789012:role/deploy"),
                pick("role.region", "eu-west-1"),
            )
            .session_name(pick("role.session", "deploy")),
        ))
        .step(Step::action(
            ActionStep::new(Action::new(
                pick("action.name", "acme/notify"),
                SHA,
                pick("action.version", "v1.0.0"),
            ))
            .with("message", lit("action.with", "deployed"))
            .fallback("echo deployed"),
        ));
    Pipeline::new(pick("pipeline.id", "p"))
        .name(pick("pipeline.name", "Delivery"))
        .on(push)
        .on(Trigger::pull_request().branches([pick("pr.branch", "main")]))
        .on(Trigger::manual().input(input).input(choice))
        .concurrency(Concurrency::new(lit("pipeline.concurrency", "delivery")))
        .env("PIPELINE_VALUE", lit("pipeline.env", "plain"))
        .job(build)
        .job(test)
        .job(deploy)
}

/// A value built from one-character literal pieces after a reference, so that no single piece
/// holds the hazard: escaping must look at the joined text.
fn pieces(hazard: bool, h: &str) -> Expr {
    if !hazard {
        return Expr::lit("plain");
    }
    let mut parts = vec![Expr::Builtin(Builtin::CommitSha)];
    parts.extend(h.chars().map(|c| Expr::Concat(vec![Expr::lit(c.to_string())])));
    Expr::Concat(parts)
}

/// Every field the sweep fills.
const FIELDS: &[&str] = &[
    "pipeline.id",
    "pipeline.name",
    "pipeline.env",
    "pipeline.concurrency",
    "push.branch",
    "push.tag",
    "push.path",
    "pr.branch",
    "input.name",
    "input.description",
    "input.default",
    "choice.description",
    "choice.option",
    "job.id",
    "job.name",
    "job.env",
    "job.env.pieces",
    "job.concurrency",
    "runner.label",
    "runner.image",
    "service.name",
    "service.image",
    "service.env",
    "matrix.value",
    "condition.branch",
    "condition.input",
    "condition.text.branch",
    "condition.text.input",
    "step.name",
    "step.working_directory",
    "step.env",
    "cache.key",
    "cache.path",
    "cache.key_file",
    "artifact.name",
    "upload.path",
    "download.path",
    "environment.name",
    "environment.url",
    "approval.instructions",
    "approval.review_url",
    "role.arn",
    "role.region",
    "role.session",
    "action.with",
    "action.name",
    "action.version",
    "checkout.repository",
    "checkout.ref",
    "checkout.path",
    "report.path",
];

fn render(backend_name: &str, pipelines: Vec<Pipeline>) -> Result<Vec<GeneratedFile>, Diagnostics> {
    pipeline_tests::render(
        &pipeline_tests::PipelineSet {
            name: "hazards",
            pipelines,
        },
        backend_name,
    )
}

const BACKENDS: [&str; 3] = ["github", "gitlab", "codepipeline"];

/// The base pipeline renders on every backend: the sweep tests the hazards, not the fixture.
#[test]
fn the_base_pipeline_renders_everywhere() {
    for b in BACKENDS {
        let files = render(b, vec![pipeline("none", "")]).unwrap_or_else(|d| panic!("{b}:\n{d}"));
        assert!(findings(b, &files).is_empty());
    }
}

/// Each hazard in each field on each backend: refused with an error that has a path and a hint,
/// or emitted so that the platform sees a literal.
#[test]
fn every_hazard_in_every_field_is_refused_or_literal() {
    let mut problems = Vec::new();
    let mut accepted = 0;
    let dir = TempDir::new("hazards");
    let mut workflows: Vec<PathBuf> = Vec::new();
    for b in BACKENDS {
        for field in FIELDS {
            for hazard in HAZARDS {
                match render(b, vec![pipeline(field, hazard)]) {
                    Ok(files) => {
                        accepted += 1;
                        for f in findings(b, &files) {
                            problems.push(format!("{b} {field} {hazard:?}: {f}"));
                        }
                        if b == "github" {
                            for file in files.iter().filter(|f| f.path.as_str().ends_with(".yml")) {
                                let path =
                                    dir.path()
                                        .join(format!("{}-{}.yml", workflows.len(), field.replace('.', "-")));
                                std::fs::write(&path, &file.contents).expect("write");
                                workflows.push(path);
                            }
                        }
                    }
                    Err(d) => {
                        let errors: Vec<_> = d.iter().filter(|d| d.severity == Severity::Error).collect();
                        if errors.is_empty() {
                            problems.push(format!("{b} {field} {hazard:?}: refused without an error"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} finding(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        accepted > 50,
        "only {accepted} renders were accepted: the sweep would test nothing"
    );
    // actionlint's expression checker reads every accepted workflow (hazards in runner labels
    // are unknown labels to actionlint, which is right but beside the point), zizmor's
    // template-injection audit (and the others) find nothing either, and GitHub's schema
    // accepts them.
    tools::assert_github_conformance(&workflows, &["is unknown. available labels are"]);
}

// ---------------------------------------------------------------------------------------------
// Validation: names, limits and exposure (issue 11, "Values becoming code", "Accepted but
// rejected later", "Design").

fn codes(diagnostics: &Diagnostics) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

fn validate(p: &Pipeline) -> Vec<&'static str> {
    codes(&pipeline_core::validate::validate(p))
}

fn job(id: &str) -> Job {
    Job::new(id).step(Step::script("make"))
}

/// Every error has a path below the pipeline and a hint.
fn assert_explained(diagnostics: &Diagnostics, code: &str) {
    let found: Vec<_> = diagnostics.iter().filter(|d| d.code == code).collect();
    assert!(!found.is_empty(), "no {code} in:\n{diagnostics}");
    for d in found {
        assert!(d.hint.is_some(), "{code} without a hint: {d}");
        assert!(!d.path.to_string().is_empty(), "{code} without a path");
    }
}

#[test]
fn ids_that_differ_only_in_case_collide() {
    let p = Pipeline::new("p")
        .on(Trigger::manual()
            .input(Input::string("target", "t"))
            .input(Input::string("Target", "t")))
        .job(
            job("build")
                .step(Step::script("x").id("compile"))
                .step(Step::script("y").id("Compile")),
        )
        .job(job("Build").environment(Environment::new("production")))
        .job(job("deploy").environment(Environment::new("Production")))
        .job(job("a").env("A", Expr::secret("TOKEN")))
        .job(job("b").env("B", Expr::secret("Token")));
    let d = pipeline_core::validate::validate(&p);
    assert_eq!(codes(&d).iter().filter(|c| **c == "case-collision").count(), 5, "{d}");
    assert_explained(&d, "case-collision");
    // Pipeline ids name files: `CI.yml` and `ci.yml` are one file on macOS and Windows.
    let d = pipeline_core::validate::validate_all(&[
        Pipeline::new("ci").on(Trigger::push()).job(job("a")),
        Pipeline::new("CI").on(Trigger::push()).job(job("a")),
    ]);
    assert_explained(&d, "case-collision");
}

#[test]
fn names_a_platform_reserves_are_refused_in_any_case() {
    for secret in [
        "GITHUB_TOKEN",
        "github_token",
        "Ci_Job_Token",
        "codebuild_build_id",
        "GITLAB_USER_LOGIN",
    ] {
        let p = Pipeline::new("p")
            .on(Trigger::push())
            .job(job("a").env("X", Expr::secret(secret)));
        let d = pipeline_core::validate::validate(&p);
        assert_explained(&d, "reserved-name");
    }
    let p = Pipeline::new("p")
        .on(Trigger::manual().input(Input::string("CI_COMMIT_BRANCH", "shadows GitLab's")))
        .job(
            job("a")
                .matrix(Matrix::new().axis("ci_node_index", ["1"]))
                .env("github_sha", "x"),
        );
    let found = validate(&p);
    assert_eq!(found.iter().filter(|c| **c == "reserved-name").count(), 2, "{found:?}");
    assert!(found.contains(&"reserved-env-name"), "{found:?}");
}

#[test]
fn filters_that_are_not_refs_or_globs_are_refused() {
    for (branch, tag, path) in [
        ("feature..x", "v1", "src/**"),
        ("a b", "v1", "src/**"),
        ("main", "v1.lock", "src/**"),
        ("main", "v@{1}", "src/**"),
        ("main", "v*", "src/[a-z"),
        ("main", "v*", "{src,docs/**"),
        ("${{ github.head_ref }}", "v*", "src/**"),
    ] {
        let p = Pipeline::new("p")
            .on(Trigger::push().branches([branch]).tags([tag]).paths([path]))
            .job(job("a"));
        let d = pipeline_core::validate::validate(&p);
        assert!(d.has_errors(), "{branch} {tag} {path} accepted");
        assert!(d.iter().all(|d| d.hint.is_some()), "{d}");
    }
    let fine = Pipeline::new("p")
        .on(Trigger::push()
            .branches(["main", "release/**", "!release/old-*"])
            .tags(["v[0-9]*"])
            .paths(["src/**/*.rs"]))
        .job(job("a"));
    assert_eq!(validate(&fine), Vec::<&str>::new());
}

/// Expression syntax in a branch condition is not a branch name; in an input comparison (any
/// text is a valid input value) it is written so that GitHub never sees a template.
#[test]
fn expression_syntax_in_a_condition_never_yields_an_always_true_if() {
    let p = Pipeline::new("p")
        .on(Trigger::push())
        .job(job("a").when(Condition::branch("${{ false }}")));
    assert!(validate(&p).contains(&"invalid-branch"));
    assert_explained(&pipeline_core::validate::validate(&p), "invalid-branch");
    // `x${{y}}` is a valid branch name (git allows `$`, `{` and `}`): it is escaped.
    let p = Pipeline::new("p")
        .on(Trigger::manual().input(Input::string("target", "t")))
        .job(job("a").when(!(Condition::input_equals("target", "${{ false }}") & Condition::branch("x${{y}}"))));
    let files = render("github", vec![p]).unwrap_or_else(|d| panic!("{d}"));
    let workflow = &files[0].contents;
    let condition = workflow
        .lines()
        .find(|l| l.trim_start().starts_with("if:"))
        .expect("an if");
    assert!(
        condition.contains("format('{0}{1}{2}', '$', '{{ false }', '}')"),
        "{condition}"
    );
    assert!(
        condition.contains("format('{0}{1}{2}', 'refs/heads/x$', '{{y}', '}')"),
        "{condition}"
    );
    // The `if:` is one expression: its only `${{` and `}}` are the ones the backend wrote
    // around it, whatever a reader does with braces inside string literals.
    for (path, s) in load(&files[0]) {
        if path.last().is_some_and(|k| k == "if") {
            assert_eq!((s.matches("${{").count(), s.matches("}}").count()), (1, 1), "{s}");
            assert!(s.starts_with("${{ !") && s.ends_with("}}"), "{s}");
        }
    }
}

#[test]
fn github_refuses_more_manual_inputs_than_it_allows() {
    let many = |n: usize| {
        let mut manual = Trigger::manual();
        for i in 0..n {
            manual = manual.input(Input::string(format!("input_{i}"), "x"));
        }
        Pipeline::new("p").on(manual).job(job("a"))
    };
    let max = pipeline_backends::github::MAX_DISPATCH_INPUTS;
    assert!(render("github", vec![many(max)]).is_ok());
    let d = render("github", vec![many(max + 1)]).expect_err("refused");
    assert_explained(&d, "github-too-many-inputs");
}

#[test]
fn secrets_reachable_from_pull_requests_are_a_warning() {
    let p = Pipeline::new("p")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .job(job("test").env("TOKEN", Expr::secret("NPM_TOKEN")))
        .job(
            job("publish")
                .env("TOKEN", Expr::secret("NPM_TOKEN"))
                .when(Condition::branch("main")),
        )
        .job(
            job("lint")
                .env("TOKEN", Expr::secret("NPM_TOKEN"))
                .when(!Condition::event(Event::PullRequest)),
        );
    let d = pipeline_core::validate::validate(&p);
    let warned: Vec<String> = d
        .iter()
        .filter(|d| d.code == "secret-in-pull-request")
        .map(|d| d.path.to_string())
        .collect();
    assert_eq!(warned, ["pipeline \"p\" > job \"test\""], "{d}");
    assert_explained(&d, "secret-in-pull-request");
    assert!(!d.has_errors());
}

#[test]
fn codepipeline_pull_request_builds_get_no_secrets_and_branch_tests_are_flagged() {
    let p = Pipeline::new("p")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request().branches(["main"]))
        .secret(Secret::new("DEPLOY_TOKEN").aws_secrets_manager("deploy-token", None))
        .job(
            job("deploy")
                .env("TOKEN", Expr::secret("DEPLOY_TOKEN"))
                .when(Condition::branch("main")),
        );
    let d = render("codepipeline", vec![p]).expect_err("refused");
    assert_explained(&d, "codepipeline-secret-in-pull-request");
    assert_explained(&d, "codepipeline-branch-in-pull-request");
    // Without the pull request trigger, the same pipeline is fine.
    let p = Pipeline::new("p")
        .on(Trigger::push().branches(["main"]))
        .secret(Secret::new("DEPLOY_TOKEN").aws_secrets_manager("deploy-token", None))
        .job(
            job("deploy")
                .env("TOKEN", Expr::secret("DEPLOY_TOKEN"))
                .when(Condition::branch("main")),
        );
    assert!(render("codepipeline", vec![p]).is_ok());
}

/// Every rollback job the strategies and the ACME constructs create runs under the environment
/// of the deploy it undoes, and validation refuses one that does not.
#[test]
fn rollback_jobs_run_under_the_environment_of_their_deploy() {
    let mut rollbacks = 0;
    let mut sets = example_service::pipelines();
    sets.extend(pipeline_tests::fixtures::service_strategies());
    sets.push(pipeline_tests::fixtures::strategies());
    sets.push(pipeline_tests::fixtures::codedeploy());
    sets.push(pipeline_tests::fixtures::feature_flags());
    for p in &sets {
        for rollback in p.jobs.iter().filter(|j| j.has_role(&JobRole::ROLLBACK)) {
            rollbacks += 1;
            for need in &rollback.needs {
                let deploy = p.find_job(need.as_str()).expect("needed job");
                if let Some(env) = &deploy.environment {
                    let own = rollback.environment.as_ref().map(|e| e.name.as_str());
                    assert_eq!(own, Some(env.name.as_str()), "{} > {}", p.id, rollback.id);
                    assert!(rollback.environment.as_ref().is_some_and(|e| e.approval.is_none()));
                }
            }
        }
    }
    assert!(rollbacks >= 5, "only {rollbacks} rollback jobs");
    let p = Pipeline::new("p")
        .on(Trigger::push())
        .job(job("deploy").environment(Environment::new("production")))
        .job(
            job("rollback")
                .role(JobRole::ROLLBACK)
                .needs("deploy")
                .when(Condition::failure()),
        );
    let d = pipeline_core::validate::validate(&p);
    assert_explained(&d, "rollback-environment");
}

#[test]
fn images_are_validated_and_a_policy_requires_digests() {
    use pipeline_core::policy::{ImagesPinnedByDigest, Policy};
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let with_image = |image: &str| {
        Pipeline::new("p").on(Trigger::push()).job(
            job("a")
                .runner(Runner::linux().image(image))
                .service(Service::new("db", "postgres:17")),
        )
    };
    assert!(validate(&with_image("rust:1.95@sha256:abc")).contains(&"invalid-image"));
    assert!(validate(&with_image("Rust:1.95")).contains(&"invalid-image"));
    let pinned = pipeline_core::image::pinned("rust:1.95", digest);
    assert!(validate(&with_image(&pinned)).is_empty());
    let mut out = Diagnostics::new();
    ImagesPinnedByDigest.check(&with_image(&pinned), &mut out);
    // The service image is still a tag.
    assert_eq!(
        out.iter().map(|d| d.path.to_string()).collect::<Vec<_>>(),
        ["pipeline \"p\" > job \"a\" > services.db"]
    );
    assert_explained(&out, "images-pinned-by-digest");
}

#[test]
fn codepipeline_templates_over_cloudformation_limits_are_reported() {
    let sized = |bytes: usize| {
        Pipeline::new("p")
            .on(Trigger::push().branches(["main"]))
            .job(Job::new("a").step(Step::script(format!("echo {}", "x".repeat(bytes)))))
    };
    let render_with = |p: Pipeline| {
        let mut d = Diagnostics::new();
        let ok = pipeline_core::Generator::new("t", ".")
            .backends([pipeline_tests::backend("codepipeline")])
            .pipelines(vec![p])
            .render(&[])
            .map_err(|e| d.extend(e.iter().cloned()));
        (ok.is_ok(), d)
    };
    let (ok, _) = render_with(sized(1_000));
    assert!(ok);
    let files = render("codepipeline", vec![sized(60_000)]).expect("renders, with a warning");
    assert!(
        files
            .iter()
            .any(|f| f.contents.len() > pipeline_backends::codepipeline::MAX_TEMPLATE_BYTES_INLINE)
    );
    let (ok, d) = render_with(sized(1_100_000));
    assert!(!ok);
    assert_explained(&d, "codepipeline-template-size");
}

/// Found by the property test: values GitHub refuses as empty strings.
#[test]
fn empty_strings_github_refuses_are_refused_at_generation() {
    let cases = [
        (job("a").concurrency(Concurrency::new(" ")), "empty-concurrency-group"),
        (
            Job::new("a").step(Step::script("make").working_directory("")),
            "invalid-working-directory",
        ),
        (job("a").runner(Runner::labels(["linux", ""])), "invalid-runner-label"),
        (
            job("a").environment(Environment::new("staging").url("")),
            "invalid-environment-url",
        ),
    ];
    for (j, code) in cases {
        let d = pipeline_core::validate::validate(&Pipeline::new("p").on(Trigger::push()).job(j));
        assert_explained(&d, code);
    }
    let p = Pipeline::new("p").on(Trigger::push().paths(["src/** "])).job(job("a"));
    assert_explained(&pipeline_core::validate::validate(&p), "invalid-glob");
}
