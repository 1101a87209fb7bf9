//! Lowering snapshots of test reports, checkouts and reusable workflows on every platform
//! (docs/guide/reports-checkout-reuse.md), and the diagnostics of bad report paths.

use pipeline_core::ReportFormat;
use pipeline_core::prelude::*;
use pipeline_core::validate::validate;

fn snapshot(backend: impl Backend + 'static, prefix: &str, pipeline: Pipeline) {
    let name = backend.name();
    let rendered = Generator::new("snapshots", ".")
        .source("tests/snapshots_reports.rs")
        .regenerate_command("cargo insta review")
        .backend(backend)
        .pipelines(vec![pipeline])
        .render(&[])
        .unwrap_or_else(|d| panic!("{prefix} does not render on {name}:\n{d}"));
    for (_, file) in rendered.files {
        let file_name = file.path.as_str().replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("{prefix}__{name}__{}", file_name.trim_start_matches('_')),
            file.contents
        );
    }
}

#[test]
fn test_reports_github() {
    snapshot(
        pipeline_backends::Github::new(),
        "test_reports",
        pipeline_tests::fixtures_reports::test_reports(),
    );
}

#[test]
fn test_reports_gitlab() {
    snapshot(
        pipeline_backends::Gitlab::new(),
        "test_reports",
        pipeline_tests::fixtures_reports::test_reports(),
    );
}

#[test]
fn test_reports_codepipeline() {
    snapshot(
        pipeline_backends::CodePipeline::new(),
        "test_reports",
        pipeline_tests::fixtures_reports::test_reports(),
    );
}

#[test]
fn report_paths_outside_the_workspace_or_with_platform_syntax_are_errors_naming_them() {
    let bad = [
        "../junit.xml",
        "/tmp/junit.xml",
        "~/junit.xml",
        "$CI_PROJECT_DIR/junit.xml",
        "%CI_PROJECT_DIR%/junit.xml",
        "reports/${{ github.sha }}.xml",
        "!junit.xml",
        "a\nb.xml",
        "C:/junit.xml",
        "reports\\junit.xml",
        " junit.xml",
        "",
    ];
    for path in bad {
        let p = Pipeline::new("ci").on(Trigger::push()).job(
            Job::new("test")
                .step(Step::script("make test"))
                .test_report(TestReport::junit(path)),
        );
        let d = validate(&p);
        let text = d.to_string();
        assert!(
            d.iter().any(|d| d.code == "invalid-test-report-path"),
            "{path:?} is accepted:\n{text}"
        );
        assert!(text.contains("test_reports[0]"), "{path:?}: no path in\n{text}");
    }
    let empty =
        Pipeline::new("ci")
            .on(Trigger::push())
            .job(
                Job::new("test")
                    .step(Step::script("make test"))
                    .test_report(TestReport {
                        format: ReportFormat::Junit,
                        paths: Vec::new(),
                    }),
            );
    assert!(validate(&empty).iter().any(|d| d.code == "empty-test-report"));
    let good = Pipeline::new("ci").on(Trigger::push()).job(
        Job::new("test")
            .step(Step::script("make test"))
            .test_report(TestReport::junit("target/nextest/ci/junit.xml").path("reports/**/*.xml")),
    );
    pipeline_core::validate::assert_valid(&good);
}

#[test]
fn each_platform_says_how_it_keeps_the_reports() {
    let diagnostics = |backend: Box<dyn Backend>| {
        Generator::new("snapshots", ".")
            .backends([backend])
            .pipelines(vec![pipeline_tests::fixtures_reports::test_reports()])
            .render(&[])
            .unwrap_or_else(|d| panic!("does not render:\n{d}"))
            .diagnostics
    };
    let github = diagnostics(Box::new(pipeline_backends::Github::new()));
    assert!(
        github
            .iter()
            .any(|d| d.code == "github-test-report-artifact" && d.to_string().contains("\"test-reports-unit-<cell>\"")),
        "{github}"
    );
    let gitlab = diagnostics(Box::new(pipeline_backends::Gitlab::new()));
    let merged: Vec<String> = gitlab
        .iter()
        .filter(|d| d.code == "gitlab-artifacts-merged")
        .map(ToString::to_string)
        .collect();
    assert_eq!(merged.len(), 1, "{gitlab}");
    assert!(merged[0].contains("e2e/screenshots"), "{gitlab}");
    let codepipeline = diagnostics(Box::new(pipeline_backends::CodePipeline::new()));
    assert!(
        codepipeline
            .iter()
            .any(|d| d.code == "codepipeline-test-report-permissions"
                && d.to_string()
                    .contains("<PipelineName>-unit-tests, <PipelineName>-e2e-tests")),
        "{codepipeline}"
    );
    let managed = diagnostics(Box::new(
        pipeline_backends::CodePipeline::new().aws_access_generated(true),
    ));
    assert!(!managed.iter().any(|d| d.code == "codepipeline-test-report-permissions"));
}

