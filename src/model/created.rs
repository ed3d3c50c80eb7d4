//! Creation times written as families of their own.
//!
//! In the text format 0.0.4 the Python client (and so FastAPI, Flask, Starlette and Django
//! apps) writes a `<name>_created` gauge beside every counter, histogram and summary. Its
//! value is a Unix time, never a count: read as one, `x_cache_hits_created` looks like a
//! cache with a billion hits. OpenMetrics carries the same time inside the family, and the
//! parser already puts it in [`Series::created`]; this pass gives the text format the same
//! model, so that no detector can see a creation time as a family.

use std::collections::HashMap;

use super::{Family, MetricType, Series, Snapshot};

/// The family `name` is the creation time of, given the types of every family read
/// (retained or not): `<base>_total` or `<base>` of a counter, or `<base>` of a histogram or
/// summary. `None` when `name` is an ordinary gauge.
pub fn created_parent(
    name: &str,
    mtype: MetricType,
    type_of: impl Fn(&str) -> Option<MetricType>,
) -> Option<String> {
    if !matches!(mtype, MetricType::Gauge | MetricType::Unknown) {
        return None;
    }
    let base = name.strip_suffix("_created")?;
    let total = format!("{base}_total");
    if type_of(&total) == Some(MetricType::Counter) {
        return Some(total);
    }
    matches!(
        type_of(base),
        Some(MetricType::Counter | MetricType::Histogram | MetricType::Summary)
    )
    .then(|| base.to_string())
}

/// Moves every `<name>_created` family into its sibling's series as their creation time
/// (the earliest one, where the sibling's series were summed) and drops the family.
pub fn fold_created(snap: &mut Snapshot) {
    let types: HashMap<&str, MetricType> = snap
        .stats
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.mtype))
        .collect();
    let mut created: Vec<(String, Family)> = Vec::new();
    let mut kept = Vec::with_capacity(snap.families.len());
    for f in std::mem::take(&mut snap.families) {
        match created_parent(&f.name, f.mtype, |n| types.get(n).copied()) {
            Some(parent) => created.push((parent, f)),
            None => kept.push(f),
        }
    }
    snap.families = kept;
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, f) in snap.families.iter().enumerate() {
        at.entry(f.name.clone()).or_insert(i);
    }
    for (parent, times) in created {
        if let Some(&i) = at.get(&parent) {
            attach(&mut snap.families[i].series, &times);
        }
    }
}

/// Sets each series' creation time from the `_created` series whose labels include its own
/// (a summed series has fewer labels than the gauge beside it).
fn attach(series: &mut [Series], times: &Family) {
    // One index per set of label names; a family's series almost always share one.
    let mut by_names: HashMap<Vec<String>, HashMap<Vec<String>, f64>> = HashMap::new();
    for s in series.iter_mut() {
        let names: Vec<String> = s.labels.iter().map(|(k, _)| k.to_string()).collect();
        let index = by_names.entry(names).or_insert_with_key(|names| {
            let mut m: HashMap<Vec<String>, f64> = HashMap::new();
            for (labels, t) in times.scalars().filter(|(_, t)| t.is_finite()) {
                let Some(key) = names
                    .iter()
                    .map(|n| labels.get(n).map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                m.entry(key).and_modify(|e| *e = e.min(t)).or_insert(t);
            }
            m
        });
        let key: Vec<String> = s.labels.iter().map(|(_, v)| v.to_string()).collect();
        if let Some(&t) = index.get(&key) {
            s.created = Some(s.created.map_or(t, |c| c.min(t)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::SeriesValue;
    use crate::parse::snapshot_of;

    const TEXT: &str = concat!(
        "# TYPE app_cache_hits_total counter\napp_cache_hits_total 5.0\n",
        "# TYPE app_cache_hits_created gauge\napp_cache_hits_created 1.7e9\n",
        "# TYPE req_seconds histogram\n",
        "req_seconds_bucket{path=\"/a\",le=\"+Inf\"} 2\nreq_seconds_sum{path=\"/a\"} 1\nreq_seconds_count{path=\"/a\"} 2\n",
        "req_seconds_bucket{path=\"/b\",le=\"+Inf\"} 1\nreq_seconds_sum{path=\"/b\"} 1\nreq_seconds_count{path=\"/b\"} 1\n",
        "# TYPE req_seconds_created gauge\nreq_seconds_created{path=\"/a\"} 100\nreq_seconds_created{path=\"/b\"} 90\n",
        "# TYPE boot_created gauge\nboot_created 7\n",
    );

    #[test]
    fn text_created_gauges_become_creation_times() {
        let snap = snapshot_of(TEXT);
        let names: Vec<&str> = snap.families.iter().map(|f| f.name.as_str()).collect();
        // A `_created` gauge without a counter, histogram or summary beside it is a gauge.
        assert_eq!(
            names,
            ["app_cache_hits_total", "req_seconds", "boot_created"]
        );
        let hits = &snap.family("app_cache_hits_total").unwrap().series[0];
        assert_eq!(
            (&hits.value, hits.created),
            (&SeriesValue::Scalar(5.0), Some(1.7e9))
        );
        let req = snap.family("req_seconds").unwrap();
        let created: Vec<_> = req.series.iter().map(|s| s.created).collect();
        assert_eq!(created, [Some(100.0), Some(90.0)]);
    }

    #[test]
    fn summed_series_take_the_earliest_creation_time() {
        let keep = |name: &str, _| {
            if name == "req_seconds" {
                crate::model::Keep::SumBy(vec![])
            } else {
                crate::model::Keep::Everything
            }
        };
        let opts = crate::parse::ParseOptions {
            retain: Some(&keep),
            ..Default::default()
        };
        let snap = crate::parse::parse_bytes(TEXT.as_bytes(), &opts)
            .unwrap()
            .snapshot;
        let req = snap.family("req_seconds").unwrap();
        assert_eq!(req.series.len(), 1);
        assert_eq!(req.series[0].created, Some(90.0));
    }
}
