use super::*;
use crate::yaml::{Map, Value};

fn map<const N: usize>(entries: [(&str, Value); N]) -> Map {
    entries.into_iter().collect()
}

fn yaml(v: impl Into<Value>) -> String {
    match to_yaml(&v.into()) {
        Ok(s) => s,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn seq<const N: usize>(items: [Value; N]) -> Value {
    Value::Seq(items.into())
}

#[test]
fn scalars_at_root() {
    assert_eq!(yaml(Value::Null), "null\n");
    assert_eq!(yaml(true), "true\n");
    assert_eq!(yaml(false), "false\n");
    assert_eq!(yaml(-42i64), "-42\n");
    assert_eq!(yaml("main"), "main\n");
    assert_eq!(yaml("on"), "'on'\n");
    assert_eq!(yaml(Map::new()), "{}\n");
    assert_eq!(yaml(Vec::new()), "[]\n");
    assert_eq!(yaml("a\nb"), "|-\n  a\n  b\n");
    assert_eq!(yaml("a\nb\n"), "|\n  a\n  b\n");
    // A keep block at the end of the document would add a second final newline.
    assert_eq!(yaml("a\n\n"), "\"a\\n\\n\"\n");
}

#[test]
fn nested_maps_and_sequences() {
    let step1 = map([("name", s("Build")), ("run", s("cargo build"))]);
    let step2 = map([
        ("uses", s("actions/cache@x")),
        ("with", Value::Map(map([("path", s("target"))]))),
    ]);
    let job = map([
        ("runs-on", s("ubuntu-24.04")),
        ("needs", seq([s("lint"), s("test")])),
        ("steps", seq([Value::Map(step1), Value::Map(step2)])),
    ]);
    let root = map([
        ("name", s("CI")),
        ("jobs", Value::Map(map([("build", Value::Map(job))]))),
    ]);
    assert_eq!(
        yaml(root),
        "name: CI\n\
         jobs:\n\
         \x20 build:\n\
         \x20   runs-on: ubuntu-24.04\n\
         \x20   needs:\n\
         \x20     - lint\n\
         \x20     - test\n\
         \x20   steps:\n\
         \x20     - name: Build\n\
         \x20       run: cargo build\n\
         \x20     - uses: actions/cache@x\n\
         \x20       with:\n\
         \x20         path: target\n"
    );
}

#[test]
fn seq_in_seq_and_empty_collections() {
    let v = seq([
        seq([s("a"), s("b")]),
        seq([]),
        Value::Map(Map::new()),
        Value::Null,
        seq([seq([Value::Int(1)])]),
        Value::Map(map([("k", seq([])), ("m", Value::Map(Map::new()))])),
    ]);
    assert_eq!(yaml(v), "- - a\n  - b\n- []\n- {}\n- null\n- - - 1\n- k: []\n  m: {}\n");
}

#[test]
fn map_item_with_nested_first_entry() {
    let v = seq([Value::Map(map([
        ("with", Value::Map(map([("a", Value::Int(1))]))),
        ("b", seq([s("x")])),
    ]))]);
    assert_eq!(yaml(v), "- with:\n    a: 1\n  b:\n    - x\n");
}

#[test]
fn spaced_maps_at_any_depth() {
    let mut jobs = Map::spaced();
    jobs.insert("a", map([("x", Value::Int(1)), ("z", Value::Int(2))]));
    jobs.insert("b", map([("x", Value::Int(3))]));
    jobs.insert("c", Value::Null);
    let mut root = Map::spaced();
    root.insert("name", "CI");
    root.insert("jobs", jobs.clone());
    assert_eq!(
        yaml(root),
        "name: CI\n\njobs:\n  a:\n    x: 1\n    z: 2\n\n  b:\n    x: 3\n\n  c: null\n"
    );
    // In a sequence item, the first entry shares the dash line.
    assert_eq!(
        yaml(seq([Value::Map(jobs)])),
        "- a:\n    x: 1\n    z: 2\n\n  b:\n    x: 3\n\n  c: null\n"
    );
}

#[test]
fn block_scalars_under_keys_and_dashes() {
    let step = map([
        ("name", s("Test")),
        ("run", s("cargo build --release\necho \"Title: x\" # comment\n")),
        ("shell", s("bash")),
    ]);
    assert_eq!(
        yaml(seq([Value::Map(step)])),
        "- name: Test\n  run: |\n    cargo build --release\n    echo \"Title: x\" # comment\n  shell: bash\n"
    );
    assert_eq!(yaml(seq([s("a\n\nb"), s("c")])), "- |-\n  a\n\n  b\n- c\n");
    assert_eq!(
        yaml(map([("k", s("if x; then\n  y\nfi\n"))])),
        "k: |\n  if x; then\n    y\n  fi\n"
    );
}

#[test]
fn keep_blocks_only_before_content() {
    assert_eq!(yaml(map([("a", s("x\n\n")), ("b", s("y"))])), "a: |+\n  x\n\nb: 'y'\n");
    // Last entry of the document.
    assert_eq!(yaml(map([("b", s("z")), ("a", s("x\n\n"))])), "b: z\na: \"x\\n\\n\"\n");
    // Before the blank separator of a spaced map (even when nested deeper).
    let mut jobs = Map::spaced();
    jobs.insert("j1", map([("run", s("x\n\n"))]));
    jobs.insert("j2", map([("run", s("x\n\n")), ("k", Value::Int(1))]));
    assert_eq!(
        yaml(map([("jobs", Value::Map(jobs)), ("z", Value::Int(0))])),
        "jobs:\n  j1:\n    run: \"x\\n\\n\"\n\n  j2:\n    run: |+\n      x\n\n    k: 1\nz: 0\n"
    );
}

#[test]
fn comments() {
    let pin = Value::Commented(
        Box::new(s("actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b")),
        "v7.0.1".into(),
    );
    assert_eq!(
        yaml(seq([Value::Map(map([("uses", pin.clone())]))])),
        "- uses: actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1\n"
    );
    assert_eq!(
        yaml(seq([pin])),
        "- actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1\n"
    );
    let c = |v: Value, c: &str| Value::Commented(Box::new(v), c.into());
    assert_eq!(yaml(c(Value::Int(3), "three")), "3 # three\n");
    assert_eq!(yaml(c(s("on"), "quoted")), "'on' # quoted\n");
    assert_eq!(yaml(c(s("a\tb"), "")), "\"a\\tb\" #\n");
    assert_eq!(yaml(c(Value::Null, "trailing  ")), "null # trailing\n");
}

#[test]
fn comment_errors_have_paths() {
    let c = |v: Value, c: &str| Value::Commented(Box::new(v), c.into());
    let cases = [
        (c(s("x"), "a\nb"), "single line"),
        (c(s("x"), "a\rb"), "single line"),
        (c(s("a\nb"), "c"), "single-line string"),
        (c(seq([s("a")]), "c"), "scalar"),
        (c(Value::Map(Map::new()), "c"), "scalar"),
        (c(c(s("a"), "b"), "c"), "scalar"),
    ];
    for (bad, want) in cases {
        let root = map([(
            "jobs",
            Value::Map(map([(
                "build",
                Value::Map(map([(
                    "steps",
                    seq([Value::Null, Value::Null, Value::Map(map([("run", bad)]))]),
                )])),
            )])),
        )]);
        let err = to_yaml(&Value::Map(root)).expect_err("must fail");
        assert_eq!(err.path(), "jobs.build.steps[2].run");
        assert!(err.message().contains(want), "{err}");
    }
}

#[test]
fn keys_use_the_same_style_rules() {
    let v = map([
        ("on", Value::Map(map([("push", Value::Null)]))),
        ("a\nb", Value::Int(1)),
        ("", Value::Int(2)),
        ("runs-on", s("x")),
        ("it's: x", Value::Int(3)),
    ]);
    assert_eq!(
        yaml(v),
        "'on':\n  push: null\n\"a\\nb\": 1\n'': 2\nruns-on: x\n\"it's: x\": 3\n"
    );
}

#[test]
fn overlong_keys_are_rejected() {
    let ok = "k".repeat(MAX_KEY_CHARS);
    assert!(to_yaml(&Value::Map(map([(ok.as_str(), Value::Null)]))).is_ok());
    let long = "k".repeat(MAX_KEY_CHARS + 1);
    let err = to_yaml(&Value::Map(map([(
        "a",
        Value::Map(map([(long.as_str(), Value::Null)])),
    )])))
    .expect_err("too long");
    assert!(err.message().contains("too long"));
    assert_eq!(err.path(), format!("a.{long}"));
}

#[test]
fn no_trailing_spaces_and_one_final_newline() {
    let v = map([
        ("a", s("x\n\ny\n")),
        ("b", Value::Map(Map::new())),
        ("c", Value::Commented(Box::new(Value::Null), "   ".into())),
    ]);
    let out = yaml(v);
    assert!(out.ends_with('\n') && !out.ends_with("\n\n"));
    assert!(out.lines().all(|l| !l.ends_with(' ')), "{out:?}");
}

/// Direct emission of a `Serialize` type equals emitting its `Value`, errors included.
fn direct_equals_value<T: serde::Serialize>(x: &T) -> Result<String, Error> {
    let via_value = crate::yaml::to_value(x).and_then(|v| to_yaml(&v));
    let direct = to_yaml(x);
    assert_eq!(direct, via_value);
    let json_via_value = crate::yaml::to_value(x).and_then(|v| crate::yaml::to_json(&v));
    let json_direct = crate::yaml::to_json(x);
    match (&direct, &json_direct) {
        // YAML-only errors (comments, key lengths)
        (Err(_), Ok(_)) => {}
        _ => assert_eq!(json_direct, json_via_value),
    }
    direct
}

mod models {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use crate::yaml::{Commented, Spaced};

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub(super) struct Job {
        pub(super) runs_on: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) timeout_minutes: Option<u32>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub(super) needs: Vec<String>,
        pub(super) env: BTreeMap<String, String>,
        pub(super) continue_on_error: Option<bool>,
        pub(super) steps: Vec<Step>,
    }

    #[derive(Serialize)]
    #[serde(untagged)]
    pub(super) enum Step {
        Run {
            run: String,
        },
        Uses {
            uses: Commented<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            with: Option<BTreeMap<String, String>>,
        },
    }

    #[derive(Serialize)]
    pub(super) enum E {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { a: bool },
        EmptyTuple(),
        EmptyStruct {},
        Nested(Vec<E>),
        Float(f32),
        FloatStruct { x: f32 },
        FloatTuple(u8, f32),
    }

    #[derive(Serialize)]
    pub(super) struct Skipped {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) a: Option<u8>,
    }

    #[derive(Serialize)]
    pub(super) struct Flat {
        pub(super) a: u8,
        #[serde(flatten)]
        pub(super) rest: BTreeMap<&'static str, u8>,
    }

    #[derive(Serialize)]
    pub(super) struct Workflow {
        pub(super) name: &'static str,
        pub(super) jobs: Spaced<BTreeMap<&'static str, Job>>,
        pub(super) empty: Spaced<BTreeMap<&'static str, u8>>,
    }
}

