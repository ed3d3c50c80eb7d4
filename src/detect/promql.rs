//! PromQL templates for the checks, so that alert rules and dashboards query exactly the
//! series the analysis measured. Templates hold two placeholders: a job matcher and a window.

use crate::model::{legacy_label_name, legacy_metric_name};

const JOB: &str = "__JOB__";
const WINDOW: &str = "__WINDOW__";

/// Escapes a label value for a PromQL string literal.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A label name in PromQL: bare when classic, else quoted (`"http.route"`, Prometheus 3).
pub fn label_name(l: &str) -> String {
    if legacy_label_name(l) {
        l.to_string()
    } else {
        format!("\"{}\"", escape(l))
    }
}

/// `metric{matchers}`, or `{matchers,__name__="metric"}` for a name the classic syntax
/// cannot write (`app.cache.hits_total`): the `__name__` matcher means the same to Prometheus
/// 3 as its quoted-name form, and older servers that store such names (VictoriaMetrics)
/// read only this one. `matchers` may be empty.
pub fn series(metric: &str, matchers: &str) -> String {
    if legacy_metric_name(metric) {
        format!("{metric}{{{matchers}}}")
    } else if matchers.is_empty() {
        format!("{{__name__=\"{}\"}}", escape(metric))
    } else {
        format!("{{{matchers},__name__=\"{}\"}}", escape(metric))
    }
}

/// `metric{<job>,label="value",…}` with the job placeholder first.
pub(crate) fn selector(metric: &str, matchers: &[(&str, &str, &str)]) -> String {
    let mut m = JOB.to_string();
    for (label, op, value) in matchers {
        m.push_str(&format!(",{}{op}\"{}\"", label_name(label), escape(value)));
    }
    series(metric, &m)
}

/// `sum(rate(<selector>[<window>]))`.
pub(crate) fn sum_rate(sel: &str) -> String {
    format!("sum(rate({sel}[{WINDOW}]))")
}

/// Fills a template: the job matcher (or none) and the range window (`2m`, `$__rate_interval`).
pub fn render(template: &str, job: Option<&str>, window: &str) -> String {
    let matchers = job.map(|j| format!("job=\"{}\"", escape(j)));
    render_matchers(template, matchers.as_deref(), window)
}

/// Fills a template with matchers written out (`job="$job",instance=~"$instance"` for a
/// dashboard's variables), or none.
pub fn render_matchers(template: &str, matchers: Option<&str>, window: &str) -> String {
    let with_job = match matchers {
        Some(m) => template.replace(JOB, m),
        None => template
            .replace(&format!("{{{JOB},"), "{")
            .replace(&format!("{{{JOB}}}"), ""),
    };
    with_job.replace(WINDOW, window)
}

/// A check's query with its aggregations kept apart by `labels` (`instance`, or
/// `job, instance`): `sum(…)` becomes `sum by (labels) (…)`, `sum by (le)` keeps `le` too, and
/// `max(…)` likewise, so that one query answers for every target at once.
pub fn regroup(query: &str, labels: &str) -> String {
    query
        .replace("sum(", &format!("sum by ({labels}) ("))
        .replace("max(", &format!("max by ({labels}) ("))
        .replace("sum by (le) (", &format!("sum by (le, {labels}) ("))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_and_without_job() {
        let t = sum_rate(&selector("http_requests_total", &[("status", "=~", "5..")]));
        assert_eq!(
            render(&t, Some("app"), "2m"),
            "sum(rate(http_requests_total{job=\"app\",status=~\"5..\"}[2m]))"
        );
        assert_eq!(
            render(&t, None, "$__rate_interval"),
            "sum(rate(http_requests_total{status=~\"5..\"}[$__rate_interval]))"
        );
        let t = selector("up", &[]);
        assert_eq!(render(&t, None, "1m"), "up");
        assert_eq!(
            regroup("histogram_quantile(0.95, sum by (le) (rate(a[1m]))) / sum(b)", "job, instance"),
            "histogram_quantile(0.95, sum by (le, job, instance) (rate(a[1m]))) / sum by (job, instance) (b)"
        );
        assert_eq!(
            render(&selector("a", &[("x", "=", "q\"")]), Some("j"), "1m"),
            "a{job=\"j\",x=\"q\\\"\"}"
        );
    }

    #[test]
    fn utf8_names_are_selected_by_name_matcher_and_quoted_labels() {
        let t = sum_rate(&selector(
            "app.cache.hits_total",
            &[("cache.name", "=", "a")],
        ));
        assert_eq!(
            render(&t, Some("app"), "5m"),
            "sum(rate({job=\"app\",\"cache.name\"=\"a\",__name__=\"app.cache.hits_total\"}[5m]))"
        );
        assert_eq!(
            render(&t, None, "5m"),
            "sum(rate({\"cache.name\"=\"a\",__name__=\"app.cache.hits_total\"}[5m]))"
        );
        assert_eq!(
            render(&selector("a.b", &[]), None, "1m"),
            "{__name__=\"a.b\"}"
        );
        assert_eq!(series("a\"b", "x=\"1\""), "{x=\"1\",__name__=\"a\\\"b\"}");
        assert_eq!(label_name("le"), "le");
    }
}
