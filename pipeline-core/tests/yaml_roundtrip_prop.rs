//! Property tests: random strings and random documents emitted as YAML and JSON read back (with
//! saphyr, YAML 1.2; JSON is YAML 1.2 too) as exactly the model; emission is deterministic and
//! keeps the byte-level layout promises; a serde model emitted directly gives the text of its
//! [`Value`].

#[path = "yaml_support.rs"]
mod support;

use indexmap::IndexMap;
use pipeline_core::yaml::{Commented, Map, Spaced, Value, to_json, to_value, to_yaml_string};
use proptest::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use support::{check_layout, check_roundtrip, emit, emit_json, normalize, parse_yaml, value_strategy, yamlish_string};

fn in_every_position(s: &str) -> Vec<Value> {
    let mut as_value = Map::new();
    as_value.insert("k", s);
    as_value.insert("after", 1);
    let mut as_key = Map::spaced();
    as_key.insert(s, s);
    as_key.insert("after", 1);
    let mut last = Map::new();
    last.insert("k", s);
    vec![
        Value::String(s.into()),
        Value::Map(as_value),
        Value::Map(as_key),
        Value::Map(last),
        Value::Seq(vec![s.into(), Value::Seq(vec![s.into()])]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn strings_read_back_identically(s in yamlish_string()) {
        for v in in_every_position(&s) {
            if let Err(problem) = check_roundtrip(&v) {
                return Err(TestCaseError::fail(problem));
            }
            prop_assert_eq!(check_layout(&emit(&v)), Ok(()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn documents_read_back_identically(v in value_strategy()) {
        if let Err(problem) = check_roundtrip(&v) {
            return Err(TestCaseError::fail(problem));
        }
    }

    #[test]
    fn emission_is_deterministic_and_tidy(v in value_strategy()) {
        let first = emit(&v);
        prop_assert_eq!(&first, &emit(&v.clone()));
        prop_assert_eq!(check_layout(&first), Ok(()));
        let json = emit_json(&v);
        prop_assert_eq!(&json, &emit_json(&v.clone()));
        prop_assert!(json.ends_with('\n') && !json.ends_with("\n\n"));
        prop_assert!(json.lines().all(|l| !l.ends_with(' ')));
        // Emitting what was read back gives the same bytes when no comment or spacing was lost.
        let back = support::parse_yaml(&first).map_err(TestCaseError::fail)?;
        if back == v {
            prop_assert_eq!(emit(&back), first);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn values_serialize_as_themselves(v in value_strategy()) {
        let again = pipeline_core::yaml::to_value(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, v);
    }
}

/// A random document as a serde model of its own (derived and hand-written `Serialize`
/// implementations, no [`Value`]), exercising what models do: untagged enums, `IndexMap`s,
/// [`Spaced`] and [`Commented`] wrappers, maps serialized without a length and sequences
/// announcing a wrong one.
#[derive(Serialize)]
#[serde(untagged)]
enum Doc {
    Null(()),
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Doc>),
    Lying(LyingSeq),
    Map(IndexMap<String, Doc>),
    Unsized(UnsizedMap),
    Spaced(Spaced<IndexMap<String, Doc>>),
    Commented(Commented<Box<Doc>>),
}

/// A sequence that announces three more items than it has.
struct LyingSeq(Vec<Doc>);

impl Serialize for LyingSeq {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len() + 3))?;
        for item in &self.0 {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

/// A map that does not announce its length (like a `#[serde(flatten)]` struct).
struct UnsizedMap(Vec<(String, Doc)>);

impl Serialize for UnsizedMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Doc {
    /// The model of `v`; `flip` varies how equal shapes are serialized.
    fn of(v: &Value, flip: bool) -> Doc {
        match v {
            Value::Null => Doc::Null(()),
            Value::Bool(b) => Doc::Bool(*b),
            Value::Int(i) => Doc::Int(*i),
            Value::String(s) => Doc::Str(s.clone()),
            Value::Seq(items) => {
                let items = items.iter().map(|i| Doc::of(i, !flip)).collect();
                if flip {
                    Doc::Lying(LyingSeq(items))
                } else {
                    Doc::Seq(items)
                }
            }
            Value::Map(m) if m.is_spaced() => Doc::Spaced(Spaced(
                m.iter().map(|(k, v)| (k.to_owned(), Doc::of(v, !flip))).collect(),
            )),
            Value::Map(m) if flip => Doc::Unsized(UnsizedMap(
                m.iter().map(|(k, v)| (k.to_owned(), Doc::of(v, !flip))).collect(),
            )),
            Value::Map(m) => Doc::Map(m.iter().map(|(k, v)| (k.to_owned(), Doc::of(v, !flip))).collect()),
            Value::Commented(inner, comment) => {
                Doc::Commented(Commented(Box::new(Doc::of(inner, flip)), comment.clone()))
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn models_emit_directly_as_their_value(v in value_strategy(), flip in any::<bool>()) {
        let doc = Doc::of(&v, flip);
        let as_value = to_value(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&as_value, &v);
        let yaml = to_yaml_string(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&yaml, &emit(&v));
        prop_assert_eq!(parse_yaml(&yaml).map_err(TestCaseError::fail)?, normalize(&v));
        let json = to_json(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&json, &emit_json(&v));
        prop_assert_eq!(parse_yaml(&json).map_err(TestCaseError::fail)?, normalize(&v));
    }
}
