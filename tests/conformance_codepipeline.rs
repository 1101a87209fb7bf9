//! AWS CodePipeline conformance: every generated template (example service, this repository's
//! CI, the fixtures, a fully configured pipeline) passes cfn-lint with zero errors, warnings and
//! informational findings, also through its Git sync deployment file; every `create-pipeline`
//! input validates against botocore's bundled `CreatePipelineInput` (types, required members,
//! enums, patterns, lengths); every buildspec, read back from the templates with a YAML parser,
//! deserializes into the backend's strict buildspec type (unknown keys are errors) and passes
//! its version 0.2 structure check. Negative controls prove each check still fails on a
//! known-bad file. The committed example files are checked as they are in the repository.
//!
//! cfn-lint's exit code is a bitmask (2 errors, 4 warnings, 8 informational); the bar is exit 0
//! with `--include-checks I`, so informational findings fail too.

use std::path::{Path, PathBuf};

use pipeline_backends::codepipeline::buildspec::Buildspec;
use pipeline_backends::codepipeline::{CodePipeline, CodePipelineSettings};
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::{Generator, Pipeline};
use pipeline_tests::readback::to_json;
use pipeline_tests::tools::{self, output};
use pipeline_tests::{TempDir, fixtures, workspace_root, write_generated};
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};

/// A pipeline with every account-specific value set, so the deployment file and the
/// create-pipeline input hold real values (no placeholders).
fn configured() -> Pipeline {
    fixtures::everything_codepipeline().extend(
        CodePipelineSettings::new()
            .pipeline_name("everything-configured")
            .connection_arn(
                "arn:aws:codeconnections:eu-west-1:111122223333:connection/0a1b2c3d-0000-4000-8000-000000000000",
            )
            .full_repository_id("example-org/example-service")
            .branch("main")
            .artifact_bucket("example-org-pipeline-artifacts")
            .pipeline_role_arn("arn:aws:iam::111122223333:role/pipeline")
            .codebuild_role_arn("arn:aws:iam::111122223333:role/codebuild")
            .schedule_role_arn("arn:aws:iam::111122223333:role/pipeline-schedule")
            .approval_topic_arn("production", "arn:aws:sns:eu-west-1:111122223333:approvals")
            .variable("REGISTRY_HOST", "registry.example.com")
            .variable("REGISTRY_ROLE_ARN", "arn:aws:iam::444455556666:role/registry")
            .tag("team", "platform"),
    )
}

/// Writes the files of `pipelines` under `<dir>/<label>/` (the directory is the repository root
/// of the deployment files' template paths).
fn write_set(dir: &TempDir, label: &str, pipelines: Vec<Pipeline>) -> Vec<PathBuf> {
    let root = dir.path().join(label);
    let generator = Generator::new("conformance", &root)
        .source("tests")
        .regenerate_command("cargo test -p pipeline-tests")
        .backend(CodePipeline::new().create_pipeline_input(true))
        .pipelines(pipelines);
    let rendered = generator
        .render(&[])
        .unwrap_or_else(|d| panic!("{label} does not render on codepipeline:\n{d}"));
    let mut out = Vec::new();
    for (_, file) in rendered.files {
        let path = root.join(file.path.as_str());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        std::fs::write(&path, &file.contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        out.push(path);
    }
    out
}

/// Every generated file: the shared pipeline sets (`everything` uses features CodePipeline
/// rejects: see `everything_is_rejected_feature_by_feature`), the CodePipeline variant of
/// `everything`, and the configured pipeline.
fn generated(dir: &TempDir) -> Vec<PathBuf> {
    let mut files = write_generated(dir, "codepipeline", &["everything", "conditions-pr", "runners-all-os"]);
    files.extend(write_set(
        dir,
        "everything-codepipeline",
        vec![fixtures::everything_codepipeline()],
    ));
    files.extend(write_set(dir, "configured", vec![configured()]));
    files.sort();
    assert!(files.len() >= 18, "expected every set to produce files, got {files:?}");
    files
}

fn with_suffix(files: &[PathBuf], suffix: &str) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| f.to_string_lossy().ends_with(suffix))
        .cloned()
        .collect()
}

