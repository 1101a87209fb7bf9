//! A fast hash for maps keyed by ids (job ids, step ids, artifact names).
//!
//! The standard library's default hasher (SipHash) resists collision attacks by untrusted keys;
//! the keys here are ids the pipeline's own code chose, and a pipeline of thousands of jobs hashes
//! each id several times (the needs graph, lowerings). Each 8-byte word is mixed in by a
//! folded multiply (the high and low halves of a 128-bit product, xored), as in `rustc-hash` 2
//! and foldhash, so every input bit reaches the low bits a table indexes with; kept here rather
//! than added as a dependency.
//!
//! ```
//! use pipeline_core::id_hash::IdMap;
//! let mut index: IdMap<&str, usize> = IdMap::default();
//! index.insert("build", 0);
//! index.insert("test", 1);
//! assert_eq!(index.get("test"), Some(&1));
//! ```

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by ids, hashed with [`IdHasher`].
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// A set of ids, hashed with [`IdHasher`].
pub type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// The multiplier of `rustc-hash` 2.
const K: u64 = 0xf135_7aea_2e62_a9c5;

/// A fast, non-cryptographic hasher for trusted keys (not for values an attacker chooses).
#[derive(Debug, Clone, Copy)]
pub struct IdHasher {
    hash: u64,
}

impl Default for IdHasher {
    fn default() -> Self {
        // Digits of pi: a start that is not zero, the one value a folded multiply keeps.
        Self {
            hash: 0x243f_6a88_85a3_08d3,
        }
    }
}

impl IdHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        let product = u128::from(self.hash ^ word) * u128::from(K);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
        self.add(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(s)
    }

    #[test]
    fn ids_that_differ_anywhere_hash_apart_in_the_low_bits() {
        // A table of 2^14 buckets indexes with the low 14 bits: 10,000 numbered ids must spread.
        // Thrown at random, 10,000 keys fill 7,050 of 16,384 buckets on average.
        for format in [
            |i| format!("job-{i:05}"),
            |i| format!("{i}"),
            |i| format!("deploy-{i}-eu-west-1"),
        ] {
            let buckets: IdSet<u64> = (0..10_000).map(|i| hash(&format(i)) & 0x3fff).collect();
            assert!(buckets.len() > 6_900, "only {} distinct buckets", buckets.len());
        }
        assert_ne!(hash("ab"), hash("ab\0"));
        assert_ne!(hash(""), hash("\0"));
        assert_eq!(hash("build"), hash("build"));
    }
}
