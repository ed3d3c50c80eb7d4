//! Metric families, their types, and series grouped the way PromQL sees them.

use std::fmt;

/// The declared type of a metric family (`# TYPE`), covering both exposition formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetricType {
    /// Monotonic counter.
    Counter,
    /// Gauge.
    Gauge,
    /// Classic histogram (`_bucket`, `_sum`, `_count`).
    Histogram,
    /// OpenMetrics gauge histogram (`_bucket`, `_gsum`, `_gcount`).
    GaugeHistogram,
    /// Summary (quantiles, `_sum`, `_count`).
    Summary,
    /// OpenMetrics info (`_info`, value 1).
    Info,
    /// OpenMetrics stateset (one series per state, value 0 or 1).
    StateSet,
    /// No type given: `untyped` in the text format, `unknown` in OpenMetrics.
    Unknown,
}

impl MetricType {
    /// All types, in display order.
    pub const ALL: [MetricType; 8] = [
        MetricType::Counter,
        MetricType::Gauge,
        MetricType::Histogram,
        MetricType::GaugeHistogram,
        MetricType::Summary,
        MetricType::Info,
        MetricType::StateSet,
        MetricType::Unknown,
    ];

    /// The name used in `# TYPE` lines (OpenMetrics spelling for `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which sample of a family a line holds, from the suffix after the family name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    /// The bare family name (gauge, untyped, summary quantile, stateset, text-format counter).
    None,
    /// `_total` (OpenMetrics counter).
    Total,
    /// `_created` (OpenMetrics creation timestamp).
    Created,
    /// `_bucket` (histogram bucket, carries `le`).
    Bucket,
    /// `_count`.
    Count,
    /// `_sum`.
    Sum,
    /// `_gcount` (gauge histogram).
    GCount,
    /// `_gsum` (gauge histogram).
    GSum,
    /// `_info` (info metric).
    Info,
}

impl Suffix {
    /// The suffix as written after the family name.
    pub fn as_str(self) -> &'static str {
        match self {
            Suffix::None => "",
            Suffix::Total => "_total",
            Suffix::Created => "_created",
            Suffix::Bucket => "_bucket",
            Suffix::Count => "_count",
            Suffix::Sum => "_sum",
            Suffix::GCount => "_gcount",
            Suffix::GSum => "_gsum",
            Suffix::Info => "_info",
        }
    }
}

/// A label set, sorted by label name so that equal sets compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labels(Vec<(Box<str>, Box<str>)>);

impl Labels {
    /// Builds a label set from pairs in any order.
    pub fn from_pairs<I, K, V>(pairs: I) -> Labels
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Box<str>>,
        V: Into<Box<str>>,
    {
        let mut v: Vec<(Box<str>, Box<str>)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        v.sort();
        Labels(v)
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(name))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    /// Iterates over `(name, value)` pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}={v:?}")?;
        }
        f.write_str("}")
    }
}

/// One histogram bucket: the cumulative count of observations `<= le`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Upper bound (`le` label); `f64::INFINITY` for `+Inf`.
    pub le: f64,
    /// Cumulative count.
    pub count: f64,
}

/// An `le` bound as the exposition writes it (`+Inf`, not Rust's `inf`), for messages.
pub fn le_text(le: f64) -> String {
    if le == f64::INFINITY {
        "+Inf".into()
    } else {
        le.to_string()
    }
}

/// The values of one series, shaped by the family type.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesValue {
    /// A single value (counter, gauge, unknown, info, stateset).
    Scalar(f64),
    /// A (gauge) histogram: buckets in `le` order plus sum and count.
    Histogram {
        /// Buckets in ascending `le` order.
        buckets: Vec<Bucket>,
        /// `_sum` / `_gsum`.
        sum: Option<f64>,
        /// `_count` / `_gcount`.
        count: Option<f64>,
    },
    /// A summary: `(quantile, value)` pairs plus sum and count.
    Summary {
        /// Quantiles in the order given.
        quantiles: Vec<(f64, f64)>,
        /// `_sum`.
        sum: Option<f64>,
        /// `_count`.
        count: Option<f64>,
    },
}

/// One series of a family: its labels (without `le` / `quantile`) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Labels identifying the series.
    pub labels: Labels,
    /// The values.
    pub value: SeriesValue,
    /// `_created` value (seconds since the epoch), when exposed.
    pub created: Option<f64>,
    /// Timestamp of the (last) sample, in seconds since the epoch.
    pub timestamp: Option<f64>,
}

/// A metric family: metadata plus its series, in exposition order.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// Family name (the `# TYPE` name, or the sample name when undeclared).
    pub name: String,
    /// Declared type.
    pub mtype: MetricType,
    /// `# HELP` text, unescaped.
    pub help: Option<String>,
    /// `# UNIT` (OpenMetrics).
    pub unit: Option<String>,
    /// 1-based line of the family's first line.
    pub line: u64,
    /// Series in exposition order.
    pub series: Vec<Series>,
    /// Whether the samples are written `<name>_total` (OpenMetrics counters): PromQL must
    /// then name the series so.
    pub total: bool,
}

impl Family {
    /// The name of the family's value samples, as PromQL selects them: `<name>_total` for an
    /// OpenMetrics counter, the family name otherwise.
    pub fn sample_name(&self) -> String {
        if self.total {
            format!("{}_total", self.name)
        } else {
            self.name.clone()
        }
    }

    /// The `(labels, value)` pairs of the scalar series.
    pub fn scalars(&self) -> impl Iterator<Item = (&Labels, f64)> {
        self.series.iter().filter_map(|s| match s.value {
            SeriesValue::Scalar(v) => Some((&s.labels, v)),
            _ => None,
        })
    }
}