/// The committed example files, as paths relative to the workspace root.
fn committed(suffix: &str) -> Vec<PathBuf> {
    let dir = workspace_root().join("examples/service/codepipeline");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .map(|p| p.strip_prefix(workspace_root()).map(Path::to_path_buf).unwrap_or(p))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no committed {suffix} files in {}", dir.display());
    files
}

fn cfn_lint(cwd: &Path, args: &[&str], files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::command("cfn-lint")?;
    cmd.current_dir(cwd)
        .args(["--include-checks", "I", "--format", "parseable"])
        .args(args)
        .args(files);
    Some(output(cmd))
}

fn validate_json(files: &[PathBuf]) -> Option<tools::Output> {
    let mut cmd = tools::command("python")?;
    cmd.arg(workspace_root().join("tests/conformance/validate_create_pipeline.py"))
        .args(files);
    Some(output(cmd))
}

fn assert_clean(what: &str, out: &tools::Output) {
    assert!(
        out.code == 0 && out.stdout.trim().is_empty(),
        "{what}: cfn-lint found problems (exit bitmask: 2 error, 4 warning, 8 informational):\n{}",
        out.text()
    );
}

#[test]
fn cfn_lint_accepts_every_template_without_any_finding() {
    let dir = TempDir::new("cfn-lint");
    let files = generated(&dir);
    let templates = with_suffix(&files, ".template.yml");
    let Some(out) = cfn_lint(dir.path(), &["--"], &templates) else {
        return;
    };
    assert_clean("generated templates", &out);
    let Some(out) = cfn_lint(&workspace_root(), &["--"], &committed(".template.yml")) else {
        return;
    };
    assert_clean("committed example templates", &out);
}

#[test]
fn cfn_lint_accepts_every_git_sync_deployment_file() {
    let dir = TempDir::new("cfn-lint-deploy");
    let files = generated(&dir);
    for deployment in with_suffix(&files, ".deployment.yml") {
        // Template paths in a deployment file are relative to the repository root: the set's
        // output root.
        let root = deployment
            .parent()
            .and_then(Path::parent)
            .unwrap_or_else(|| panic!("{} has no root", deployment.display()));
        let Some(out) = cfn_lint(root, &["--deployment-files"], std::slice::from_ref(&deployment)) else {
            return;
        };
        assert_clean(&deployment.display().to_string(), &out);
    }
    let Some(out) = cfn_lint(
        &workspace_root(),
        &["--deployment-files"],
        &committed(".deployment.yml"),
    ) else {
        return;
    };
    assert_clean("committed example deployment files", &out);
}

#[test]
fn every_create_pipeline_input_validates_against_botocore() {
    let dir = TempDir::new("create-pipeline");
    let files = generated(&dir);
    let mut inputs = with_suffix(&files, ".create-pipeline.json");
    // The example service commits no create-pipeline input (it is off by default): its
    // pipelines' inputs, on request, validate too.
    let example = write_set(&dir, "example-service", example_service::pipelines());
    let example = with_suffix(&example, ".create-pipeline.json");
    assert_eq!(example.len(), example_service::pipelines().len(), "{example:?}");
    inputs.extend(example);
    let Some(out) = validate_json(&inputs) else { return };
    assert_eq!(out.code, 0, "{}", out.text());
    assert_eq!(
        out.stdout.lines().filter(|l| l.contains(": ok (codepipeline")).count(),
        inputs.len(),
        "{}",
        out.text()
    );
}

fn parse_yaml(text: &str) -> serde_json::Value {
    let docs = YamlOwned::load_from_str(text).unwrap_or_else(|e| panic!("YAML: {e}\n{text}"));
    assert_eq!(docs.len(), 1, "expected one document:\n{text}");
    to_json(&docs[0])
}

