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

/// The reusable pipeline the call-input tests call: a required string, a boolean with a default.
fn called() -> Pipeline {
    Pipeline::new("deploy")
        .on(Trigger::manual()
            .input(Input::string("environment", "Where to deploy").required())
            .input(Input::boolean("dry_run", "Only show the changes", false)))
        .extend(pipeline_backends::github::Reusable::new())
        .job(
            Job::new("deploy")
                .env("ENV", Expr::input("environment"))
                .step(Step::script("./deploy.sh \"$ENV\"")),
        )
}

fn calling(call: pipeline_backends::github::CallWorkflow) -> Pipeline {
    Pipeline::new("release").on(Trigger::push().branches(["main"])).job(
        Job::new("ship")
            .extend(call)
            .step(Step::script("./deploy.sh production")),
    )
}

/// Both pipelines generated in one run, with the diagnostics.
fn generate_both(
    call: pipeline_backends::github::CallWorkflow,
) -> (Vec<pipeline_core::GeneratedFile>, pipeline_core::Diagnostics) {
    let ctx = pipeline_core::RenderContext {
        header: pipeline_core::Header::new("snapshots", "tests/snapshots_reports.rs", "cargo insta review"),
        root_in_repository: String::new(),
    };
    let mut d = pipeline_core::Diagnostics::new();
    let files = pipeline_backends::Github::new().generate(&[called(), calling(call)], &ctx, &mut d);
    (files, d)
}

#[test]
fn call_inputs_are_written_as_yaml_of_their_type() {
    use pipeline_backends::github::CallWorkflow;
    let call = CallWorkflow::new("./.github/workflows/deploy.yml")
        .with("environment", "production")
        .with("ref", Expr::input("target"))
        .with("quoted", "true")
        .with_bool("dry_run", true)
        .with_number("replicas", 5)
        .with_number("offset", -2);
    let mut d = pipeline_core::Diagnostics::new();
    let yaml = pipeline_backends::Github::new()
        .render(&calling(call), &mut d)
        .unwrap_or_else(|| panic!("{d}"));
    assert!(
        yaml.contains(
            "    with:\n      environment: production\n      ref: ${{ inputs.target }}\n      quoted: 'true'\n      dry_run: true\n      replicas: 5\n      offset: -2\n"
        ),
        "{yaml}"
    );
}

#[test]
fn typed_call_inputs_pass_the_validators() {
    use pipeline_backends::github::CallWorkflow;
    let (files, d) = generate_both(
        CallWorkflow::new("./.github/workflows/deploy.yml")
            .with("environment", "production")
            .with_bool("dry_run", true),
    );
    assert!(!d.has_errors(), "{d}");
    assert_eq!(files.len(), 2, "{d}");
    let dir = std::env::temp_dir().join(format!("call-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // actionlint checks a call of `./.github/workflows/x.yml` against the called file only inside
    // a repository: `.git` marks the directory as one.
    std::fs::create_dir_all(dir.join(".git")).expect("mkdir .git");
    let mut paths = Vec::new();
    for f in files {
        let path = dir.join(f.path.as_str());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, f.contents).expect("write");
        paths.push(path);
    }
    pipeline_tests::tools::assert_github_conformance(&paths, &[]);
    // The control: actionlint does resolve the call here, since it reports an undeclared input.
    if let Some(mut actionlint) = pipeline_tests::tools::actionlint() {
        let caller = paths
            .iter()
            .find(|p| p.ends_with("release.yml"))
            .expect("the caller's file");
        let text = std::fs::read_to_string(caller).expect("read");
        let bad = text.replace("      dry_run: true\n", "      dry_run: true\n      region: eu\n");
        assert_ne!(bad, text, "{text}");
        std::fs::write(caller, bad).expect("write");
        let out = pipeline_tests::tools::output({
            actionlint.args(&paths);
            actionlint
        });
        assert!(
            out.code != 0 && out.stdout.contains("input \"region\" is not defined"),
            "{}",
            out.text()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn calls_of_a_generated_reusable_workflow_are_checked_against_its_inputs() {
    use pipeline_backends::github::CallWorkflow;
    let base = || CallWorkflow::new("./.github/workflows/deploy.yml");
    let errors = |call: CallWorkflow| -> Vec<String> {
        let (_, d) = generate_both(call);
        d.iter()
            .filter(|d| d.code == "github-call-input")
            .map(|d| format!("{} at {}", d.message, d.path))
            .collect()
    };
    assert_eq!(
        errors(base().with("environment", "prod").with_bool("dry_run", true)),
        Vec::<String>::new()
    );
    // An expression is not checked: its type is known only when the workflow runs.
    assert_eq!(
        errors(base().with("environment", "prod").with("dry_run", Expr::input("x"))),
        Vec::<String>::new()
    );

    let unknown = errors(base().with("environment", "prod").with("region", "eu"));
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(
        unknown[0].contains("job \"ship\"")
            && unknown[0].contains("./.github/workflows/deploy.yml")
            && unknown[0].contains("declares no input \"region\""),
        "{unknown:?}"
    );

    let missing = errors(base().with_bool("dry_run", false));
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(
        missing[0].contains("job \"ship\"")
            && missing[0].contains("pipeline \"deploy\"")
            && missing[0].contains("required input \"environment\" is not passed"),
        "{missing:?}"
    );

    for (call, text) in [
        (
            base().with("environment", "prod").with("dry_run", "true"),
            "input \"dry_run\" is declared `type: boolean` but is passed a string",
        ),
        (
            base().with("environment", "prod").with_number("dry_run", 1),
            "input \"dry_run\" is declared `type: boolean` but is passed a number",
        ),
        (
            base().with_bool("environment", true),
            "input \"environment\" is declared `type: string` but is passed a boolean",
        ),
    ] {
        let found = errors(call);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains(text) && found[0].contains("job \"ship\""),
            "{found:?}"
        );
    }
    // A call of another repository's workflow is not checked here.
    assert_eq!(
        errors(
            CallWorkflow::new("acme/deploy/.github/workflows/deploy.yml@8e8c483db84b4bee98b60c0593521ed34d9990e8")
                .with("region", "eu")
        ),
        Vec::<String>::new()
    );
}
