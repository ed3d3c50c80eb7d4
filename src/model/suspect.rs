//! The shapes of label values that grow without bound, and when a label's values count as
//! suspect: the recognition rules of docs/cost.md, in one place.
//!
//! A value's shape alone proves little (`cpu="12"` is a number, `version="1.2.3"` is not an
//! ID), so a label is suspect only when many of its distinct values share one shape
//! ([`verdict`]).

use super::SuspectKind;

/// Distinct values of one shape a label needs before it is suspect: five raw paths with IDs,
/// UUIDs, hashes, e-mail addresses or timestamps (no route template, enum or status code
/// has those), but ten long numbers (a few ports or years are numbers too).
fn min_matching(kind: SuspectKind) -> u32 {
    match kind {
        SuspectKind::NumericId => 10,
        _ => 5,
    }
}

/// Distinct values a label needs before its short numbers (one to three digits: CPU, core,
/// shard numbers) count as numeric IDs: more than any machine's CPUs in practice.
pub(super) const MIN_SHORT_NUMBERS: u64 = 1000;

/// Distinct values classified per label: the first ones are a fair sample of its shapes, and
/// classifying every value of a label of IDs cost as much as the rest of the parse.
pub(super) const CLASSIFIED: u32 = 256;

/// Examples kept per shape.
pub(super) const EXAMPLES: usize = 3;

/// Characters kept of an example (a label value may be megabytes long).
const EXAMPLE_CHARS: usize = 80;

/// Whether `v` is a UUID (`8-4-4-4-12` hex digits).
pub fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn digits(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit())
}

/// Hex of `min` characters or more with both a digit and a letter in it (commit ids,
/// digests, container and trace ids); `deadbeef` alone or `12345678` alone are not.
pub fn is_hex_id(v: &str, min: usize) -> bool {
    v.len() >= min
        && v.bytes().all(|c| c.is_ascii_hexdigit())
        && v.bytes().any(|c| c.is_ascii_digit())
        && v.bytes().any(|c| c.is_ascii_alphabetic())
}

/// A hex hash as this module counts one: eight characters or more.
fn hex_hash(v: &str) -> bool {
    is_hex_id(v, 8)
}

/// Unix time in seconds (10 digits from 2001 to 2096) or milliseconds (13 digits), with an
/// optional fraction, or an ISO 8601 date (`2024-05-01`, with or without a time).
fn timestamp(v: &str) -> bool {
    let (whole, frac) = v.split_once('.').unwrap_or((v, "0"));
    if digits(whole) && digits(frac) {
        let lead = whole.as_bytes()[0];
        return matches!(whole.len(), 10 | 13) && (b'1'..=b'3').contains(&lead);
    }
    let b = v.as_bytes();
    b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
        && b.get(10).is_none_or(|c| matches!(c, b'T' | b't' | b' '))
}

/// `local@domain.tld`: one `@`, and no spaces or slashes.
fn email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains([' ', '/'])
}

/// An identifier on its own: what a path segment holding one looks like.
fn id_segment(s: &str) -> bool {
    digits(s) || is_uuid(s) || hex_hash(s) || email(s)
}

/// A URL path (or a whole URL) with a segment or query value that is an identifier:
/// `/api/items/123`, `/users/ada@example.com`, `https://x/y?id=42`. Route templates
/// (`/api/items/:id`, `/items/{id}`) and version segments (`/api/v1/`) are not.
fn raw_path(v: &str) -> bool {
    let path = match v.split_once("://").filter(|_| !v.starts_with('/')) {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => v,
    };
    path.starts_with('/') && path.split(['/', '?', '&', '=', ';']).any(id_segment)
}

/// The shape of one value, if it is one that grows without bound. A number of one to three
/// digits is `None` here: [`Shapes`] counts those apart.
pub(super) fn shape(v: &str) -> Option<SuspectKind> {
    let first = *v.as_bytes().first()?;
    if first == b'/' || v.contains("://") {
        return raw_path(v).then_some(SuspectKind::RawPath);
    }
    if first.is_ascii_digit() && timestamp(v) {
        return Some(SuspectKind::Timestamp);
    }
    if digits(v) {
        return (v.len() >= 4).then_some(SuspectKind::NumericId);
    }
    if is_uuid(v) {
        Some(SuspectKind::Uuid)
    } else if hex_hash(v) {
        Some(SuspectKind::HexHash)
    } else if email(v) {
        Some(SuspectKind::Email)
    } else {
        None
    }
}

