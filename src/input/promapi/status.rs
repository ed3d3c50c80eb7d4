//! The endpoints a server may or may not have: its own cardinality statistics (Prometheus's
//! and VictoriaMetrics's `/api/v1/status/tsdb`, Mimir's `/api/v1/cardinality/*`), its rules
//! (`/api/v1/rules`) and VictoriaMetrics's read statistics per metric name. Each returns
//! `None` when the server lacks the endpoint, so a caller can say so and go on.

use serde::Deserialize;

use super::{Api, HttpStatus};

/// What `/api/v1/status/tsdb` says, in either dialect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TsdbStatus {
    /// True for VictoriaMetrics's answer (`totalSeries`: the day's series matching
    /// `match[]`), false for Prometheus's (`headStats`: the whole head block).
    pub victoria: bool,
    /// Series counted.
    pub series: Option<u64>,
    /// The head block's time span (Prometheus), unix seconds.
    pub span: Option<(f64, f64)>,
    /// Series per metric name, most first.
    pub names: Vec<(String, u64)>,
    /// Distinct values per label name, most first.
    pub labels: Vec<(String, u64)>,
    /// Series per value of the focus label (VictoriaMetrics's `focusLabel`), most first.
    pub focus: Vec<(String, u64)>,
}

#[derive(Deserialize)]
struct Pair {
    name: String,
    value: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeadStats {
    num_series: Option<u64>,
    min_time: Option<i64>,
    max_time: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TsdbData {
    head_stats: Option<HeadStats>,
    total_series: Option<u64>,
    #[serde(default)]
    series_count_by_metric_name: Vec<Pair>,
    #[serde(default)]
    label_value_count_by_label_name: Vec<Pair>,
    #[serde(default)]
    series_count_by_focus_label_value: Vec<Pair>,
}

/// One label of Mimir's `/api/v1/cardinality/label_names`, or one value of `label_values`.
#[derive(Debug, Clone, PartialEq)]
pub struct MimirLabel {
    /// The label name (or the value, for `label_values`).
    pub name: String,
    /// Its distinct values (or the value's series).
    pub count: u64,
}

#[derive(Deserialize)]
struct MimirNames {
    #[serde(default)]
    cardinality: Vec<MimirNameCount>,
}

#[derive(Deserialize)]
struct MimirNameCount {
    label_name: String,
    label_values_count: u64,
}

#[derive(Deserialize)]
struct MimirValues {
    series_count_total: Option<u64>,
    #[serde(default)]
    labels: Vec<MimirValuesOf>,
}

#[derive(Deserialize)]
struct MimirValuesOf {
    #[serde(default)]
    cardinality: Vec<MimirValueCount>,
}

#[derive(Deserialize)]
struct MimirValueCount {
    label_value: String,
    series_count: u64,
}

/// One rule the server evaluates.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleQuery {
    /// `group NAME (FILE): alert|record NAME`.
    pub origin: String,
    /// Its PromQL.
    pub query: String,
}

#[derive(Deserialize)]
struct RulesData {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    name: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default, rename = "type")]
    kind: String,
}

