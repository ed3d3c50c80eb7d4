//! The distinct values of each label of the fleet's families, per job, counted by the server
//! at the range's end. In one scan while it fits: `count by (job, __name__, every label of
//! the families)` has a row per combination of label values in a job, so a fleet of like
//! targets answers in a few rows per family whatever its size, and the same rows give every
//! job's series per name. Past [`MOST_ROWS`](super::cost::MOST_ROWS) rows (a label whose values grow with the
//! series), the fleet's largest families one by one, each with all its labels in one query,
//! then label by label.
//!
//! A target's own labels (those on its `up`: `instance`, a `pod` from the scrape config) are
//! on every series it sends, the same value on each: they count targets, never a family's
//! own cost, so they are not counted, and they do not multiply the rows.

use std::collections::{BTreeMap, BTreeSet};

use crate::escape::promql;
use crate::input::promapi::{Api, Sample};
use crate::model::LabelCost;

use super::cost::{most_rows, Counts};
use super::families::typed;

/// The fleet's largest families whose labels are counted when every family's are not.
pub(super) const LABELLED_FAMILIES: usize = 10;

/// Distinct values per label, by job and family.
pub(super) type Found = BTreeMap<(String, String), Vec<LabelCost>>;

/// Labels that are the target's, not its families': `__name__`, `job`, and the labels on
/// the targets' `up` in the range.
pub(super) fn target_labels(
    api: &Api,
    sel: &str,
    (start, at): (f64, f64),
) -> anyhow::Result<BTreeSet<String>> {
    let mut out: BTreeSet<String> = ["__name__", "job", "instance"]
        .into_iter()
        .map(String::from)
        .collect();
    out.extend(api.label_names(&format!("up{{{sel}}}"), start, at)?);
    Ok(out)
}

/// Every job's series per name and every family's labels, from one answer; `None` when it
/// holds more than [`MOST_ROWS`](super::cost::MOST_ROWS) rows.
pub(super) fn at_once(
    api: &Api,
    sel: &str,
    (start, at): (f64, f64),
    own: &BTreeSet<String>,
) -> anyhow::Result<Option<(Counts<String>, Found)>> {
    let labels: Vec<String> = api
        .label_names(&format!("{{{sel}}}"), start, at)?
        .into_iter()
        .filter(|l| !own.contains(l))
        .collect();
    let mut by = vec!["job".to_string(), "__name__".to_string()];
    by.extend(labels.iter().map(|l| promql::label(l)));
    let q = format!("count by ({}) ({{{sel}}})", by.join(", "));
    let Some(rows) = api.instant_at_most(&q, at, most_rows())? else {
        return Ok(None);
    };
    let mut by_job: Counts<String> = BTreeMap::new();
    for s in &rows {
        if let (Some(job), Some(name)) = (s.labels.get("job"), s.labels.get("__name__")) {
            *by_job
                .entry(job.clone())
                .or_default()
                .entry(name.clone())
                .or_default() += s.value as u64;
        }
    }
    let names: BTreeSet<String> = by_job.values().flat_map(|c| c.keys().cloned()).collect();
    let mut family: BTreeMap<String, String> = BTreeMap::new();
    for t in typed(&names.into_iter().collect::<Vec<_>>()) {
        for n in t.names {
            family.insert(n, t.family.clone());
        }
    }
    let rows: Vec<(String, Sample)> = rows
        .into_iter()
        .filter_map(|s| Some((family.get(s.labels.get("__name__")?)?.clone(), s)))
        .collect();
    Ok(Some((by_job, count(&rows, own, &[]))))
}

/// Distinct values per label of each job's family from `rows` (a family and one answer row
/// each): a family's labels are `also` and those any of its rows has; a row without one
/// holds its empty value, as PromQL's `count by` groups it.
fn count(rows: &[(String, Sample)], own: &BTreeSet<String>, also: &[String]) -> Found {
    let mut labels: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (f, s) in rows {
        let l = labels.entry(f.as_str()).or_default();
        l.extend(
            s.labels
                .keys()
                .map(String::as_str)
                .filter(|k| !own.contains(*k)),
        );
        l.extend(also.iter().map(String::as_str));
    }
    let mut values: BTreeMap<(&str, &str, &str), BTreeSet<&str>> = BTreeMap::new();
    for (f, s) in rows {
        let Some(job) = s.labels.get("job") else {
            continue;
        };
        for l in &labels[f.as_str()] {
            let v = s.labels.get(*l).map_or("", String::as_str);
            values.entry((job, f, l)).or_default().insert(v);
        }
    }
    let mut out = Found::new();
    for ((job, f, l), v) in values {
        out.entry((job.to_string(), f.to_string()))
            .or_default()
            .push(LabelCost {
                name: l.to_string(),
                distinct: v.len() as u64,
                distinct_capped: false,
                suspect: None,
                series: None,
            });
    }
    out
}