#[test]
fn checkouts_github() {
    snapshot(
        pipeline_backends::Github::new(),
        "checkouts",
        pipeline_tests::fixtures_reports::checkouts(),
    );
}

#[test]
fn checkouts_gitlab() {
    snapshot(
        pipeline_backends::Gitlab::new(),
        "checkouts",
        pipeline_tests::fixtures_reports::checkouts(),
    );
}

#[test]
fn checkouts_codepipeline() {
    snapshot(
        pipeline_backends::CodePipeline::new(),
        "checkouts",
        pipeline_tests::fixtures_reports::checkouts(),
    );
}

#[test]
fn checkouts_of_another_repository_ref_or_directory_are_refused_on_codepipeline_naming_the_step() {
    let p = Pipeline::new("ci").on(Trigger::push()).job(
        Job::new("build")
            .step(Step::checkout())
            .step(Step::checkout_with(Checkout::repository("acme/tools").path("tools")).id("tools"))
            .step(Step::script("make")),
    );
    let err = Generator::new("snapshots", ".")
        .backend(pipeline_backends::CodePipeline::new())
        .pipelines(vec![p])
        .render(&[])
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("a checkout of another repository, ref or directory"),
        "{err}"
    );
    assert!(err.contains("job \"build\""), "{err}");
    assert!(err.contains("steps[1]") || err.contains("tools"), "{err}");
}

#[test]
fn checkout_values_are_validated_as_data() {
    let check = |c: Checkout| {
        let p = Pipeline::new("ci")
            .on(Trigger::push())
            .secret(Secret::new("T"))
            .job(Job::new("b").step(Step::checkout_with(c)).step(Step::script("make")));
        validate(&p).iter().map(|d| d.code).collect::<Vec<_>>()
    };
    for repo in [
        "acme",
        "acme/../x",
        "-acme/x",
        "acme/x y",
        "acme/${{ github.sha }}",
        "acme/x\nb",
    ] {
        assert!(
            check(Checkout::repository(repo)).contains(&"invalid-checkout-repository"),
            "{repo:?}"
        );
    }
    for r in ["-x", "a b", "main..x", "$REF", "${{ github.head_ref }}", "x\ny"] {
        assert!(
            check(Checkout::repository("acme/x").git_ref(r)).contains(&"invalid-checkout-ref"),
            "{r:?}"
        );
    }
    for p in ["/tmp/x", "../x", "x/../../y", "$HOME/x", "t*", "-x", ".", "a\nb"] {
        assert!(
            check(Checkout::repository("acme/x").path(p)).contains(&"invalid-checkout-path"),
            "{p:?}"
        );
    }
    assert!(check(Checkout::repository("acme/x").token("ghp_literal")).contains(&"checkout-token"));
    assert!(check(Checkout::repository("acme/x").token(Expr::secret("not a name"))).contains(&"invalid-secret-name"));
    assert!(check(Checkout::repository("acme/x").token(Expr::secret("T"))).is_empty());
    assert!(check(Checkout::repository("acme/x").token(PlatformToken::new())).is_empty());
    // One checkout per directory, the workspace first.
    let twice = Pipeline::new("ci").on(Trigger::push()).job(
        Job::new("b")
            .step(Step::checkout_with(Checkout::repository("acme/x").path("x")))
            .step(Step::checkout())
            .step(Step::checkout_with(Checkout::repository("acme/y").path("x/")))
            .step(Step::script("make")),
    );
    let codes: Vec<&str> = validate(&twice).iter().map(|d| d.code).collect();
    assert!(codes.contains(&"checkout-order"), "{codes:?}");
    assert!(codes.contains(&"checkout-twice"), "{codes:?}");
}

