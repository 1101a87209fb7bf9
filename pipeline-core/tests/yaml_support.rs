//! Shared helpers for the YAML emitter tests (included by the other `yaml_*` tests with
//! `#[path]`): read emitted YAML back with saphyr, a YAML 1.2 parser, into a [`Value`].
//!
//! Plain scalars are resolved the way saphyr resolves them (the YAML 1.2 core schema: `null`,
//! `~`, `true`, `false`, integers, floats); quoted and block scalars are strings. A float, a tag,
//! an alias or a non-string key in the parsed document means the emitter wrote something that does
//! not read back as the model, and is reported as an error.
#![allow(dead_code)]

use pipeline_core::yaml::{Map, Value};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};

/// Strings a careless emitter gets wrong under YAML 1.1 or 1.2.
#[rustfmt::skip]
pub(crate) const HAZARDS: &[&str] = &[
    // YAML 1.1 / 1.2 bools and nulls, in several cases
    "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y",
    "n", "N", "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "nULL",
    "~", "", " ", "  x", "x ", "=", "<<", "<", "inf", "NaN", "-inf",
    // numbers of every base and shape
    "0", "00", "0777", "0o17", "0x1F", "0b101", "1_000", "1,000", "1:20", "1:20.5", "190:20:30",
    "-1", "+1", "-0", "+0x1", ".5", "-.5", "+.5", "5.", "1.0", "1.0.0", "1e3", "1E3", "1e+3",
    "1_0.5", ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "+.inf", ".nan", ".NaN", ".NAN", ".", "..",
    ".e+1", "-.", "+.", "+", "-", "9223372036854775808", "-9223372036854775809",
    // timestamps
    "2024-01-01", "2024-1-1", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "2001-12-15T02:59:43.1Z", "-2024-01-01",
    // indicators and structure
    "= ", "a: b", "a #b", "a:", "a::", "#x", "*x", "&x", "!x", "!!str", "|x", ">x", "%x", "@x",
    "`x", "'x", "\"x", "-x", "- x", "--", "---", "--- x", "...", "... x", "? x", "?x", ": x", ":x",
    "[x", "]x", "{x", "}x", ",x", "x,y", "[a, b]", "{a: b}", "a # b", "a#b", "it's", "say \"hi\"",
    "back\\slash", "a: b: c", "key:value", "http://x:80/y",
    // whitespace and control characters
    "a\tb", "\t", "x\t", "trailing ", " leading", "a  b", "\u{a0}", "\u{2028}", "\u{2029}",
    "\u{85}", "\u{feff}x", "x\u{feff}", "\u{fffe}", "\u{1}", "\u{7f}", "\u{9f}", "\r", "a\rb",
    "a\r\nb", "\0",
    // non-ASCII text
    "é", "日本語", "🚀", "ÿes", "Ünicode: yes",
    // multi-line
    "a\nb", "a\nb\n", "a\nb\n\n", "a\nb\n\n\n", "\n", "\n\n", "\nx", " a\nb", "a \nb", "a\n\nb",
    "a\n \nb", "a\n\tb", "a\tb\nc", "x\n  indented\n", "# not a comment\n- not a list\n",
    "key: value\n", "cargo build --release\necho \"Title: x\" # comment\n",
    // everyday CI strings that should stay readable
    "echo \"Title: x\" # c", "${{ github.sha }}", "${{ github.event_name == 'push' }}",
    "$CI_COMMIT_BRANCH == \"main\"", "on", "refs/heads/main", "v*", "main", "ubuntu-24.04",
    "actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b", "./scripts/x.sh",
    "~/.cargo/registry", "--release", "-v", "cargo test --workspace", "node@22", "*.rs", "**/*.rs",
    "!target/**",
];

/// Parses exactly one YAML document (JSON included) into a [`Value`].
pub(crate) fn parse_yaml(text: &str) -> Result<Value, String> {
    let docs = YamlOwned::load_from_str(text).map_err(|e| format!("saphyr: {e}"))?;
    match docs.as_slice() {
        [doc] => from_saphyr(doc),
        _ => Err(format!("expected one document, found {}", docs.len())),
    }
}

/// Converts a saphyr node into a [`Value`].
pub(crate) fn from_saphyr(node: &YamlOwned) -> Result<Value, String> {
    Ok(match node {
        YamlOwned::Value(ScalarOwned::Null) => Value::Null,
        YamlOwned::Value(ScalarOwned::Boolean(b)) => Value::Bool(*b),
        YamlOwned::Value(ScalarOwned::Integer(i)) => Value::Int(*i),
        YamlOwned::Value(ScalarOwned::String(s)) => Value::String(s.clone()),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => {
            return Err(format!("unexpected float {f}"));
        }
        YamlOwned::Sequence(items) => Value::Seq(items.iter().map(from_saphyr).collect::<Result<Vec<_>, _>>()?),
        YamlOwned::Mapping(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match k {
                    YamlOwned::Value(ScalarOwned::String(s)) => s.clone(),
                    other => return Err(format!("non-string key {other:?}")),
                };
                if map.contains_key(&key) {
                    return Err(format!("duplicate key {key:?}"));
                }
                map.insert(key, from_saphyr(v)?);
            }
            Value::Map(map)
        }
        other => return Err(format!("unexpected node {other:?}")),
    })
}