/// The buildspec text of a project's `BuildSpec`: a string, or an `Fn::Sub` (a project with
/// test reports names its report groups) resolved as CloudFormation would, each `${Name}` with
/// a report group ARN and `${!` as `${`.
fn buildspec_text(value: &serde_json::Value) -> Option<String> {
    if let Some(text) = value.as_str() {
        return Some(text.to_owned());
    }
    let template = value.get("Fn::Sub")?.as_str()?;
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        if let Some(literal) = after.strip_prefix('!') {
            out.push_str("${");
            rest = literal;
        } else {
            let end = after
                .find('}')
                .unwrap_or_else(|| panic!("unclosed reference in {template}"));
            out.push_str(&format!(
                "arn:aws:codebuild:eu-west-1:111122223333:report-group/{}",
                &after[..end]
            ));
            rest = &after[end + 1..];
        }
    }
    out.push_str(rest);
    Some(out)
}

#[test]
fn a_sub_buildspec_resolves_references_and_escapes() {
    let v = serde_json::json!({"Fn::Sub": "a: ${!HOME}\nreports:\n  ${UnitTestReports}:\n"});
    assert_eq!(
        buildspec_text(&v).as_deref(),
        Some("a: ${HOME}\nreports:\n  arn:aws:codebuild:eu-west-1:111122223333:report-group/UnitTestReports:\n")
    );
}

/// Every buildspec of a template, by project logical id, read back into the typed model.
fn buildspecs(template: &str) -> Vec<(String, Result<Buildspec, String>)> {
    let doc = parse_yaml(template);
    let resources = doc["Resources"].as_object().cloned().unwrap_or_default();
    resources
        .into_iter()
        .filter(|(_, r)| r["Type"] == "AWS::CodeBuild::Project")
        .map(|(id, r)| {
            let text = buildspec_text(&r["Properties"]["Source"]["BuildSpec"]).unwrap_or_default();
            let spec = serde_json::from_value::<Buildspec>(parse_yaml(&text)).map_err(|e| format!("{e}\n{text}"));
            (id, spec)
        })
        .collect()
}

/// Reads each buildspec back and checks it; returns the problems.
fn buildspec_problems(template: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, spec) in buildspecs(template) {
        match spec {
            Ok(spec) => problems.extend(spec.check().into_iter().map(|p| format!("{id}: {p}"))),
            Err(e) => problems.push(format!("{id}: not a version 0.2 buildspec: {e}")),
        }
    }
    problems
}

#[test]
fn every_buildspec_reads_back_as_a_version_0_2_buildspec() {
    let dir = TempDir::new("buildspec");
    let mut templates = with_suffix(&generated(&dir), ".template.yml");
    templates.extend(committed(".template.yml").into_iter().map(|p| workspace_root().join(p)));
    let mut count = 0;
    for template in templates {
        let text = std::fs::read_to_string(&template).unwrap_or_else(|e| panic!("{}: {e}", template.display()));
        count += buildspecs(&text).len();
        let problems = buildspec_problems(&text);
        assert!(problems.is_empty(), "{}:\n{}", template.display(), problems.join("\n"));
    }
    assert!(count >= 20, "only {count} buildspecs checked");
}