/// The shapes of a label's distinct values, counted as they are first seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shapes {
    /// Distinct values looked at.
    pub seen: u32,
    /// Per [`KINDS`] slot, then short numbers in the last.
    counts: [u32; 7],
    examples: Vec<(usize, String)>,
}

/// The kinds by slot ([`SuspectKind`]'s order); short numbers take slot [`SHORT`].
const KINDS: [SuspectKind; 6] = [
    SuspectKind::NumericId,
    SuspectKind::Uuid,
    SuspectKind::HexHash,
    SuspectKind::RawPath,
    SuspectKind::Email,
    SuspectKind::Timestamp,
];
const SHORT: usize = 6;

impl Shapes {
    /// Counts a value seen for the first time (the first [`CLASSIFIED`] of them).
    pub fn add(&mut self, v: &str) {
        if self.seen >= CLASSIFIED {
            return;
        }
        self.seen += 1;
        let slot = match shape(v) {
            Some(k) => k as usize,
            None if digits(v) => SHORT,
            None => return,
        };
        self.counts[slot] += 1;
        if self.examples.iter().filter(|(s, _)| *s == slot).count() < EXAMPLES {
            let cut = v
                .char_indices()
                .nth(EXAMPLE_CHARS)
                .map_or(v, |(i, _)| &v[..i]);
            self.examples.push((slot, cut.to_string()));
        }
    }

