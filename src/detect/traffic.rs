//! Recognising the exporter: which family counts requests, and which labels carry the route,
//! status and method. Rules from fixtures/corpus/CONVENTIONS.md, section 2.

use crate::escape::promql;
use crate::model::{Family, MetricType, SeriesValue, Snapshot};

use super::routes::{self, StatusStyle};
use super::rules::request_labels;
use super::rules::requests::{self, Incoming};

/// Where request counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountKind {
    /// A counter of requests.
    Counter,
    /// The `_count` of a latency histogram or summary.
    LatencyCount,
}

/// Hand-written names for an exporter promtune does not recognise (from the config file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficOverride {
    /// The family that counts requests.
    pub family: Option<String>,
    /// The label holding the route.
    pub route_label: Option<String>,
    /// The label holding the status.
    pub status_label: Option<String>,
    /// The label holding the method.
    pub method_label: Option<String>,
}

/// Requests of one route, status and method.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow {
    /// Route label value.
    pub route: Option<String>,
    /// Status label value.
    pub status: Option<String>,
    /// Method label value.
    pub method: Option<String>,
    /// Requests since the process started.
    pub count: f64,
}

/// The recognised request traffic of an exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// The family the counts come from.
    pub family: String,
    /// Its counter samples' name (`<family>_total` in OpenMetrics).
    pub series: String,
    /// Counter or latency `_count`.
    pub kind: CountKind,
    /// Label holding the route, if any.
    pub route_label: Option<String>,
    /// Label holding the status, if any.
    pub status_label: Option<String>,
    /// Label holding the method, if any.
    pub method_label: Option<String>,
    /// How statuses are written.
    pub status_style: Option<StatusStyle>,
    /// One row per series, summed over other labels.
    pub rows: Vec<RequestRow>,
    /// Why the counts come from this family rather than the request counter, when they do.
    pub note: Option<String>,
}

impl Traffic {
    /// All requests recorded.
    pub fn total(&self) -> f64 {
        self.rows.iter().map(|r| r.count).fold(0.0, |a, b| a + b)
    }

    /// Requests whose route satisfies `pred`.
    pub fn count_routes(&self, pred: impl Fn(&str) -> bool) -> f64 {
        self.rows
            .iter()
            .filter(|r| r.route.as_deref().is_some_and(&pred))
            .map(|r| r.count)
            .fold(0.0, |a, b| a + b)
    }

    /// The series the counts come from, as a PromQL selector, for evidence.
    pub fn selector(&self) -> String {
        match self.kind {
            CountKind::Counter => promql::selector(&self.series, ""),
            CountKind::LatencyCount => promql::selector(&format!("{}_count", self.family), ""),
        }
    }
}

/// Whether a family's name and type make it a candidate request counter (before looking at
/// its labels or the page): the parser keeps such families.
pub(crate) fn request_counter_name(name: &str, t: MetricType) -> bool {
    counter_type(t) && requests::incoming_name(name)
}

fn counter_type(t: MetricType) -> bool {
    matches!(
        t,
        MetricType::Counter | MetricType::Gauge | MetricType::Unknown
    )
}

/// Whether a family's name makes it a candidate request-latency histogram or summary.
pub(crate) fn request_latency_name(name: &str, t: MetricType) -> bool {
    matches!(t, MetricType::Histogram | MetricType::Summary) && requests::latency_name(name)
}

/// The labels request detection reads by name: the rules' and the override's. Others are
/// kept for their values (see [`request_labels::kept_for_value`]).
pub(crate) fn traffic_labels(o: &TrafficOverride) -> Vec<String> {
    request_labels::named_labels()
        .map(str::to_string)
        .chain(
            [&o.route_label, &o.status_label, &o.method_label]
                .into_iter()
                .flatten()
                .cloned(),
        )
        .collect()
}

/// The names of every family on the page, kept or not: the rules look for siblings (an
/// uptime, a proxy's other half) the detectors do not read.
fn on_page(snap: &Snapshot) -> impl Fn(&str) -> bool + '_ {
    let names: std::collections::HashSet<&str> = snap
        .stats
        .families
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    move |n: &str| {
        let base = n.strip_suffix("_total").unwrap_or(n);
        names.contains(n) || names.contains(base)
    }
}

/// The incoming rule a family follows as a request counter on this page, if any.
fn counter_rule(has: &dyn Fn(&str) -> bool, fam: &Family) -> Option<&'static Incoming> {
    if !counter_type(fam.mtype) {
        return None;
    }
    let rule = requests::incoming(&fam.name, has)?;
    // Ray exports counters as gauges, but only under names that say requests; a gauge named
    // by another rule is more likely a level than a count.
    if fam.mtype == MetricType::Gauge && !rule.needs_evidence {
        return None;
    }
    if request_labels::mixes_directions(fam) {
        return None;
    }
    (!rule.needs_evidence || evidence(fam)).then_some(rule)
}

