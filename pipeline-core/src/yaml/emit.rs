//! Block-style YAML emission: a `serde::Serializer` that writes YAML text as it goes.
//!
//! Nothing is buffered but the output itself. A collection writes nothing when it starts: its
//! first entry (or item) decides the layout (a line break after `key:`, nothing after `- `), and a
//! collection that ends without entries writes `{}` / `[]`. So lengths given by `Serialize`
//! implementations are never trusted nor needed.
//!
//! The one decision that depends on what follows is the `|+` block (a string ending in two or more
//! line feeds): it is exact only when a non-blank line follows. Such a block is written at once and
//! remembered; if the next thing written is a blank line (the separator of a spaced map) or the end
//! of the document, it is rewritten in place as a double-quoted string (it is the last thing in the
//! output at that moment).

use serde_core::ser::{self, Serialize};

use super::error::Error;
use super::index::KeySet;
use super::scalar::{self, Chomp, Place, Style};
use super::ser::{
    COMMENTED, KeyWriter, SPACED, malformed_comment, not_a_map, pad, push_i64, serialize_numbers, to_i64,
};

/// Longest rendered mapping key, in characters. YAML 1.2 and PyYAML limit implicit keys to 1024
/// characters; keys longer than this are rejected rather than emitted in the rarely supported
/// explicit `? key` form.
const MAX_KEY_CHARS: usize = 1000;

/// Appends `value` as a YAML document ending with exactly one line feed to `out`; on error `out`
/// is left as it was.
pub(crate) fn write_yaml<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    let len = out.len();
    let mut e = Emitter {
        out: std::mem::take(out),
        keep: None,
        keep_text: String::new(),
        keys: String::new(),
        key_ends: Vec::new(),
    };
    let result = value.serialize(Node {
        e: &mut e,
        at: At::Root,
        expect: Expect::Any,
    });
    *out = e.out;
    match result {
        Ok(()) => {
            if let Some(start) = e.keep.take() {
                settle_keep(out, start, &e.keep_text);
            }
            out.push('\n');
            Ok(())
        }
        Err(err) => {
            out.truncate(len);
            Err(err)
        }
    }
}

/// Emits `value` as a YAML document ending with exactly one line feed.
#[cfg(test)]
fn to_yaml<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::new();
    write_yaml(&mut out, value)?;
    Ok(out)
}

/// Rewrites the `|+` block at `out[start..]` (the string `text`) double-quoted: a blank line or
/// the end of the document follows, which would be read as more line feeds.
fn settle_keep(out: &mut String, start: usize, text: &str) {
    out.truncate(start);
    scalar::write_double(out, text);
}

/// Where a node is written.
#[derive(Debug, Clone, Copy)]
enum At {
    /// The document root.
    Root,
    /// Right after `key:`, the key being at this indentation.
    Key(usize),
    /// Right after `- `, the dash being at this indentation.
    Dash(usize),
}

impl At {
    /// The indentation of the entries or items of a collection written here.
    fn child_indent(self) -> usize {
        match self {
            At::Root => 0,
            At::Key(i) | At::Dash(i) => i + 2,
        }
    }

    /// The indentation of the owning key or dash (block scalar lines go 2 deeper).
    fn owner_indent(self) -> usize {
        match self {
            At::Root => 0,
            At::Key(i) | At::Dash(i) => i,
        }
    }
}

#[derive(Debug)]
struct Emitter {
    out: String,
    /// Where a `|+` block written last starts, while nothing has followed it yet.
    keep: Option<usize>,
    /// The string of that block.
    keep_text: String,
    /// The raw keys of the maps being written, innermost last (for duplicate checks and error
    /// paths); each map owns `key_ends[base..]`.
    keys: String,
    key_ends: Vec<usize>,
}

impl Emitter {
    /// A line break and the indentation of a non-blank line.
    fn newline(&mut self, indent: usize) {
        // A non-blank line follows: a pending `|+` block is exact.
        self.keep = None;
        self.out.push('\n');
        self.pad(indent);
    }

    /// The blank line between the entries of a spaced map.
    fn blank_line(&mut self) {
        if let Some(start) = self.keep.take() {
            settle_keep(&mut self.out, start, &self.keep_text);
        }
        self.out.push('\n');
    }

    fn pad(&mut self, indent: usize) {
        pad(&mut self.out, indent);
    }

    /// Prepares the first entry or item of a collection written at `at`.
    fn open(&mut self, at: At) {
        if let At::Key(indent) = at {
            self.newline(indent + 2);
        }
    }