    /// The verdict on label `label` with `distinct` values: the most common shape of those
    /// that at least [`min_matching`] distinct values have, and that are at least half of
    /// the values looked at (raw paths with IDs need not be). Numbers of one to three digits
    /// count as numeric IDs only when the label has [`MIN_SHORT_NUMBERS`] values or more.
    /// `le` and `quantile` are bounds, never suspect.
    pub fn verdict(&self, label: &str, distinct: u64) -> Option<super::Suspect> {
        if matches!(label, "le" | "quantile") {
            return None;
        }
        let short = distinct >= MIN_SHORT_NUMBERS;
        let matching = |k: SuspectKind| {
            let n = self.counts[k as usize];
            match k {
                SuspectKind::NumericId if short => n + self.counts[SHORT],
                _ => n,
            }
        };
        // A raw path holding an ID says by itself that the label takes IDs (a route template
        // never holds one), so it need not be most of the values; other shapes must be.
        let enough = |k: SuspectKind| {
            let n = matching(k);
            n >= min_matching(k)
                && (u64::from(n) * 2 >= u64::from(self.seen) || k == SuspectKind::RawPath)
        };
        let kind = KINDS
            .into_iter()
            .filter(|&k| enough(k))
            .max_by_key(|&k| (matching(k), k))?;
        let n = matching(kind);
        let wanted = |s: usize| s == kind as usize || (short && s == SHORT && kind == KINDS[0]);
        Some(super::Suspect {
            kind,
            examples: self
                .examples
                .iter()
                .filter(|(s, _)| wanted(*s))
                .take(EXAMPLES)
                .map(|(_, v)| v.clone())
                .collect(),
            matching: n,
            looked_at: self.seen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_values_that_grow() {
        use SuspectKind::*;
        for (v, k) in [
            ("123e4567-e89b-12d3-a456-426614174000", Uuid),
            ("9f86d081884c7d65", HexHash),
            ("a1b2c3d4", HexHash),
            ("104857", NumericId),
            ("4711", NumericId),
            ("/api/items/123", RawPath),
            ("/users/ada@example.com/orders", RawPath),
            ("https://shop.example/cart?id=42", RawPath),
            ("/objects/0a1b2c3d4e5f6a7b", RawPath),
            ("/items/3/x](http://e/x.png)", RawPath),
            ("ada.lovelace@example.com", Email),
            ("1733443200", Timestamp),
            ("1733443200123", Timestamp),
            ("1733443200.25", Timestamp),
            ("2024-05-01T10:00:00Z", Timestamp),
            ("2024-05-01", Timestamp),
        ] {
            assert_eq!(shape(v), Some(k), "{v}");
        }
    }

    #[test]
    fn ordinary_bounded_values_have_no_shape() {
        for v in [
            "",
            "GET",
            "200",
            "0",
            "63",
            "0.005",
            "+Inf",
            "1.2.3",
            "2.0.0-rc.1",
            "deadbeef",
            "cafebabe",
            "kube-system",
            "/api/v1/users",
            "/items/{id}",
            "/items/:id",
            "/static/*filepath",
            "/-/healthy",
            "10.0.3.92:9100",
            "a@b",
            "@example.com",
            "x y@example.com",
            "C:\\Program Files\\app",
            "0.99",
            "1e9",
        ] {
            assert_eq!(shape(v), None, "{v}");
        }
    }

    /// The shapes of `values`, and how many there were.
    fn shapes(values: impl IntoIterator<Item = String>) -> (Shapes, u64) {
        let mut s = Shapes::default();
        let mut n = 0;
        for v in values {
            s.add(&v);
            n += 1;
        }
        (s, n)
    }

    #[test]
    fn a_label_is_suspect_only_with_many_values_of_one_shape() {
        let paths = shapes((0..1005).map(|i| format!("/api/items/{i}")));
        let v = paths.0.verdict("path", paths.1).unwrap();
        assert_eq!(v.kind, SuspectKind::RawPath);
        assert_eq!(v.examples, ["/api/items/0", "/api/items/1", "/api/items/2"]);
        // Four UUIDs are not enough; five are.
        let ids = |n| shapes((0..n).map(|i| format!("123e4567-e89b-12d3-a456-4266141740{i:02}")));
        assert_eq!(ids(4).0.verdict("id", ids(4).1), None);
        assert_eq!(
            ids(5).0.verdict("id", ids(5).1).unwrap().kind,
            SuspectKind::Uuid
        );
        // Nine ports are not numeric IDs.
        let ports = shapes((0..9).map(|i| format!("{}", 8080 + i)));
        assert_eq!(ports.0.verdict("port", ports.1), None);
        // Ten numbers among a hundred names are a minority, but ten raw paths with IDs
        // among a hundred route templates still leak IDs into the label.
        let mixed = shapes(
            (0..10)
                .map(|i| format!("{}", 100_000 + i))
                .chain((0..90).map(|i| format!("name{i}"))),
        );
        assert_eq!(mixed.0.verdict("key", mixed.1), None);
        let paths = shapes(
            (0..10)
                .map(|i| format!("/api/items/{i}"))
                .chain((0..90).map(|i| format!("/route{i}"))),
        );
        let v = paths.0.verdict("path", paths.1).unwrap();
        assert_eq!(
            (v.kind, v.matching, v.looked_at),
            (SuspectKind::RawPath, 10, 100)
        );
        let few = shapes((0..4).map(|i| format!("/api/items/{i}")));
        assert_eq!(few.0.verdict("path", few.1), None);
    }

    #[test]
    fn bounded_labels_are_not_suspect() {
        let cpus = shapes((0..512).map(|i| i.to_string()));
        assert_eq!(cpus.0.verdict("cpu", cpus.1), None);
        let codes = shapes(["200", "404", "500", "503"].map(String::from));
        assert_eq!(codes.0.verdict("code", codes.1), None);
        let bounds = shapes((0..40).map(|i| format!("{}", 1u64 << i)));
        assert_eq!(bounds.0.verdict("le", bounds.1), None);
        let versions = shapes((0..50).map(|i| format!("1.{i}.3")));
        assert_eq!(versions.0.verdict("version", versions.1), None);
        // A thousand numbers or more are IDs whatever their length (only the first 256 are
        // classified); so are ten long ones.
        let many = shapes((0..1000).map(|i| i.to_string()));
        assert_eq!(
            many.0.verdict("user", many.1).unwrap().kind,
            SuspectKind::NumericId
        );
        let long = shapes((0..10).map(|i| format!("{}", 100_000 + i)));
        let v = long.0.verdict("user", long.1).unwrap();
        assert_eq!((v.kind, v.examples.len()), (SuspectKind::NumericId, 3));
    }

    #[test]
    fn examples_are_cut_short() {
        let long = format!("/a/{}", "1".repeat(10_000));
        let mut s = Shapes::default();
        s.add(&long);
        assert_eq!(s.examples[0].1.chars().count(), EXAMPLE_CHARS);
    }
}
