//! Properties (proptest): no input makes the parser panic, every failure is located, a parsed
//! model written back as exposition text parses to the same model, and comparing two scrapes
//! never panics.

use std::fmt::Write as _;

use promtune::model::{increase, MetricType, SeriesValue, Snapshot};
use promtune::parse::{parse_bytes, Format, FormatChoice, ParseError, ParseOptions};
use proptest::prelude::*;

fn parse(bytes: &[u8], format: FormatChoice) -> Result<Snapshot, ParseError> {
    parse_bytes(
        bytes,
        &ParseOptions {
            format,
            ..ParseOptions::default()
        },
    )
    .map(|p| p.snapshot)
}

fn located(r: &Result<Snapshot, ParseError>) -> bool {
    match r {
        Ok(_) => true,
        Err(ParseError::Syntax {
            line,
            column,
            message,
        }) => *line >= 1 && *column >= 1 && !message.is_empty(),
        Err(_) => false,
    }
}

const FORMATS: [FormatChoice; 3] = [
    FormatChoice::Auto,
    FormatChoice::Fixed(Format::Prometheus),
    FormatChoice::Fixed(Format::OpenMetrics),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_a_model_or_a_located_error(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for f in FORMATS {
            prop_assert!(located(&parse(&bytes, f)));
        }
    }

    #[test]
    fn exposition_like_text_gives_a_model_or_a_located_error(
        lines in proptest::collection::vec("(# (HELP|TYPE|UNIT|EOF) )?[a-z_:]{0,6}(\\{([a-z]{1,3}=\"[a-z\\\\\"{},= ]{0,5}\",?){0,3}\\})? ?(-?[0-9.]{0,4}|NaN|\\+Inf|counter|histogram|summary|gauge)?( [0-9]{0,4})?", 0..12)
    ) {
        let text = lines.join("\n");
        for f in FORMATS {
            prop_assert!(located(&parse(text.as_bytes(), f)));
        }
    }
}

/// Label values with the characters that need care: quotes, backslashes, newlines, braces.
fn label_value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 /._:{},=#\"\\\\\n\u{e9}\u{2603}-]{0,8}"
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1e6f64..1e6),
        Just(0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        any::<f64>().prop_filter("finite", |v| v.is_finite())
    ]
}

