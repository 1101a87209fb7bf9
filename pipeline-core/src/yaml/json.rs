//! JSON emission (2-space indent, same key order, comments dropped): a `serde::Serializer` that
//! writes JSON text as it goes; the compact form is the same text without the layout.

use serde_core::ser::{self, Serialize};

use super::error::Error;
use super::index::{KeySet, KeyStack};
use super::ser::{
    COMMENTED, KeyWriter, SPACED, malformed_comment, not_a_map, pad, push_i64, serialize_numbers, to_i64,
};

/// Appends `value` as pretty JSON ending with one line feed to `out`; on error `out` is left as
/// it was.
pub(crate) fn write_json<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    let len = out.len();
    let mut e = Emitter {
        out: std::mem::take(out),
        keys: KeyStack::default(),
    };
    let result = value.serialize(Node {
        e: &mut e,
        indent: 0,
        expect: Expect::Any,
    });
    *out = e.out;
    match result {
        Ok(()) => {
            out.push('\n');
            Ok(())
        }
        Err(err) => {
            out.truncate(len);
            Err(err)
        }
    }
}

/// Emits `value` as compact JSON (no whitespace between tokens, no final line feed): the pretty
/// text without its layout, so both forms share one emitter and one set of escapes.
pub(crate) fn to_json_compact<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut pretty = String::new();
    write_json(&mut pretty, value)?;
    let mut out = String::with_capacity(pretty.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in pretty.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    Ok(out)
}

/// Emits `value` as pretty JSON ending with one line feed.
#[cfg(test)]
fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::new();
    write_json(&mut out, value)?;
    Ok(out)
}

#[derive(Debug)]
struct Emitter {
    out: String,
    /// The raw keys of the objects being written (duplicate checks, error paths).
    keys: KeyStack,
}

impl Emitter {
    fn newline(&mut self, indent: usize) {
        self.out.push('\n');
        pad(&mut self.out, indent);
    }

    /// Records the key just appended to `keys` for the object owning the keys from `base` on and
    /// writes it followed by `": "`. Returns its index.
    fn key(&mut self, base: usize, seen: &mut KeySet) -> Result<usize, Error> {
        let (k, key) = self.keys.record(base, seen)?;
        write_string(&mut self.out, key);
        self.out.push_str(": ");
        Ok(k)
    }
}

/// Writes a JSON string. Besides what JSON requires, DEL, C1 controls, U+2028/U+2029 (line
/// terminators in JavaScript), the byte order mark and U+FFFE/U+FFFF are escaped, so the output is
/// also a valid YAML 1.2 document.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, c) in super::scalar::escape_candidates(s) {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if super::scalar::needs_escape(c) => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        plain = i + c.len_utf8();
        if escape.is_empty() {
            let code = u32::from(c);
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(char::from(b"0123456789abcdef"[((code >> shift) & 0xf) as usize]));
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// What a node must be, besides any node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Any,
    /// Inside [`Spaced`](super::Spaced): a map.
    SpacedMap,
    /// The `(value, comment)` tuple of a [`Commented`](super::Commented): the value is written,
    /// the comment dropped.
    Pair,
}

impl Expect {
    /// Refuses anything but a map (`is_map`) where a map is expected.
    fn check(self, is_map: bool) -> Result<(), Error> {
        match self {
            Expect::Any => Ok(()),
            Expect::SpacedMap if is_map => Ok(()),
            Expect::SpacedMap => Err(not_a_map()),
            Expect::Pair => Err(malformed_comment()),
        }
    }
}

/// Serializes one node; the cursor is where it goes, on a line indented by `indent`.
struct Node<'a> {
    e: &'a mut Emitter,
    indent: usize,
    expect: Expect,
}

impl<'a> Node<'a> {
    fn scalar(self, text: &str) -> Result<(), Error> {
        self.expect.check(false)?;
        self.e.out.push_str(text);
        Ok(())
    }

    fn int(self, v: i64) -> Result<(), Error> {
        self.expect.check(false)?;
        push_i64(&mut self.e.out, v);
        Ok(())
    }

