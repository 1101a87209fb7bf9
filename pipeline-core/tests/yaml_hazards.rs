//! Hazardous strings: each one emitted as a map value, a map key, a sequence item (and nested)
//! must read back as the identical string with a YAML 1.2 parser (saphyr). The expected styles of
//! a few are pinned too.

#[path = "yaml_support.rs"]
mod support;

use pipeline_core::yaml::{Map, Value};
use support::{HAZARDS, check_layout, check_roundtrip, emit, parse_yaml};

fn map1(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key, value);
    Value::Map(m)
}

fn spaced(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Map::spaced();
    m.extend(entries);
    Value::Map(m)
}

fn s(x: &str) -> Value {
    Value::String(x.into())
}

/// Every placement a string can take in a document.
fn placements(h: &str) -> Vec<(&'static str, Value)> {
    let step = map1("run", s(h));
    vec![
        ("root scalar", s(h)),
        ("map value", map1("k", s(h))),
        ("map key", map1(h, s("v"))),
        ("key and value", map1(h, s(h))),
        ("seq item", Value::Seq(vec![s(h), s("after")])),
        ("last seq item", Value::Seq(vec![s("before"), s(h)])),
        (
            "nested",
            map1(
                "jobs",
                spaced(vec![
                    ("build", map1("steps", Value::Seq(vec![step.clone(), step.clone()]))),
                    ("test", map1("steps", Value::Seq(vec![step]))),
                ]),
            ),
        ),
        ("seq in seq", Value::Seq(vec![Value::Seq(vec![s(h), s(h)]), s(h)])),
        (
            "commented",
            if h.contains('\n') {
                map1("k", s(h))
            } else {
                map1("k", Value::Commented(Box::new(s(h)), "comment".into()))
            },
        ),
    ]
}

#[test]
fn every_hazard_reads_back_identically_everywhere() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for h in HAZARDS {
        for (place, value) in placements(h) {
            checked += 1;
            let problem = check_roundtrip(&value)
                .err()
                .or_else(|| check_layout(&emit(&value)).err());
            if let Some(problem) = problem {
                failures.push(format!("{h:?} as {place}: {problem}"));
            }
        }
    }
    assert!(checked >= HAZARDS.len() * 9);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The emitted text for `k: <value>`.
fn as_value(x: &str) -> String {
    emit(&map1("k", s(x)))
}

