//! YAML 1.1 readers on the emitter itself: the hazard strings and a fixed-seed random corpus
//! must load, under PyYAML (its pure-Python `SafeLoader` and libyaml's `CSafeLoader`) and Ruby's
//! Psych (`YAML.safe_load`, GitLab's parser), as exactly the JSON we emit for the same model.
//!
//! The readers come from the conformance tools (`scripts/install-tools`, found in
//! `$PIPELINE_TOOLS_DIR/bin`, default `<workspace>/.tools/bin`). Missing, the tests are skipped
//! loudly on a developer machine and fail under `CI=true`.

#[path = "yaml_support.rs"]
mod support;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use pipeline_core::yaml::{Map, Value};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use support::{HAZARDS, emit, emit_json, value_strategy, yamlish_string};

const CHECKER: &str = r#"
import json, sys, yaml
loaders = [("SafeLoader", yaml.SafeLoader)]
if getattr(yaml, "CSafeLoader", None):
    loaders.append(("CSafeLoader", yaml.CSafeLoader))

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

cases = json.load(sys.stdin)
bad = 0
for text, expected_json in cases:
    expected = json.loads(expected_json)
    for name, loader in loaders:
        try:
            got = yaml.load(text, Loader=loader)
        except Exception as e:
            got = ("error", str(e))
        if not same(got, expected):
            bad += 1
            if bad <= 20:
                print(f"{name}: {text!r}\n  expected {expected!r}\n  got      {got!r}")
print(f"checked {len(cases)} documents with {[n for n, _ in loaders]}; {bad} mismatches")
sys.exit(1 if bad else 0)
"#;

const RUBY_CHECKER: &str = r#"
require "json"
require "yaml"
cases = JSON.parse($stdin.read)
bad = 0
cases.each do |text, expected_json|
  expected = JSON.parse(expected_json)
  got = begin
    YAML.safe_load(text, permitted_classes: [], aliases: false)
  rescue StandardError => e
    ["error", e.class.name, e.message]
  end
  # JSON.parse and Psych both give Hash (ordered), Array, String, Integer, true/false, nil.
  same = lambda do |a, b|
    next false unless a.class == b.class
    case a
    when Hash then a.keys == b.keys && a.keys.all? { |k| same.call(a[k], b[k]) }
    when Array then a.length == b.length && a.zip(b).all? { |x, y| same.call(x, y) }
    else a == b
    end
  end
  unless same.call(got, expected)
    bad += 1
    puts "Psych: #{text.inspect}\n  expected #{expected.inspect}\n  got      #{got.inspect}" if bad <= 20
  end
end
puts "checked #{cases.length} documents with Psych #{Psych::VERSION}; #{bad} mismatches"
exit(bad.zero? ? 0 : 1)
"#;

/// A reader from the conformance tools, or `None` (after a loud message) outside CI.
fn tool(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("PIPELINE_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools"));
    let path = dir.join("bin").join(name);
    if path.exists() {
        return Some(path);
    }
    let message = format!(
        "YAML reader `{name}` is missing from {}; run `scripts/install-tools`",
        dir.join("bin").display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{message}");
    }
    eprintln!("\n!!!!! SKIPPED: {message} !!!!!\n");
    None
}

fn corpus() -> Vec<Value> {
    let mut runner = TestRunner::deterministic();
    let mut docs = Vec::new();
    for h in HAZARDS {
        let mut m = Map::new();
        m.insert(*h, *h);
        m.insert("seq", vec![Value::from(*h), Value::from("after")]);
        let mut spaced = Map::spaced();
        spaced.insert("a", m.clone());
        spaced.insert("b", Value::Seq(vec![Value::Map(m.clone())]));
        docs.push(Value::Map(m));
        docs.push(Value::Map(spaced));
        docs.push(Value::from(*h));
    }
    let strings = yamlish_string();
    for _ in 0..3000 {
        let Ok(tree) = strings.new_tree(&mut runner) else {
            continue;
        };
        let s = tree.current();
        let mut m = Map::new();
        m.insert(s.as_str(), s.as_str());
        m.insert("seq", vec![Value::from(s.as_str())]);
        docs.push(Value::Map(m));
        docs.push(Value::String(s));
    }
    let values = value_strategy();
    for _ in 0..1000 {
        if let Ok(tree) = values.new_tree(&mut runner) {
            docs.push(tree.current());
        }
    }
    docs
}

/// Runs a reader's checker on `(yaml, json)` pairs; returns whether it passed and its report.
fn run_checker(reader: &PathBuf, script_flag: &str, script: &str, pairs: &[Value]) -> (bool, String) {
    let payload = emit_json(&Value::Seq(pairs.to_vec()));
    let mut child = Command::new(reader)
        .args([script_flag, script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", reader.display()));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(payload.as_bytes())
        .expect("write cases");
    let out = child.wait_with_output().expect("reader ran");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && report.contains(" 0 mismatches"), report)
}

fn readers() -> Vec<(PathBuf, &'static str, &'static str)> {
    let mut out = Vec::new();
    if let Some(python) = tool("python") {
        out.push((python, "-c", CHECKER));
    }
    if let Some(ruby) = tool("ruby") {
        out.push((ruby, "-e", RUBY_CHECKER));
    }
    out
}

fn pairs(values: &[Value]) -> Vec<Value> {
    values
        .iter()
        .map(|v| Value::Seq(vec![emit(v).into(), emit_json(v).into()]))
        .collect()
}

#[test]
fn yaml_1_1_readers_read_back_what_we_emit() {
    let cases = pairs(&corpus());
    for (reader, flag, script) in readers() {
        let (ok, report) = run_checker(&reader, flag, script, &cases);
        println!("{report}");
        assert!(ok, "{}: {report}", reader.display());
    }
}

#[test]
fn the_checkers_catch_yaml_1_1_surprises() {
    for (reader, flag, script) in readers() {
        for (yaml, json) in [
            ("k: on\n", "{\"k\": \"on\"}"),
            ("k: 0777\n", "{\"k\": \"0777\"}"),
            ("k: 2024-01-01\n", "{\"k\": \"2024-01-01\"}"),
            ("k: 1:20\n", "{\"k\": \"1:20\"}"),
            ("k: 1\n", "{\"k\": true}"),
        ] {
            let case = Value::Seq(vec![yaml.into(), json.into()]);
            let (ok, report) = run_checker(&reader, flag, script, &[case]);
            assert!(!ok, "{}: {yaml:?} should not pass: {report}", reader.display());
        }
    }
}