#[test]
fn direct_emission_equals_the_value_path() {
    use std::collections::BTreeMap;

    use models::*;

    use crate::yaml::{Commented, Spaced};

    let job = || Job {
        runs_on: "ubuntu-24.04".into(),
        timeout_minutes: None,
        needs: vec!["a\nb".into(), "on".into()],
        env: BTreeMap::from([("B".into(), "2".into()), ("A".into(), "x\n\n".into())]),
        continue_on_error: None,
        steps: vec![
            Step::Uses {
                uses: Commented("actions/checkout@abc".into(), "v7.0.1".into()),
                with: Some(BTreeMap::new()),
            },
            Step::Run {
                run: "cargo test\n\n".into(),
            },
        ],
    };
    let wf = Workflow {
        name: "CI",
        jobs: Spaced(BTreeMap::from([("a", job()), ("b", job())])),
        empty: Spaced(BTreeMap::new()),
    };
    let out = direct_equals_value(&wf).expect("emits");
    // A keep block before a blank line is double-quoted; before content it stays.
    assert!(out.contains("- run: \"cargo test\\n\\n\"\n\n  b:\n"), "{out}");
    assert!(out.contains("- run: |+\n          cargo test\n\nempty: {}\n"), "{out}");
    direct_equals_value(&vec![job()]).expect("emits");

    for e in [
        E::Unit,
        E::Newtype(3),
        E::Tuple(1, "x"),
        E::Struct { a: true },
        E::EmptyTuple(),
        E::EmptyStruct {},
        E::Nested(vec![E::Nested(vec![]), E::Tuple(2, "y"), E::Struct { a: false }]),
    ] {
        direct_equals_value(&e).expect("emits");
        direct_equals_value(&vec![e]).expect("emits");
    }
    for (e, path) in [
        (E::Float(1.0), "[0].Float"),
        (E::FloatStruct { x: 1.0 }, "[0].FloatStruct.x"),
        (E::FloatTuple(1, 1.0), "[0].FloatTuple[1]"),
    ] {
        let err = direct_equals_value(&vec![e]).expect_err("floats");
        assert_eq!(err.path(), path);
    }
    direct_equals_value(&Skipped { a: None }).expect("emits");
    direct_equals_value(&vec![Skipped { a: None }]).expect("emits");
    direct_equals_value(&BTreeMap::from([("k", Skipped { a: Some(1) })])).expect("emits");
    direct_equals_value(&Flat {
        a: 1,
        rest: BTreeMap::from([("b", 2)]),
    })
    .expect("emits");
    let err = direct_equals_value(&Flat {
        a: 1,
        rest: BTreeMap::from([("a", 2)]),
    })
    .expect_err("duplicate");
    assert_eq!(err.path(), "a");
    direct_equals_value(&BTreeMap::from([(1u32, "a"), (2, "b")])).expect("emits");
    direct_equals_value(&BTreeMap::from([(true, 'c')])).expect("emits");
    direct_equals_value(&(1u8, "a", (), Some(-5i128), None::<u8>)).expect("emits");
    direct_equals_value(&Commented(Some(3u8), "c".into())).expect("emits");
    direct_equals_value(&Spaced(Some(BTreeMap::from([("a", 1u8), ("b", 2)])))).expect("emits");
    direct_equals_value(&Spaced(E::Newtype(1))).expect("emits");
    assert!(direct_equals_value(&Spaced(vec![1u8])).is_err());
    assert!(direct_equals_value(&Spaced(1u8)).is_err());
    assert!(direct_equals_value(&Spaced(Commented(1u8, "c".into()))).is_err());
    let err = direct_equals_value(&BTreeMap::from([("u", Commented(1.5f32, "c".into()))])).expect_err("float");
    assert_eq!(err.path(), "u");
    let err = direct_equals_value(&BTreeMap::from([("u", Commented("a\nb", "c".into()))])).expect_err("lines");
    assert_eq!(err.path(), "u");
    let err = direct_equals_value(&BTreeMap::from([("u", Commented(E::Unit, "a\nb".into()))])).expect_err("comment");
    assert_eq!(err.path(), "u");
    let err = direct_equals_value(&vec![u64::MAX]).expect_err("too big");
    assert_eq!(err.path(), "[0]");
    let nested = BTreeMap::from([("outer", BTreeMap::from([((1u8, 2u8), 3u8)]))]);
    let err = direct_equals_value(&nested).expect_err("tuple keys");
    assert_eq!(err.path(), "outer");
    let long = "k".repeat(MAX_KEY_CHARS + 1);
    let err =
        direct_equals_value(&BTreeMap::from([("a", BTreeMap::from([(long.as_str(), 1u8)]))])).expect_err("long key");
    assert_eq!(err.path(), format!("a.{long}"));
}
