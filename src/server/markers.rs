//! What the exporter markers (`detect::rules::process`) read of each target, besides the
//! families the detectors read: which families a page has, how many series each, and whether
//! their labels name a process or a remote host. A rebuilt exposition holds only the
//! detectors' families, summed down to their route and status labels, so without this an
//! exporter's page (`<x>_exporter_build_info`, a prober's `smokeping_*{host}`) reads as an
//! app's, and its `process_*` as the service's. A handful of queries for the whole fleet,
//! each answered per family and target (never per series): the count does not grow with the
//! targets.

use std::collections::{BTreeMap, BTreeSet};

use super::families;
use crate::detect::rules::{others, process};
use crate::escape::promql;
use crate::input::promapi::Api;
use crate::model::{FamilyLabels, FamilyStats, LabelCost, Snapshot};
use crate::report::Target;

/// Labels a query or the series' shape adds, never a page's own.
const NOT_THE_PAGES: [&str; 5] = ["__name__", "job", "instance", "le", "quantile"];

/// The longest list of `label=""` matchers sent in one query, in bytes.
const MATCHERS_BOUND: usize = 16 * 1024;

/// One target's families as the markers read them.
#[derive(Debug, Default)]
pub(super) struct Marks {
    /// Per family: its counts, and the label names the markers look for that it carries.
    families: Vec<(FamilyStats, BTreeSet<String>)>,
    /// The labels the server attaches to every series of the target (relabelling's `env`,
    /// `pod`, `container`): the server's, not the page's.
    target_labels: BTreeSet<String>,
}

/// Per sample name and target, the count a `count by (__name__, job, instance)` answered.
type Counts = BTreeMap<(Target, String), f64>;

/// How many series of each name each target had over the range, read as the detectors'
/// families are (`last_over_time`), so that both see the same families. `None` when the
/// answer lost the names: VictoriaMetrics drops them there unless told `keep_metric_names`.
fn counts(
    api: &Api,
    selector: &str,
    over: (&str, f64),
    keep: bool,
) -> anyhow::Result<Option<Counts>> {
    let (range, end) = over;
    let keep = if keep { " keep_metric_names" } else { "" };
    let q = format!(
        "count by (__name__, job, instance) (last_over_time({{{selector}}}[{range}]){keep})"
    );
    let mut out = Counts::new();
    for s in api.instant(&q, end)? {
        let l = s.labels;
        let Some(name) = l.get("__name__") else {
            return Ok(None);
        };
        if let Some(job) = l.get("job") {
            let instance = l.get("instance").cloned().unwrap_or_default();
            let t = Target {
                job: job.clone(),
                instance,
            };
            out.insert((t, name.clone()), s.value);
        }
    }
    Ok(Some(out))
}

