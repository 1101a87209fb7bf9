//! Reading generated YAML back as YAML 1.1 consumers (PyYAML, Ruby's Psych, the parser GitLab
//! uses) and a YAML 1.2 consumer (saphyr) do, in one "typed JSON" form so that any type change
//! is visible (see `tests/conformance/yaml_readback.py`).

use std::path::PathBuf;
use std::process::Command;

use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Value, json};

use crate::tools::output;

/// The "typed JSON" of `tests/conformance/yaml_readback.py`: strings as strings, other scalars
/// tagged with their type, non-string keys as `$<type>:<json>`.
///
/// # Panics
/// On a node the readers never produce (an alias, a bad value).
pub fn typed(node: &YamlOwned) -> Value {
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => Value::String(s.clone()),
        YamlOwned::Value(ScalarOwned::Boolean(b)) => json!({"$type": "bool", "value": b}),
        YamlOwned::Value(ScalarOwned::Integer(i)) => json!({"$type": "int", "value": i}),
        YamlOwned::Value(ScalarOwned::Null) => json!({"$type": "null", "value": null}),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => json!({"$type": "float", "value": f.to_string()}),
        YamlOwned::Sequence(items) => Value::Array(items.iter().map(typed).collect()),
        YamlOwned::Mapping(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match typed(k) {
                    Value::String(s) if s.starts_with('$') => format!("$str:{s}"),
                    Value::String(s) => s,
                    Value::Object(o) => format!(
                        "${}:{}",
                        o.get("$type").and_then(Value::as_str).unwrap_or("?"),
                        o.get("value").cloned().unwrap_or(Value::Null)
                    ),
                    other => format!("$?:{other}"),
                };
                map.insert(key, typed(v));
            }
            Value::Object(map)
        }
        other => panic!("unexpected YAML node {other:?}"),
    }
}

/// A file as a YAML 1.2 reader (saphyr) reads it, in typed JSON.
///
/// # Panics
/// When the file cannot be read or parsed, or holds other than one document.
pub fn yaml_1_2(path: &PathBuf) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let docs = YamlOwned::load_from_str(&text).unwrap_or_else(|e| panic!("saphyr cannot read {}: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{} holds {} documents", path.display(), docs.len());
    typed(&docs[0])
}

/// Runs a read-back script on `files`; returns one parsed document per file, in order.
///
/// # Panics
/// When the reader fails or cannot read a file.
pub fn read_back(mut cmd: Command, files: &[PathBuf]) -> Vec<Value> {
    cmd.args(files);
    let out = output(cmd);
    assert_eq!(out.code, 0, "{}", out.text());
    let docs: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("bad reader output {l:?}: {e}")))
        .map(|v| {
            v.get("document")
                .cloned()
                .unwrap_or_else(|| panic!("reader error: {v}"))
        })
        .collect();
    assert_eq!(docs.len(), files.len());
    docs
}

/// The files whose reading by `reader` differs from the YAML 1.2 reading, described.
pub fn mismatches(reader: &str, files: &[PathBuf], docs: Vec<Value>) -> Vec<String> {
    let mut out = Vec::new();
    for (file, doc) in files.iter().zip(docs) {
        let expected = yaml_1_2(file);
        if doc != expected {
            out.push(format!(
                "{}:\n  YAML 1.2: {expected}\n  {reader}: {doc}",
                file.display()
            ));
        }
    }
    out
}

/// The PyYAML reader command, or `None` when the tools are missing outside CI.
pub fn pyyaml() -> Option<Command> {
    let mut cmd = crate::tools::command("python")?;
    cmd.arg(crate::workspace_root().join("tests/conformance/yaml_readback.py"));
    Some(cmd)
}

/// The Psych reader command, or `None` when the tools are missing outside CI.
pub fn psych() -> Option<Command> {
    let mut cmd = crate::tools::command("ruby")?;
    cmd.arg(crate::workspace_root().join("tests/conformance/yaml_readback.rb"));
    Some(cmd)
}

/// A saphyr node as plain JSON (plain scalars resolved with the YAML 1.2 core schema), for
/// tests that read generated YAML as data.
///
/// # Panics
/// On a non-string mapping key or a node JSON has no form for (aliases, bad values).
pub fn to_json(node: &YamlOwned) -> Value {
    match node {
        YamlOwned::Value(ScalarOwned::Null) => Value::Null,
        YamlOwned::Value(ScalarOwned::Boolean(b)) => Value::Bool(*b),
        YamlOwned::Value(ScalarOwned::Integer(i)) => Value::from(*i),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => Value::from(f.into_inner()),
        YamlOwned::Value(ScalarOwned::String(s)) => Value::String(s.clone()),
        YamlOwned::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        YamlOwned::Mapping(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| match k {
                    YamlOwned::Value(ScalarOwned::String(s)) => (s.clone(), to_json(v)),
                    other => panic!("non-string key {other:?}"),
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}
