//! Key lookups that stay fast in large maps: [`KeyIndex`] for the vector-backed maps
//! ([`OrderedMap`](super::OrderedMap), [`Map`](super::Map)) and [`KeySet`] for the duplicate-key
//! check of the streaming serializers.
//!
//! Maps of platform models hold a handful of entries, where comparing keys beats hashing them;
//! but a pipeline's `jobs:` map can hold thousands, where a scan per insert is quadratic. Both
//! helpers scan up to [`SCAN_LIMIT`] keys and hash beyond. Entries stay in a vector, in insertion
//! order, so the output never depends on hashing.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use super::Error;
use crate::id_hash::IdHasher;

/// Up to this many keys, lookups compare keys one by one; beyond, they hash.
pub(crate) const SCAN_LIMIT: usize = 16;

/// The 64-bit hash of a key ([`IdHasher`]: fast, and deterministic from run to run; the keys are
/// the pipeline's own, and a collision only costs a comparison).
pub(crate) fn hash_key<Q: Hash + ?Sized>(key: &Q) -> u64 {
    BuildHasherDefault::<IdHasher>::default().hash_one(key)
}

/// A hasher for keys that already are hashes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in, for completeness.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type ByHash<T> = HashMap<u64, T, BuildHasherDefault<PassThrough>>;

/// The positions of a vector's keys by hash, built once the vector holds more than
/// [`SCAN_LIMIT`] entries.
///
/// Invariant: when built, it holds the hash of every key, mapped to the position of the first
/// entry with that hash. Two different keys with one hash (practically never) are told apart by
/// a scan.
///
/// Boxed, so that the many small maps of a model (a job's environment, a step's inputs) carry one
/// pointer for it rather than a hash table's header: a model of thousands of jobs stays smaller
/// and is read faster.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    by_hash: Option<Box<ByHash<usize>>>,
}

impl KeyIndex {
    /// The position of `key` among `entries`.
    pub(crate) fn find<K, V, Q>(&self, entries: &[(K, V)], key: &Q) -> Option<usize>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let scan = || entries.iter().position(|(k, _)| k.borrow() == key);
        match &self.by_hash {
            None => scan(),
            Some(by_hash) => {
                let &i = by_hash.get(&hash_key(key))?;
                if entries[i].0.borrow() == key { Some(i) } else { scan() }
            }
        }
    }

    /// Records the entry just pushed at the end of `entries`.
    pub(crate) fn pushed<K: Hash, V>(&mut self, entries: &[(K, V)]) {
        match &mut self.by_hash {
            Some(by_hash) => {
                if let Some((k, _)) = entries.last() {
                    by_hash.entry(hash_key(k)).or_insert(entries.len() - 1);
                }
            }
            None if entries.len() > SCAN_LIMIT => self.rebuild(entries),
            None => {}
        }
    }

    /// Builds the index of `entries` and tells whether their keys are distinct (`false` on a
    /// duplicate, and on a collision of two keys' hashes, which the caller then settles by
    /// inserting the entries one by one).
    pub(crate) fn build_distinct<K: Hash + Eq, V>(&mut self, entries: &[(K, V)]) -> bool {
        if entries.len() <= SCAN_LIMIT {
            self.by_hash = None;
            return entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| entries[..i].iter().all(|(earlier, _)| earlier != k));
        }
        let mut by_hash = ByHash::with_capacity_and_hasher(entries.len(), BuildHasherDefault::default());
        for (i, (k, _)) in entries.iter().enumerate() {
            if by_hash.insert(hash_key(k), i).is_some() {
                return false;
            }
        }
        self.by_hash = Some(Box::new(by_hash));
        true
    }

    /// Rebuilds the index after entries moved (removal, retention) or were cleared.
    pub(crate) fn rebuild<K: Hash, V>(&mut self, entries: &[(K, V)]) {
        if entries.len() <= SCAN_LIMIT {
            self.by_hash = None;
            return;
        }
        let mut by_hash = ByHash::with_capacity_and_hasher(entries.len(), BuildHasherDefault::default());
        for (i, (k, _)) in entries.iter().enumerate() {
            by_hash.entry(hash_key(k)).or_insert(i);
        }
        self.by_hash = Some(Box::new(by_hash));
    }
}

/// The raw keys of the maps a streaming emitter is writing, innermost last: for the duplicate
/// check and for the key path of an error. A map owns the keys from its [`base`](Self::base) on;
/// a new key is appended to [`pending`](Self::pending), then [`record`](Self::record)ed.
#[derive(Debug, Default)]
pub(crate) struct KeyStack {
    keys: String,
    ends: Vec<usize>,
}

impl KeyStack {
    /// Where the keys of a map opened now start.
    pub(crate) fn base(&self) -> usize {
        self.ends.len()
    }

    /// The text a new key is appended to.
    pub(crate) fn pending(&mut self) -> &mut String {
        &mut self.keys
    }

