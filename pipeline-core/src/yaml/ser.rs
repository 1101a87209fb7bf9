//! A `serde::Serializer` that builds a [`Value`], the [`Commented`] and [`Spaced`] helpers, and
//! what the three serializers (this one, YAML and JSON) share: map keys, integers, errors.

use std::borrow::Cow;

use serde_core::ser::{self, Serialize};

use super::error::Error;
use super::value::{Map, Value};

/// Private newtype-struct names recognised by the project's serializers (the same trick as
/// `serde_json::value::RawValue`). Other serializers see an ordinary newtype struct.
pub(crate) const COMMENTED: &str = "$pipeline_core::yaml::Commented";
pub(crate) const SPACED: &str = "$pipeline_core::yaml::Spaced";

/// The error for a [`Spaced`] value that is not a map.
pub(crate) fn not_a_map() -> Error {
    Error::new("Spaced requires a value that serializes to a map")
}

/// The error for a [`Commented`] value that does not serialize as `(value, comment)`.
pub(crate) fn malformed_comment() -> Error {
    Error::new("internal error: malformed Commented value")
}

/// Converts an integer to the `i64` documents are limited to.
pub(crate) fn to_i64<T: TryInto<i64> + std::fmt::Display + Copy>(v: T) -> Result<i64, Error> {
    v.try_into()
        .map_err(|_| Error::new(format!("integer {v} does not fit in a signed 64-bit integer")))
}

/// The numeric methods of a `serde::Serializer` whose numbers are `i64`s: narrower integers
/// widen, wider ones must fit ([`to_i64`]), floats are refused (the project never emits them).
/// `|$s, $v| $int` receives the serializer and the `i64`.
macro_rules! serialize_numbers {
    ($ok:ty, |$s:ident, $v:ident| $int:expr) => {
        serialize_numbers!(@widen $ok, |$s, $v| $int, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
            serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32);
        serialize_numbers!(@fit $ok, |$s, $v| $int, serialize_i128: i128, serialize_u64: u64, serialize_u128: u128);
        fn serialize_f32(self, _v: f32) -> Result<$ok, Error> {
            Err(Error::new("floating-point numbers are not supported"))
        }
        fn serialize_f64(self, _v: f64) -> Result<$ok, Error> {
            Err(Error::new("floating-point numbers are not supported"))
        }
    };
    (@widen $ok:ty, |$s:ident, $v:ident| $int:expr, $($name:ident: $ty:ty),*) => {$(
        fn $name(self, v: $ty) -> Result<$ok, Error> {
            let ($s, $v) = (self, i64::from(v));
            $int
        }
    )*};
    (@fit $ok:ty, |$s:ident, $v:ident| $int:expr, $($name:ident: $ty:ty),*) => {$(
        fn $name(self, v: $ty) -> Result<$ok, Error> {
            let ($s, $v) = (self, to_i64(v)?);
            $int
        }
    )*};
}
pub(crate) use serialize_numbers;

/// Appends `v` in decimal.
pub(crate) fn push_i64(out: &mut String, v: i64) {
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// Appends `n` spaces.
pub(crate) fn pad(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

/// A value followed by a trailing ` # comment` in YAML, for serde models.
///
/// Emitted as the value and the comment on one line by [`to_yaml_string`](super::to_yaml_string)
/// (as the value alone in JSON), and serializes to [`Value::Commented`] through
/// [`to_value`](super::to_value); the value must be a scalar (or `None`) and the comment a single
/// line, or YAML emission fails. Other serializers see a
/// two-element tuple `(value, comment)`.
///
/// ```
/// use pipeline_core::yaml::{to_string, to_value, to_yaml_string, Commented};
///
/// #[derive(serde::Serialize)]
/// struct Step {
///     uses: Commented<String>,
/// }
///
/// let step = Step {
///     uses: Commented(
///         "actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b".into(),
///         "v7.0.1".into(),
///     ),
/// };
/// let yaml = to_yaml_string(&step).unwrap();
/// assert_eq!(yaml, "uses: actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1\n");
/// assert_eq!(to_string(&to_value(&step).unwrap()).unwrap(), yaml);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commented<T>(pub T, pub String);

impl<T: Serialize> Serialize for Commented<T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(COMMENTED, &(&self.0, &self.1))
    }
}

