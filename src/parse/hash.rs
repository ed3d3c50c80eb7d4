//! Cheap 64-bit hashing of label sets, used to track series and groups while streaming.
//!
//! Keys are hashes already, so the sets use a pass-through hasher; label sets hash the same in
//! any label order because per-label hashes are added, not chained.

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

/// Eight bytes at `i`, little-endian (the slice is long enough wherever this is called).
#[inline(always)]
fn r8(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Four bytes at `i`, little-endian.
#[inline(always)]
fn r4(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 4)
        .and_then(|w| w.try_into().ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// Hashes bytes the way wyhash does: sixteen at a time, then the last sixteen (or, for short
/// input, words gathered from both ends, overlapping) into one final multiply: no loop over
/// single bytes, which cost as much as the rest for a label pair of 20 bytes.
#[inline]
pub(crate) fn bytes(b: &[u8]) -> u64 {
    let len = b.len();
    let mut seed = P2;
    let (x, y) = if len <= 16 {
        if len >= 4 {
            let step = (len >> 3) << 2;
            (
                (r4(b, 0) << 32) | r4(b, step),
                (r4(b, len - 4) << 32) | r4(b, len - 4 - step),
            )
        } else if len > 0 {
            let three = u64::from(b[0]) << 16 | u64::from(b[len >> 1]) << 8 | u64::from(b[len - 1]);
            (three, 0)
        } else {
            (0, 0)
        }
    } else {
        let mut i = 0;
        while len - i > 16 {
            seed = mum(r8(b, i) ^ P1, r8(b, i + 8) ^ seed);
            i += 16;
        }
        (r8(b, len - 16), r8(b, len - 8))
    };
    mum(P1 ^ len as u64, mum(x ^ P1, y ^ seed))
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

/// Order-independent hashes of a label set in one pass: without the label at `skip`
/// (the group: a histogram series without `le`) and with every label (the series).
pub(crate) fn label_set(ls: &[Label<'_>], skip: Option<usize>) -> (u64, u64) {
    let mut all: u64 = 0x9e37_79b9_7f4a_7c15;
    for l in ls {
        all = all.wrapping_add(l.hash);
    }
    let skipped = skip.and_then(|i| ls.get(i)).map_or(0, |l| l.hash);
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

pub(crate) use crate::model::PassThrough;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every single-bit change, at every length up to 48 (each branch of `bytes`), and
    /// every length itself, changes the hash.
    #[test]
    fn one_bit_changes_the_hash() {
        let base: Vec<u8> = b"instance=\"10.0.3.92:9100\",job=\"node-exporter\"".to_vec();
        let mut seen = std::collections::HashSet::new();
        for len in 0..=base.len() {
            let s = &base[..len];
            assert!(seen.insert(bytes(s)), "length {len}");
            for i in 0..len {
                for bit in 0..8 {
                    let mut t = s.to_vec();
                    t[i] ^= 1 << bit;
                    assert!(seen.insert(bytes(&t)), "length {len}, byte {i}, bit {bit}");
                }
            }
        }
    }

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
