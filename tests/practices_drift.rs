//! The drift practices (`pipeline_templates::practices::drift`): snapshots of every generated
//! file per (fixture, backend), the diagnostics each platform gives, and the scripts run for
//! real with bash: the definition check fails with the diff, the audit record is exact JSON
//! whatever the reason holds, and the drift verdicts follow the tools' answers.
//!
//! Conformance (actionlint, zizmor, schemas, gitlab-ci-local, cfn-lint, botocore, YAML read-back)
//! covers these pipelines through the `drift` set of `pipeline_tests::pipeline_sets()`.

use std::path::Path;
use std::process::Command;

use pipeline_core::prelude::*;
use pipeline_core::{Diagnostics, Pipeline};
use pipeline_templates::practices::drift::{
    BreakGlass, DefinitionCheck, GeneratorDriftExt, InfraDrift, TerraformDrift,
};
use pipeline_tests::{TempDir, fixtures, run};

// ---------------------------------------------------------------- snapshots

/// Renders `pipeline` with `backend` and snapshots every file as `drift__<fixture>__<backend>__<file>`.
fn snapshot(fixture: &str, backend: impl Backend + 'static, pipeline: Pipeline) {
    let name = backend.name();
    let rendered = Generator::new("snapshots", ".")
        .source("tests/practices_drift.rs")
        .regenerate_command("cargo insta review")
        .backend(backend)
        .pipeline(pipeline)
        .render(&[])
        .unwrap_or_else(|d| panic!("{fixture} does not render on {name}:\n{d}"));
    assert!(!rendered.files.is_empty());
    for (_, file) in rendered.files {
        let file_name = file.path.as_str().replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("drift__{fixture}__{name}__{}", file_name.trim_start_matches('_')),
            file.contents
        );
    }
}

macro_rules! snapshots {
    ($($test:ident: $fixture:literal => $pipeline:expr;)*) => {$(
        mod $test {
            use super::*;

            #[test]
            fn github() {
                snapshot($fixture, pipeline_backends::Github::new(), $pipeline);
            }

            #[test]
            fn gitlab() {
                snapshot($fixture, pipeline_backends::Gitlab::new(), $pipeline);
            }

            #[test]
            fn codepipeline() {
                snapshot($fixture, pipeline_backends::CodePipeline::new(), $pipeline);
            }
        }
    )*};
}

snapshots! {
    definition_check: "definition_check" => fixtures::drift_definition_checked();
    cloudformation: "cloudformation" => fixtures::drift_cloudformation();
    terraform: "terraform" => fixtures::drift_terraform();
    break_glass: "break_glass" => fixtures::drift_break_glass();
}

// ---------------------------------------------------------------- diagnostics

fn diagnostics(backend: impl Backend + 'static, pipeline: Pipeline) -> Diagnostics {
    match Generator::new("t", ".").backend(backend).pipeline(pipeline).render(&[]) {
        Ok(r) => r.diagnostics,
        Err(d) => panic!("renders:\n{d}"),
    }
}

#[test]
fn each_platform_says_what_it_cannot_do_for_break_glass() {
    let github = diagnostics(pipeline_backends::Github::new(), fixtures::drift_break_glass());
    assert!(github.contains_code("github-environment-reviewers"), "{github}");
    assert!(!github.has_errors());

    let gitlab = diagnostics(pipeline_backends::Gitlab::new(), fixtures::drift_break_glass());
    for code in ["gitlab-input-required", "gitlab-protected-environment"] {
        assert!(gitlab.contains_code(code), "{code}: {gitlab}");
    }

    let aws = diagnostics(pipeline_backends::CodePipeline::new(), fixtures::drift_break_glass());
    for code in [
        "codepipeline-actor",
        "codepipeline-free-text-input",
        "codepipeline-approval",
    ] {
        assert!(aws.contains_code(code), "{code}: {aws}");
    }
    let actor = aws
        .iter()
        .find(|d| d.code == "codepipeline-actor")
        .expect("actor notice");
    assert!(actor.path.to_string().contains("job \"audit\""), "{actor}");
    assert!(
        actor
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("codepipeline:GetPipelineExecution")),
        "{actor}"
    );
    let text = aws
        .iter()
        .find(|d| d.code == "codepipeline-free-text-input")
        .expect("warning");
    assert!(text.path.to_string().contains("input \"reason\""), "{text}");
}

