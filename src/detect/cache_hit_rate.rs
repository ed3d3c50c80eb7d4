//! `cache_hit_rate`: hit ratio of every cache found, from hit/miss pairs, hits/lookups, a
//! label whose values say hit or miss (Micrometer's `cache_gets_total{result}`, a request
//! family's `cache="HIT"`), or a caching proxy's hits over its requests.

use super::promql::{selector, sum_rate};
use super::rules::request_labels;
use super::service;
use super::{count, Context, Detector, Measurement, Observation};
use crate::model::{Family, Labels, MetricType, Snapshot};
use crate::plural;
use std::collections::HashMap;

/// Reports each cache's hit ratio.
pub(crate) struct CacheHitRateDetector;

/// How the partner of a hits family is named: (replace, with, hits are part of the total).
const PARTNERS: &[(&str, &str, bool)] = &[
    ("hits", "misses", false),
    ("hit", "miss", false),
    ("hits", "lookups", true),
    ("_hits", "", true),
];

fn partner<'a>(by_name: &HashMap<&str, &'a Family>, hits: &Family) -> Option<(&'a Family, bool)> {
    PARTNERS.iter().find_map(|(from, to, is_total)| {
        let i = hits.name.rfind(from)?;
        let name = format!("{}{}{}", &hits.name[..i], to, &hits.name[i + from.len()..]);
        by_name.get(name.as_str()).map(|f| (*f, *is_total))
    })
}

fn subject(a: &str, b: &str, labels: &Labels) -> String {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let base = a[..common].trim_end_matches('_');
    if labels.is_empty() {
        base.to_string()
    } else {
        format!("{base}{labels}")
    }
}

fn ratio(hits: f64, other: f64, other_is_total: bool) -> Option<f64> {
    let total = if other_is_total { other } else { hits + other };
    (total > 0.0 && hits.is_finite() && total.is_finite()).then(|| hits / total)
}

fn measurement(
    subject: String,
    value: Option<f64>,
    note: String,
    query: Option<String>,
) -> Observation {
    Observation::Measurement(Measurement {
        check: "cache_hit_rate",
        subject: Some(subject),
        value,
        note,
        query,
    })
}

fn matchers(labels: &Labels) -> Vec<(&str, &str, &str)> {
    labels.iter().map(|(k, v)| (k, "=", v)).collect()
}

/// Whether a family may be part of a cache measurement (or of the cache settings).
pub(crate) fn wanted(name: &str) -> bool {
    name.contains("cache")
        && [
            "hit", "miss", "lookup", "_get", "entries", "size", "items", "keys",
        ]
        .iter()
        .any(|w| name.contains(w))
}

fn pairs(snap: &Snapshot, skip: Option<&str>) -> Vec<Observation> {
    let mut out = Vec::new();
    // Maps, not scans: thousands of caches must stay linear (the first family of a name,
    // and the first series of a label set, as `Snapshot::family` and a scan would find).
    let mut by_name: HashMap<&str, &Family> = HashMap::new();
    for f in &snap.families {
        by_name.entry(f.name.as_str()).or_insert(f);
    }
    for hits in snap
        .families
        .iter()
        .filter(|f| f.name.contains("cache") && f.name.contains("hit"))
        .filter(|f| Some(f.name.as_str()) != skip)
    {
        let Some((other, is_total)) = partner(&by_name, hits) else {
            continue;
        };
        let mut others: HashMap<&Labels, f64> = HashMap::new();
        for (l, v) in other.scalars() {
            others.entry(l).or_insert(v);
        }
        for (labels, h) in hits.scalars() {
            let Some(&o) = others.get(labels) else {
                continue;
            };
            let what = if is_total { "lookups" } else { "misses" };
            let hq = sum_rate(&selector(&hits.sample_name(), &matchers(labels)));
            let oq = sum_rate(&selector(&other.sample_name(), &matchers(labels)));
            let query = if is_total {
                format!("{hq} / {oq}")
            } else {
                format!("{hq} / ({hq} + {oq})")
            };
            out.push(measurement(
                subject(&hits.name, &other.name, labels),
                ratio(h, o, is_total),
                format!(
                    "{} in {}, {} {what} in {}",
                    plural::s(h, "hit"),
                    hits.name,
                    count(o),
                    other.name
                ),
                Some(query),
            ));
        }
    }
    out
}