/// A map or struct emitted in block style with one blank line between its entries.
///
/// Emitted so by [`to_yaml_string`](super::to_yaml_string), and serializes to a [`Value::Map`] with
/// [`Map::is_spaced`] set through [`to_value`](super::to_value); the inner value must serialize
/// to a map. Other serializers see the inner value unchanged.
///
/// ```
/// use std::collections::BTreeMap;
/// use pipeline_core::yaml::{to_yaml_string, Spaced};
///
/// #[derive(serde::Serialize)]
/// struct Workflow {
///     name: String,
///     jobs: Spaced<BTreeMap<String, BTreeMap<String, String>>>,
/// }
///
/// let job = BTreeMap::from([("runs-on".to_string(), "ubuntu-24.04".to_string())]);
/// let wf = Workflow {
///     name: "CI".into(),
///     jobs: Spaced(BTreeMap::from([("build".into(), job.clone()), ("test".into(), job)])),
/// };
/// assert_eq!(
///     to_yaml_string(&wf).unwrap(),
///     "name: CI\njobs:\n  build:\n    runs-on: ubuntu-24.04\n\n  test:\n    runs-on: ubuntu-24.04\n"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spaced<M>(pub M);

impl<M: Serialize> Serialize for Spaced<M> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(SPACED, &self.0)
    }
}

/// A [`Value`] serializes as itself: [`to_value`](super::to_value) gives back an equal value
/// (spaced maps and comments included) and [`to_yaml_string`](super::to_yaml_string) writes what
/// [`to_string`](super::to_string) does; other serializers see plain data (comments become
/// `(value, comment)` tuples, see [`Commented`]).
impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::String(s) => serializer.serialize_str(s),
            Value::Seq(items) => serializer.collect_seq(items),
            Value::Map(map) => map.serialize(serializer),
            Value::Commented(inner, comment) => serializer.serialize_newtype_struct(COMMENTED, &(inner, comment)),
        }
    }
}

/// A [`Map`] serializes as a map in entry order; a spaced map as if wrapped in [`Spaced`].
impl Serialize for Map {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Entries<'a>(&'a Map);
        impl Serialize for Entries<'_> {
            fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter())
            }
        }
        if self.is_spaced() {
            serializer.serialize_newtype_struct(SPACED, &Entries(self))
        } else {
            Entries(self).serialize(serializer)
        }
    }
}