/// Something that says these are served requests: a route or status recognised by its
/// values, the protocol in the name, or the bare name Linkerd uses
/// (node_disk_flush_requests_total has none of them).
fn evidence(fam: &Family) -> bool {
    let base = fam.name.strip_suffix("_total").unwrap_or(&fam.name);
    request_labels::route_label(fam).is_some()
        || request_labels::status_label(fam, None).is_some()
        || ["http", "grpc", "dns"].iter().any(|p| fam.name.contains(p))
        || matches!(base, "request" | "requests")
}

/// A request-latency histogram or summary by its name (what P95 reads).
pub(crate) fn is_request_latency(fam: &Family) -> bool {
    request_latency_name(&fam.name, fam.mtype)
}

/// A histogram or summary whose `_count` counts requests: named as request latency with the
/// evidence a counter needs (`argocd_git_request_duration_seconds` times calls the service
/// makes); or, whatever its name, with a route recognised by its values and a status or a
/// method beside it: a request has a path and an answer, while a path label alone may hold
/// files (`lsm_memtable_durations_ms{path="/var/lib/…"}`).
fn is_request_histogram(fam: &Family) -> bool {
    let answered = || {
        request_labels::route_label(fam).is_some_and(|r| {
            request_labels::status_label(fam, Some(&r)).is_some()
                || request_labels::method_label(fam).is_some()
        })
    };
    matches!(fam.mtype, MetricType::Histogram | MetricType::Summary)
        && !request_labels::mixes_directions(fam)
        && !requests::NOT_INCOMING
            .iter()
            .any(|(part, _)| fam.name.contains(part))
        && ((is_request_latency(fam) && evidence(fam)) || answered())
}

/// Requests in one series: a counter's value, or a histogram's or summary's count.
pub(crate) fn count_of(v: &SeriesValue) -> f64 {
    match v {
        SeriesValue::Scalar(x) => *x,
        SeriesValue::Histogram { count, buckets, .. } => count
            .or_else(|| buckets.last().map(|b| b.count))
            .unwrap_or(0.0),
        SeriesValue::Summary { count, .. } => count.unwrap_or(0.0),
    }
}

/// The label a rule fixes, when the family has it.
fn fixed(fam: &Family, label: Option<&str>) -> Option<String> {
    label
        .filter(|l| fam.series.iter().any(|s| s.labels.get(l).is_some()))
        .map(str::to_string)
}

/// The route, status and method labels: the override's, else those the rule fixes, else
/// those recognised by their values.
fn labels(fam: &Family, o: &TrafficOverride) -> [Option<String>; 3] {
    let rule = requests::INCOMING
        .iter()
        .find(|r| matches!(r.name, requests::Name::Exact(n) if n == fam.name));
    let route = o.route_label.clone().or_else(|| {
        fixed(fam, rule.and_then(|r| r.route)).or_else(|| request_labels::route_label(fam))
    });
    let status = o.status_label.clone().or_else(|| {
        fixed(fam, rule.and_then(|r| r.status))
            .or_else(|| request_labels::status_label(fam, route.as_deref()))
    });
    let method = o
        .method_label
        .clone()
        .or_else(|| request_labels::method_label(fam));
    [route, status, method]
}

fn build(fam: &Family, kind: CountKind, o: &TrafficOverride) -> Traffic {
    let [route_label, status_label, method_label] = labels(fam, o);
    // A label no rule names is read through the values the parser keeps of it, so that a
    // page reads the same whether everything was kept or not.
    let own = [&o.route_label, &o.status_label, &o.method_label];
    let get = |s: &crate::model::Series, l: &Option<String>| {
        let l = l.as_deref()?;
        let by_name = request_labels::named(l) || own.iter().any(|x| x.as_deref() == Some(l));
        s.labels
            .get(l)
            .filter(|v| by_name || request_labels::kept_for_value(v))
            .map(str::to_string)
    };
    let mut tally = super::Tally::new();
    for s in &fam.series {
        let count = count_of(&s.value);
        if !count.is_finite() {
            continue;
        }
        let key = (
            get(s, &route_label),
            get(s, &status_label),
            get(s, &method_label),
        );
        tally.add(key, count);
    }
    let rows: Vec<RequestRow> = tally
        .into_vec()
        .into_iter()
        .map(|((route, status, method), count)| RequestRow {
            route,
            status,
            method,
            count,
        })
        .collect();
    let status_style = status_label
        .as_ref()
        .map(|_| routes::style(rows.iter().filter_map(|r| r.status.as_deref())));
    Traffic {
        family: fam.name.clone(),
        series: fam.sample_name(),
        kind,
        route_label,
        status_label,
        method_label,
        status_style,
        rows,
        note: None,
    }
}