/// The model as a reader sees it: comments dropped, spaced flags cleared.
pub(crate) fn normalize(value: &Value) -> Value {
    match value {
        Value::Commented(inner, _) => normalize(inner),
        Value::Seq(items) => Value::Seq(items.iter().map(normalize).collect()),
        Value::Map(map) => Value::Map(map.iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other.clone(),
    }
}

/// Emits YAML, panicking with the error (tests only).
pub(crate) fn emit(value: &Value) -> String {
    match pipeline_core::yaml::to_string(value) {
        Ok(s) => s,
        Err(e) => panic!("emitting {value:?} failed: {e}"),
    }
}

/// Emits JSON, panicking with the error (tests only).
pub(crate) fn emit_json(value: &Value) -> String {
    match pipeline_core::yaml::to_json_string(value) {
        Ok(s) => s,
        Err(e) => panic!("emitting {value:?} as JSON failed: {e}"),
    }
}

/// Emits `value` as YAML and as JSON, reads both back with saphyr and checks they equal the
/// (normalized) model. Returns a description of the first problem.
pub(crate) fn check_roundtrip(value: &Value) -> Result<(), String> {
    let expected = normalize(value);
    let yaml = emit(value);
    let back = parse_yaml(&yaml).map_err(|e| format!("{e}\n--- yaml ---\n{yaml}"))?;
    if back != expected {
        return Err(format!(
            "YAML read back differently\n--- yaml ---\n{yaml}--- expected ---\n{expected:?}\n--- got ---\n{back:?}"
        ));
    }
    let json = emit_json(value);
    let back = parse_yaml(&json).map_err(|e| format!("{e}\n--- json ---\n{json}"))?;
    if back != expected {
        return Err(format!(
            "JSON read back differently\n--- json ---\n{json}--- expected ---\n{expected:?}\n--- got ---\n{back:?}"
        ));
    }
    Ok(())
}

/// Byte-level promises every emitted document keeps.
pub(crate) fn check_layout(text: &str) -> Result<(), String> {
    if !text.ends_with('\n') || text.ends_with("\n\n") {
        return Err(format!("document must end with exactly one newline: {text:?}"));
    }
    if text.contains('\r') {
        return Err(format!("CR in output: {text:?}"));
    }
    if let Some(line) = text.lines().find(|l| l.ends_with(' ') || l.ends_with('\t')) {
        return Err(format!("trailing whitespace on line {line:?} in {text:?}"));
    }
    Ok(())
}

/// Strings biased toward what matters to YAML: indicators, `: `, ` #`, quotes, digits, bool and
/// null words, special floats, timestamps, line breaks of every kind, tabs, controls and non-ASCII
/// text, mixed with arbitrary Unicode.
pub(crate) fn yamlish_string() -> impl Strategy<Value = String> {
    #[rustfmt::skip]
    const TOKENS: &[&str] = &[
        ":", ": ", "#", " #", "-", "- ", "--", " ", "  ", "\n", "\n\n", "\t", "'", "\"", "\\", "yes",
        "Yes", "on", "ON", "no", "off", "y", "n", "true", "False", "null", "~", ".", ".5", ".inf",
        "-.Inf", ".nan", "0", "1", "07", "0x", "0o", "0b1", "e3", "_", "2024-01-01", "12:30",
        "t21:59:43", "+", ",", "[", "]", "{", "}", "*", "&", "!", "|", ">", "%", "@", "`", "?", "<<",
        "=", "é", "日本", "🚀", "\u{85}", "\u{2028}", "\u{2029}", "\u{feff}", "\u{a0}", "\u{3000}", "\r",
        "\r\n", "\0", "\u{7f}", "\u{9f}", "\u{1b}", "---", "...", "${{ x }}", "a", "Z", "echo", "run",
        "http://x", "$CI",
    ];
    prop_oneof![
        5 => vec(select(TOKENS), 0..7).prop_map(|t| t.concat()),
        2 => "[a-z0-9:# .\\-\n\t'\"~_+,]{0,12}",
        1 => any::<String>(),
        1 => "\\PC{0,10}",
    ]
}

/// A scalar, sometimes with a trailing comment (only where comments are valid).
fn leaf() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::Int),
        6 => yamlish_string().prop_map(Value::String),
    ];
    prop_oneof![
        5 => scalar.clone(),
        1 => (scalar, "[ -~]{0,16}").prop_map(|(v, comment)| match v {
            Value::String(s) if s.contains('\n') => Value::String(s),
            v => Value::Commented(Box::new(v), comment),
        }),
    ]
}

/// Random documents: nested maps (spaced or not) and sequences of the values above.
pub(crate) fn value_strategy() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Seq),
            (any::<bool>(), vec((yamlish_string(), inner), 0..5)).prop_map(|(spaced, entries)| {
                let mut map = if spaced { Map::spaced() } else { Map::new() };
                map.extend(entries);
                Value::Map(map)
            }),
        ]
    })
}