#[derive(Debug, Clone)]
enum Kind {
    Scalar(&'static str),
    Histogram,
    Summary,
}

/// A generated family: its kind, label sets (one per series) and a pool of values.
type GenFamily = (Kind, Vec<Vec<(String, String)>>, Vec<f64>);

fn family() -> impl Strategy<Value = GenFamily> {
    let kind = prop_oneof![
        Just(Kind::Scalar("counter")),
        Just(Kind::Scalar("gauge")),
        Just(Kind::Scalar("untyped")),
        Just(Kind::Histogram),
        Just(Kind::Summary)
    ];
    let labels = proptest::collection::vec(
        proptest::collection::vec(("[a-k]{1,3}", label_value()), 0..3),
        1..4,
    );
    (kind, labels, proptest::collection::vec(finite(), 8))
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn num(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v:e}")
    }
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// Writes a model as text format 0.0.4.
fn write(s: &Snapshot) -> String {
    let mut out = String::new();
    for f in &s.families {
        let t = match f.mtype {
            MetricType::Unknown => "untyped",
            other => other.as_str(),
        };
        let _ = writeln!(out, "# TYPE {} {t}", f.name);
        for series in &f.series {
            let base: Vec<(&str, &str)> = series.labels.iter().collect();
            let with = |k: &str, v: String| {
                let mut l = base.clone();
                l.push((k, &v));
                labels(&l)
            };
            match &series.value {
                SeriesValue::Scalar(v) => {
                    let _ = writeln!(out, "{}{} {}", f.name, labels(&base), num(*v));
                }
                SeriesValue::Histogram {
                    buckets,
                    sum,
                    count,
                } => {
                    for b in buckets {
                        let _ = writeln!(
                            out,
                            "{}_bucket{} {}",
                            f.name,
                            with("le", num(b.le)),
                            num(b.count)
                        );
                    }
                    if let Some(v) = sum {
                        let _ = writeln!(out, "{}_sum{} {}", f.name, labels(&base), num(*v));
                    }
                    if let Some(v) = count {
                        let _ = writeln!(out, "{}_count{} {}", f.name, labels(&base), num(*v));
                    }
                }
                SeriesValue::Summary {
                    quantiles,
                    sum,
                    count,
                } => {
                    for (q, v) in quantiles {
                        let _ =
                            writeln!(out, "{}{} {}", f.name, with("quantile", num(*q)), num(*v));
                    }
                    if let Some(v) = sum {
                        let _ = writeln!(out, "{}_sum{} {}", f.name, labels(&base), num(*v));
                    }
                    if let Some(v) = count {
                        let _ = writeln!(out, "{}_count{} {}", f.name, labels(&base), num(*v));
                    }
                }
            }
        }
    }
    out
}

/// A valid exposition from generated families (label sets made distinct, buckets cumulative).
fn generate(fams: &[GenFamily]) -> String {
    let mut out = String::new();
    for (i, (kind, sets, vals)) in fams.iter().enumerate() {
        let name = format!("fam_{i}");
        let t = match kind {
            Kind::Scalar(t) => *t,
            Kind::Histogram => "histogram",
            Kind::Summary => "summary",
        };
        let _ = writeln!(out, "# TYPE {name} {t}");
        for (j, set) in sets.iter().enumerate() {
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            for (k, v) in set {
                if !pairs.iter().any(|(x, _)| x == k) {
                    pairs.push((k, v));
                }
            }
            let id = j.to_string();
            pairs.push(("series", &id));
            let l = labels(&pairs);
            let positive = |v: f64| if v.is_finite() { v.abs() } else { 1.0 };
            match kind {
                Kind::Scalar("counter") => {
                    let _ = writeln!(out, "{name}{l} {}", num(positive(vals[j])));
                }
                Kind::Scalar(_) => {
                    let _ = writeln!(out, "{name}{l} {}", num(vals[j]));
                }
                Kind::Histogram => {
                    let mut count = 0.0;
                    let bounds = [0.1, 1.0, 10.0];
                    for (b, le) in bounds.iter().enumerate() {
                        count += positive(vals[b]).floor();
                        let mut p = pairs.clone();
                        let le = le.to_string();
                        p.push(("le", &le));
                        let _ = writeln!(out, "{name}_bucket{} {count}", labels(&p));
                    }
                    let mut p = pairs.clone();
                    p.push(("le", "+Inf"));
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {count}\n{name}_sum{l} {}\n{name}_count{l} {count}",
                        labels(&p),
                        num(vals[3])
                    );
                }
                Kind::Summary => {
                    for q in ["0.5", "0.9"] {
                        let mut p = pairs.clone();
                        p.push(("quantile", q));
                        let _ = writeln!(out, "{name}{} {}", labels(&p), num(vals[4]));
                    }
                    let _ = writeln!(
                        out,
                        "{name}_sum{l} {}\n{name}_count{l} {}",
                        num(vals[5]),
                        num(positive(vals[6]).floor())
                    );
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn written_back_models_parse_to_the_same_model(fams in proptest::collection::vec(family(), 1..5)) {
        let text = generate(&fams);
        let first = parse(text.as_bytes(), FormatChoice::Fixed(Format::Prometheus));
        prop_assert!(first.is_ok(), "{text}\n{first:?}");
        let first = first.unwrap();
        prop_assert_eq!(first.families.len(), fams.len());
        let again = parse(write(&first).as_bytes(), FormatChoice::Fixed(Format::Prometheus)).unwrap();
        prop_assert_eq!(&again.families, &first.families, "{}", write(&first));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Two scrapes: the same scrape twice means nothing happened; any two scrapes give the
    /// later one's shape without a panic.
    #[test]
    fn comparing_scrapes_never_panics_and_a_scrape_with_itself_has_no_increase(
        a in proptest::collection::vec(family(), 1..4),
        b in proptest::collection::vec(family(), 1..4),
    ) {
        let [a, b] = [a, b].map(|f| parse(generate(&f).as_bytes(), FormatChoice::Fixed(Format::Prometheus)).unwrap());
        // Every family read as cumulative: the strongest form of "nothing happened".
        let (same, resets) = increase(&a, &a, &|_| true);
        prop_assert!(resets.is_empty(), "{resets:?}");
        for f in &same.families {
            for (_, v) in f.scalars() {
                prop_assert!(v == 0.0 || v.is_nan(), "{} {v}", f.name); // inf - inf is NaN
            }
        }
        for f in same.families.iter().filter(|f| f.mtype == MetricType::Histogram) {
            for s in &f.series {
                if let SeriesValue::Histogram { buckets, .. } = &s.value {
                    prop_assert!(buckets.iter().all(|x| x.count == 0.0 || !x.count.is_finite()), "{buckets:?}");
                }
            }
        }
        let (d, _) = increase(&a, &b, &|_| true);
        let shape = |s: &Snapshot| s.families.iter().map(|f| (f.name.clone(), f.series.len())).collect::<Vec<_>>();
        prop_assert_eq!(shape(&d), shape(&b));
    }
}