#[test]
fn schedules_are_a_project_setting_on_gitlab() {
    let gitlab = diagnostics(pipeline_backends::Gitlab::new(), fixtures::drift_cloudformation());
    assert!(gitlab.contains_code("gitlab-schedule-setting"), "{gitlab}");
    let aws = diagnostics(pipeline_backends::CodePipeline::new(), fixtures::drift_terraform());
    assert!(aws.contains_code("codepipeline-assume-role"), "{aws}");
    assert!(!aws.has_errors());
}

#[test]
fn invalid_parameters_are_problems_with_paths() {
    let role = AwsRole::new(Expr::var("ROLE"), "eu-west-1");
    let cases: Vec<(Pipeline, &str)> = vec![
        (
            InfraDrift::cloudformation(role.clone(), Vec::<String>::new()).pipeline("d"),
            "drift-stacks",
        ),
        (
            InfraDrift::terraform(role.clone(), TerraformDrift::new("infra").version("latest")).pipeline("d"),
            "terraform-version",
        ),
        (
            InfraDrift::terraform(role.clone(), TerraformDrift::new("infra").sha256("abc", "def")).pipeline("d"),
            "terraform-checksum",
        ),
        (
            InfraDrift::terraform(role, TerraformDrift::new(" ")).pipeline("d"),
            "terraform-directory",
        ),
        (BreakGlass::new(" ").pipeline("b"), "break-glass-command"),
        (
            Pipeline::new("p").on(Trigger::push()).with(&DefinitionCheck::new()),
            "definition-check-command",
        ),
    ];
    for (p, code) in cases {
        let report = pipeline_core::validate::validate(&p);
        assert!(report.contains_code(code), "{code}: {report}");
        assert!(report.to_string().contains("job \""), "{report}");
    }
}

#[test]
fn break_glass_adds_its_reason_to_an_existing_manual_trigger() {
    let p = Pipeline::new("ops")
        .on(Trigger::manual().input(Input::choice("target", "Where", ["staging", "production"])))
        .add("emergency", &BreakGlass::new("./fix.sh"));
    let names: Vec<&str> = p.inputs().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["target", "reason"]);
    assert_eq!(p.triggers.len(), 1);
    assert_eq!(
        p.find_job("emergency-run").map(|j| j.needs.clone()),
        Some(vec!["emergency-audit".into()])
    );
    assert!(!pipeline_core::validate::validate(&p).has_errors());
}

// ---------------------------------------------------------------- the definition check

fn script_of<'a>(job: &'a Job, step: &str) -> &'a str {
    let i = job
        .step_index(step)
        .unwrap_or_else(|| panic!("no step {step} in {}", job.id));
    match &job.steps[i].kind {
        StepKind::Script(body) => body,
        other => panic!("step {step} is a {} step", other.name()),
    }
}

/// Runs `body` as GitHub does (`bash --noprofile --norc -eo pipefail`) in `dir`, with `env`.
fn bash(dir: &Path, body: &str, env: &[(&str, &str)]) -> std::process::Output {
    let file = dir.join(".step.sh");
    std::fs::write(&file, body).expect("write the step");
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs")
}