/// Finds the request traffic: the named family, else the best request counter, else the
/// `_count` of a request histogram or summary.
pub fn recognise(snap: &Snapshot, o: &TrafficOverride) -> Option<Traffic> {
    if let Some(name) = &o.family {
        let fam = snap.family(name)?;
        let kind = match fam.mtype {
            MetricType::Histogram | MetricType::Summary => CountKind::LatencyCount,
            _ => CountKind::Counter,
        };
        return Some(build(fam, kind, o));
    }
    // The service's own traffic is the largest count of incoming requests; labels break
    // ties, then a name that says it is the whole (`…_total_requests` beside
    // `…_http_get_requests`, which holds them all until another method is used).
    let labels = |f: &Family| {
        let [route, status, _] = labels(f, o);
        2 * u8::from(route.is_some()) + u8::from(status.is_some())
    };
    let total = |f: &Family| {
        f.series
            .iter()
            .map(|s| count_of(&s.value))
            .filter(|c| c.is_finite())
            .fold(0.0, |a, b| a + b)
    };
    let pick = |pred: &dyn Fn(&Family) -> bool| {
        snap.families
            .iter()
            .filter(|f| pred(f) && !f.series.is_empty())
            .max_by(|a, b| {
                total(a)
                    .total_cmp(&total(b))
                    .then_with(|| labels(a).cmp(&labels(b)))
                    .then_with(|| {
                        requests::names_whole(&a.name).cmp(&requests::names_whole(&b.name))
                    })
                    .then_with(|| b.name.cmp(&a.name))
            })
    };
    let has = on_page(snap);
    let counter = |f: &Family| counter_rule(&has, f).is_some();
    if let Some(fam) = pick(&counter) {
        // Prefer another count of the same requests that has the route: a counter
        // (django-prometheus counts by method alone, and by view and status beside it), else
        // a request histogram's _count.
        let routed = pick(&|f| counter(f) && has_route(f))
            .or_else(|| pick(&|f| is_request_histogram(f) && has_route(f)));
        return Some(complete(snap, fam, o, routed));
    }
    if let Some(fam) = super::service::requests(snap) {
        return Some(build(fam, CountKind::Counter, o));
    }
    pick(&is_request_histogram).map(|fam| build(fam, CountKind::LatencyCount, o))
}

/// Whether a family has a route label.
pub(crate) fn has_route(f: &Family) -> bool {
    request_labels::route_label(f).is_some()
}

/// The request counter's traffic, or, when the counter lacks the label the detectors need,
/// the same requests from a family that has it: prometheus-flask-exporter counts by method
/// and status only but its latency histogram has the path; HAProxy's
/// `haproxy_frontend_http_requests_total` has no status but `…_responses_total` counts the
/// same requests by status class.
fn complete(snap: &Snapshot, fam: &Family, o: &TrafficOverride, timed: Option<&Family>) -> Traffic {
    let [route, status, _] = labels(fam, o);
    if route.is_none() {
        if let Some(h) = timed {
            let kind = if matches!(h.mtype, MetricType::Histogram | MetricType::Summary) {
                CountKind::LatencyCount
            } else {
                CountKind::Counter
            };
            let mut t = build(h, kind, o);
            t.note = Some(format!(
                "per-route counts from {}: {} has no route label",
                t.selector(),
                fam.name
            ));
            return t;
        }
    }
    if status.is_none() {
        let answered = fam.name.replacen("_requests", "_responses", 1);
        if let Some(r) = snap
            .family(&answered)
            .filter(|r| answered != fam.name && labels(r, o)[1].is_some())
        {
            let mut t = build(r, CountKind::Counter, o);
            t.note = Some(format!(
                "counts by status from {}: {} has no status label",
                r.name, fam.name
            ));
            return t;
        }
    }
    build(fam, CountKind::Counter, o)
}

#[cfg(test)]
mod tests {
    //! Inline expositions in the shapes CONVENTIONS.md documents for ecosystems the corpus
    //! has no sample of (label names from each library's source, values made up).
    use super::*;
    use crate::parse::snapshot_of;

    fn traffic(text: &str) -> Option<Traffic> {
        recognise(&snapshot_of(text), &TrafficOverride::default())
    }