/// Reads the marker families among the fleet's `names`, per target.
pub(super) fn read(
    api: &Api,
    sel: &str,
    names: &[String],
    range: &str,
    (start, end): (f64, f64),
) -> anyhow::Result<BTreeMap<Target, Marks>> {
    let probers: BTreeSet<String> = names
        .iter()
        .filter_map(|n| others::prober_namespace(n))
        .collect();
    let probers: Vec<String> = probers.into_iter().collect();
    let shapes = process::marker_regex(&probers);
    let anchored = regex_lite::Regex::new(&format!("^(?:{shapes})$"))?;
    let wanted: Vec<String> = names
        .iter()
        .filter(|n| anchored.is_match(n))
        .cloned()
        .collect();
    let mut out: BTreeMap<Target, Marks> = BTreeMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    // Each target's own labels, as its `up` carries them.
    let mut all_target_labels = BTreeSet::new();
    for s in api.instant(&format!("last_over_time(up{{{sel}}}[{range}])"), end)? {
        let (Some(job), instance) = (s.labels.get("job"), s.labels.get("instance")) else {
            continue;
        };
        let t = Target {
            job: job.clone(),
            instance: instance.cloned().unwrap_or_default(),
        };
        let own = s
            .labels
            .keys()
            .filter(|k| !NOT_THE_PAGES.contains(&k.as_str()));
        let m = out.entry(t).or_default();
        m.target_labels.extend(own.cloned());
        all_target_labels.extend(m.target_labels.iter().cloned());
    }
    let base = format!("{},{sel}", promql::matcher("__name__", "=~", &shapes));
    // Label names are read only of the families whose labels a marker looks at.
    let labelled = process::labelled_regex(&probers);
    let read_labels = regex_lite::Regex::new(&format!("^(?:{labelled})$"))?;
    let lbase = format!("{},{sel}", promql::matcher("__name__", "=~", &labelled));
    let labels: Vec<String> = api
        .label_names(&format!("{{{lbase}}}"), start, end)?
        .into_iter()
        .filter(|l| !NOT_THE_PAGES.contains(&l.as_str()))
        .collect();
    let lost = || {
        anyhow::anyhow!(
            "{} drops the metric names from last_over_time even with keep_metric_names: \
             the exporter markers cannot be read",
            api.shown()
        )
    };
    let (every, keep) = match counts(api, &base, (range, end), false)? {
        Some(c) => (c, false),
        None => (
            counts(api, &base, (range, end), true)?.ok_or_else(lost)?,
            true,
        ),
    };
    let ask = |selector: &str| counts(api, selector, (range, end), keep)?.ok_or_else(lost);
    // Series with none of the page's labels: a family with more series than these has labels.
    let page_labels: Vec<&String> = labels
        .iter()
        .filter(|l| !all_target_labels.contains(*l))
        .collect();
    let empty: Vec<String> = page_labels
        .iter()
        .map(|l| promql::matcher(l, "=", ""))
        .collect();
    let empty = empty.join(",");
    // Past the bound (a URL the server may refuse), every family reads as unlabelled: the
    // prober's rule then weighs only the families with a host label, and errs towards
    // "unknown", never towards the prober's own process_*.
    let bare = if page_labels.is_empty() || empty.len() > MATCHERS_BOUND {
        every.clone()
    } else {
        ask(&format!("{lbase},{empty}"))?
    };
    // Which families carry each label naming a process or a host.
    let mut carried: Vec<(&str, Counts)> = Vec::new();
    for l in labels.iter().filter(|l| others::process_or_host(l)) {
        let c = ask(&format!("{lbase},{}", promql::matcher(l, "!=", "")))?;
        carried.push((l, c));
    }
    // A stand-in for labels the markers do not look at, for a family that has only those.
    let other = page_labels.iter().find(|l| !others::process_or_host(l));
    for typed in families::typed(&wanted) {
        let samples: Vec<&String> = typed
            .names
            .iter()
            .filter(|n| !n.ends_with("_bucket") || typed.names.len() == 1)
            .collect();
        // Of the others, the counts without labels were not asked: none are read.
        let labels_read = typed.names.iter().any(|n| read_labels.is_match(n));
        let mut targets: BTreeSet<&Target> = BTreeSet::new();
        for ((t, n), _) in every.iter() {
            if typed.names.contains(n) {
                targets.insert(t);
            }
        }
        for t in targets {
            let count = |c: &Counts| {
                samples
                    .iter()
                    .filter_map(|n| c.get(&(t.clone(), n.to_string())))
                    .fold(0.0, |a: f64, b| a.max(*b))
            };
            let series = count(&every);
            let m = out.entry(t.clone()).or_default();
            let mut found: BTreeSet<String> = carried
                .iter()
                .filter(|(l, c)| !m.target_labels.contains(*l) && count(c) > 0.0)
                .map(|(l, _)| l.to_string())
                .collect();
            if labels_read && found.is_empty() && series > count(&bare) {
                found.extend(other.map(|l| l.to_string()));
            }
            let stats = FamilyStats {
                name: typed.family.clone(),
                mtype: typed.mtype,
                series: series as u64,
                samples: series as u64,
            };
            m.families.push((stats, found));
        }
    }
    Ok(out)
}

/// Adds a target's marker families to its rebuilt snapshot's counts (the families the
/// detectors read keep theirs), and drops the server's own labels from the label names.
pub(super) fn add(snap: &mut Snapshot, marks: Option<&Marks>) {
    let Some(m) = marks else { return };
    let stats = &mut snap.stats;
    for f in &mut stats.labels {
        f.labels.retain(|l| !m.target_labels.contains(&l.name));
    }
    for (fs, found) in &m.families {
        if !stats.families.iter().any(|f| f.name == fs.name) {
            stats.families.push(fs.clone());
        }
        let at = match stats.labels.iter().position(|f| f.name == fs.name) {
            Some(i) => i,
            None => {
                stats.labels.push(FamilyLabels {
                    name: fs.name.clone(),
                    ..FamilyLabels::default()
                });
                stats.labels.len() - 1
            }
        };
        let labels = &mut stats.labels[at].labels;
        for name in found {
            if !labels.iter().any(|l| &l.name == name) {
                labels.push(LabelCost {
                    name: name.clone(),
                    distinct: 1,
                    distinct_capped: false,
                    suspect: None,
                    series: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::process::exporter;
    use crate::model::MetricType;
    use crate::parse::snapshot_of;

    fn family(name: &str, series: u64, labels: &[&str]) -> (FamilyStats, BTreeSet<String>) {
        let stats = FamilyStats {
            name: name.into(),
            mtype: MetricType::Gauge,
            series,
            samples: series,
        };
        (stats, labels.iter().map(|l| l.to_string()).collect())
    }

    #[test]
    fn the_markers_see_what_the_server_read() {
        let page = "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes{container=\"app\"} 1\n";
        let mut snap = snapshot_of(page);
        assert!(exporter(&snap).is_none());
        // A collector's memory by runtime: a marker, once the server says the family has it.
        let marks = Marks {
            families: vec![family("zorb_runtime_memory_bytes", 2, &["runtime_tag"])],
            target_labels: BTreeSet::from(["container".to_string()]),
        };
        add(&mut snap, Some(&marks));
        let found = exporter(&snap).map(|e| e.family);
        assert_eq!(found.as_deref(), Some("zorb_runtime_memory_bytes"));
        // The server's own label is no longer the page's.
        let process = snap
            .stats
            .labels
            .iter()
            .find(|f| f.name.starts_with("process_"));
        assert!(process.unwrap().labels.is_empty());
        // `<ns>_up` counts only with one series.
        let mut snap = snapshot_of(page);
        let two = Marks {
            families: vec![family("zorb_up", 2, &["shard"])],
            ..Marks::default()
        };
        add(&mut snap, Some(&two));
        assert!(exporter(&snap).is_none());
    }
}