fn fake_tool(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}")).expect("write tool");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The generator option adds the check to every pipeline with the generator's own command, and
/// the generator's `--check` (what the job runs) fails with the diff once a file is edited.
#[test]
fn the_definition_check_detects_a_hand_edited_file() {
    let dir = TempDir::new("definition-check");
    let generator = Generator::new("example-ci", dir.path())
        .regenerate_command("cargo run -p example-ci")
        .backends(pipeline_templates::all())
        .pipelines([fixtures::minimal(), fixtures::drift_cloudformation()])
        .definition_check(DefinitionCheck::new());
    for p in generator.pipelines_ref() {
        let job = p.find_job("definition-check").expect("every pipeline has the check");
        assert!(
            script_of(job, "check").contains("cargo run --locked -p example-ci -- --check || status=$?"),
            "{}",
            script_of(job, "check")
        );
    }
    assert_eq!(run(&generator, &[]).code, 0);
    assert_eq!(run(&generator, &["--check"]).code, 0);
    let workflow = dir.path().join(".github/workflows/minimal.yml");
    let text = std::fs::read_to_string(&workflow).expect("read");
    std::fs::write(&workflow, text.replace("timeout-minutes: 20", "timeout-minutes: 90")).expect("write");
    let out = run(&generator, &["--check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("-    timeout-minutes: 90\n+    timeout-minutes: 20\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("Run `cargo run -p example-ci` to regenerate"),
        "{}",
        out.stderr
    );
}

/// The job's script, run with bash: the generator's exit 1 (drift) fails the step with the diff
/// and the regenerate command; exit 0 passes; exit 2 (invalid pipeline) fails as it is.
#[test]
fn the_definition_check_script_fails_on_drift_with_the_diff() {
    let job = DefinitionCheck::new().command("gen").job();
    let body = script_of(&job, "check");
    assert!(body.starts_with("# Fails with the diff"), "{body}");
    for (code, expect) in [(0, 0), (1, 1), (2, 2)] {
        let dir = TempDir::new("definition-script");
        fake_tool(
            dir.path(),
            "gen",
            &format!("[ \"$1\" = --check ] || exit 9\necho '-old line'\necho '+new line'\nexit {code}\n"),
        );
        let out = bash(dir.path(), body, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(expect), "{stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("-old line\n+new line"));
        assert_eq!(
            stderr.contains("To regenerate them, run: gen\nThen commit the result"),
            code == 1,
            "{stderr}"
        );
    }
}

// ---------------------------------------------------------------- the audit record

fn python3() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_audit_record_is_exact_json_whatever_the_reason_holds() {
    if !python3() {
        eprintln!("skipped: no python3");
        return;
    }
    let p = fixtures::drift_break_glass();
    let audit = p.find_job("audit").expect("audit job");
    let body = script_of(audit, "record");
    let reason = "INC-4711: \"db\" is down; it's $(rm -rf /) `x` \\ naïve\ttab";
    let env = [
        ("BREAK_GLASS_PIPELINE", "break-glass"),
        ("BREAK_GLASS_ENVIRONMENT", "break-glass"),
        ("BREAK_GLASS_ACTOR", "octocat"),
        ("BREAK_GLASS_REASON", reason),
        ("BREAK_GLASS_COMMIT", "0123456789abcdef0123456789abcdef01234567"),
        ("BREAK_GLASS_REF", "main"),
        ("BREAK_GLASS_REPOSITORY", "example-org/payments-api"),
        ("BREAK_GLASS_RUN_ID", "42"),
        ("BREAK_GLASS_COMMAND", "./scripts/emergency.sh \"$BREAK_GLASS_RECORD\""),
    ];
    let dir = TempDir::new("audit");
    let out = bash(dir.path(), body, &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = dir.read("break-glass-audit/record.json");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(text.trim_end()),
        "printed to the log"
    );
    let record: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    for (name, value) in env {
        let key = name.trim_start_matches("BREAK_GLASS_").to_ascii_lowercase();
        assert_eq!(record[&key], value, "{key}");
    }
    let timestamp = record["timestamp"].as_str().expect("timestamp");
    assert!(
        timestamp.len() == 20 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );

    for empty in ["", "  \n\t"] {
        let dir = TempDir::new("audit-empty");
        let mut env = env.to_vec();
        env[3] = ("BREAK_GLASS_REASON", empty);
        let out = bash(dir.path(), body, &env);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("needs a reason"));
        assert!(!dir.path().join("break-glass-audit/record.json").exists());
    }
}

// ---------------------------------------------------------------- the drift scripts

#[test]
fn terraform_exit_2_is_drift_with_the_plan_as_report() {
    let p = fixtures::drift_terraform();
    let detect = p.find_job("detect").expect("detect job");
    let (body, verdict) = (script_of(detect, "detect"), script_of(detect, "verdict"));
    assert!(
        body.contains("-detailed-exitcode -refresh-only -out=drift.tfplan"),
        "{body}"
    );
    for (code, expect_verdict, detect_status, verdict_status) in
        [(0, Some("in-sync"), 0, 0), (2, Some("drifted"), 0, 1), (1, None, 1, 1)]
    {
        let dir = TempDir::new("terraform");
        std::fs::create_dir_all(dir.path().join("infra/production")).expect("module dir");
        fake_tool(
            dir.path(),
            "terraform",
            &format!(
                "case \"$1\" in\n  init) echo initialised ;;\n  plan) echo 'Plan: drifted'; touch drift.tfplan; exit {code} ;;\n  show) echo 'the plan' ;;\nesac\n"
            ),
        );
        let out = bash(dir.path(), body, &[]);
        assert_eq!(
            out.status.code(),
            Some(detect_status),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verdict_file = dir.path().join("drift-report/verdict");
        assert_eq!(
            std::fs::read_to_string(&verdict_file).ok().as_deref().map(str::trim),
            expect_verdict
        );
        if code == 2 {
            assert_eq!(dir.read("drift-report/plan.txt"), "the plan\n");
        }
        if expect_verdict.is_some() {
            let out = bash(dir.path(), verdict, &[]);
            assert_eq!(out.status.code(), Some(verdict_status));
        }
    }
}

#[test]
fn cloudformation_drift_is_polled_reported_and_fails_the_verdict() {
    let p = fixtures::drift_cloudformation();
    let detect = p.find_job("detect").expect("detect job");
    let (body, verdict) = (script_of(detect, "detect"), script_of(detect, "verdict"));
    for (production, expect) in [("IN_SYNC", "in-sync"), ("DRIFTED", "drifted")] {
        let dir = TempDir::new("cfn");
        // Each stack's detection is in progress once, then complete.
        fake_tool(
            dir.path(),
            "aws",
            &format!(
                r#"case "$2" in
  detect-stack-drift) echo "id-$4" ;;
  describe-stack-drift-detection-status)
    if [ ! -e "polled-$4" ]; then touch "polled-$4"; printf 'DETECTION_IN_PROGRESS\tNone\n'
    elif [ "$4" = id-payments-api-production ]; then printf 'DETECTION_COMPLETE\t{production}\n'
    else printf 'DETECTION_COMPLETE\tIN_SYNC\n'; fi ;;
  describe-stack-resource-drifts) echo '{{"StackResourceDrifts": []}}' ;;
esac
"#
            ),
        );
        fake_tool(dir.path(), "sleep", "exit 0\n");
        let out = bash(dir.path(), body, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(dir.read("drift-report/verdict").trim(), expect);
        assert_eq!(
            dir.read("drift-report/payments-api-staging.json"),
            "{\"StackResourceDrifts\": []}\n"
        );
        let out = bash(dir.path(), verdict, &[]);
        assert_eq!(out.status.success(), expect == "in-sync");
    }
}

