//! The document tree: [`Value`] and the ordered [`Map`].

use std::borrow::Cow;

use super::index::KeyIndex;

/// A YAML/JSON document node.
///
/// A document to build or patch by hand (a model becomes one with [`to_value`](super::to_value));
/// it is emitted with [`to_string`](super::to_string) or [`to_json_string`](super::to_json_string),
/// as any `Serialize` model is emitted directly. There are no floats: the project never emits
/// them.
///
/// ```
/// use pipeline_core::yaml::{to_string, Map, Value};
///
/// let mut step = Map::new();
/// step.insert(
///     "uses",
///     Value::Commented(
///         Box::new("actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b".into()),
///         "v7.0.1".into(),
///     ),
/// );
/// assert_eq!(
///     to_string(&Value::Map(step)).unwrap(),
///     "uses: actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1\n"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer, always emitted in plain decimal.
    Int(i64),
    /// A string; the emitter picks a style (plain, quoted, block) that reads back as exactly
    /// this string under YAML 1.1 and YAML 1.2.
    String(String),
    /// A sequence.
    Seq(Vec<Value>),
    /// A mapping with string keys, in insertion order.
    Map(Map),
    /// A scalar followed by a trailing ` # comment` on the same line.
    ///
    /// Only valid when the inner value is `Null`, `Bool`, `Int` or a `String` without a line feed,
    /// and when the comment is one line of printable characters; emitting anything else is an
    /// [`Error`](super::Error). JSON output drops the comment.
    Commented(Box<Value>, String),
}

impl Value {
    /// The string, if this is a [`Value::String`] (looking through [`Value::Commented`]).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Commented(v, _) => v.as_str(),
            _ => None,
        }
    }

    /// The map, if this is a [`Value::Map`].
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The map, mutably, if this is a [`Value::Map`].
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this is a [`Value::Seq`].
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// `true` for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Seq(items)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}

/// An ordered mapping from string keys to [`Value`]s.
///
/// Entries keep insertion order; inserting an existing key replaces its value in place.
/// A map created with [`Map::spaced`] is emitted in block style with one blank line between its
/// entries (for example the `jobs:` of a workflow). Equality compares entries in order and the
/// spaced flag.
///
/// ```
/// use pipeline_core::yaml::{to_string, Map, Value};
///
/// let mut jobs = Map::spaced();
/// jobs.insert("build", Map::from_iter([("runs-on", "ubuntu-24.04")]));
/// jobs.insert("test", Map::from_iter([("runs-on", "ubuntu-24.04")]));
/// let mut root = Map::new();
/// root.insert("jobs", jobs);
/// assert_eq!(
///     to_string(&Value::Map(root)).unwrap(),
///     "jobs:\n  build:\n    runs-on: ubuntu-24.04\n\n  test:\n    runs-on: ubuntu-24.04\n"
/// );
/// ```
#[derive(Clone, Default)]
pub struct Map {
    // A vector, not a hash map: documents have small maps, and keys that are struct field
    // names stay borrowed `&'static str`s, so building a document allocates far less. Large maps
    // (thousands of jobs) also get a hash index of their keys.
    entries: Vec<(Cow<'static, str>, Value)>,
    index: KeyIndex,
    spaced: bool,
}

impl Map {
    /// An empty map emitted without blank lines between entries.
    pub fn new() -> Self {
        Map::default()
    }

    /// An empty map emitted (in block style) with one blank line between its entries.
    pub fn spaced() -> Self {
        Map {
            spaced: true,
            ..Map::default()
        }
    }

    /// Sets whether the map is emitted with blank lines between its entries.
    pub fn set_spaced(&mut self, spaced: bool) {
        self.spaced = spaced;
    }

    /// Whether the map is emitted with blank lines between its entries.
    pub fn is_spaced(&self) -> bool {
        self.spaced
    }

    /// Inserts an entry at the end, or replaces the value of an existing key in place.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.insert_key(Cow::Owned(key.into()), value.into());
    }

    /// Like [`Map::insert`] for a key known at compile time (no allocation).
    pub fn insert_static(&mut self, key: &'static str, value: impl Into<Value>) {
        self.insert_key(Cow::Borrowed(key), value.into());
    }

