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
    fn entry<T: Serialize + ?Sized>(&mut self, key: Cow<'static, str>, value: &T) -> Result<(), Error> {
        let v = value.serialize(ValueSerializer).map_err(|e| e.at_key(&key))?;
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
mod tests {
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
}
