//! Opt-in YAML 1.1 check with PyYAML (both its pure-Python `SafeLoader` and libyaml's
//! `CSafeLoader` when available): the hazard strings and a fixed-seed random corpus must load as
//! exactly the JSON we emit for the same model.
//!
//! Run with a Python that has PyYAML installed:
//!
//! ```text
//! PYYAML_PYTHON=/path/to/venv/bin/python cargo test -p pipeline-core --test yaml_pyyaml -- --ignored
//! ```

#[path = "yaml_support.rs"]
mod support;

use std::io::Write as _;
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

/// Runs the checker on `(yaml, json)` pairs; returns whether it passed and its report.
fn run_checker(pairs: Vec<Value>) -> (bool, String) {
    let python =
        std::env::var("PYYAML_PYTHON").expect("set PYYAML_PYTHON to a Python interpreter with PyYAML installed");
    let payload = emit_json(&Value::Seq(pairs));
    let mut child = Command::new(python)
        .args(["-c", CHECKER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(payload.as_bytes())
        .expect("write cases");
    let out = child.wait_with_output().expect("python ran");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && report.contains(" 0 mismatches"), report)
}

#[test]
#[ignore = "needs PYYAML_PYTHON pointing at a Python with PyYAML"]
fn pyyaml_reads_back_what_we_emit() {
    let pairs = corpus()
        .iter()
        .map(|v| Value::Seq(vec![emit(v).into(), emit_json(v).into()]))
        .collect();
    let (ok, report) = run_checker(pairs);
    println!("{report}");
    assert!(ok, "{report}");
}

#[test]
#[ignore = "needs PYYAML_PYTHON pointing at a Python with PyYAML"]
fn the_checker_catches_yaml_1_1_surprises() {
    for (yaml, json) in [
        ("k: on\n", "{\"k\": \"on\"}"),
        ("k: 0777\n", "{\"k\": \"0777\"}"),
        ("k: 2024-01-01\n", "{\"k\": \"2024-01-01\"}"),
        ("k: 1:20\n", "{\"k\": \"1:20\"}"),
        ("k: 1\n", "{\"k\": true}"),
    ] {
        let (ok, report) = run_checker(vec![Value::Seq(vec![yaml.into(), json.into()])]);
        assert!(!ok, "{yaml:?} should not pass: {report}");
    }
}