    pub(crate) fn insert_key(&mut self, key: Cow<'static, str>, value: Value) {
        match self.index.find(&self.entries, key.as_ref()) {
            Some(i) => self.entries[i].1 = value,
            None => {
                self.entries.push((key, value));
                self.index.pushed(&self.entries);
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.index.find(&self.entries, key).map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.index.find(&self.entries, key).map(|i| &mut self.entries[i].1)
    }

    /// Removes `key` and returns its value; the other entries keep their order (the later ones
    /// shift, so this takes time linear in the number of entries).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.index.find(&self.entries, key)?;
        let (_, v) = self.entries.remove(i);
        self.index.rebuild(&self.entries);
        Some(v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.index.find(&self.entries, key).is_some()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The entries and the style, as before the index existed.
impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Map")
            .field("entries", &self.entries)
            .field("spaced", &self.spaced)
            .finish()
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.spaced == other.spaced
            && self.entries.len() == other.entries.len()
            && self.entries.iter().eq(other.entries.iter())
    }
}

impl Eq for Map {}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<String>, V: Into<Value>> Extend<(K, V)> for Map {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_in_place_and_remove_keeps_order() {
        let mut m = Map::new();
        m.insert("a", 1);
        m.insert("b", 2);
        m.insert("c", 3);
        m.insert("a", "x");
        let keys: Vec<&str> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(m.get("a"), Some(&Value::String("x".into())));
        assert_eq!(m.remove("b"), Some(Value::Int(2)));
        let keys: Vec<&str> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "c"]);
        assert_eq!(m.len(), 2);
        assert!(!m.is_empty());
        assert!(m.remove("zz").is_none());
        if let Some(v) = m.get_mut("c") {
            *v = Value::Bool(true);
        }
        assert_eq!(m.get("c"), Some(&Value::Bool(true)));
    }

    #[test]
    fn equality_is_order_and_style_sensitive() {
        let ab: Map = [("a", 1), ("b", 2)].into_iter().collect();
        let ba: Map = [("b", 2), ("a", 1)].into_iter().collect();
        assert_ne!(ab, ba);
        let mut spaced = Map::spaced();
        spaced.extend([("a", 1), ("b", 2)]);
        assert_ne!(ab, spaced);
        assert!(spaced.is_spaced());
        spaced.set_spaced(false);
        assert_eq!(ab, spaced);
    }

    #[test]
    fn conversions() {
        assert_eq!(Value::from("x"), Value::String("x".into()));
        assert_eq!(Value::from(String::from("x")), Value::String("x".into()));
        assert_eq!(Value::from(true), Value::Bool(true));
        assert_eq!(Value::from(7u32), Value::Int(7));
        assert_eq!(Value::from(-7i64), Value::Int(-7));
        assert_eq!(Value::from(vec![Value::Null]), Value::Seq(vec![Value::Null]));
        assert_eq!(Value::from(Map::new()), Value::Map(Map::new()));
        assert_eq!(Value::default(), Value::Null);
        let c = Value::Commented(Box::new("v".into()), "c".into());
        assert_eq!(c.as_str(), Some("v"));
    }

    #[test]
    fn large_maps_behave_like_small_ones() {
        let mut m: Map = (0..1000).map(|i| (format!("k{i}"), i)).collect();
        m.insert("k500", "x");
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get("k500"), Some(&Value::from("x")));
        assert_eq!(m.remove("k0"), Some(Value::Int(0)));
        assert_eq!(m.get("k999"), Some(&Value::Int(999)));
        assert!(m.contains_key("k1") && !m.contains_key("k0"));
        if let Some(v) = m.get_mut("k1") {
            *v = Value::Null;
        }
        assert_eq!(m.iter().next(), Some(("k1", &Value::Null)));
        m.insert_static("k0", true);
        assert_eq!(m.iter().last(), Some(("k0", &Value::Bool(true))));
        let small: Map = [("a", 1)].into_iter().collect();
        assert_eq!(
            format!("{small:?}"),
            r#"Map { entries: [("a", Int(1))], spaced: false }"#
        );
    }
}
