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
use super::index::{KeySet, KeyStack};
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
        keys: KeyStack::default(),
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
    /// The raw keys of the maps being written (duplicate checks, error paths).
    keys: KeyStack,
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

    /// Records the key just appended to `keys` for the map owning the keys from `base` on (whose
    /// keys are recorded in `seen`), then writes it followed by `:`. Returns its index.
    fn key(&mut self, base: usize, seen: &mut KeySet) -> Result<usize, Error> {
        let (k, key) = self.keys.record(base, seen)?;
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
        let base = self.e.keys.base();
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
        map.e.keys.drop_from(map.base);
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
    /// This map's keys are those of `e.keys` from `base` on.
    base: usize,
    /// The keys of this map so far, for the duplicate check.
    seen: KeySet,
    len: usize,
    /// The index of the key whose value comes next (map entries).
    key: Option<usize>,
}

// The generic functions below are compiled once per serialized type: they do only what depends
// on it and call the shared, non-generic rest (a model of many types stays small).
impl MapWriter<'_> {
    /// Moves to the next entry's line.
    fn next_entry(&mut self) {
        if self.len == 0 {
            self.e.open(self.at);
        } else {
            if self.spaced {
                self.e.blank_line();
            }
            self.e.newline(self.at.child_indent());
        }
        self.len += 1;
    }

    /// Starts an entry: the layout, then the key that `push_key` appends to `e.keys`, then `:`.
    /// Returns the key's index.
    fn write_key(&mut self, push_key: impl FnOnce(&mut String) -> Result<(), Error>) -> Result<usize, Error> {
        self.next_entry();
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
        let at = At::Key(self.at.child_indent());
        let written = value.serialize(Node {
            e: &mut *self.e,
            at,
            expect: Expect::Any,
        });
        self.e.keys.under(k, written)
    }

    fn finish(self) -> Result<(), Error> {
        if self.len == 0 {
            self.e.empty(self.at, "{}");
        }
        self.e.keys.drop_from(self.base);
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
mod tests;
