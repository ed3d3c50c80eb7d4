//! The shape of the tool's YAML files, checked while serde_yaml reads the text rather than
//! afterwards on a `Value`: every key is known and every value typed at the node it sits on,
//! so serde_yaml gives each error its line, column and key path. A list where a date is
//! expected is an error, never an absent date (which would widen a suppression forever).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};

use super::ignore::{self, Ignore};
use crate::threshold::{Thresholds, Unit, PROFILES};

/// One threshold row as written: each limit absent (kept), `null` (cleared) or a value.
#[derive(Debug, Default)]
pub(super) struct Row {
    pub(super) target: Option<Option<f64>>,
    pub(super) warning: Option<Option<f64>>,
    pub(super) critical: Option<Option<f64>>,
}

/// A `--config` or `--thresholds` file as read.
#[derive(Debug, Default)]
pub(super) struct File {
    pub(super) profile: Option<String>,
    /// `thresholds:` rows by check id, when the key is there.
    pub(super) thresholds: Option<Vec<(&'static str, Row)>>,
    /// `exporter:` fields by name.
    pub(super) exporter: Vec<(&'static str, String)>,
    pub(super) ignore: Vec<Ignore>,
}

/// Reads a file's text; `is_config` allows `exporter` and `ignore`.
pub(super) fn read(text: &str, is_config: bool) -> Result<File, serde_yaml::Error> {
    let checks: Vec<(&'static str, Unit)> = Thresholds::default_table()
        .rules
        .iter()
        .map(|r| (r.check, r.unit))
        .collect();
    let top: &[&'static str] = if is_config {
        &["profile", "thresholds", "exporter", "ignore"]
    } else {
        &["profile", "thresholds"]
    };
    let file = FileSeed {
        keys: top,
        checks: &checks,
    };
    file.deserialize(serde_yaml::Deserializer::from_str(text))
}

/// A scalar, a string or a number taken as its text, that `parse` accepts; `null` too (as
/// `None`) when `nullable`. Anything else is a type error naming `what` was expected.
struct Scalar<'a, T> {
    what: &'a str,
    nullable: bool,
    parse: &'a dyn Fn(&str) -> Result<T, String>,
}

fn scalar<'a, T>(what: &'a str, parse: &'a dyn Fn(&str) -> Result<T, String>) -> Scalar<'a, T> {
    Scalar {
        what,
        nullable: false,
        parse,
    }
}

impl<'de, T> DeserializeSeed<'de> for Scalar<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T> Visitor<'de> for Scalar<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        (self.parse)(v).map(Some).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        if self.nullable {
            Ok(None)
        } else {
            Err(E::invalid_type(Unexpected::Unit, &self))
        }
    }
}

/// Any text: names, subjects, sources, reasons.
fn any_text(s: &str) -> Result<String, String> {
    Ok(s.to_string())
}

/// The next key of a mapping, one of `keys` and not among the `seen` ones (serde_yaml passes
/// a repeated key to a visitor); either error is at the key.
fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    keys: &[&'static str],
    what: &str,
    seen: &mut Vec<&'static str>,
) -> Result<Option<&'static str>, A::Error> {
    let parse = |k: &str| match keys.iter().find(|x| **x == k) {
        Some(k) if seen.contains(k) => Err(format!("{k:?} is given twice")),
        Some(k) => Ok(*k),
        None => Err(format!(
            "unknown {what} {k:?} (expected one of: {})",
            keys.join(", ")
        )),
    };
    let key = map.next_key_seed(scalar("a key", &parse))?.flatten();
    seen.extend(key);
    Ok(key)
}

/// The value of a key that takes a scalar (never `null`: a key written without its value
/// is a mistake, not a way to leave it out).
fn text_value<'de, A: MapAccess<'de>, T>(
    map: &mut A,
    what: &str,
    parse: &dyn Fn(&str) -> Result<T, String>,
) -> Result<T, A::Error> {
    let v = map.next_value_seed(scalar(what, parse))?;
    v.ok_or_else(|| de::Error::custom(format!("expected {what}")))
}

/// Declares a visitor of a mapping whose `visit_map` is the given body.
macro_rules! mapping_visitor {
    ($ty:ty, $value:ty, $expecting:expr, |$self:ident, $map:ident| $body:block) => {
        impl<'de> Visitor<'de> for $ty {
            type Value = $value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($expecting)
            }
            fn visit_map<A: MapAccess<'de>>($self, mut $map: A) -> Result<$value, A::Error> $body
        }
        impl<'de> DeserializeSeed<'de> for $ty {
            type Value = $value;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$value, D::Error> {
                d.deserialize_map(self)
            }
        }
    };
}

struct FileSeed<'a> {
    keys: &'a [&'static str],
    checks: &'a [(&'static str, Unit)],
}

