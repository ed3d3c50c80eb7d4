//! YAML files the user names (`--config`, `--thresholds`, `--base-config`, `--targets-from`
//! and its file_sd files), read through one loader that bounds what a parser would build: the
//! bytes, the nesting, and the node count once aliases are expanded. A document of a few
//! hundred KB whose one anchor is aliased thousands of times otherwise decodes to GBs.

use std::cell::Cell;
use std::fmt;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::bounded;

/// The most nodes (scalars, lists and maps) a document may hold once its aliases are
/// expanded. 8 MiB of `- 10.0.0.1:9100` lines hold about 500,000; a million one-character
/// items peak at 207 MiB (docs/reliability.md).
pub const YAML_NODES: u64 = 1_000_000;

/// Why a YAML file was refused: where, and what.
#[derive(Debug)]
pub struct Refused {
    /// `FILE` or `FILE:LINE`.
    pub place: String,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

impl std::error::Error for Refused {}

/// Reads `path` (`what` names it in messages) within [`bounded::CONFIG_LIMIT`], and refuses
/// it before any real parse when it nests deeper than [`bounded::YAML_DEPTH`] or expands past
/// [`YAML_NODES`]. Returns the text, safe to parse.
pub fn read(path: &Path, what: &str) -> Result<String, Refused> {
    let file = path.display().to_string();
    let refuse = |place: String, message: String| Refused { place, message };
    let text = bounded::read_text(path, what, bounded::CONFIG_LIMIT)
        .map_err(|e| refuse(file.clone(), format!("{e:#}")))?;
    check(&text, &file)?;
    Ok(text)
}

/// Refuses YAML text already in memory (`file` names it) as [`read`] refuses a file: too
/// deep, or expanding past [`YAML_NODES`] over all its documents.
pub fn check(text: &str, file: &str) -> Result<(), Refused> {
    let refuse = |place: String, message: String| Refused { place, message };
    bounded::yaml_depth(text, bounded::YAML_DEPTH).map_err(|e| refuse(file.to_string(), e))?;
    expansion(text, YAML_NODES).map_err(|(line, e)| refuse(format!("{file}:{line}"), e))
}

/// Counts the nodes a parser would build, aliases expanded, and stops at `max`; the error is
/// the line of an alias of the anchor being expanded, and a message naming it. A document that does not
/// parse passes: the caller's own parse says why, as it always did.
fn expansion(text: &str, max: u64) -> Result<(), (usize, String)> {
    let count = Count {
        left: Cell::new(max),
    };
    // Every document counts (a manifest holds several), against one budget. The walk stops
    // at the first error: past a syntax error serde_yaml yields the same error for ever.
    let mut tripped = None;
    for doc in serde_yaml::Deserializer::from_str(text) {
        if let Err(e) = Node(&count).deserialize(doc) {
            if count.left.get() == 0 {
                tripped = Some(e.location().map_or(0, |l| l.index()));
            }
            break;
        }
    }
    let Some(at) = tripped else { return Ok(()) };
    // The node that tripped the count lies inside the anchor being repeated: the nearest
    // anchor before it names the aliases to blame.
    let anchor = anchor_before(text, at);
    let (line, uses) = anchor
        .as_deref()
        .map(|a| aliases(text, a))
        .unwrap_or((None, 0));
    let line = line.unwrap_or_else(|| text[..at.min(text.len())].lines().count().max(1));
    let what = match anchor {
        Some(a) => format!("the alias *{a} (one of {uses})"),
        None => "its aliases".into(),
    };
    Err((
        line,
        format!("{what} expands the document past {max} nodes; refused before parsing"),
    ))
}

/// The name of the last `&anchor` at or before byte `at`.
fn anchor_before(text: &str, at: usize) -> Option<String> {
    let head = text.get(..=at.min(text.len().saturating_sub(1)))?;
    let amp = head.rfind('&')?;
    let name: String = text[amp + 1..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The 1-based line of the first `*name` alias and how many there are.
fn aliases(text: &str, name: &str) -> (Option<usize>, usize) {
    let needle = format!("*{name}");
    let mut first = None;
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        for (p, _) in line.match_indices(&needle) {
            let end = line[p + needle.len()..].chars().next();
            if end.is_none_or(|c| c.is_whitespace() || ",]}".contains(c)) {
                first.get_or_insert(i + 1);
                n += 1;
            }
        }
    }
    (first, n)
}

/// Nodes still allowed.
struct Count {
    left: Cell<u64>,
}

impl Count {
    fn take<E: serde::de::Error>(&self) -> Result<(), E> {
        match self.left.get() {
            0 => Err(E::custom("too many nodes")),
            n => {
                self.left.set(n - 1);
                Ok(())
            }
        }
    }
}

/// One node, visited and dropped: `deserialize_any` follows every alias (serde_yaml replays
/// the anchor's events), where ignoring a value would skip them.
#[derive(Clone, Copy)]
struct Node<'a>(&'a Count);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.0.take()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.0.take()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.0.take()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.0.take()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.0.take()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.take()
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.take()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.take()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.take()?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, e: A) -> Result<(), A::Error> {
        // A tagged node (`!Tag value`): its value still counts.
        use serde::de::VariantAccess;
        let ((), v) = e.variant_seed(self)?;
        v.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One anchored list of `width` items, aliased `uses` times.
    fn laughs(width: usize, uses: usize) -> String {
        let mut s = String::from("base: &big\n");
        for i in 0..width {
            s.push_str(&format!("  - item{i}\n"));
        }
        s.push_str("copies:\n");
        for _ in 0..uses {
            s.push_str("  - *big\n");
        }
        s
    }

    #[test]
    fn aliases_count_once_expanded() {
        // 1 map + 2 keys + the list and its 100 items + the copies' list + 10 × 101.
        assert!(expansion(&laughs(100, 10), 1_200).is_ok());
        let e = expansion(&laughs(100, 10), 1_000).unwrap_err();
        assert_eq!(
            e,
            (
                103,
                "the alias *big (one of 10) expands the document past 1000 nodes; refused before parsing".into()
            )
        );
    }

    #[test]
    fn documents_that_do_not_parse_are_left_to_the_caller() {
        assert!(expansion("a: [1, 2", 10).is_ok());
        assert!(expansion("", 10).is_ok());
        assert!(expansion("a: !Tag {b: 1}", 10).is_ok());
        // A syntax error in a later document ends the walk (serde_yaml repeats it).
        assert!(expansion("a: 1\n---\nb: [\n", 10).is_ok());
    }

    #[test]
    fn every_document_counts() {
        let doc = laughs(100, 10);
        let two = format!("a: 1\n---\n{doc}");
        assert!(expansion(&two, 1_000).is_err());
        assert!(expansion(&two, 1_300).is_ok());
    }

    #[test]
    fn nested_laughs_are_cut_short() {
        // 1,000 items, then three levels of ten aliases each: a million items, in few
        // enough jumps that serde_yaml's own repetition limit would not stop it.
        let items = vec!["x"; 1000].join(", ");
        let mut s = format!("a0: &a0 [{items}]\n");
        for i in 1..4 {
            let p = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 10].join(", ")));
        }
        let e = expansion(&s, YAML_NODES).unwrap_err();
        assert!(e.1.contains("past 1000000 nodes"), "{e:?}");
        assert!(serde_yaml::from_str::<serde_yaml::Value>(&s).is_ok());
    }
}
