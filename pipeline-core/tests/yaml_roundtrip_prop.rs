//! Property tests: random strings and random documents emitted as YAML and JSON read back (with
//! saphyr, YAML 1.2; JSON is YAML 1.2 too) as exactly the model; emission is deterministic and
//! keeps the byte-level layout promises.

#[path = "yaml_support.rs"]
mod support;

use pipeline_core::yaml::{Map, Value};
use proptest::prelude::*;
use support::{check_layout, check_roundtrip, emit, emit_json, value_strategy, yamlish_string};

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