/// VictoriaMetrics's read statistics per metric name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameStats {
    /// Since when, unix seconds.
    pub since: Option<f64>,
    /// `(name, query requests)`.
    pub records: Vec<(String, u64)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameStatsData {
    stats_collected_since: Option<f64>,
    #[serde(default)]
    records: Vec<NameRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameRecord {
    metric_name: String,
    #[serde(default)]
    query_requests_count: u64,
}

/// True when the error says the server has no such endpoint: a 404, or VictoriaMetrics's
/// `400 unsupported path requested`.
fn absent(e: &anyhow::Error) -> bool {
    e.downcast_ref::<HttpStatus>()
        .is_some_and(|s| s.code == 404 || (s.code == 400 && s.message.contains("unsupported path")))
}

fn pairs(v: Vec<Pair>) -> Vec<(String, u64)> {
    v.into_iter().map(|p| (p.name, p.value)).collect()
}

impl Api {
    /// GETs an endpoint the server may lack: `Ok(None)` when it does.
    fn optional<D: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> anyhow::Result<Option<D>> {
        match self.call(path, query) {
            Ok(d) => Ok(Some(d)),
            Err(e) if absent(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `/api/v1/status/tsdb`, with both dialects' arguments: Prometheus reads `limit` and
    /// ignores the rest; VictoriaMetrics reads `topN`, `date` (a UTC day), `match[]` and
    /// `focusLabel`.
    pub fn tsdb_status(
        &self,
        top: u32,
        date: &str,
        selector: &str,
        focus: Option<&str>,
    ) -> anyhow::Result<Option<TsdbStatus>> {
        let top = top.to_string();
        let mut q = vec![
            ("limit", top.as_str()),
            ("topN", top.as_str()),
            ("date", date),
            ("match[]", selector),
        ];
        if let Some(f) = focus {
            q.push(("focusLabel", f));
        }
        let Some(d) = self.optional::<TsdbData>("status/tsdb", &q)? else {
            return Ok(None);
        };
        let head = d.head_stats.as_ref();
        Ok(Some(TsdbStatus {
            victoria: d.total_series.is_some(),
            series: d.total_series.or(head.and_then(|h| h.num_series)),
            // An empty head says min > max (Go's extreme integers): no span.
            span: head
                .and_then(|h| Some((h.min_time?, h.max_time?)))
                .filter(|(a, b)| a <= b)
                .map(|(a, b)| (a as f64 / 1e3, b as f64 / 1e3)),
            names: pairs(d.series_count_by_metric_name),
            labels: pairs(d.label_value_count_by_label_name),
            focus: pairs(d.series_count_by_focus_label_value),
        }))
    }

    /// Mimir's `/api/v1/cardinality/label_names`: distinct values per label name.
    pub fn mimir_label_names(
        &self,
        selector: &str,
        limit: u32,
    ) -> anyhow::Result<Option<Vec<MimirLabel>>> {
        let limit = limit.to_string();
        let d: Option<MimirNames> = self.optional(
            "cardinality/label_names",
            &[("selector", selector), ("limit", &limit)],
        )?;
        Ok(d.map(|d| {
            d.cardinality
                .into_iter()
                .map(|c| MimirLabel {
                    name: c.label_name,
                    count: c.label_values_count,
                })
                .collect()
        }))
    }

    /// Mimir's `/api/v1/cardinality/label_values` of one label: the series matching the
    /// selector, and the values with the most series.
    pub fn mimir_label_values(
        &self,
        label: &str,
        selector: &str,
        limit: u32,
    ) -> anyhow::Result<Option<(Option<u64>, Vec<MimirLabel>)>> {
        let limit = limit.to_string();
        let d: Option<MimirValues> = self.optional(
            "cardinality/label_values",
            &[
                ("label_names[]", label),
                ("selector", selector),
                ("limit", &limit),
            ],
        )?;
        Ok(d.map(|d| {
            let values = d
                .labels
                .into_iter()
                .flat_map(|l| l.cardinality)
                .map(|c| MimirLabel {
                    name: c.label_value,
                    count: c.series_count,
                })
                .collect();
            (d.series_count_total, values)
        }))
    }

    /// The label names of the series matching `selector` between `start` and `end`.
    pub fn label_names(&self, selector: &str, start: f64, end: f64) -> anyhow::Result<Vec<String>> {
        let (s, e) = (format!("{start:.3}"), format!("{end:.3}"));
        let names: Vec<super::Name> = self.call(
            "labels",
            &[("match[]", selector), ("start", &s), ("end", &e)],
        )?;
        Ok(names.into_iter().map(|n| n.0).collect())
    }

    /// Every rule's query (`/api/v1/rules`).
    pub fn rules(&self) -> anyhow::Result<Option<Vec<RuleQuery>>> {
        let d: Option<RulesData> = self.optional("rules", &[])?;
        Ok(d.map(|d| {
            d.groups
                .into_iter()
                .flat_map(|g| {
                    let (group, file) = (g.name, g.file);
                    g.rules.into_iter().map(move |r| RuleQuery {
                        origin: format!(
                            "/api/v1/rules: group {group} ({file}): {} {}",
                            if r.kind == "alerting" {
                                "alert"
                            } else {
                                "record"
                            },
                            r.name
                        ),
                        query: r.query,
                    })
                })
                .collect()
        }))
    }

    /// VictoriaMetrics's `/api/v1/status/metric_names_stats` (v1.113+, with
    /// `-storage.trackMetricNamesStats`), at most `limit` names.
    pub fn metric_names_stats(&self, limit: u32) -> anyhow::Result<Option<NameStats>> {
        let limit = limit.to_string();
        let d: Option<NameStatsData> =
            self.optional("status/metric_names_stats", &[("limit", &limit)])?;
        Ok(d.map(|d| NameStats {
            since: d.stats_collected_since,
            records: d
                .records
                .into_iter()
                .map(|r| (r.metric_name, r.query_requests_count))
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_decode() {
        // Prometheus 2.42's answer (trimmed).
        let p: TsdbData = serde_json::from_str(
            r#"{"headStats":{"numSeries":508,"numLabelPairs":1001,"chunkCount":900,"minTime":1767261600000,"maxTime":1767268800000},"seriesCountByMetricName":[{"name":"up","value":6}],"labelValueCountByLabelName":[{"name":"le","value":9}],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}"#,
        )
        .unwrap();
        assert_eq!(p.head_stats.unwrap().num_series, Some(508));
        assert!(p.total_series.is_none());
        // VictoriaMetrics 1.79's.
        let v: TsdbData = serde_json::from_str(
            r#"{"totalSeries":73,"totalLabelValuePairs":294,"seriesCountByMetricName":[{"name":"x","value":27}],"seriesCountByLabelName":[],"seriesCountByFocusLabelValue":[{"name":"/a","value":3}],"seriesCountByLabelValuePair":[],"labelValueCountByLabelName":[{"name":"le","value":9}]}"#,
        )
        .unwrap();
        assert_eq!(v.total_series, Some(73));
        assert_eq!(
            pairs(v.series_count_by_focus_label_value),
            [("/a".into(), 3)]
        );
    }

    #[test]
    fn mimir_answers_decode() {
        // The shapes of Mimir's HTTP API reference (cardinality/label_names, label_values).
        let n: MimirNames = serde_json::from_str(
            r#"{"label_values_count_total":60,"label_names_count":2,"cardinality":[{"label_name":"path","label_values_count":50},{"label_name":"job","label_values_count":10}]}"#,
        )
        .unwrap();
        assert_eq!(n.cardinality[0].label_name, "path");
        assert_eq!(n.cardinality[0].label_values_count, 50);
        let v: MimirValues = serde_json::from_str(
            r#"{"series_count_total":1200,"labels":[{"label_name":"__name__","label_values_count":2,"series_count":1200,"cardinality":[{"label_value":"http_requests_total","series_count":1000},{"label_value":"up","series_count":200}]}]}"#,
        )
        .unwrap();
        assert_eq!(v.series_count_total, Some(1200));
        assert_eq!(v.labels[0].cardinality[1].label_value, "up");
        assert_eq!(v.labels[0].cardinality[1].series_count, 200);
    }

    #[test]
    fn rules_and_name_statistics_decode() {
        let r: RulesData = serde_json::from_str(
            r#"{"groups":[{"name":"g","file":"/r.yml","interval":15,"rules":[{"name":"A","query":"up == 0","type":"alerting","health":"ok"}]}]}"#,
        )
        .unwrap();
        assert_eq!(r.groups[0].rules[0].query, "up == 0");
        let s: NameStatsData = serde_json::from_str(
            r#"{"statsCollectedSince":1767225600,"statsCollectedRecordsTotal":2,"records":[{"metricName":"a","queryRequestsCount":0,"lastQueryRequestTimestamp":0},{"metricName":"b","queryRequestsCount":12,"lastQueryRequestTimestamp":1767268800}]}"#,
        )
        .unwrap();
        assert_eq!(s.records[1].metric_name, "b");
        assert_eq!(s.records[1].query_requests_count, 12);
    }

    #[test]
    fn absent_endpoints_are_told_from_failures() {
        let e = |code, message: &str| {
            anyhow::Error::from(HttpStatus {
                code,
                message: message.into(),
            })
        };
        assert!(absent(&e(404, "GET x: HTTP 404 Not Found")));
        assert!(absent(&e(
            400,
            "GET x: HTTP 400: not the Prometheus API's JSON: unsupported path requested"
        )));
        assert!(!absent(&e(400, "GET x: HTTP 400: bad_data")));
        assert!(!absent(&e(503, "GET x: HTTP 503")));
        assert!(!absent(&anyhow::anyhow!("connection refused")));
    }
}
