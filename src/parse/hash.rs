//! Cheap 64-bit hashing of label sets, used to track series and groups while streaming.
//!
//! Keys are hashes already, so the sets use a pass-through hasher; label sets hash the same in
//! any label order because per-label hashes are added, not chained.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::lexer::Label;

const K: u64 = 0x517c_c1b7_2722_0a95;

/// Hashes bytes, eight at a time (FxHash's mixing step).
pub(crate) fn bytes(b: &[u8]) -> u64 {
    let mut h: u64 = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &x in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(x)).wrapping_mul(K);
    }
    finish(h)
}

fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// Order-independent hash of a label set, leaving out the label called `skip`.
pub(crate) fn labels(ls: &[Label<'_>], skip: Option<&str>) -> u64 {
    let mut acc: u64 = 0x9e37_79b9_7f4a_7c15;
    for l in ls {
        if Some(&*l.name) == skip {
            continue;
        }
        let h = bytes(l.name.as_bytes()) ^ bytes(l.value.as_bytes()).rotate_left(23);
        acc = acc.wrapping_add(finish(h.wrapping_mul(K)));
    }
    finish(acc)
}

/// Combines two hashes (order matters).
pub(crate) fn combine(a: u64, b: u64) -> u64 {
    finish(a.rotate_left(29) ^ b.wrapping_mul(K))
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = self::bytes(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A set of precomputed hashes.
pub(crate) type HashSet64 = HashSet<u64, BuildHasherDefault<PassThrough>>;
