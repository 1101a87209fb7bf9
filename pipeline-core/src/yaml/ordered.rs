//! [`OrderedMap`]: the small insertion-ordered map of platform models.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use serde_core::ser::{Serialize, SerializeMap, Serializer};

use super::index::KeyIndex;

/// An insertion-ordered map backed by a vector, for the maps of platform models (`env:`, `with:`,
/// `permissions:`, jobs...): most hold a handful of entries, so looking a key up by comparing is
/// cheaper than hashing, and building one allocates once. Past 16 entries (a workflow's `jobs:`
/// can hold thousands) a hash index of the keys keeps lookups and inserts in constant time.
/// Serializes as a map, in order: hashing never decides the output.
///
/// Inserting an existing key replaces its value in place (as `IndexMap::insert` does); removing
/// an entry shifts the later ones, so it takes time linear in the number of entries.
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
#[derive(Clone)]
pub struct OrderedMap<K, V> {
    entries: Vec<(K, V)>,
    /// The positions of the keys, once there are many (not part of the value: equality and
    /// hashing look at the entries only).
    index: KeyIndex,
}

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            index: KeyIndex::default(),
        }
    }
}

/// The entries only, as before the index existed.
impl<K: std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for OrderedMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderedMap").field("entries", &self.entries).finish()
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for OrderedMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<K: Eq, V: Eq> Eq for OrderedMap<K, V> {}

impl<K: Hash, V: Hash> Hash for OrderedMap<K, V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.entries.hash(state);
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
            index: KeyIndex::default(),
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
        self.index = KeyIndex::default();
    }
}

impl<K: Hash, V> OrderedMap<K, V> {
    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.find(&self.entries, key)
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is present.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.position(key).is_some()
    }

    /// Removes `key` and returns its value; the other entries keep their order.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.position(key)?;
        let (_, v) = self.entries.remove(i);
        self.index.rebuild(&self.entries);
        Some(v)
    }

    /// Keeps the entries for which `keep` returns `true`, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let len = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != len {
            self.index.rebuild(&self.entries);
        }
    }
}

impl<K: Hash + Eq, V> OrderedMap<K, V> {
    /// Inserts an entry at the end, or replaces the value of an existing key in place and returns
    /// the old value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                self.index.pushed(&self.entries);
                None
            }
        }
    }
}

/// The entries in their order. Distinct keys keep the vector as it is (a model of thousands of
/// jobs is not copied); a later duplicate replaces the earlier value in place, as with `collect`.
///
/// ```
/// use pipeline_core::yaml::OrderedMap;
///
/// let jobs: OrderedMap<String, u32> = OrderedMap::from(vec![("build".to_owned(), 1), ("test".to_owned(), 2)]);
/// assert_eq!(jobs.get("test"), Some(&2));
/// let twice: OrderedMap<&str, u32> = OrderedMap::from(vec![("a", 1), ("b", 2), ("a", 3)]);
/// assert_eq!(twice.iter().collect::<Vec<_>>(), [(&"a", &3), (&"b", &2)]);
/// ```
impl<K: Hash + Eq, V> From<Vec<(K, V)>> for OrderedMap<K, V> {
    fn from(entries: Vec<(K, V)>) -> Self {
        let mut index = KeyIndex::default();
        if index.build_distinct(&entries) {
            Self { entries, index }
        } else {
            entries.into_iter().collect()
        }
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for OrderedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut map = Self::with_capacity(iter.size_hint().0);
        map.extend(iter);
        map
    }
}

impl<K: Hash + Eq, V> Extend<(K, V)> for OrderedMap<K, V> {
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

    /// A vector becomes the same map as collecting it would, below and above the scan limit,
    /// with and without a duplicate key; the lookups work on what it became.
    #[test]
    fn from_a_vector_is_collecting_it() {
        for n in [0, 3, 16, 17, 500] {
            let keys: Vec<String> = (0..n).map(|i| format!("job-{i:05}")).collect();
            let mut duplicated: Vec<(String, usize)> = keys.iter().cloned().zip(0..).collect();
            if n > 0 {
                duplicated.push((keys[n / 2].clone(), 999));
            }
            for entries in [keys.iter().cloned().zip(0..).collect::<Vec<_>>(), duplicated] {
                let from = OrderedMap::from(entries.clone());
                let collected: OrderedMap<String, usize> = entries.into_iter().collect();
                assert_eq!(from, collected, "{n} entries");
                for k in &keys {
                    assert_eq!(from.get(k.as_str()), collected.get(k.as_str()), "{k}");
                }
                assert_eq!(from.get("absent"), None);
            }
        }
    }

    /// Past the scan limit the keys are hashed: inserts, replacements, lookups, removals and
    /// retention still behave as on a small map, in insertion order.
    #[test]
    fn large_maps_behave_like_small_ones() {
        let n = 2000;
        let mut m: OrderedMap<String, usize> = (0..n).map(|i| (format!("job-{i:05}"), i)).collect();
        assert_eq!(m.len(), n);
        assert_eq!(m.insert("job-01234".into(), 7), Some(1234));
        assert_eq!(m.get("job-01234"), Some(&7));
        assert_eq!(m.get("job-99999"), None);
        assert_eq!(m.remove("job-00000"), Some(0));
        assert_eq!(m.get("job-00001"), Some(&1));
        assert_eq!(m.keys().next().map(String::as_str), Some("job-00001"));
        m.retain(|_, v| *v % 2 == 1);
        assert_eq!(m.len(), n / 2 + 1, "the odd values and job-01234, now 7");
        assert_eq!(m.get("job-01999"), Some(&1999));
        assert!(!m.contains_key("job-01998"));
        assert_eq!(m.insert("job-01998".into(), 0), None);
        assert_eq!(m.keys().last().map(String::as_str), Some("job-01998"));
        let copy = m.clone();
        assert_eq!(copy.get("job-00003"), Some(&3));
        assert_eq!(copy, m);
        m.clear();
        assert_eq!(m.insert("a".into(), 1), None);
        assert_eq!(m.get("a"), Some(&1));
        // The index is not part of the value: not in `Debug`, not in equality.
        assert_eq!(format!("{m:?}"), r#"OrderedMap { entries: [("a", 1)] }"#);
        assert_eq!(m.get("job-00003"), None);
    }
}