#[test]
fn pinned_value_styles() {
    let cases: &[(&str, &str)] = &[
        ("main", "k: main\n"),
        ("on", "k: 'on'\n"),
        ("yes", "k: 'yes'\n"),
        ("y", "k: 'y'\n"),
        ("~", "k: '~'\n"),
        ("", "k: ''\n"),
        ("0777", "k: '0777'\n"),
        ("1:20", "k: '1:20'\n"),
        ("2024-01-01", "k: '2024-01-01'\n"),
        (".5", "k: '.5'\n"),
        ("it's", "k: it's\n"),
        ("'x", "k: \"'x\"\n"),
        ("a: b", "k: 'a: b'\n"),
        ("echo \"Title: x\" # c", "k: 'echo \"Title: x\" # c'\n"),
        ("${{ github.sha }}", "k: ${{ github.sha }}\n"),
        ("$CI_COMMIT_BRANCH == \"main\"", "k: $CI_COMMIT_BRANCH == \"main\"\n"),
        ("refs/heads/main", "k: refs/heads/main\n"),
        ("v*", "k: v*\n"),
        ("*.rs", "k: '*.rs'\n"),
        ("ubuntu-24.04", "k: ubuntu-24.04\n"),
        ("./scripts/x.sh", "k: ./scripts/x.sh\n"),
        ("--release", "k: --release\n"),
        ("- x", "k: '- x'\n"),
        ("é", "k: é\n"),
        ("🚀", "k: 🚀\n"),
        ("a\tb", "k: \"a\\tb\"\n"),
        ("\u{2028}", "k: \"\\u2028\"\n"),
        ("\u{85}", "k: \"\\x85\"\n"),
        ("\u{feff}x", "k: \"\\uFEFFx\"\n"),
        ("a\nb", "k: |-\n  a\n  b\n"),
        ("a\nb\n", "k: |\n  a\n  b\n"),
        ("\n", "k: \"\\n\"\n"),
        (" a\nb", "k: \" a\\nb\"\n"),
        ("a \nb", "k: \"a \\nb\"\n"),
        (
            "cargo build --release\necho \"Title: x\" # comment\n",
            "k: |\n  cargo build --release\n  echo \"Title: x\" # comment\n",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(&as_value(input), expected, "value {input:?}");
    }
}

#[test]
fn pinned_key_and_item_styles() {
    assert_eq!(emit(&map1("on", Value::Null)), "'on': null\n");
    assert_eq!(emit(&map1("runs-on", s("x"))), "runs-on: x\n");
    assert_eq!(emit(&map1("a\nb", s("x"))), "\"a\\nb\": x\n");
    // Psych reads even a quoted `<<` key as a merge key; the explicit tag keeps it a string.
    assert_eq!(emit(&map1("<<", s("x"))), "!!str '<<': x\n");
    assert_eq!(
        emit(&Value::Seq(vec![s("no"), s("main"), s("a\nb\n")])),
        "- 'no'\n- main\n- |\n  a\n  b\n"
    );
}

#[test]
fn keep_blocks_survive_every_follower() {
    // `|+` is only used when a non-blank line follows; the string must survive every position.
    let text = "a\n\n";
    let last_in_spaced = spaced(vec![("x", map1("run", s(text))), ("y", s("z"))]);
    let out = emit(&last_in_spaced);
    assert!(!out.contains("|+"), "{out}");
    assert_eq!(
        parse_yaml(&out).map(|v| support::normalize(&v)),
        Ok(support::normalize(&last_in_spaced))
    );
    let followed = Value::Seq(vec![s(text), s("next")]);
    let out = emit(&followed);
    assert!(out.starts_with("- |+\n"), "{out}");
    assert_eq!(parse_yaml(&out), Ok(followed));
}

#[test]
fn a_workflow_reads_back() {
    let mut push = Map::new();
    push.insert("branches", vec![s("main")]);
    push.insert("tags", vec![s("v*")]);
    let mut on = Map::new();
    on.insert("push", push);
    on.insert("workflow_dispatch", Value::Null);
    let mut checkout = Map::new();
    checkout.insert(
        "uses",
        Value::Commented(
            Box::new(s("actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b")),
            "v7.0.1".into(),
        ),
    );
    checkout.insert("with", map1("persist-credentials", Value::Bool(false)));
    let mut test = Map::new();
    test.insert("name", "Test");
    test.insert("run", "cargo test --workspace\necho \"done: yes\"\n");
    let mut build = Map::new();
    build.insert("runs-on", "ubuntu-24.04");
    build.insert("timeout-minutes", 30);
    build.insert("steps", vec![Value::Map(checkout), Value::Map(test)]);
    let mut jobs = Map::spaced();
    jobs.insert("build", build.clone());
    jobs.insert("lint", build);
    let mut wf = Map::spaced();
    wf.insert("name", "CI");
    wf.insert("on", on);
    wf.insert("permissions", map1("contents", s("read")));
    wf.insert("jobs", jobs);
    let wf = Value::Map(wf);
    let out = emit(&wf);
    let expected_build = "    runs-on: ubuntu-24.04
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1
        with:
          persist-credentials: false
      - name: Test
        run: |
          cargo test --workspace
          echo \"done: yes\"
";
    let expected = format!(
        "name: CI

'on':
  push:
    branches:
      - main
    tags:
      - v*
  workflow_dispatch: null

permissions:
  contents: read

jobs:
  build:
{expected_build}
  lint:
{expected_build}"
    );
    assert_eq!(out, expected);
    assert_eq!(check_roundtrip(&wf), Ok(()));
    assert_eq!(emit(&wf), out, "emission is deterministic");
}

// The checker itself must be able to fail.

#[test]
fn converter_resolves_like_the_core_schema() {
    let doc = "a: null\nb: ~\nc: true\nd: 12\ne: '12'\nf: |\n  x\ng: [1, 'on']\n'on': on\n";
    let got = parse_yaml(doc).expect("valid YAML");
    let expected: Map = [
        ("a", Value::Null),
        ("b", Value::Null),
        ("c", Value::Bool(true)),
        ("d", Value::Int(12)),
        ("e", Value::from("12")),
        ("f", Value::from("x\n")),
        ("g", Value::Seq(vec![Value::Int(1), Value::from("on")])),
        ("on", Value::from("on")),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, Value::Map(expected));
}

#[test]
fn converter_rejects_what_the_model_cannot_hold() {
    assert!(parse_yaml("a: 1.5\n").is_err());
    assert!(parse_yaml("1: a\n").is_err());
    assert!(parse_yaml("a: !tag x\n").is_err());
    assert!(parse_yaml("a\n---\nb\n").is_err());
}

#[test]
fn layout_check_can_fail() {
    assert!(check_layout("a: 1\n").is_ok());
    assert!(check_layout("a: 1\n\n").is_err());
    assert!(check_layout("a: 1").is_err());
    assert!(check_layout("a: 1 \n").is_err());
    assert!(check_layout("a: 1\r\n").is_err());
}
