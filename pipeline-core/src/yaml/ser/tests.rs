use std::collections::BTreeMap;

use serde::Serialize;

use super::*;
use crate::yaml::{to_string, to_value};

fn value<T: Serialize + ?Sized>(v: &T) -> Value {
    match to_value(v) {
        Ok(v) => v,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Job {
    runs_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    needs: Vec<String>,
    env: BTreeMap<String, String>,
    continue_on_error: Option<bool>,
    steps: Vec<Step>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Step {
    Run {
        run: String,
    },
    Uses {
        uses: Commented<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        with: Option<BTreeMap<String, String>>,
    },
}

#[test]
fn struct_fields_in_order_with_skips() {
    let job = Job {
        runs_on: "ubuntu-24.04".into(),
        timeout_minutes: None,
        needs: vec![],
        env: BTreeMap::from([("B".into(), "2".into()), ("A".into(), "1".into())]),
        continue_on_error: None,
        steps: vec![
            Step::Uses {
                uses: Commented("actions/checkout@abc".into(), "v7.0.1".into()),
                with: None,
            },
            Step::Run {
                run: "cargo test\n".into(),
            },
        ],
    };
    let out = match to_string(&value(&job)) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        out,
        "runs-on: ubuntu-24.04\n\
         env:\n\
         \x20 A: '1'\n\
         \x20 B: '2'\n\
         continue-on-error: null\n\
         steps:\n\
         \x20 - uses: actions/checkout@abc # v7.0.1\n\
         \x20 - run: |\n\
         \x20     cargo test\n"
    );
}

#[derive(Serialize)]
enum E {
    Unit,
    Newtype(u8),
    Tuple(u8, &'static str),
    Struct { a: bool },
}

#[test]
fn enums() {
    assert_eq!(value(&E::Unit), Value::String("Unit".into()));
    let single = |k: &str, v: Value| Value::Map([(k, v)].into_iter().collect());
    assert_eq!(value(&E::Newtype(3)), single("Newtype", Value::Int(3)));
    assert_eq!(
        value(&E::Tuple(1, "x")),
        single("Tuple", Value::Seq(vec![Value::Int(1), "x".into()]))
    );
    assert_eq!(
        value(&E::Struct { a: true }),
        single("Struct", single("a", Value::Bool(true)))
    );
}

#[test]
fn scalars_and_units() {
    #[derive(Serialize)]
    struct Unit;
    #[derive(Serialize)]
    struct Wrapper(String);
    assert_eq!(value(&()), Value::Null);
    assert_eq!(value(&Unit), Value::Null);
    assert_eq!(value(&Wrapper("w".into())), Value::String("w".into()));
    assert_eq!(value(&'c'), Value::String("c".into()));
    assert_eq!(value(&Some(5u8)), Value::Int(5));
    assert_eq!(value(&None::<u8>), Value::Null);
    assert_eq!(value(&(i64::MAX as u64)), Value::Int(i64::MAX));
    assert_eq!(value(&-5i128), Value::Int(-5));
    assert_eq!(value(&(1u8, "a")), Value::Seq(vec![Value::Int(1), "a".into()]));
}

#[test]
fn map_keys_are_stringified() {
    let m = BTreeMap::from([(1u32, "a"), (2, "b")]);
    let expected: Map = [("1", "a"), ("2", "b")].into_iter().collect();
    assert_eq!(value(&m), Value::Map(expected));
    let m = BTreeMap::from([(true, 1u8)]);
    assert_eq!(value(&m), Value::Map([("true", 1)].into_iter().collect()));
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum K {
        Alpha,
    }
    let m = BTreeMap::from([(K::Alpha, 1u8)]);
    assert_eq!(value(&m), Value::Map([("Alpha", 1)].into_iter().collect()));
}

#[test]
fn spaced_and_commented() {
    let v = value(&Spaced(BTreeMap::from([("a", 1u8)])));
    let mut expected = Map::spaced();
    expected.insert("a", 1);
    assert_eq!(v, Value::Map(expected));
    assert_eq!(
        value(&Commented(Some(3u8), "c".into())),
        Value::Commented(Box::new(Value::Int(3)), "c".into())
    );
    let err = to_value(&Spaced(vec![1u8])).expect_err("not a map");
    assert!(err.message().contains("Spaced"));
}

#[test]
fn errors_carry_paths() {
    #[derive(Serialize)]
    struct Root {
        jobs: BTreeMap<&'static str, Inner>,
    }
    #[derive(Serialize)]
    struct Inner {
        steps: Vec<Option<Leaf>>,
    }
    #[derive(Serialize)]
    struct Leaf {
        run: f64,
    }
    let root = Root {
        jobs: BTreeMap::from([(
            "build",
            Inner {
                steps: vec![None, None, Some(Leaf { run: 1.5 })],
            },
        )]),
    };
    let err = to_value(&root).expect_err("floats are rejected");
    assert_eq!(err.path(), "jobs.build.steps[2].run");
    assert!(err.message().contains("floating-point"));

    #[derive(Serialize)]
    struct Pinned {
        uses: Commented<f32>,
    }
    let err = to_value(&Pinned {
        uses: Commented(1.0, "c".into()),
    })
    .expect_err("float in Commented");
    assert_eq!(err.path(), "uses");

    let err = to_value(&vec![u64::MAX]).expect_err("too big");
    assert_eq!(err.path(), "[0]");
    assert!(err.message().contains("64-bit"));

    let nested = BTreeMap::from([("outer", BTreeMap::from([((1u8, 2u8), 3u8)]))]);
    let err = to_value(&nested).expect_err("tuple keys are rejected");
    assert!(err.message().contains("map keys"));
    assert_eq!(err.path(), "outer");

    #[derive(Serialize)]
    struct Bytes {
        #[serde(with = "bytes_as_bytes")]
        b: Vec<u8>,
    }
    mod bytes_as_bytes {
        pub(super) fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }
    let err = to_value(&Bytes { b: vec![1] }).expect_err("bytes are rejected");
    assert_eq!(err.path(), "b");

    #[derive(Serialize)]
    enum F {
        V { x: f32 },
        T(u8, f32),
    }
    let err = to_value(&vec![F::V { x: 1.0 }]).expect_err("float in struct variant");
    assert_eq!(err.path(), "[0].V.x");
    let err = to_value(&F::T(1, 1.0)).expect_err("float in tuple variant");
    assert_eq!(err.path(), "T[1]");
}

#[test]
fn values_serialize_as_themselves() {
    let mut inner = Map::spaced();
    inner.insert("on", Value::Commented(Box::new(Value::Int(1)), "one".into()));
    inner.insert("s", Value::Seq(vec![Value::Null, true.into(), "x".into()]));
    let mut root = Map::new();
    root.insert("inner", inner);
    root.insert("empty", Map::new());
    let root = Value::Map(root);
    assert_eq!(value(&root), root);
}

#[test]
fn duplicate_keys_are_errors() {
    let m = BTreeMap::from([(1u8, "a"), (0, "b")]);
    assert!(to_value(&m).is_ok());
    // `1` and "1" collide once stringified.
    #[derive(Serialize)]
    struct Twice {
        a: u8,
        #[serde(flatten)]
        rest: BTreeMap<&'static str, u8>,
    }
    let err = to_value(&Twice {
        a: 1,
        rest: BTreeMap::from([("a", 2)]),
    })
    .expect_err("duplicate");
    assert_eq!(err.path(), "a");
    assert!(err.message().contains("duplicate"));
}

/// Thousands of keys sharing a length and a prefix (a workflow's jobs): every serializer
/// finds a duplicate wherever it is, and accepts the map without one.
#[test]
fn duplicate_keys_in_large_maps() {
    struct Keys(Vec<String>);
    impl Serialize for Keys {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = serializer.serialize_map(None)?;
            for (i, k) in self.0.iter().enumerate() {
                map.serialize_entry(k, &i)?;
            }
            map.end()
        }
    }
    let keys: Vec<String> = (0..5000).map(|i| format!("job-{i:05}")).collect();
    let unique = Keys(keys.clone());
    let yaml = super::super::to_yaml_string(&unique).expect("unique keys");
    assert_eq!(yaml.lines().count(), 5000);
    assert!(super::super::to_json(&unique).is_ok());
    let value = to_value(&unique).expect("unique keys");
    assert_eq!(value.as_map().map(Map::len), Some(5000));
    for (at, dup) in [(3, 1), (17, 0), (4999, 2500), (2000, 1999)] {
        let mut with_dup = keys.clone();
        with_dup[at] = keys[dup].clone();
        let with_dup = Keys(with_dup);
        let errors = [
            super::super::to_yaml_string(&with_dup).map(drop),
            super::super::to_json(&with_dup).map(drop),
            to_value(&with_dup).map(drop),
        ];
        for err in errors {
            let err = err.expect_err("duplicate");
            assert!(err.message().contains("duplicate"), "{err}");
            assert_eq!(err.path(), keys[dup], "duplicate {dup} at {at}");
        }
    }
}