    /// Writes an empty collection (`{}` or `[]`) at `at`.
    fn empty(&mut self, at: At, text: &str) {
        if let At::Key(_) = at {
            self.out.push(' ');
        }
        self.out.push_str(text);
    }

    /// Writes the cursor move before a scalar at `at`.
    fn before_scalar(&mut self, at: At) {
        if let At::Key(_) = at {
            self.out.push(' ');
        }
    }

    fn string(&mut self, s: &str, at: At) {
        self.before_scalar(at);
        match scalar::choose(s, Place::Value { keep_ok: true }) {
            Style::Literal(chomp) => {
                let start = self.out.len();
                self.out.push_str(match chomp {
                    Chomp::Clip => "|",
                    Chomp::Strip => "|-",
                    Chomp::Keep => "|+",
                });
                // Clip and keep: the last line feed is the one that ends the last line.
                let body = match chomp {
                    Chomp::Strip => s,
                    Chomp::Clip | Chomp::Keep => s.strip_suffix('\n').unwrap_or(s),
                };
                let indent = at.owner_indent() + 2;
                for line in body.split('\n') {
                    self.out.push('\n');
                    if !line.is_empty() {
                        self.pad(indent);
                        self.out.push_str(line);
                    }
                }
                if chomp == Chomp::Keep {
                    self.keep = Some(start);
                    self.keep_text.clear();
                    self.keep_text.push_str(s);
                }
            }
            style => scalar::write_inline(&mut self.out, s, style),
        }
    }

    /// The raw key `k` (an index into `key_ends`).
    fn key_at(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.key_ends[k - 1] };
        &self.keys[start..self.key_ends[k]]
    }

    /// Records the key just appended to `keys` for the map owning `key_ends[base..]` (whose keys
    /// are recorded in `seen`), then writes it followed by `:`. Returns its index.
    fn key(&mut self, base: usize, seen: &mut KeySet) -> Result<usize, Error> {
        let start = self.key_ends.last().copied().unwrap_or(0);
        let k = self.key_ends.len();
        let key = &self.keys[start..];
        if seen.check(key, || (base..k).map(|i| self.key_at(i))) {
            return Err(Error::new("duplicate mapping key").at_key(key));
        }
        self.key_ends.push(self.keys.len());
        let key = &self.keys[start..];
        let written = self.out.len();
        if key == "<<" {
            // Ruby's Psych treats a `<<` key as a merge key even when quoted; only an explicit
            // string tag keeps it a plain key (PyYAML and YAML 1.2 readers agree).
            self.out.push_str("!!str ");
        }
        scalar::write_inline(&mut self.out, key, scalar::choose(key, Place::Key));
        // Characters are at most as many as bytes: count them only for long keys.
        if self.out.len() - written > MAX_KEY_CHARS {
            let chars = self.out[written..].chars().count();
            if chars > MAX_KEY_CHARS {
                return Err(Error::new(format!(
                    "mapping key is too long ({chars} characters written, at most {MAX_KEY_CHARS})"
                ))
                .at_key(key));
            }
        }
        self.out.push(':');
        Ok(k)
    }

    /// Forgets the keys of the map owning `key_ends[base..]`.
    fn drop_keys(&mut self, base: usize) {
        self.keys.truncate(if base == 0 { 0 } else { self.key_ends[base - 1] });
        self.key_ends.truncate(base);
    }
}

/// What a node must be, besides any node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Anything.
    Any,
    /// A map (inside [`Spaced`](super::Spaced)), written with blank lines between its entries.
    SpacedMap,
    /// The `(value, comment)` tuple of a [`Commented`](super::Commented).
    Pair,
    /// The value of a [`Commented`](super::Commented): a scalar on one line.
    Scalar,
    /// The comment of a [`Commented`](super::Commented).
    Comment,
}

/// The kinds of node a `Serialize` implementation may produce, as far as [`Expect`] cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Null, bool or integer.
    Scalar,
    /// A string.
    Str,
    /// A sequence.
    Seq,
    /// A map, or an enum variant with data (a single-key map).
    Map,
}

impl Expect {
    /// The error for a node of `kind` where `self` is expected.
    fn refuse(self, kind: Kind) -> Result<(), Error> {
        match (self, kind) {
            (Expect::Any, _) | (Expect::SpacedMap, Kind::Map) | (Expect::Scalar, Kind::Scalar | Kind::Str) => Ok(()),
            (Expect::Comment, Kind::Str) => Ok(()),
            (Expect::SpacedMap, _) => Err(not_a_map()),
            (Expect::Scalar, _) => Err(Error::new(
                "a comment can only follow a scalar (null, bool, integer or single-line string)",
            )),
            (Expect::Pair | Expect::Comment, _) => Err(malformed_comment()),
        }
    }
}

