//! Each target's answers, written back as a text-format exposition and parsed by the same
//! strict parser as a scrape: the server path ends in the same model, so every detector,
//! threshold and generator works on it unchanged.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::families::Planned;
use super::valid::{self, bound, Written};
use crate::model::{legacy_label_name, legacy_metric_name, MetricType, Retention};
use crate::parse::{self, Format, FormatChoice, ParseError, ParseOptions, Parsed};

/// One sample of one target: `(sample name, labels without job and instance, value)`.
pub(super) type Row = (String, BTreeMap<String, String>, f64);

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A name as the text format writes it: bare when `classic`, else quoted (Prometheus 3's
/// `{"app.cache.hits_total","http.route"="/"}`), so a UTF-8 name parses back.
fn name(n: &str, classic: fn(&str) -> bool) -> String {
    if classic(n) {
        n.to_string()
    } else {
        format!("\"{}\"", escape(n))
    }
}

/// One sample line: `name{labels} value`, or `{"name",labels} value` for a name the classic
/// syntax cannot write.
fn sample_line(out: &mut String, metric: &str, labels: &BTreeMap<String, String>, v: f64) {
    let bare = legacy_metric_name(metric);
    let mut items: Vec<String> = Vec::with_capacity(labels.len() + 1);
    if !bare {
        items.push(name(metric, legacy_metric_name));
    }
    items.extend(
        labels
            .iter()
            .map(|(k, v)| format!("{}=\"{}\"", name(k, legacy_label_name), escape(v))),
    );
    let _ = writeln!(
        out,
        "{}{{{}}} {}",
        if bare { metric } else { "" },
        items.join(","),
        value(v)
    );
}

fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Buckets whose increases were computed one by one can disagree by a rounding error (or by
/// Prometheus's extrapolation at a series' edge): made cumulative again, each bucket at least
/// the one below it.
fn cumulative(rows: &mut [Row], bucket: &str) {
    let mut groups: BTreeMap<Vec<(String, String)>, Vec<usize>> = BTreeMap::new();
    for (i, (name, labels, _)) in rows.iter().enumerate() {
        if name == bucket {
            let key = labels
                .iter()
                .filter(|(k, _)| *k != "le")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            groups.entry(key).or_default().push(i);
        }
    }
    for idx in groups.values_mut() {
        idx.sort_by(|a, b| {
            let le = |i: &usize| bound(rows[*i].1.get("le").map_or("", String::as_str));
            le(a).total_cmp(&le(b))
        });
        let mut floor = 0.0f64;
        for &i in idx.iter() {
            floor = floor.max(rows[i].2);
            rows[i].2 = floor;
        }
    }
}

/// The exposition text of one target's families, and the line each family starts on.
fn text(families: &mut [Written]) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut starts = Vec::with_capacity(families.len());
    let mut lines = 1;
    for w in families.iter_mut() {
        if w.mtype == MetricType::Histogram {
            cumulative(&mut w.rows, &format!("{}_bucket", w.family));
        }
        starts.push(lines);
        lines += 1 + w.rows.len();
        let family = name(&w.family, legacy_metric_name);
        let _ = writeln!(out, "# TYPE {family} {}", w.mtype);
        for (metric, labels, v) in &w.rows {
            sample_line(&mut out, metric, labels, *v);
        }
    }
    (out, starts)
}

/// One target's exposition, rebuilt from its answers and parsed as a scrape is parsed, with a
/// notice for each family left out. A family the parser still refuses is left out in turn
/// (the rest keep their figures); only a limit the whole text exceeds fails the target.
pub(super) fn rebuild(
    plan: &[Planned],
    by_family: BTreeMap<usize, Vec<Row>>,
    retain: Retention<'_>,
    max_bytes: u64,
) -> Result<(Parsed, Vec<String>), String> {
    let (mut families, mut notices) = valid::settle(plan, by_family);
    let opts = ParseOptions {
        format: FormatChoice::Fixed(Format::Prometheus),
        max_bytes,
        retain: Some(retain),
    };
    loop {
        let (text, starts) = text(&mut families);
        match parse::parse_bytes(text.as_bytes(), &opts) {
            Ok(parsed) => return Ok((parsed, notices)),
            Err(ParseError::Syntax { line, message, .. }) if !families.is_empty() => {
                // The family whose lines hold the error; each pass removes one, so this ends.
                let i = starts.partition_point(|&s| s as u64 <= line).max(1) - 1;
                let w = families.remove(i);
                notices.push(valid::left_out(&w.family, &message));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Keep;
    use crate::server::families::Read;

    /// The text written for `rows`, and what parsing it gives (with the notices).
    fn written(plan: &[Planned], rows: BTreeMap<usize, Vec<Row>>) -> (String, Parsed, Vec<String>) {
        let (mut w, _) = valid::settle(plan, rows.clone());
        let keep = |_: &str, _: MetricType| Keep::Everything;
        let (p, notices) = rebuild(plan, rows, &keep, 1 << 20).unwrap();
        (text(&mut w).0, p, notices)
    }

    #[test]
    fn rebuilt_histogram_is_cumulative_and_parses() {
        let plan = vec![Planned {
            family: "lat".into(),
            mtype: MetricType::Histogram,
            samples: vec![("lat_bucket".into(), Read::Increase)],
            keep: Keep::Everything,
        }];
        let le = |l: &str| BTreeMap::from([("le".to_string(), l.to_string())]);
        let rows = vec![
            ("lat_bucket".to_string(), le("+Inf"), 10.0),
            ("lat_bucket".to_string(), le("0.1"), 4.0),
            ("lat_bucket".to_string(), le("0.5"), 10.000000001),
            ("lat_count".to_string(), BTreeMap::new(), 10.0),
        ];
        let (t, p, _) = written(&plan, BTreeMap::from([(0, rows)]));
        assert!(t.starts_with("# TYPE lat histogram\n"), "{t}");
        assert!(t.contains("lat_bucket{le=\"+Inf\"} 10.000000001\n"), "{t}");
        assert_eq!(p.snapshot.families[0].name, "lat");
    }

    #[test]
    fn utf8_names_are_quoted_and_parse_back() {
        let plan = vec![
            Planned {
                family: "app.cache.hits_total".into(),
                mtype: MetricType::Counter,
                samples: vec![("app.cache.hits_total".into(), Read::Increase)],
                keep: Keep::Everything,
            },
            Planned {
                family: "http.server.duration".into(),
                mtype: MetricType::Histogram,
                samples: vec![("http.server.duration_bucket".into(), Read::Increase)],
                keep: Keep::Everything,
            },
        ];
        let l = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let rows = BTreeMap::from([
            (
                0,
                vec![
                    ("app.cache.hits_total".to_string(), l(&[]), 5.0),
                    (
                        "app.cache.hits_total".to_string(),
                        l(&[("cache.name", "a\"b"), ("tier", "1")]),
                        7.0,
                    ),
                ],
            ),
            (
                1,
                vec![
                    (
                        "http.server.duration_bucket".to_string(),
                        l(&[("le", "0.1")]),
                        1.0,
                    ),
                    (
                        "http.server.duration_bucket".to_string(),
                        l(&[("le", "+Inf")]),
                        2.0,
                    ),
                ],
            ),
        ]);
        let (t, p, _) = written(&plan, rows);
        assert!(
            t.contains("# TYPE \"app.cache.hits_total\" counter\n"),
            "{t}"
        );
        assert!(t.contains("{\"app.cache.hits_total\"} 5\n"), "{t}");
        assert!(
            t.contains("{\"app.cache.hits_total\",\"cache.name\"=\"a\\\"b\",tier=\"1\"} 7\n"),
            "{t}"
        );
        let names: Vec<(&str, MetricType)> = p
            .snapshot
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.mtype))
            .collect();
        assert_eq!(
            names,
            vec![
                ("app.cache.hits_total", MetricType::Counter),
                ("http.server.duration", MetricType::Histogram)
            ]
        );
        let hits = &p.snapshot.families[0];
        assert_eq!(hits.series.len(), 2);
        assert!(hits
            .series
            .iter()
            .any(|s| s.labels.get("cache.name") == Some("a\"b")));
    }
}