mapping_visitor!(FileSeed<'_>, File, "a mapping", |self, map| {
    let mut file = File::default();
    let mut seen = Vec::new();
    while let Some(key) = next_key(&mut map, self.keys, "key", &mut seen)? {
        match key {
            "profile" => {
                let known = |p: &str| {
                    PROFILES.contains(&p).then(|| p.to_string()).ok_or_else(|| {
                        format!(
                            "unknown profile {p:?} (expected one of: {})",
                            PROFILES.join(", ")
                        )
                    })
                };
                file.profile = Some(text_value(&mut map, "a profile name", &known)?);
            }
            "thresholds" => {
                file.thresholds = Some(map.next_value_seed(RowsSeed(self.checks))?);
            }
            "exporter" => file.exporter = map.next_value_seed(ExporterSeed)?,
            _ => {
                // Lint findings may be silenced too, by rule id, and a family exempted from
                // the relabel rules (`check: relabel`, `subject: FAMILY`).
                let lint = crate::check::registry().iter().map(|r| r.id());
                let checks: Vec<&'static str> = self
                    .checks
                    .iter()
                    .map(|c| c.0)
                    .chain(lint)
                    .chain([crate::recommend::relabel::CHECK])
                    .collect();
                file.ignore = map.next_value_seed(IgnoreListSeed(&checks))?;
            }
        }
    }
    Ok(file)
});

struct RowsSeed<'a>(&'a [(&'static str, Unit)]);

mapping_visitor!(
    RowsSeed<'_>,
    Vec<(&'static str, Row)>,
    "a mapping of checks",
    |self, map| {
        let ids: Vec<&'static str> = self.0.iter().map(|c| c.0).collect();
        let mut rows = Vec::new();
        let mut seen = Vec::new();
        while let Some(check) = next_key(&mut map, &ids, "check", &mut seen)? {
            let unit = self.0.iter().find(|c| c.0 == check).map(|c| c.1);
            rows.push((
                check,
                map.next_value_seed(RowSeed(unit.unwrap_or(Unit::Count)))?,
            ));
        }
        Ok(rows)
    }
);

struct RowSeed(Unit);

mapping_visitor!(
    RowSeed,
    Row,
    "a mapping of target, warning and critical",
    |self, map| {
        let mut row = Row::default();
        let mut seen = Vec::new();
        let unit = self.0;
        let parse = |s: &str| {
            unit.parse(s)
                .ok_or_else(|| format!("expected {}, got {s}", unit.example()))
        };
        while let Some(key) = next_key(
            &mut map,
            &["target", "warning", "critical"],
            "key",
            &mut seen,
        )? {
            let limit = map.next_value_seed(Scalar {
                what: unit.example(),
                nullable: true,
                parse: &parse,
            })?;
            match key {
                "target" => row.target = Some(limit),
                "warning" => row.warning = Some(limit),
                _ => row.critical = Some(limit),
            }
        }
        Ok(row)
    }
);

struct ExporterSeed;

mapping_visitor!(
    ExporterSeed,
    Vec<(&'static str, String)>,
    "a mapping of names",
    |self, map| {
        let keys = ["requests", "route_label", "status_label", "method_label"];
        let mut fields = Vec::new();
        let mut seen = Vec::new();
        while let Some(key) = next_key(&mut map, &keys, "key", &mut seen)? {
            fields.push((key, text_value(&mut map, "a name", &any_text)?));
        }
        Ok(fields)
    }
);

struct IgnoreListSeed<'a>(&'a [&'static str]);

impl<'de> Visitor<'de> for IgnoreListSeed<'_> {
    type Value = Vec<Ignore>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of {check, reason, …}")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Ignore>, A::Error> {
        let mut list = Vec::new();
        while let Some(i) = seq.next_element_seed(IgnoreSeed(self.0))? {
            list.push(i);
        }
        Ok(list)
    }
}

impl<'de> DeserializeSeed<'de> for IgnoreListSeed<'_> {
    type Value = Vec<Ignore>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Ignore>, D::Error> {
        d.deserialize_seq(self)
    }
}

struct IgnoreSeed<'a>(&'a [&'static str]);

mapping_visitor!(
    IgnoreSeed<'_>,
    Ignore,
    "{check, reason, …}",
    |self, map| {
        let keys = ["check", "subject", "source", "until", "reason"];
        let mut i = Ignore::default();
        let mut seen = Vec::new();
        let check = |c: &str| {
            self.0.contains(&c).then(|| c.to_string()).ok_or_else(|| {
                format!(
                    "unknown check {c:?} (expected one of: {})",
                    self.0.join(", ")
                )
            })
        };
        let reason = |r: &str| {
            (!r.trim().is_empty())
                .then(|| r.to_string())
                .ok_or_else(|| "a suppression needs a reason".to_string())
        };
        while let Some(key) = next_key(&mut map, &keys, "key", &mut seen)? {
            match key {
                "check" => i.check = text_value(&mut map, "a check id", &check)?,
                "subject" => i.subject = Some(text_value(&mut map, "a subject", &any_text)?),
                "source" => i.source = Some(text_value(&mut map, "a source", &any_text)?),
                "until" => {
                    i.until = Some(text_value(
                        &mut map,
                        "a date such as 2027-03-01",
                        &ignore::until,
                    )?)
                }
                _ => i.reason = text_value(&mut map, "a reason", &reason)?,
            }
        }
        for (key, why) in [
            ("check", "which check it silences"),
            ("reason", "a suppression needs a reason"),
        ] {
            if !seen.contains(&key) {
                return Err(de::Error::custom(format!("`{key}` is missing: {why}")));
            }
        }
        Ok(i)
    }
);