    #[test]
    fn prometheus_net_aspnetcore() {
        let t = traffic(concat!(
            "# TYPE http_requests_received_total counter\n",
            "http_requests_received_total{code=\"200\",method=\"GET\",controller=\"Home\",action=\"Index\",endpoint=\"/\"} 10\n",
            "http_requests_received_total{code=\"404\",method=\"GET\",controller=\"\",action=\"\",endpoint=\"\"} 2\n",
            "# TYPE http_requests_in_progress gauge\nhttp_requests_in_progress{method=\"GET\",controller=\"\",action=\"\",endpoint=\"\"} 1\n",
        ))
        .unwrap();
        assert_eq!(t.family, "http_requests_received_total");
        assert_eq!(
            (t.route_label.as_deref(), t.status_label.as_deref()),
            (Some("endpoint"), Some("code"))
        );
        assert_eq!(t.total(), 12.0);
    }

    #[test]
    fn django_prometheus_by_view() {
        let t = traffic(concat!(
            "# TYPE django_http_requests_total_by_view_transport_method_total counter\n",
            "django_http_requests_total_by_view_transport_method_total{method=\"GET\",transport=\"http\",view=\"polls:index\"} 12.0\n",
            "django_http_requests_total_by_view_transport_method_total{method=\"GET\",transport=\"http\",view=\"<unnamed view>\"} 3.0\n",
            "# TYPE django_http_responses_total_by_status_view_method_total counter\n",
            "django_http_responses_total_by_status_view_method_total{method=\"GET\",status=\"200\",view=\"polls:index\"} 12.0\n",
            "django_http_responses_total_by_status_view_method_total{method=\"GET\",status=\"404\",view=\"<unnamed view>\"} 3.0\n",
        ))
        .unwrap();
        assert_eq!(
            t.family,
            "django_http_responses_total_by_status_view_method_total"
        );
        assert_eq!(
            (t.route_label.as_deref(), t.status_label.as_deref()),
            (Some("view"), Some("status"))
        );
        assert!(routes::is_unmatched("<unnamed view>"));
    }

    #[test]
    fn spring_boot_micrometer_summary_count() {
        let t = traffic(concat!(
            "# TYPE http_server_requests_seconds summary\n",
            "http_server_requests_seconds_count{exception=\"None\",method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/actuator/health\",} 7.0\n",
            "http_server_requests_seconds_sum{exception=\"None\",method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/actuator/health\",} 0.1\n",
            "http_server_requests_seconds_count{exception=\"None\",method=\"GET\",outcome=\"CLIENT_ERROR\",status=\"404\",uri=\"/**\",} 3.0\n",
            "http_server_requests_seconds_sum{exception=\"None\",method=\"GET\",outcome=\"CLIENT_ERROR\",status=\"404\",uri=\"/**\",} 0.01\n",
        ))
        .unwrap();
        assert_eq!(t.kind, CountKind::LatencyCount);
        assert_eq!(t.selector(), "http_server_requests_seconds_count");
        assert_eq!(t.count_routes(routes::is_health), 7.0);
        assert_eq!(t.status_style, Some(StatusStyle::Exact));
    }

    #[test]
    fn promhttp_alone_is_not_request_traffic() {
        let t = traffic("# TYPE promhttp_metric_handler_requests_total counter\npromhttp_metric_handler_requests_total{code=\"200\"} 5\n");
        assert!(t.is_none());
    }

    #[test]
    fn grafana_latency_histogram_count() {
        let t = traffic(concat!(
            "# TYPE grafana_http_request_duration_seconds histogram\n",
            "grafana_http_request_duration_seconds_bucket{handler=\"/metrics\",method=\"GET\",status_code=\"200\",le=\"+Inf\"} 4\n",
            "grafana_http_request_duration_seconds_sum{handler=\"/metrics\",method=\"GET\",status_code=\"200\"} 0.1\n",
            "grafana_http_request_duration_seconds_count{handler=\"/metrics\",method=\"GET\",status_code=\"200\"} 4\n",
        ))
        .unwrap();
        assert_eq!(t.selector(), "grafana_http_request_duration_seconds_count");
        assert_eq!(t.count_routes(routes::is_metrics), 4.0);
    }

    #[test]
    fn override_names_family_and_labels() {
        let snap = snapshot_of("myapp_served_total{tpl=\"/a\",rc=\"200\"} 3\n");
        let o = TrafficOverride {
            family: Some("myapp_served_total".into()),
            route_label: Some("tpl".into()),
            status_label: Some("rc".into()),
            method_label: None,
        };
        let t = recognise(&snap, &o).unwrap();
        assert_eq!(t.rows[0].route.as_deref(), Some("/a"));
        assert_eq!(t.rows[0].status.as_deref(), Some("200"));
        assert!(recognise(&snap, &TrafficOverride::default()).is_none());
    }
}
