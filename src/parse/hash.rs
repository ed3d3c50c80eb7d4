//! Cheap 64-bit hashing of label sets, used to track series and groups while streaming.
//!
//! Keys are hashes already, so the sets use a pass-through hasher; label sets hash the same in
//! any label order because per-label hashes are added, not chained.

use std::hash::Hasher;

use super::lexer::Label;

const K: u64 = 0x517c_c1b7_2722_0a95;
const P1: u64 = 0xa076_1d64_78bd_642f;
const P2: u64 = 0xe703_7ed1_a0b4_28db;

/// The folded 64×64→128 multiply of wyhash and foldhash: every input bit reaches every output
/// bit. (A multiply-and-rotate chain in the FxHash style is not enough: label values such as
/// `10.0.3.92:9100` and `10.0.4.…` collided in the benchmark input.)
fn mum(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// Hashes bytes, sixteen at a time (two words into one multiply, as wyhash does), then
/// eight, then the tail.
#[inline]
pub(crate) fn bytes(b: &[u8]) -> u64 {
    let word = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    let mut h: u64 = (b.len() as u64) ^ P2;
    let mut pairs = b.chunks_exact(16);
    for c in &mut pairs {
        h = mum(word(&c[..8]) ^ h ^ P2, word(&c[8..]) ^ P1);
    }
    let mut chunks = pairs.remainder().chunks_exact(8);
    for c in &mut chunks {
        h = mum(h ^ word(c), P1);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // Shifts, not a copy into a buffer: a variable-length copy is a memcpy call.
        let tail = rest
            .iter()
            .enumerate()
            .fold(0u64, |t, (i, &x)| t | u64::from(x) << (8 * i));
        h = mum(h ^ tail, P2);
    }
    mum(h, P1)
}

fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// The hash of `name="value"` from its parts: what [`bytes`] gives for the pair as a
/// simple label is written, so both lexing paths agree.
pub(crate) fn pair(name: &[u8], value: &[u8]) -> u64 {
    let mut buf = Vec::with_capacity(name.len() + value.len() + 3);
    buf.extend_from_slice(name);
    buf.extend_from_slice(b"=\"");
    buf.extend_from_slice(value);
    buf.push(b'"');
    bytes(&buf)
}

/// Order-independent hashes of a label set in one pass: without the label called `skip`
/// (the group: a histogram series without `le`) and with every label (the series).
pub(crate) fn label_set(ls: &[Label<'_>], skip: Option<&str>) -> (u64, u64) {
    let mut all: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut skipped: u64 = 0;
    for l in ls {
        all = all.wrapping_add(l.hash);
        if skip.is_some_and(|s| s.len() == l.name.len() && s == l.name) {
            skipped = l.hash;
        }
    }
    (finish(all.wrapping_sub(skipped)), finish(all))
}

/// Order-independent hash of the labels `keep` accepts (for summing series by a few labels).
pub(crate) fn label_subset(ls: &[Label<'_>], keep: impl Fn(&str) -> bool) -> u64 {
    let mut all: u64 = 0x9e37_79b9_7f4a_7c15;
    for l in ls.iter().filter(|l| keep(&l.name)) {
        all = all.wrapping_add(l.hash);
    }
    finish(all)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_strings_hash_apart() {
        let a = bytes(b"10.0.3.240:9100");
        let b = bytes(b"10.0.4.240:9100");
        assert_ne!(a, b);
        let mut seen = std::collections::HashSet::new();
        for x in 0..=255 {
            for y in 0..=255 {
                assert!(
                    seen.insert(bytes(format!("10.0.{x}.{y}:9100").as_bytes())),
                    "{x}.{y}"
                );
            }
        }
    }
}