/// The labels of `families` (the fleet's largest, each with its sample names), one family
/// at a time: all its labels in one answer while it holds at most
/// [`MOST_ROWS`](super::cost::MOST_ROWS) rows, else one query per label,
/// `count by (job) (count by (job, L) (…))`. A label the server cannot count (a UTF-8 name
/// in `by`, which VictoriaMetrics 1.79 cannot parse) is a note in `notes`, not a failure.
pub(super) fn largest(
    api: &Api,
    sel: &str,
    (start, at): (f64, f64),
    families: &[(String, Vec<String>)],
    own: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> anyhow::Result<Found> {
    let mut found = Found::new();
    for (family, names) in families {
        let alt: Vec<String> = names.iter().map(|n| promql::regex_literal(n)).collect();
        let series = format!(
            "{{{},{sel}}}",
            promql::matcher("__name__", "=~", &alt.join("|"))
        );
        let labels: Vec<String> = api
            .label_names(&series, start, at)?
            .into_iter()
            .filter(|l| !own.contains(l))
            .collect();
        if labels.is_empty() {
            continue;
        }
        let by: Vec<String> = labels.iter().map(|l| promql::label(l)).collect();
        let q = format!("count by (job, {}) ({series})", by.join(", "));
        // Past its bound, or refused, label by label as before.
        if let Ok(Some(rows)) = api.instant_at_most(&q, at, most_rows()) {
            // Every label of the query, on a row at the range's end or not.
            let rows: Vec<(String, Sample)> =
                rows.into_iter().map(|s| (family.clone(), s)).collect();
            found.extend(count(&rows, own, &labels));
            continue;
        }
        for label in labels {
            let q = format!(
                "count by (job) (count by (job, {}) ({series}))",
                promql::label(&label)
            );
            let counted = match api.instant(&q, at) {
                Ok(c) => c,
                Err(e) => {
                    notes.push(format!(
                        "the values of {label} in {family} are not counted: {e:#}"
                    ));
                    continue;
                }
            };
            for s in counted {
                let Some(job) = s.labels.get("job") else {
                    continue;
                };
                found
                    .entry((job.clone(), family.clone()))
                    .or_default()
                    .push(LabelCost {
                        name: label.clone(),
                        distinct: s.value as u64,
                        distinct_capped: false,
                        suspect: None,
                        series: None,
                    });
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(family: &str, labels: &[(&str, &str)]) -> (String, Sample) {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (family.to_string(), Sample { labels, value: 1.0 })
    }

    #[test]
    fn distinct_values_per_job_and_family() {
        let own: BTreeSet<String> = ["__name__", "job", "instance", "pod"]
            .into_iter()
            .map(String::from)
            .collect();
        let rows = [
            row(
                "req",
                &[
                    ("job", "a"),
                    ("__name__", "req"),
                    ("path", "/x"),
                    ("code", "200"),
                    ("pod", "p1"),
                ],
            ),
            row(
                "req",
                &[
                    ("job", "a"),
                    ("__name__", "req"),
                    ("path", "/y"),
                    ("code", "200"),
                    ("pod", "p2"),
                ],
            ),
            // No code: its empty value is one more, as `count by (code)` groups it.
            row("req", &[("job", "a"), ("__name__", "req"), ("path", "/y")]),
            row("req", &[("job", "b"), ("__name__", "req"), ("path", "/x")]),
            row(
                "lat",
                &[("job", "b"), ("__name__", "lat_bucket"), ("le", "1")],
            ),
            row("lat", &[("job", "b"), ("__name__", "lat_sum")]),
        ];
        let got: Vec<(String, String, String, u64)> = count(&rows, &own, &[])
            .into_iter()
            .flat_map(|((j, f), ls)| {
                ls.into_iter()
                    .map(move |l| (j.clone(), f.clone(), l.name, l.distinct))
            })
            .collect();
        let want = [
            ("a", "req", "code", 2),
            ("a", "req", "path", 2),
            ("b", "lat", "le", 2),
            ("b", "req", "code", 1),
            ("b", "req", "path", 1),
        ];
        let want: Vec<(String, String, String, u64)> = want
            .iter()
            .map(|(j, f, l, n)| (j.to_string(), f.to_string(), l.to_string(), *n))
            .collect();
        assert_eq!(got, want);
        // A label asked for but on no row at the range's end is one empty value.
        let also = count(&rows[3..4], &own, &["method".to_string()]);
        let names: Vec<(&str, u64)> = also[&("b".to_string(), "req".to_string())]
            .iter()
            .map(|l| (l.name.as_str(), l.distinct))
            .collect();
        assert_eq!(names, [("method", 1), ("path", 1)]);
    }
}
