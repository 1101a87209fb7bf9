//! Every generated YAML file, on every backend, reads back the same under YAML 1.1 readers
//! (PyYAML `safe_load`; Ruby's Psych `YAML.safe_load`, the parser GitLab uses) as under a YAML 1.2
//! reader (saphyr): every string stays that string, nothing turns into a bool, a number, a date
//! or a merge key. The emitter's own property tests prove the YAML 1.2 reading equals the model,
//! so equality here means each string equals the model's.

use std::path::PathBuf;

use saphyr::{LoadableYamlNode, YamlOwned};
use serde_json::{Value, json};

use pipeline_tests::readback::{read_back, typed, yaml_1_2};
use pipeline_tests::tools;
use pipeline_tests::{TempDir, write_generated};

fn yaml_files(dir: &TempDir) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for backend in pipeline_templates::all() {
        files.extend(
            write_generated(dir, backend.name(), &["everything", "conditions-pr", "runners-all-os"])
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "yml" || e == "yaml")),
        );
    }
    files.sort();
    files.dedup();
    files
}

fn compare(reader: &str, files: &[PathBuf], docs: Vec<Value>) {
    let mut mismatches = Vec::new();
    for (file, doc) in files.iter().zip(docs) {
        let expected = yaml_1_2(file);
        if doc != expected {
            mismatches.push(format!(
                "{}:\n  YAML 1.2: {expected}\n  {reader}: {doc}",
                file.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} file(s) read differently by {reader}:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn pyyaml_reads_every_generated_file_as_yaml_1_2_does() {
    let dir = TempDir::new("pyyaml");
    let files = yaml_files(&dir);
    let Some(mut cmd) = tools::command("python") else {
        return;
    };
    cmd.arg(pipeline_tests::workspace_root().join("tests/conformance/yaml_readback.py"));
    let docs = read_back(cmd, &files);
    compare("PyYAML", &files, docs);
}

#[test]
fn psych_reads_every_generated_file_as_yaml_1_2_does() {
    let dir = TempDir::new("psych");
    let files = yaml_files(&dir);
    let Some(mut cmd) = tools::command("ruby") else { return };
    cmd.arg(pipeline_tests::workspace_root().join("tests/conformance/yaml_readback.rb"));
    let docs = read_back(cmd, &files);
    compare("Psych", &files, docs);
}

/// The comparison must be able to fail: a bare `on:` key and a bare `0777` read differently.
#[test]
fn the_comparison_catches_yaml_1_1_surprises() {
    let dir = TempDir::new("surprise");
    let file = dir.path().join("bad.yml");
    std::fs::write(&file, "on:\n  push: {}\nmode: 0777\nwhen: 2024-01-01\n").expect("write");
    let files = vec![file];
    let Some(mut cmd) = tools::command("python") else {
        return;
    };
    cmd.arg(pipeline_tests::workspace_root().join("tests/conformance/yaml_readback.py"));
    let docs = read_back(cmd, &files);
    assert_ne!(docs[0], yaml_1_2(&files[0]));
}

/// The typed JSON of a model [`yaml::Value`](pipeline_core::yaml::Value), as [`typed`] gives it
/// for the YAML that reads back as that value (comments dropped).
fn typed_model(value: &pipeline_core::yaml::Value) -> Value {
    use pipeline_core::yaml::Value as Y;
    match value {
        Y::Null => json!({"$type": "null", "value": null}),
        Y::Bool(b) => json!({"$type": "bool", "value": b}),
        Y::Int(i) => json!({"$type": "int", "value": i}),
        Y::String(s) => Value::String(s.clone()),
        Y::Seq(items) => Value::Array(items.iter().map(typed_model).collect()),
        Y::Map(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = if k.starts_with('$') {
                        format!("$str:{k}")
                    } else {
                        k.to_owned()
                    };
                    (key, typed_model(v))
                })
                .collect(),
        ),
        Y::Commented(inner, _) => typed_model(inner),
    }
}

/// GitHub workflows are emitted straight from the model (no `Value`): the text is the one of the
/// workflow's `Value`, and a YAML 1.2 reader reads it back as that `Value`; the same for JSON.
#[test]
fn github_workflows_emit_directly_as_their_value() {
    use pipeline_core::yaml;
    let github = pipeline_backends::Github::new().allow_release_caches();
    let mut count = 0;
    for set in pipeline_tests::pipeline_sets() {
        for pipeline in &set.pipelines {
            let mut diagnostics = pipeline_core::Diagnostics::new();
            let workflow = github.lower(pipeline, &mut diagnostics);
            let value = yaml::to_value(&workflow).unwrap_or_else(|e| panic!("{}: {e}", pipeline.id));
            let direct = yaml::to_yaml_string(&workflow).unwrap_or_else(|e| panic!("{}: {e}", pipeline.id));
            assert_eq!(direct, yaml::to_string(&value).expect("emits"), "{}", pipeline.id);
            let docs = YamlOwned::load_from_str(&direct).expect("saphyr reads it");
            assert_eq!(typed(&docs[0]), typed_model(&value), "{}", pipeline.id);
            let json = yaml::to_json(&workflow).unwrap_or_else(|e| panic!("{}: {e}", pipeline.id));
            assert_eq!(json, yaml::to_json_string(&value).expect("emits"), "{}", pipeline.id);
            let docs = YamlOwned::load_from_str(&json).expect("saphyr reads it");
            assert_eq!(typed(&docs[0]), typed_model(&value), "{}", pipeline.id);
            count += 1;
        }
    }
    assert!(count >= 5, "only {count} workflows");
}