/// Whether a label is the request's own (route, status, method), summed over when a
/// request family's lookups are counted as one cache.
fn request_label(name: &str, value: &str) -> bool {
    request_labels::named_labels().any(|l| l == name)
        || request_labels::route_shaped(value)
        || request_labels::status_shaped(value)
}

/// Caches counted by a label whose values say hit or miss, whatever the label's and the
/// family's names (`cache_gets_total{result="hit"}`, `<ns>_requests_total{cache="HIT"}`):
/// one cache per value of the other labels, or one per request family.
/// A histogram's or summary's `_count` is read only where no counter has such a label: the
/// same lookups are often both counted and timed (`…_cache_request_total{status="hit"}`
/// beside `…_cache_request_duration_seconds{status="hit"}`), and are one cache.
fn by_result_label(snap: &Snapshot) -> Vec<Observation> {
    let timed = |f: &Family| matches!(f.mtype, MetricType::Histogram | MetricType::Summary);
    let labelled: Vec<(&Family, String)> = snap
        .families
        .iter()
        .filter(|f| {
            // Only the families the parser keeps with such a label, so that a page reads the
            // same whether everything was kept or not.
            wanted(&f.name) || timed(f) || super::traffic::request_counter_name(&f.name, f.mtype)
        })
        .filter_map(|f| request_labels::hit_miss_label(f).map(|l| (f, l)))
        .collect();
    let counted = labelled.iter().any(|(f, _)| !timed(f));
    let mut out = Vec::new();
    for (f, label) in labelled.iter().filter(|(f, _)| !(counted && timed(f))) {
        let label = label.as_str();
        // A request family, histogram or summary is one cache: the parser sums it down to the
        // labels that name requests, so other labels cannot tell caches apart (a cache per
        // route would be noise anyway).
        let summed = timed(f) || super::traffic::request_counter_name(&f.name, f.mtype);
        let mut groups: super::Tally<(Labels, bool)> = super::Tally::new();
        for s in &f.series {
            let Some(hit) = s.labels.get(label).and_then(request_labels::hit_or_miss) else {
                continue;
            };
            let n = super::traffic::count_of(&s.value);
            let rest = if summed {
                Labels::default()
            } else {
                Labels::from_pairs(
                    s.labels
                        .iter()
                        .filter(|(k, v)| *k != label && !request_label(k, v)),
                )
            };
            groups.add((rest, hit), if n.is_finite() { n } else { 0.0 });
        }
        let mut by_rest: Vec<(Labels, f64, f64)> = Vec::new();
        for ((rest, hit), n) in groups.into_vec() {
            let i = match by_rest.iter().position(|g| g.0 == rest) {
                Some(i) => i,
                None => {
                    by_rest.push((rest, 0.0, 0.0));
                    by_rest.len() - 1
                }
            };
            if hit {
                by_rest[i].1 += n;
            } else {
                by_rest[i].2 += n;
            }
        }
        let values = |want: bool| -> Vec<&str> {
            let mut v: Vec<&str> = f
                .series
                .iter()
                .filter_map(|s| s.labels.get(label))
                .filter(|v| request_labels::hit_or_miss(v) == Some(want))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (hv, mv) = (values(true).join("|"), values(false).join("|"));
        let sample = if timed(f) {
            format!("{}_count", f.name)
        } else {
            f.sample_name()
        };
        let base = f.name.strip_suffix("_total").unwrap_or(&f.name);
        for (rest, h, m) in by_rest {
            let subject = if rest.is_empty() {
                base.to_string()
            } else {
                format!("{base}{rest}")
            };
            let note = format!(
                "{} and {} in {sample}{{{label}=~\"{hv}|{mv}\"}}",
                plural::s(h, "hit"),
                plural::of(m, "miss", "misses"),
            );
            let mut hit = matchers(&rest);
            hit.push((label, "=~", &hv));
            let all_values = format!("{hv}|{mv}");
            let mut all = matchers(&rest);
            all.push((label, "=~", &all_values));
            let query = format!(
                "{} / {}",
                sum_rate(&selector(&sample, &hit)),
                sum_rate(&selector(&sample, &all))
            );
            out.push(measurement(subject, ratio(h, m, false), note, Some(query)));
        }
    }
    out
}

/// A caching proxy is itself a cache: `<x>_hits` beside its incoming `<x>_requests`
/// counter (squid's `squid_client_http_hits_total` over `squid_client_http_requests_total`).
fn of_proxy(cx: &Context<'_>) -> Option<Observation> {
    let t = cx.traffic?;
    let base = t.family.strip_suffix("_total").unwrap_or(&t.family);
    let stem = base.strip_suffix("_requests")?;
    let hits = [format!("{stem}_hits_total"), format!("{stem}_hits")]
        .into_iter()
        .find_map(|n| cx.snapshot.family(&n))?;
    let h = hits
        .scalars()
        .map(|(_, v)| v)
        .filter(|v| v.is_finite())
        .fold(0.0, |a, b| a + b);
    let n = t.total();
    let query = format!(
        "{} / {}",
        sum_rate(&selector(&hits.sample_name(), &[])),
        sum_rate(&selector(&t.selector(), &[]))
    );
    Some(measurement(
        stem.to_string(),
        ratio(h, n, true),
        format!(
            "{} in {} over {} in {}: the proxy answers from its cache",
            plural::s(h, "hit"),
            hits.name,
            plural::s(n, "request"),
            t.selector()
        ),
        Some(query),
    ))
}

/// Whether a family is a proxy's hits beside its requests (kept summed to one series).
pub(crate) fn proxy_hits(name: &str) -> bool {
    let base = name.strip_suffix("_total").unwrap_or(name);
    base.ends_with("_hits") && !name.contains("cache")
}

/// The cache of the service behind an exporter (Redis's keyspace, memcached's gets,
/// Varnish's objects), from the service table.
fn of_service(snap: &Snapshot) -> Option<(Observation, &'static str)> {
    let c = service::recognise(snap)?.cache.as_ref()?;
    let (hname, hm) = c.hits;
    let (mname, mm) = c.misses;
    let h = service::sum_of(snap, hname, hm)?;
    let m = service::sum_of(snap, mname, mm)?;
    let show = |name: &str, m: &[(&str, &str)]| {
        let labels: Vec<String> = m.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        if labels.is_empty() {
            name.to_string()
        } else {
            format!("{name}{{{}}}", labels.join(","))
        }
    };
    let eq = |m: &'static [(&'static str, &'static str)]| -> Vec<(&str, &str, &str)> {
        m.iter().map(|(k, v)| (*k, "=", *v)).collect()
    };
    let hq = sum_rate(&selector(&snap.sample_name(hname), &eq(hm)));
    let mq = sum_rate(&selector(&snap.sample_name(mname), &eq(mm)));
    let (first, query) = if c.lookups {
        ("lookups", format!("1 - {mq} / {hq}"))
    } else {
        ("hits", format!("{hq} / ({hq} + {mq})"))
    };
    let obs = measurement(
        c.subject.to_string(),
        // Lookups count the misses too.
        if c.lookups {
            ratio(h - m, h, true)
        } else {
            ratio(h, m, false)
        },
        format!(
            "{} {first} in {}, {} in {}",
            count(h),
            show(hname, hm),
            plural::of(m, "miss", "misses"),
            show(mname, mm)
        ),
        Some(query),
    );
    Some((obs, hname))
}

impl Detector for CacheHitRateDetector {
    fn id(&self) -> &'static str {
        "cache_hit_rate"
    }

    fn describe(&self) -> &'static str {
        "hit ratio of every cache: *_cache_hits_total / *_cache_misses_total, hits/lookups, result=\"hit|miss\""
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let service = of_service(cx.snapshot);
        // Varnish's `varnish_main_cache_hit` also looks like a generic pair: count it once.
        let mut out: Vec<Observation> = pairs(cx.snapshot, service.as_ref().map(|s| s.1));
        out.extend(by_result_label(cx.snapshot));
        out.extend(of_proxy(cx));
        out.extend(service.map(|s| s.0));
        if out.is_empty() {
            out.push(Observation::Measurement(Measurement {
                check: "cache_hit_rate",
                subject: None,
                value: None,
                note: "no cache hit/miss counters found".into(),
                query: None,
            }));
        }
        out
    }
}
