//! The API's answers decoded as they arrive, each piece charged to a budget of decoded bytes
//! as it is built: 256 MiB on the wire once decoded past 1 GiB, through serde's untagged
//! enums (which buffer every element as a generic tree before trying each variant) and as
//! label maps ten times the size of their text.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::parse::parse_value;

/// The most one answer may decode to, estimated as it is built (docs/reliability.md).
pub(super) const DECODED_LIMIT: u64 = 192 << 20;
/// What a series costs besides its labels: its label map's node, its place in two lists.
const SERIES_COST: u64 = 640;
/// What a label costs besides its text: two strings' headers and allocations.
const LABEL_COST: u64 = 64;
/// What a point costs: two floats, twice over while its list grows.
const POINT_COST: u64 = 32;

/// What the answer being decoded has cost so far: `(bytes, series, points)`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Spent {
    pub(super) bytes: u64,
    pub(super) series: u64,
    pub(super) points: u64,
}

thread_local! {
    // serde's derived decoders take no state, so the answer's budget lives here for the
    // length of one decode (an `Api` is used on one thread).
    static SPENT: Cell<Spent> = Cell::new(Spent::default());
    // The most series the answer being decoded may hold (a caller's own bound).
    static MOST_SERIES: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Starts a new answer's budget, of at most `series` series besides the decoded bytes.
pub(super) fn reset(series: u64) {
    SPENT.with(|s| s.set(Spent::default()));
    MOST_SERIES.with(|m| m.set(series));
}

/// True when the answer just decoded was stopped by its series bound, not by its bytes.
pub(super) fn past_series() -> bool {
    spent().series > MOST_SERIES.with(Cell::get)
}

/// What the last answer cost.
pub(super) fn spent() -> Spent {
    SPENT.with(Cell::get)
}

fn charge<E: de::Error>(bytes: u64, series: u64, points: u64) -> Result<(), E> {
    SPENT.with(|s| {
        let mut x = s.get();
        x.bytes += bytes;
        x.series += series;
        x.points += points;
        s.set(x);
        if x.bytes > DECODED_LIMIT || x.series > MOST_SERIES.with(Cell::get) {
            Err(E::custom("the decoded-size limit"))
        } else {
            Ok(())
        }
    })
}

/// A number as the API writes it: a string (`"1.5"`, `"NaN"`), or a bare number; `None` when
/// it is neither.
#[derive(Debug, Clone, Copy)]
pub(super) struct Num(pub(super) Option<f64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Num, E> {
                Ok(Num(parse_value(s)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A label set (`metric` of a series, `labels` of a target), charged as a series.
#[derive(Debug, Default)]
pub(super) struct Labels(pub(super) BTreeMap<String, String>);

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Labels, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Labels, A::Error> {
                charge(SERIES_COST, 1, 0)?;
                let mut out = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    charge((k.len() + v.len()) as u64 + LABEL_COST, 0, 0)?;
                    out.insert(k, v);
                }
                Ok(Labels(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// One `[time, "value"]` point; `None` when the value is not a number.
#[derive(Debug)]
pub(super) struct Point(pub(super) Option<(f64, f64)>);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Point, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Point;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [time, value] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Point, A::Error> {
                charge(POINT_COST, 0, 1)?;
                let t: Option<Num> = s.next_element()?;
                let v: Option<Num> = s.next_element()?;
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Point(t.and_then(|t| t.0).zip(v.and_then(|v| v.0))))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The points of a series, those that are numbers.
#[derive(Debug, Default)]
pub(super) struct Points(pub(super) Vec<(f64, f64)>);

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of [time, value] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Points, A::Error> {
                let mut out = Vec::new();
                while let Some(Point(p)) = s.next_element()? {
                    out.extend(p);
                }
                Ok(Points(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// One series of a vector or matrix.
#[derive(Debug, Default)]
pub(super) struct RawSeries {
    pub(super) metric: BTreeMap<String, String>,
    pub(super) value: Option<(f64, f64)>,
    pub(super) values: Vec<(f64, f64)>,
}

/// An element of `result`: a series, or a part of a scalar's `[time, "value"]`. Decoded by
/// what the JSON holds (an object or not), never buffered to try one shape after another.
#[derive(Debug)]
pub(super) enum Element {
    Series(RawSeries),
    Part(Option<f64>),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Element, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Element;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a series or a scalar's part")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Element, A::Error> {
                let mut s = RawSeries::default();
                let mut labelled = false;
                while let Some(k) = m.next_key::<String>()? {
                    match k.as_str() {
                        "metric" => {
                            s.metric = m.next_value::<Labels>()?.0;
                            labelled = true;
                        }
                        "value" => s.value = m.next_value::<Point>()?.0,
                        "values" => s.values = m.next_value::<Points>()?.0,
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if !labelled {
                    charge(SERIES_COST, 1, 0)?;
                }
                Ok(Element::Series(s))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Element, E> {
                Ok(Element::Part(parse_value(s)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Element, E> {
                Ok(Element::Part(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element, E> {
                Ok(Element::Part(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element, E> {
                Ok(Element::Part(Some(v as f64)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A name as `/api/v1/label/…/values` lists it, charged by its size.
#[derive(Debug)]
pub(super) struct Name(pub(super) String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        let s = String::deserialize(d)?;
        charge(s.len() as u64 + LABEL_COST, 0, 0)?;
        Ok(Name(s))
    }
}

/// `data` of a query.
#[derive(Debug, serde::Deserialize)]
pub(super) struct QueryData {
    #[serde(rename = "resultType")]
    pub(super) result_type: Option<String>,
    #[serde(default)]
    pub(super) result: Vec<Element>,
}

/// `data` of `/api/v1/targets`: only what is read of each target.
#[derive(Debug, serde::Deserialize)]
pub(super) struct TargetsData {
    #[serde(rename = "activeTargets", default)]
    pub(super) active: Vec<RawTarget>,
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct RawTarget {
    #[serde(default)]
    pub(super) labels: Labels,
    #[serde(rename = "scrapeInterval")]
    pub(super) interval: Option<String>,
    #[serde(rename = "scrapeTimeout")]
    pub(super) timeout: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_as_the_api_writes_them() {
        let n = |j: &str| serde_json::from_str::<Num>(j).unwrap().0;
        assert_eq!(n("\"1.5\""), Some(1.5));
        assert_eq!(n("\"+Inf\""), Some(f64::INFINITY));
        assert_eq!(n("\"-Inf\""), Some(f64::NEG_INFINITY));
        assert!(n("\"NaN\"").unwrap().is_nan());
        assert_eq!(n("3"), Some(3.0));
        assert_eq!(n("\"x\""), None);
    }

    #[test]
    fn an_answer_is_charged_as_it_is_decoded() {
        reset(u64::MAX);
        let m: QueryData = serde_json::from_str(
            r#"{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[10,"1"],[25.5,"x"]]}]}"#,
        )
        .unwrap();
        assert!(matches!(&m.result[0], Element::Series(s) if s.values == vec![(10.0, 1.0)]));
        assert_eq!(
            spent(),
            Spent {
                bytes: SERIES_COST + 4 + LABEL_COST + 2 * POINT_COST,
                series: 1,
                points: 2
            }
        );
        // A scalar's parts are not series.
        reset(u64::MAX);
        let s: QueryData =
            serde_json::from_str(r#"{"resultType":"scalar","result":[1, "2"]}"#).unwrap();
        assert!(matches!(s.result[1], Element::Part(Some(2.0))));
        assert_eq!(spent().series, 0);
    }

    #[test]
    fn an_answer_stops_at_its_series_bound() {
        let three = r#"{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"1"]},{"metric":{"a":"3"},"value":[1,"1"]}]}"#;
        reset(2);
        assert!(serde_json::from_str::<QueryData>(three).is_err());
        assert!(past_series());
        reset(3);
        assert_eq!(
            serde_json::from_str::<QueryData>(three)
                .unwrap()
                .result
                .len(),
            3
        );
        assert!(!past_series());
    }
}
