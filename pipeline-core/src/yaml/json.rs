//! JSON emission: pretty (2-space indent) or compact (no whitespace), same key order, comments
//! dropped.

use super::error::Error;
use super::value::Value;

/// Emits `value` as pretty JSON ending with one line feed.
pub(crate) fn to_json(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    Ok(out)
}

/// Emits `value` as compact JSON (no whitespace between tokens, no final line feed).
pub(crate) fn to_json_compact(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write_compact(&mut out, value);
    Ok(out)
}

fn write_compact(out: &mut String, value: &Value) {
    match value {
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(out, item);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_compact(out, item);
            }
            out.push('}');
        }
        Value::Commented(inner, _) => write_compact(out, inner),
        scalar => write_value(out, scalar, 0),
    }
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Commented(inner, _) => write_value(out, inner, indent),
        Value::Seq(items) if items.is_empty() => out.push_str("[]"),
        Value::Map(map) if map.is_empty() => out.push_str("{}"),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 2);
                write_value(out, item, indent + 2);
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 2);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, indent + 2);
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

/// Writes a JSON string. Besides what JSON requires, DEL, C1 controls, U+2028/U+2029 (line
/// terminators in JavaScript), the byte order mark and U+FFFE/U+FFFF are escaped, so the output is
/// also a valid YAML 1.2 document.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if super::scalar::needs_escape(c) => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Map;

    fn json(v: &Value) -> String {
        match to_json(v) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn pretty_layout() {
        let mut inner = Map::spaced();
        inner.insert("b", Value::Seq(vec![1.into(), "x".into()]));
        inner.insert("c", Map::new());
        inner.insert("d", Value::Seq(vec![]));
        let mut root = Map::new();
        root.insert("a", inner);
        root.insert("n", Value::Null);
        root.insert("t", Value::Commented(Box::new(true.into()), "dropped".into()));
        assert_eq!(
            json(&Value::Map(root)),
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      \"x\"\n    ],\n    \"c\": {},\n    \"d\": []\n  },\n  \"n\": null,\n  \"t\": true\n}\n"
        );
        assert_eq!(json(&Value::Int(-3)), "-3\n");
        assert_eq!(json(&Value::Map(Map::new())), "{}\n");
    }

    #[test]
    fn compact_layout() {
        let mut item = Map::spaced();
        item.insert("name", "A");
        item.insert("value", "#{ns.X} \"q\"");
        item.insert("n", Value::Seq(vec![1.into(), Value::Null, Map::new().into()]));
        let text = match to_json_compact(&Value::Seq(vec![Value::Map(item)])) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(text, r##"[{"name":"A","value":"#{ns.X} \"q\"","n":[1,null,{}]}]"##);
    }

    #[test]
    fn string_escapes() {
        let s = "\"\\\n\r\t\u{8}\u{c}\u{1}\u{7f}\u{85}\u{2028}\u{2029}\u{feff}é🚀/";
        assert_eq!(
            json(&Value::String(s.into())),
            "\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f\\u0085\\u2028\\u2029\\ufeffé🚀/\"\n"
        );
    }
}
