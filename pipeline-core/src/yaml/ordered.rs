//! [`OrderedMap`]: the small insertion-ordered map of platform models.

use std::borrow::Borrow;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// An insertion-ordered map backed by a vector, for the maps of platform models (`env:`, `with:`,
/// `permissions:`, jobs...): they hold a handful of entries, so looking a key up by comparing is
/// cheaper than hashing, and building one allocates once. Serializes as a map, in order.
///
/// Inserting an existing key replaces its value in place (as `IndexMap::insert` does); lookups
/// and inserts take time linear in the number of entries.
///
/// ```
/// use pipeline_core::yaml::{to_yaml_string, OrderedMap};
///
/// let mut with: OrderedMap<String, String> = OrderedMap::new();
/// with.insert("path".into(), "target".into());
/// with.insert("key".into(), "cargo".into());
/// assert_eq!(with.insert("path".into(), "dist".into()), Some("target".into()));
/// assert_eq!(with.get("path").map(String::as_str), Some("dist"));
/// assert_eq!(to_yaml_string(&with).unwrap(), "path: dist\nkey: cargo\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<K, V> OrderedMap<K, V> {
    /// An empty map (no allocation).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in order, values mutably.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in order, mutably.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.entries.iter().position(|(k, _)| k.borrow() == key)
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is present.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).is_some()
    }

    /// Removes `key` and returns its value; the other entries keep their order.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// Keeps the entries for which `keep` returns `true`, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Eq, V> OrderedMap<K, V> {
    /// Inserts an entry at the end, or replaces the value of an existing key in place and returns
    /// the old value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }
}

impl<K: Eq, V> FromIterator<(K, V)> for OrderedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut map = Self::with_capacity(iter.size_hint().0);
        map.extend(iter);
        map
    }
}

impl<K: Eq, V> Extend<(K, V)> for OrderedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for OrderedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a OrderedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// A map in entry order.
impl<K: Serialize, V: Serialize> Serialize for OrderedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertion_order_replacement_in_place_and_removal() {
        let mut m: OrderedMap<String, u8> = [("b".to_owned(), 1), ("a".to_owned(), 2)].into_iter().collect();
        assert_eq!(m.insert("c".into(), 3), None);
        assert_eq!(m.insert("b".into(), 4), Some(1));
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [4, 2, 3]);
        assert_eq!(m.get("a"), Some(&2));
        assert!(m.contains_key("c") && !m.contains_key("z"));
        if let Some(v) = m.get_mut("a") {
            *v = 9;
        }
        assert_eq!(m.remove("b"), Some(4));
        assert_eq!(m.remove("b"), None);
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            [(&"a".to_owned(), &9), (&"c".to_owned(), &3)]
        );
        m.values_mut().for_each(|v| *v += 1);
        m.retain(|k, _| k != "c");
        assert_eq!(m.len(), 1);
        assert_eq!((&m).into_iter().count(), 1);
        assert_eq!(m.clone().into_iter().collect::<Vec<_>>(), [("a".to_owned(), 10)]);
        m.clear();
        assert!(m.is_empty());
        // Later duplicates replace earlier values in place.
        let d: OrderedMap<&str, u8> = [("x", 1), ("y", 2), ("x", 3)].into_iter().collect();
        assert_eq!(
            d.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [("x", 3), ("y", 2)]
        );
    }

    #[test]
    fn serializes_as_a_map_in_order() {
        let mut m: OrderedMap<&str, Vec<&str>> = OrderedMap::new();
        m.insert("z", vec!["a"]);
        m.insert("a", vec![]);
        assert_eq!(
            crate::yaml::to_yaml_string(&m).ok().as_deref(),
            Some("z:\n  - a\na: []\n")
        );
        let v = crate::yaml::to_value(&m).ok();
        assert_eq!(v.and_then(|v| v.as_map().map(|m| m.iter().count())), Some(2));
        let empty: OrderedMap<String, u8> = OrderedMap::new();
        assert_eq!(crate::yaml::to_json(&empty).ok().as_deref(), Some("{}\n"));
    }
}