/// Serializes one node at a place in the document.
struct Node<'a> {
    e: &'a mut Emitter,
    at: At,
    expect: Expect,
}

impl<'a> Node<'a> {
    /// Writes a null, bool or integer with `write`.
    fn scalar(self, write: impl FnOnce(&mut String)) -> Result<(), Error> {
        self.expect.refuse(Kind::Scalar)?;
        self.e.before_scalar(self.at);
        write(&mut self.e.out);
        Ok(())
    }

    fn int(self, v: i64) -> Result<(), Error> {
        self.scalar(|out| push_i64(out, v))
    }

    fn map(self) -> Result<MapWriter<'a>, Error> {
        self.expect.refuse(Kind::Map)?;
        let base = self.e.key_ends.len();
        Ok(MapWriter {
            e: self.e,
            at: self.at,
            spaced: self.expect == Expect::SpacedMap,
            base,
            seen: KeySet::default(),
            len: 0,
            key: None,
        })
    }

    fn seq(self) -> Result<SeqWriter<'a>, Error> {
        self.expect.refuse(Kind::Seq)?;
        Ok(SeqWriter {
            e: self.e,
            at: self.at,
            len: 0,
            pair: false,
        })
    }

    /// Opens the single-key map `{variant: ...}` of an enum variant with data and writes the key;
    /// its value goes at the returned place.
    fn variant(self, variant: &'static str) -> Result<(&'a mut Emitter, At), Error> {
        let mut map = self.map()?;
        map.write_key(|keys| {
            keys.push_str(variant);
            Ok(())
        })?;
        let at = At::Key(map.at.child_indent());
        // A single entry: nothing to close and no other key to compare with.
        map.e.drop_keys(map.base);
        Ok((map.e, at))
    }
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqWriter<'a>;
    type SerializeTuple = SeqWriter<'a>;
    type SerializeTupleStruct = SeqWriter<'a>;
    type SerializeTupleVariant = VariantSeq<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = MapWriter<'a>;
    type SerializeStructVariant = VariantMap<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(|out| out.push_str(if v { "true" } else { "false" }))
    }
    serialize_numbers!((), |s, v| s.int(v));
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.expect.refuse(Kind::Str)?;
        match self.expect {
            Expect::Comment => {
                if v.chars().any(scalar::needs_escape) {
                    return Err(Error::new(format!(
                        "comment {v:?} must be a single line without control characters"
                    )));
                }
                let out = &mut self.e.out;
                out.push_str(" #");
                let comment = v.trim_end();
                if !comment.is_empty() {
                    out.push(' ');
                    out.push_str(comment);
                }
            }
            Expect::Scalar if v.contains('\n') => {
                return Err(Error::new(
                    "a comment can only follow a single-line string, not a multi-line one",
                ));
            }
            _ => self.e.string(v, self.at),
        }
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(Error::new("byte arrays are not supported"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.scalar(|out| out.push_str("null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar(|out| out.push_str("null"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), Error> {
        let expect = match (name, self.expect) {
            // The value is the tuple `(value, comment)`.
            (COMMENTED, Expect::Any) => Expect::Pair,
            (SPACED, Expect::Any | Expect::SpacedMap) => Expect::SpacedMap,
            (COMMENTED | SPACED, other) => return other.refuse(Kind::Seq),
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
        let (e, at) = self.variant(variant)?;
        value
            .serialize(Node {
                e,
                at,
                expect: Expect::Any,
            })
            .map_err(|err| err.at_key(variant))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqWriter<'a>, Error> {
        self.seq()
    }
    fn serialize_tuple(self, _len: usize) -> Result<SeqWriter<'a>, Error> {
        if self.expect == Expect::Pair {
            return Ok(SeqWriter {
                e: self.e,
                at: self.at,
                len: 0,
                pair: true,
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
    ) -> Result<VariantSeq<'a>, Error> {
        let (e, at) = self.variant(variant)?;
        Ok(VariantSeq {
            variant,
            inner: SeqWriter {
                e,
                at,
                len: 0,
                pair: false,
            },
        })
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
    ) -> Result<VariantMap<'a>, Error> {
        let (e, at) = self.variant(variant)?;
        Ok(VariantMap {
            variant,
            inner: Node {
                e,
                at,
                expect: Expect::Any,
            }
            .map()?,
        })
    }
}

/// Writes the items of a sequence, or the `(value, comment)` pair of a
/// [`Commented`](super::Commented).
pub(crate) struct SeqWriter<'a> {
    e: &'a mut Emitter,
    at: At,
    len: usize,
    pair: bool,
}

impl SeqWriter<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let index = self.len;
        self.len += 1;
        if self.pair {
            // The value, then the comment; errors are the value's, without a tuple index.
            let expect = match index {
                0 => Expect::Scalar,
                1 => Expect::Comment,
                _ => return Err(malformed_comment()),
            };
            return value.serialize(Node {
                e: &mut *self.e,
                at: self.at,
                expect,
            });
        }
        let indent = self.at.child_indent();
        if index == 0 {
            self.e.open(self.at);
        } else {
            self.e.newline(indent);
        }
        self.e.out.push_str("- ");
        value
            .serialize(Node {
                e: &mut *self.e,
                at: At::Dash(indent),
                expect: Expect::Any,
            })
            .map_err(|err| err.at_index(index))
    }

    fn finish(self) -> Result<(), Error> {
        if self.pair {
            return if self.len == 2 {
                Ok(())
            } else {
                Err(malformed_comment())
            };
        }
        if self.len == 0 {
            self.e.empty(self.at, "[]");
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

/// Writes the entries of a map or the fields of a struct.
pub(crate) struct MapWriter<'a> {
    e: &'a mut Emitter,
    at: At,
    spaced: bool,
    /// This map's keys are `e.key_ends[base..]`.
    base: usize,
    /// The keys of this map so far, for the duplicate check.
    seen: KeySet,
    len: usize,
    /// The index of the key whose value comes next (map entries).
    key: Option<usize>,
}

impl MapWriter<'_> {
    /// Starts an entry: the layout, then the key that `push_key` appends to `e.keys`, then `:`.
    /// Returns the key's index.
    fn write_key(&mut self, push_key: impl FnOnce(&mut String) -> Result<(), Error>) -> Result<usize, Error> {
        if self.len == 0 {
            self.e.open(self.at);
        } else {
            if self.spaced {
                self.e.blank_line();
            }
            self.e.newline(self.at.child_indent());
        }
        self.len += 1;
        push_key(&mut self.e.keys)?;
        self.e.key(self.base, &mut self.seen)
    }

    fn value<T: Serialize + ?Sized>(&mut self, k: usize, value: &T) -> Result<(), Error> {
        let at = At::Key(self.at.child_indent());
        value
            .serialize(Node {
                e: &mut *self.e,
                at,
                expect: Expect::Any,
            })
            .map_err(|err| err.at_key(self.e.key_at(k)))
    }

    fn finish(self) -> Result<(), Error> {
        if self.len == 0 {
            self.e.empty(self.at, "{}");
        }
        self.e.drop_keys(self.base);
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
        let k = self.write_key(|keys| {
            keys.push_str(key);
            Ok(())
        })?;
        self.value(k, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// The sequence of a tuple variant, under its `variant:` key.
pub(crate) struct VariantSeq<'a> {
    variant: &'static str,
    inner: SeqWriter<'a>,
}

impl ser::SerializeTupleVariant for VariantSeq<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.item(value).map_err(|e| e.at_key(self.variant))
    }
    fn end(self) -> Result<(), Error> {
        self.inner.finish()
    }
}

/// The map of a struct variant, under its `variant:` key.
pub(crate) struct VariantMap<'a> {
    variant: &'static str,
    inner: MapWriter<'a>,
}

impl ser::SerializeStructVariant for VariantMap<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value).map_err(|e| e.at_key(self.variant))
    }
    fn end(self) -> Result<(), Error> {
        self.inner.finish()
    }
}

#[cfg(test)]
mod tests {
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
        let err =
            direct_equals_value(&BTreeMap::from([("u", Commented(E::Unit, "a\nb".into()))])).expect_err("comment");
        assert_eq!(err.path(), "u");
        let err = direct_equals_value(&vec![u64::MAX]).expect_err("too big");
        assert_eq!(err.path(), "[0]");
        let nested = BTreeMap::from([("outer", BTreeMap::from([((1u8, 2u8), 3u8)]))]);
        let err = direct_equals_value(&nested).expect_err("tuple keys");
        assert_eq!(err.path(), "outer");
        let long = "k".repeat(MAX_KEY_CHARS + 1);
        let err = direct_equals_value(&BTreeMap::from([("a", BTreeMap::from([(long.as_str(), 1u8)]))]))
            .expect_err("long key");
        assert_eq!(err.path(), format!("a.{long}"));
    }
}