#[test]
fn reusable_github() {
    snapshot(
        pipeline_backends::Github::new(),
        "reusable",
        pipeline_tests::fixtures_reports::reusable(),
    );
}

#[test]
fn reusable_gitlab() {
    snapshot(
        pipeline_backends::Gitlab::new(),
        "reusable",
        pipeline_tests::fixtures_reports::reusable(),
    );
}

#[test]
fn reusable_codepipeline() {
    snapshot(
        pipeline_backends::CodePipeline::new(),
        "reusable",
        pipeline_tests::fixtures_reports::reusable(),
    );
}

#[test]
fn a_reusable_workflow_takes_the_manual_inputs_and_the_secrets_its_jobs_read() {
    let mut p = pipeline_tests::fixtures_reports::reusable();
    if let Some(Trigger::Manual(m)) = p.triggers.first_mut() {
        m.inputs.push(Input::choice("region", "Region", ["eu", "us"]));
    }
    let mut d = pipeline_core::Diagnostics::new();
    let yaml = pipeline_backends::Github::new().render(&p, &mut d).unwrap_or_default();
    assert!(
        yaml.contains("  workflow_call:\n    inputs:\n      environment:\n"),
        "{yaml}"
    );
    assert!(yaml.contains("      dry_run:\n        description: Only show what would change\n        required: false\n        type: boolean\n        default: false\n"), "{yaml}");
    assert!(yaml.contains("      region:\n        description: Region\n        required: true\n        type: string\n        default: eu\n"), "{yaml}");
    assert!(yaml.contains("    secrets:\n      DEPLOY_TOKEN:\n"), "{yaml}");
    assert!(d.iter().any(|d| d.code == "github-call-choice"), "{d}");
    let plain = pipeline_tests::fixtures_reports::reusable();
    let without = Pipeline {
        extensions: pipeline_core::Extensions::new(),
        ..plain
    };
    let yaml = pipeline_backends::Github::new()
        .render(&without, &mut pipeline_core::Diagnostics::new())
        .unwrap_or_default();
    assert!(!yaml.contains("workflow_call"), "{yaml}");
}

#[test]
fn caller_github() {
    snapshot(
        pipeline_backends::Github::new(),
        "caller",
        pipeline_tests::fixtures_reports::caller(),
    );
}

#[test]
fn caller_gitlab() {
    snapshot(
        pipeline_backends::Gitlab::new(),
        "caller",
        pipeline_tests::fixtures_reports::caller(),
    );
}

#[test]
fn caller_codepipeline() {
    snapshot(
        pipeline_backends::CodePipeline::new(),
        "caller",
        pipeline_tests::fixtures_reports::caller(),
    );
}

#[test]
fn a_workflow_call_is_pinned_and_says_the_steps_run_elsewhere() {
    use pipeline_backends::github::CallWorkflow;
    let render = |call: CallWorkflow| {
        let p = Pipeline::new("ci")
            .on(Trigger::push())
            .job(Job::new("deploy").extend(call).step(Step::script("./deploy.sh")));
        let mut d = pipeline_core::Diagnostics::new();
        let yaml = pipeline_backends::Github::new().render(&p, &mut d);
        (yaml, d)
    };
    let (yaml, d) = render(CallWorkflow::new(
        "acme/deploy/.github/workflows/deploy.yml@8e8c483db84b4bee98b60c0593521ed34d9990e8",
    ));
    assert!(
        yaml.unwrap_or_default()
            .contains("uses: acme/deploy/.github/workflows/deploy.yml@8e8c483db84b4bee98b60c0593521ed34d9990e8"),
        "{d}"
    );
    assert!(
        d.iter()
            .any(|d| d.code == "github-workflow-call" && d.to_string().contains("instead of its 1 step(s)")),
        "{d}"
    );
    for bad in [
        CallWorkflow::new("acme/deploy/.github/workflows/deploy.yml@main"),
        CallWorkflow::new("./.github/workflows/../x.yml"),
        CallWorkflow::new("./deploy.yml"),
        CallWorkflow::new("./.github/workflows/d.yml").with("${{ x }}", "1"),
        CallWorkflow::new("./.github/workflows/d.yml").secret("TOKEN", "literal"),
    ] {
        let (_, d) = render(bad.clone());
        assert!(d.has_errors(), "{bad:?} is accepted: {d}");
    }
}
