//! PromQL templates for the checks, so that alert rules and dashboards query exactly the
//! series the analysis measured. Templates hold two placeholders: a job matcher and a window.
//! Names and values enter only through [`crate::escape::promql`].

use crate::escape::promql;

/// The placeholders are control characters wrapped around a word: [`promql::string`] escapes
/// every control character, so no label value or name from the data can hold one, and filling
/// a template never writes into a string literal.
pub(crate) const JOB: &str = "\u{1}job\u{1}";
/// The range window's placeholder.
pub(crate) const WINDOW: &str = "\u{1}window\u{1}";

/// `metric{<job>,label="value",…}` with the job placeholder first; the name and every value
/// written by [`crate::escape::promql`].
pub(crate) fn selector(metric: &str, matchers: &[(&str, &str, &str)]) -> String {
    let mut m = String::from(JOB);
    for (label, op, value) in matchers {
        m.push(',');
        m.push_str(&promql::matcher(label, op, value));
    }
    promql::selector(metric, &m)
}

/// `sum(rate(<selector>[<window>]))`.
pub(crate) fn sum_rate(sel: &str) -> String {
    format!("sum(rate({sel}[{WINDOW}]))")
}

/// Fills a template: the job matcher (or none) and the range window (`2m`, `$__rate_interval`).
pub fn render(template: &str, job: Option<&str>, window: &str) -> String {
    let matchers = job.map(|j| promql::matcher("job", "=", j));
    render_matchers(template, matchers.as_deref(), window)
}

/// Fills a template with matchers written out (`job="$job",instance=~"$instance"` for a
/// dashboard's variables), or none.
pub fn render_matchers(template: &str, matchers: Option<&str>, window: &str) -> String {
    let with_job = match matchers {
        Some(m) => template.replace(JOB, m),
        None => template
            .replace(&format!("{{{JOB},"), "{")
            .replace(&format!(",{JOB}}}"), "}")
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
        assert_eq!(
            promql::selector("a\"b", "x=\"1\""),
            "{x=\"1\",__name__=\"a\\\"b\"}"
        );
        assert_eq!(promql::label("le"), "le");
    }
}