    /// Key `k` (an index [`record`](Self::record) returned).
    pub(crate) fn at(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.keys[start..self.ends[k]]
    }

    /// Records the key appended since the last one for the map owning the keys from `base` on
    /// (whose keys so far are in `seen`): its index and text, or the duplicate's error.
    pub(crate) fn record(&mut self, base: usize, seen: &mut KeySet) -> Result<(usize, &str), Error> {
        let start = self.ends.last().copied().unwrap_or(0);
        let k = self.ends.len();
        let key = &self.keys[start..];
        if seen.check(key, || (base..k).map(|i| self.at(i))) {
            return Err(Error::new("duplicate mapping key").at_key(key));
        }
        self.ends.push(self.keys.len());
        Ok((k, &self.keys[start..]))
    }

    /// Forgets the keys of the map owning the keys from `base` on.
    pub(crate) fn drop_from(&mut self, base: usize) {
        self.keys.truncate(if base == 0 { 0 } else { self.ends[base - 1] });
        self.ends.truncate(base);
    }

    /// `written`, an error placed under key `k`. (Called by the generic code of every serialized
    /// type: the error path is shared.)
    pub(crate) fn under(&self, k: usize, written: Result<(), Error>) -> Result<(), Error> {
        match written {
            Ok(()) => Ok(()),
            Err(err) => Err(self.error_at(k, err)),
        }
    }

    #[cold]
    #[inline(never)]
    fn error_at(&self, k: usize, err: Error) -> Error {
        err.at_key(self.at(k))
    }
}

/// The keys written so far in one map of a streaming serializer, for the duplicate-key check.
///
/// The first keys are summed up in a 64-bit set (one bit from each key's length and first and
/// last bytes) and compared only when their bit is already set; past [`SCAN_LIMIT`] keys, their
/// hashes go into a hash set, so a map of thousands of similar keys (`job-0001`, `job-0002`...)
/// is checked in linear time.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    bits: u64,
    len: usize,
    hashes: Option<HashSet<u64, BuildHasherDefault<PassThrough>>>,
}

impl KeySet {
    /// Whether `key` is among the keys so far (which `earlier` lists), and records it.
    pub(crate) fn check<'k, I>(&mut self, key: &str, earlier: impl Fn() -> I) -> bool
    where
        I: Iterator<Item = &'k str>,
    {
        self.len += 1;
        if self.len <= SCAN_LIMIT {
            let bit = key_bit(key);
            let maybe = self.bits & bit != 0;
            self.bits |= bit;
            return maybe && earlier().any(|k| k == key);
        }
        let hashes = self.hashes.get_or_insert_with(|| earlier().map(hash_key).collect());
        // A hash seen before is a duplicate or (practically never) a collision: compare.
        !hashes.insert(hash_key(key)) && earlier().any(|k| k == key)
    }
}

/// One of 64 bits, picked from the length and the first and last bytes of `key`.
fn key_bit(key: &str) -> u64 {
    let b = key.as_bytes();
    let first = b.first().copied().unwrap_or(0) as usize;
    let last = b.last().copied().unwrap_or(0) as usize;
    1 << ((b.len().wrapping_mul(7) ^ first.wrapping_mul(31) ^ last.wrapping_mul(17)) & 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_set_finds_duplicates_below_and_above_the_scan_limit() {
        for n in [3, SCAN_LIMIT, SCAN_LIMIT + 1, 500] {
            let keys: Vec<String> = (0..n).map(|i| format!("job-{i:05}")).collect();
            let mut set = KeySet::default();
            for (i, k) in keys.iter().enumerate() {
                assert!(!set.check(k, || keys[..i].iter().map(String::as_str)), "n={n} {k}");
            }
            for dup in [&keys[0], &keys[n / 2], &keys[n - 1]] {
                let mut again = KeySet::default();
                for (i, k) in keys.iter().enumerate() {
                    again.check(k, || keys[..i].iter().map(String::as_str));
                }
                assert!(again.check(dup, || keys.iter().map(String::as_str)), "n={n} {dup}");
            }
        }
    }

    #[test]
    fn key_index_tells_colliding_keys_apart() {
        let mut entries: Vec<(String, usize)> = Vec::new();
        let mut index = KeyIndex::default();
        for i in 0..100 {
            entries.push((format!("k{i}"), i));
            index.pushed(&entries);
        }
        assert_eq!(index.find(&entries, "k42"), Some(42));
        assert_eq!(index.find(&entries, "k100"), None);
        // Forge a collision: the index says "k7" is where "k8" is; a scan still finds both.
        if let Some(by_hash) = &mut index.by_hash {
            by_hash.insert(hash_key("k7"), 8);
        }
        assert_eq!(index.find(&entries, "k7"), Some(7));
        assert_eq!(index.find(&entries, "k8"), Some(8));
        entries.truncate(SCAN_LIMIT);
        index.rebuild(&entries);
        assert!(index.by_hash.is_none());
        assert_eq!(index.find(&entries, "k3"), Some(3));
    }
}
