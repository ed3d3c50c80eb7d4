//! Saved JSON the user names (a report to compare, a `--baseline`), decoded into typed
//! structs that keep only the fields read, with a cap on every list and string: as a
//! `serde_json::Value` tree, a 60 MB file decoded past 1 GiB.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, SeqAccess, Visitor};

/// The longest list read from a saved file: a fleet's report of 100,000 targets with a few
/// findings each fits; each item costs about 200 bytes decoded (docs/reliability.md).
pub const LIST_LIMIT: usize = 500_000;
/// The longest string read: a source, a check id, a subject.
pub const TEXT_LIMIT: usize = 4096;

/// A list of at most [`LIST_LIMIT`] items; a longer one fails as it is read.
#[derive(Debug)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {LIST_LIMIT} items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element()? {
                    if out.len() == LIST_LIMIT {
                        return Err(A::Error::custom(format!(
                            "a list longer than {LIST_LIMIT} items"
                        )));
                    }
                    out.push(x);
                }
                Ok(List(out))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// The first item of a list, the others skipped without being kept.
#[derive(Debug)]
pub struct First<T>(pub Option<T>);

impl<T> Default for First<T> {
    fn default() -> Self {
        First(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First<T>, A::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// A string of at most [`TEXT_LIMIT`] bytes, refused before it is copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a string of at most {TEXT_LIMIT} bytes")
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Text, E> {
                if s.len() > TEXT_LIMIT {
                    return Err(E::custom(format!(
                        "a string longer than {TEXT_LIMIT} bytes"
                    )));
                }
                Ok(Text(s.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_as_the_text_is_read() {
        let l: List<u8> = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(l.0, vec![1, 2, 3]);
        let long = format!("[{}]", vec!["0"; LIST_LIMIT + 1].join(","));
        let e = serde_json::from_str::<List<u8>>(&long).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("a list longer than 500000 items at line 1"));
        let t: Text = serde_json::from_str("\"ab\"").unwrap();
        assert_eq!(t.0, "ab");
        let e = serde_json::from_str::<Text>(&format!("\"{}\"", "x".repeat(TEXT_LIMIT + 1)))
            .unwrap_err();
        assert!(e.to_string().starts_with("a string longer than 4096 bytes"));
        let f: First<Text> = serde_json::from_str("[\"a\", {\"b\": [1, 2]}, 3]").unwrap();
        assert_eq!(f.0, Some(Text("a".into())));
    }
}