// ---------------------------------------------------------------- the example service

use example_service::governance;

#[test]
fn the_example_services_governance_follows_acmes_policies_on_every_platform() {
    let mut pipelines = governance::governance_pipelines();
    pipelines.push(example_service::delivery());
    let delivery = pipelines.last().expect("delivery");
    let check = delivery.find_job("definition-check").expect("the check");
    assert!(script_of(check, "check").contains("cargo run --locked -p example-service -- --check"));
    let rendered = Generator::new("example-service", ".")
        .backends(pipeline_templates::all())
        .policies(governance::policies())
        .pipelines(pipelines.clone())
        .render(&[])
        .unwrap_or_else(|d| panic!("{d}"));
    let paths: Vec<&str> = rendered.files.iter().map(|(_, f)| f.path.as_str()).collect();
    // ACME's own list refuses the break-glass command job only for the missing scan.
    let refused = Generator::new("example-service", ".")
        .backends(pipeline_templates::all())
        .policies(acme_platform::policies())
        .pipelines(pipelines)
        .render(&[])
        .expect_err("scan-before-deploy applies to the break-glass command");
    let codes: Vec<String> = refused.iter().map(|d| format!("{} {}", d.code, d.path)).collect();
    assert_eq!(
        codes,
        ["scan-before-deploy pipeline \"break-glass\" > job \"run\" > needs"]
    );
    for path in [
        ".github/workflows/infra-drift.yml",
        ".github/workflows/break-glass.yml",
        ".gitlab/ci/break-glass.yml",
        "codepipeline/infra-drift.template.yml",
        "codepipeline/break-glass.template.yml",
    ] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
}