    fn seq(self) -> Result<SeqWriter<'a>, Error> {
        self.expect.check(false)?;
        self.e.out.push('[');
        Ok(SeqWriter {
            e: self.e,
            indent: self.indent,
            len: 0,
            pair: false,
            variant: None,
        })
    }

    fn map(self) -> Result<MapWriter<'a>, Error> {
        self.expect.check(true)?;
        self.e.out.push('{');
        let base = self.e.keys.base();
        Ok(MapWriter {
            e: self.e,
            indent: self.indent,
            base,
            seen: KeySet::default(),
            len: 0,
            key: None,
            variant: None,
        })
    }

    /// Opens the single-key object `{"variant": ...}` of an enum variant with data; its value
    /// goes on the returned indentation. [`close_variant`] closes it.
    fn variant(self, variant: &'static str) -> Result<(&'a mut Emitter, usize), Error> {
        let indent = self.indent;
        let e = self.map()?.e;
        e.newline(indent + 2);
        write_string(&mut e.out, variant);
        e.out.push_str(": ");
        Ok((e, indent + 2))
    }
}

/// Closes the object opened by [`Node::variant`] (whose value is at `indent`).
fn close_variant(e: &mut Emitter, indent: usize) {
    e.newline(indent - 2);
    e.out.push('}');
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqWriter<'a>;
    type SerializeTuple = SeqWriter<'a>;
    type SerializeTupleStruct = SeqWriter<'a>;
    type SerializeTupleVariant = SeqWriter<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = MapWriter<'a>;
    type SerializeStructVariant = MapWriter<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(if v { "true" } else { "false" })
    }
    serialize_numbers!((), |s, v| s.int(v));
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.expect.check(false)?;
        write_string(&mut self.e.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(Error::new("byte arrays are not supported"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), Error> {
        let expect = match (name, self.expect) {
            (COMMENTED, Expect::Any) => Expect::Pair,
            (SPACED, Expect::Any | Expect::SpacedMap) => Expect::SpacedMap,
            (COMMENTED | SPACED, other) => return other.check(false),
            (_, other) => other,
        };
        value.serialize(Node { expect, ..self })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let (e, indent) = self.variant(variant)?;
        value
            .serialize(Node {
                e: &mut *e,
                indent,
                expect: Expect::Any,
            })
            .map_err(|err| err.at_key(variant))?;
        close_variant(e, indent);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqWriter<'a>, Error> {
        self.seq()
    }
    fn serialize_tuple(self, _len: usize) -> Result<SeqWriter<'a>, Error> {
        if self.expect == Expect::Pair {
            return Ok(SeqWriter {
                e: self.e,
                indent: self.indent,
                len: 0,
                pair: true,
                variant: None,
            });
        }
        self.seq()
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<SeqWriter<'a>, Error> {
        self.seq()
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<SeqWriter<'a>, Error> {
        let (e, indent) = self.variant(variant)?;
        let mut seq = Node {
            e,
            indent,
            expect: Expect::Any,
        }
        .seq()?;
        seq.variant = Some(variant);
        Ok(seq)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapWriter<'a>, Error> {
        self.map()
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapWriter<'a>, Error> {
        self.map()
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapWriter<'a>, Error> {
        let (e, indent) = self.variant(variant)?;
        let mut map = Node {
            e,
            indent,
            expect: Expect::Any,
        }
        .map()?;
        map.variant = Some(variant);
        Ok(map)
    }
}

/// Writes the items of an array, or the value of a [`Commented`](super::Commented) pair.
pub(crate) struct SeqWriter<'a> {
    e: &'a mut Emitter,
    indent: usize,
    len: usize,
    pair: bool,
    /// The tuple variant whose content this is (its object is closed at the end).
    variant: Option<&'static str>,
}