/// A YAML node in the "typed JSON" of `tests/conformance/yaml_readback.py`: strings as strings,
/// other scalars tagged with their type.
fn typed(node: &YamlOwned) -> serde_json::Value {
    use serde_json::json;
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => serde_json::Value::String(s.clone()),
        YamlOwned::Value(ScalarOwned::Boolean(b)) => json!({"$type": "bool", "value": b}),
        YamlOwned::Value(ScalarOwned::Integer(i)) => json!({"$type": "int", "value": i}),
        YamlOwned::Value(ScalarOwned::Null) => json!({"$type": "null", "value": null}),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => json!({"$type": "float", "value": f.to_string()}),
        YamlOwned::Sequence(items) => serde_json::Value::Array(items.iter().map(typed).collect()),
        YamlOwned::Mapping(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| match k {
                    YamlOwned::Value(ScalarOwned::String(s)) => (s.clone(), typed(v)),
                    other => panic!("non-string key {other:?}"),
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}

/// CodeBuild's buildspec reader is not documented: every buildspec must read the same under a
/// YAML 1.1 reader (PyYAML) as under YAML 1.2 (saphyr), so `version`, `yes`, `on`, `0777` and
/// friends stay the strings the model holds whichever reader CodeBuild uses.
#[test]
fn every_buildspec_reads_the_same_under_yaml_1_1_and_1_2() {
    let dir = TempDir::new("buildspec-yaml11");
    let templates = with_suffix(&generated(&dir), ".template.yml");
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (n, template) in templates.iter().enumerate() {
        let doc = parse_yaml(&std::fs::read_to_string(template).unwrap_or_default());
        for (id, resource) in doc["Resources"].as_object().cloned().unwrap_or_default() {
            let Some(text) = buildspec_text(&resource["Properties"]["Source"]["BuildSpec"]) else {
                continue;
            };
            let text = text.as_str();
            let file = dir.path().join(format!("buildspec-{n}-{id}.yml"));
            std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
            let docs = YamlOwned::load_from_str(text).unwrap_or_else(|e| panic!("{e}"));
            expected.push(typed(&docs[0]));
            files.push(file);
        }
    }
    // Negative control: a bare `yes` is a bool to PyYAML and a string to YAML 1.2.
    let control = dir.path().join("control.yml");
    std::fs::write(&control, "env:\n  git-credential-helper: yes\n").unwrap_or_else(|e| panic!("{e}"));
    let control_doc =
        YamlOwned::load_from_str("env:\n  git-credential-helper: yes\n").unwrap_or_else(|e| panic!("{e}"));
    let Some(mut cmd) = tools::command("python") else {
        return;
    };
    cmd.arg(workspace_root().join("tests/conformance/yaml_readback.py"))
        .arg(&control)
        .args(&files);
    let out = output(cmd);
    assert_eq!(out.code, 0, "{}", out.text());
    let docs: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .map(|v| {
            v.get("document")
                .cloned()
                .unwrap_or_else(|| panic!("reader error: {v}"))
        })
        .collect();
    assert_eq!(docs.len(), files.len() + 1);
    assert_ne!(
        docs[0],
        typed(&control_doc[0]),
        "the comparison must catch YAML 1.1 surprises"
    );
    for ((file, doc), want) in files.iter().zip(docs.into_iter().skip(1)).zip(expected) {
        assert_eq!(doc, want, "{} reads differently under PyYAML", file.display());
    }
}

// ---------------------------------------------------------------- negative controls

fn minimal_files(dir: &TempDir) -> (PathBuf, PathBuf) {
    let files = write_set(dir, "minimal", vec![fixtures::minimal()]);
    (
        with_suffix(&files, ".template.yml").remove(0),
        with_suffix(&files, ".create-pipeline.json").remove(0),
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[test]
fn cfn_lint_rejects_a_broken_template() {
    let dir = TempDir::new("cfn-lint-bad");
    let (template, _) = minimal_files(&dir);
    edit(&template, "PipelineType: V2", "PipelineType: V3");
    edit(&template, "TimeoutInMinutes: 30", "TimeoutInMinutes: 3000");
    let Some(out) = cfn_lint(dir.path(), &["--"], std::slice::from_ref(&template)) else {
        return;
    };
    assert_eq!(out.code & 2, 2, "{}", out.text());
    assert!(
        out.stdout.contains("V3") && out.stdout.contains("3000"),
        "{}",
        out.text()
    );
}

#[test]
fn cfn_lint_rejects_a_deployment_file_missing_a_parameter() {
    let dir = TempDir::new("cfn-lint-deploy-bad");
    write_set(&dir, "minimal", vec![fixtures::minimal()]);
    let root = dir.path().join("minimal");
    let deployment = root.join("codepipeline/minimal.deployment.yml");
    let text = std::fs::read_to_string(&deployment).unwrap_or_default();
    let kept: String = text
        .lines()
        .filter(|l| !l.contains("ArtifactBucket:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&deployment, kept).unwrap_or_else(|e| panic!("{e}"));
    let Some(out) = cfn_lint(&root, &["--deployment-files"], &[deployment]) else {
        return;
    };
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(
        out.stdout.contains("'ArtifactBucket' is a required property"),
        "{}",
        out.text()
    );
}

#[test]
fn botocore_validation_rejects_a_broken_create_pipeline_input() {
    let dir = TempDir::new("create-pipeline-bad");
    let (_, json) = minimal_files(&dir);
    edit(
        &json,
        "\"executionMode\": \"PARALLEL\"",
        "\"executionMode\": \"SOMETIMES\"",
    );
    edit(&json, "\"name\": \"test\"", "\"name\": \"test job\"");
    let Some(out) = validate_json(&[json]) else { return };
    assert_eq!(out.code, 1, "{}", out.text());
    assert!(
        out.stdout.contains("SOMETIMES") && out.stdout.contains("\"test job\" does not match"),
        "{}",
        out.text()
    );
}

#[test]
fn the_typed_buildspec_check_rejects_unknown_keys_and_bad_structure() {
    let dir = TempDir::new("buildspec-bad");
    let (template, _) = minimal_files(&dir);
    let text = std::fs::read_to_string(&template).unwrap_or_default();
    assert!(buildspec_problems(&text).is_empty());
    let unknown = text.replacen("          phases:\n", "          phase:\n", 1);
    let problems = buildspec_problems(&unknown);
    assert!(
        problems.iter().any(|p| p.contains("unknown field `phase`")),
        "{problems:#?}"
    );
    let old = text.replacen("version: '0.2'", "version: '0.1'", 1);
    let problems = buildspec_problems(&old);
    assert!(problems.iter().any(|p| p.contains("expected \"0.2\"")), "{problems:#?}");
    let typo = text.replacen("shell: bash", "shell: zsh", 1);
    let problems = buildspec_problems(&typo);
    assert!(problems.iter().any(|p| p.contains("env.shell")), "{problems:#?}");
}

// ---------------------------------------------------------------- diagnostics

fn diagnostics_of(pipeline: &Pipeline) -> Diagnostics {
    let mut d = Diagnostics::new();
    let _ = CodePipeline::new().lower(pipeline, &mut d);
    d
}

/// The errors as `path: message` lines.
fn error_lines(d: &Diagnostics) -> Vec<String> {
    d.errors()
        .map(|e| format!("{} [{}]: {}", e.path, e.code, e.message))
        .collect()
}

#[test]
fn everything_is_rejected_feature_by_feature() {
    let d = diagnostics_of(&fixtures::everything());
    let errors = error_lines(&d);
    let unsupported = "codepipeline-unsupported";
    let expect = [
        (r#"job "publish" > if"#, "the condition `event == push`", unsupported),
        (r#"job "publish" > env.EVENT"#, "the built-in `event name`", unsupported),
        (
            r#"job "notify" > if"#,
            "running after a failed or cancelled job (`always`)",
            unsupported,
        ),
        // A pull request build would resolve the publish job's secret.
        (
            r#"job "publish""#,
            "receives the secret(s) REGISTRY_TOKEN",
            "codepipeline-secret-in-pull-request",
        ),
    ];
    for (path, feature, code) in expect {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(path) && e.contains(feature) && e.contains(code)),
            "no error for {feature} at {path}:\n{}",
            errors.join("\n")
        );
    }
    assert_eq!(errors.len(), expect.len(), "{}", errors.join("\n"));
    for e in d.errors() {
        assert_eq!(e.platform, Some("codepipeline"));
        if e.code == unsupported {
            assert!(e.message.starts_with("CodePipeline cannot express"), "{}", e.message);
        }
        assert!(e.hint.as_deref().is_some_and(|h| !h.is_empty()), "{e}");
    }
    assert!(error_lines(&diagnostics_of(&fixtures::everything_codepipeline())).is_empty());
}