/// Builds a [`Value`] from any `Serialize` type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    serialize_numbers!(Value, |_s, v| Ok(Value::Int(v)));
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(Value::String(v.to_owned()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Value, Error> {
        Err(Error::new("byte arrays are not supported"))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Value, Error> {
        Ok(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<Value, Error> {
        match name {
            // The inner value is the tuple `(value, comment)`; an error can only come from the
            // value, and its path must not show the tuple index.
            COMMENTED => match value.serialize(self).map_err(Error::drop_outermost)? {
                Value::Seq(items) => {
                    let mut items = items.into_iter();
                    match (items.next(), items.next(), items.next()) {
                        (Some(v), Some(Value::String(c)), None) => Ok(Value::Commented(Box::new(v), c)),
                        _ => Err(Error::new("internal error: malformed Commented value")),
                    }
                }
                _ => Err(Error::new("internal error: malformed Commented value")),
            },
            SPACED => match value.serialize(self)? {
                Value::Map(mut m) => {
                    m.set_spaced(true);
                    Ok(Value::Map(m))
                }
                _ => Err(Error::new("Spaced requires a value that serializes to a map")),
            },
            _ => value.serialize(self),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let inner = value.serialize(self).map_err(|e| e.at_key(variant))?;
        let mut m = Map::new();
        m.insert(variant, inner);
        Ok(Value::Map(m))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, Error> {
        Ok(VariantBuilder {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, Error> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapBuilder, Error> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantBuilder<MapBuilder>, Error> {
        Ok(VariantBuilder {
            variant,
            inner: MapBuilder::default(),
        })
    }
}

/// Collects sequence and tuple elements.
#[derive(Debug)]
pub(crate) struct SeqBuilder {
    items: Vec<Value>,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let index = self.items.len();
        let v = value.serialize(ValueSerializer).map_err(|e| e.at_index(index))?;
        self.items.push(v);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Seq(self.items))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Seq(self.items))
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Seq(self.items))
    }
}

/// Collects map entries and struct fields.
#[derive(Debug, Default)]
pub(crate) struct MapBuilder {
    map: Map,
    pending_key: Option<String>,
}

impl MapBuilder {
    /// Serializes `value` (the only part that depends on its type: this is compiled once per
    /// serialized type, so it stays small) and adds the entry.
    fn entry<T: Serialize + ?Sized>(&mut self, key: Cow<'static, str>, value: &T) -> Result<(), Error> {
        let v = value.serialize(ValueSerializer);
        self.insert(key, v)
    }

    /// Adds the serialized entry, or names the key of a failure or a duplicate.
    #[inline(never)]
    fn insert(&mut self, key: Cow<'static, str>, value: Result<Value, Error>) -> Result<(), Error> {
        let v = value.map_err(|e| e.at_key(&key))?;
        if self.map.contains_key(&key) {
            return Err(Error::new("duplicate mapping key").at_key(&key));
        }
        self.map.insert_key(key, v);
        Ok(())
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let mut k = String::new();
        key.serialize(KeyWriter(&mut k))?;
        self.pending_key = Some(k);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self.pending_key.take() {
            Some(key) => self.entry(Cow::Owned(key), value),
            None => Err(Error::new("internal error: map value serialized before its key")),
        }
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Map(self.map))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.entry(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Map(self.map))
    }
}

/// Wraps the content of a tuple or struct variant in a single-key map `{variant: content}`.
#[derive(Debug)]
pub(crate) struct VariantBuilder<B> {
    variant: &'static str,
    inner: B,
}

impl<B> VariantBuilder<B> {
    fn wrap(variant: &str, content: Value) -> Value {
        let mut m = Map::new();
        m.insert(variant, content);
        Value::Map(m)
    }
}

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.push(value).map_err(|e| e.at_key(self.variant))
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Self::wrap(self.variant, Value::Seq(self.inner.items)))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.inner
            .entry(Cow::Borrowed(key), value)
            .map_err(|e| e.at_key(self.variant))
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Self::wrap(self.variant, Value::Map(self.inner.map)))
    }
}

/// Appends a map key to a string: strings and chars as they are, integers and bools stringified,
/// unit variants by name, newtype structs transparently; anything else is an error.
#[derive(Debug)]
pub(crate) struct KeyWriter<'a>(pub(crate) &'a mut String);

impl KeyWriter<'_> {
    fn text(self, s: &str) -> Result<(), Error> {
        self.0.push_str(s);
        Ok(())
    }

    fn display(self, v: impl std::fmt::Display) -> Result<(), Error> {
        use std::fmt::Write as _;
        write!(self.0, "{v}").map_err(|_| Error::new("cannot format a map key"))
    }
}

fn bad_key(what: &str) -> Error {
    Error::new(format!("map keys must be strings, integers or bools, found {what}"))
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(bad_key("a float"))
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(bad_key("a float"))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(bad_key("bytes"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(bad_key("None"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(bad_key("a unit value"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(bad_key("a unit struct"))
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(bad_key("an enum variant with data"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(bad_key("a sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(bad_key("a tuple"))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(bad_key("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(bad_key("an enum variant with data"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(bad_key("a map"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        Err(bad_key("a struct"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(bad_key("an enum variant with data"))
    }
}

#[cfg(test)]
mod tests;