impl SeqWriter<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let index = self.len;
        self.len += 1;
        if self.pair {
            // The value is written; the comment is dropped.
            return match index {
                0 => value.serialize(Node {
                    e: &mut *self.e,
                    indent: self.indent,
                    expect: Expect::Any,
                }),
                1 => Ok(()),
                _ => Err(malformed_comment()),
            };
        }
        if index > 0 {
            self.e.out.push(',');
        }
        self.e.newline(self.indent + 2);
        value
            .serialize(Node {
                e: &mut *self.e,
                indent: self.indent + 2,
                expect: Expect::Any,
            })
            .map_err(|err| {
                let err = err.at_index(index);
                match self.variant {
                    Some(v) => err.at_key(v),
                    None => err,
                }
            })
    }

    fn finish(self) -> Result<(), Error> {
        if self.pair {
            return if self.len == 2 {
                Ok(())
            } else {
                Err(malformed_comment())
            };
        }
        if self.len > 0 {
            self.e.newline(self.indent);
        }
        self.e.out.push(']');
        if self.variant.is_some() {
            close_variant(self.e, self.indent);
        }
        Ok(())
    }
}

impl ser::SerializeSeq for SeqWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for SeqWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// Writes the members of an object.
pub(crate) struct MapWriter<'a> {
    e: &'a mut Emitter,
    indent: usize,
    /// This object's keys are those of `e.keys` from `base` on.
    base: usize,
    /// The keys of this object so far, for the duplicate check.
    seen: KeySet,
    len: usize,
    /// The index of the key whose value comes next (map entries).
    key: Option<usize>,
    /// The struct variant whose content this is (its object is closed at the end).
    variant: Option<&'static str>,
}

// The generic functions below are compiled once per serialized type: they do only what depends
// on it and call the shared, non-generic rest.
impl MapWriter<'_> {
    /// Moves to the next member's line.
    fn next_member(&mut self) {
        if self.len > 0 {
            self.e.out.push(',');
        }
        self.len += 1;
        self.e.newline(self.indent + 2);
    }

    fn write_key(&mut self, push_key: impl FnOnce(&mut String) -> Result<(), Error>) -> Result<usize, Error> {
        self.next_member();
        push_key(self.e.keys.pending())?;
        self.e.key(self.base, &mut self.seen)
    }

    /// A struct field's key.
    #[inline(never)]
    fn field_key(&mut self, key: &str) -> Result<usize, Error> {
        // One closure type: `write_key` is compiled for it once, whatever the field's type.
        self.write_key(|keys| {
            keys.push_str(key);
            Ok(())
        })
    }

    fn value<T: Serialize + ?Sized>(&mut self, k: usize, value: &T) -> Result<(), Error> {
        let written = value.serialize(Node {
            e: &mut *self.e,
            indent: self.indent + 2,
            expect: Expect::Any,
        });
        self.e.keys.under(k, written)
    }

    fn finish(self) -> Result<(), Error> {
        if self.len > 0 {
            self.e.newline(self.indent);
        }
        self.e.out.push('}');
        self.e.keys.drop_from(self.base);
        if self.variant.is_some() {
            close_variant(self.e, self.indent);
        }
        Ok(())
    }
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let k = self.write_key(|keys| key.serialize(KeyWriter(keys)))?;
        self.key = Some(k);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self.key.take() {
            Some(k) => self.value(k, value),
            None => Err(Error::new("internal error: map value serialized before its key")),
        }
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let k = self.field_key(key)?;
        self.value(k, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for MapWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let variant = self.variant;
        ser::SerializeStruct::serialize_field(self, key, value).map_err(|err| match variant {
            Some(v) => err.at_key(v),
            None => err,
        })
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Map;
    use crate::yaml::Value;

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
    fn string_escapes() {
        let s = "\"\\\n\r\t\u{8}\u{c}\u{1}\u{7f}\u{85}\u{2028}\u{2029}\u{feff}é🚀/";
        assert_eq!(
            json(&Value::String(s.into())),
            "\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f\\u0085\\u2028\\u2029\\ufeffé🚀/\"\n"
        );
    }

    #[test]
    fn compact_layout() {
        let mut item = Map::spaced();
        item.insert("name", "A");
        item.insert("value", "#{ns.X} \"q\" with  spaces\n");
        item.insert("n", Value::Seq(vec![1.into(), Value::Null, Map::new().into()]));
        let text = match to_json_compact(&Value::Seq(vec![Value::Map(item)])) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            text,
            r##"[{"name":"A","value":"#{ns.X} \"q\" with  spaces\n","n":[1,null,{}]}]"##
        );
    }
}
