//! Byte scans eight bytes at a time, for the short fields of a sample line.
//!
//! Label values, sample values and names are 3 to 60 bytes long: too short for a call to
//! memchr or memcmp to pay for itself, long enough that a loop over single bytes dominated the
//! profile. These read whole words (little-endian `u64`) and never more than the slice holds.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Eight bytes at `i`, if the slice holds them.
#[inline(always)]
fn word(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i.checked_add(8)?)
        .and_then(|w| w.try_into().ok())
        .map(u64::from_le_bytes)
}

/// The high bit of every zero byte of `v`, and possibly of bytes above one (from borrows),
/// never below: the lowest set bit is the first zero byte.
#[inline(always)]
fn zeros(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// The first `x` or `y` at or after `from`. In `w ^ pattern` a matching byte is zero.
#[inline]
pub(super) fn find_either(b: &[u8], from: usize, x: u8, y: u8) -> Option<usize> {
    let (px, py) = (LO * u64::from(x), LO * u64::from(y));
    let mut i = from;
    while let Some(w) = word(b, i) {
        let hits = zeros(w ^ px) | zeros(w ^ py);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i >= b.len() {
        return None;
    }
    // Fewer than eight bytes left (a sample value at the end of its line, usually): the last
    // word of the slice, its bytes before `i` forced to 0xff so that they neither match nor
    // borrow.
    let last = b
        .len()
        .checked_sub(8)
        .and_then(|start| Some((start, word(b, start)?)));
    let Some((start, w)) = last else {
        return b[i..].iter().position(|&c| c == x || c == y).map(|k| i + k);
    };
    let seen = (1u64 << (8 * (i - start))) - 1;
    let hits = zeros((w ^ px) | seen) | zeros((w ^ py) | seen);
    (hits != 0).then(|| start + (hits.trailing_zeros() / 8) as usize)
}

/// Whether `hay` starts with `needle`, compared eight bytes at a time (the last word
/// overlapping the one before): metric names are 20 to 60 bytes, and most sample lines
/// repeat the previous one's, where a call to `memcmp` cost more than the comparison.
#[inline]
pub(super) fn starts_with(hay: &[u8], needle: &[u8]) -> bool {
    let Some(hay) = hay.get(..needle.len()) else {
        return false;
    };
    let n = needle.len();
    if n < 8 {
        return hay == needle;
    }
    let mut i = 0;
    while i + 8 < n {
        if word(hay, i) != word(needle, i) {
            return false;
        }
        i += 8;
    }
    word(hay, n - 8) == word(needle, n - 8)
}

/// How many label names, by position in the label set, are remembered.
const SLOTS: usize = 12;

/// The label names of the previous sample line, by position, each as the bytes `name="` (up
/// to sixteen): consecutive lines of a family repeat their label names in the same order, and
/// bytes equal to a name already checked form that same valid name, so the name need not be
/// scanned a character at a time again.
#[derive(Default)]
pub(crate) struct NameMemo {
    slots: [Slot; SLOTS],
}

/// One remembered `name="`: its two words masked, the masks, and its length (0: none).
#[derive(Default, Clone, Copy)]
struct Slot {
    words: (u64, u64),
    masks: (u64, u64),
    len: usize,
}

/// Masks keeping the first `n` bytes (up to sixteen) of two words.
#[inline(always)]
fn masks(n: usize) -> (u64, u64) {
    let keep = |k: usize| match k {
        0 => 0,
        1..=7 => (1u64 << (8 * k)) - 1,
        _ => u64::MAX,
    };
    (keep(n), keep(n.saturating_sub(8)))
}

impl NameMemo {
    /// If label `index` starts at `start` with the remembered `name="`, where its `=` is.
    #[inline]
    pub(super) fn known(&self, index: usize, b: &[u8], start: usize) -> Option<usize> {
        let slot = self.slots.get(index)?;
        if slot.len == 0 {
            return None;
        }
        let (m0, m1) = slot.masks;
        let same = word(b, start)? & m0 == slot.words.0 && word(b, start + 8)? & m1 == slot.words.1;
        same.then_some(start + slot.len - 2)
    }

    /// Remembers that label `index` is the valid name `b[start..eq]`, followed by `="`.
    #[inline]
    pub(super) fn learn(&mut self, index: usize, b: &[u8], start: usize, eq: usize) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let n = eq + 2 - start;
        let (m0, m1) = masks(n);
        *slot = match (n <= 16, word(b, start), word(b, start + 8)) {
            (true, Some(w0), Some(w1)) => Slot {
                words: (w0 & m0, w1 & m1),
                masks: (m0, m1),
                len: n,
            },
            _ => Slot::default(),
        };
    }
}
