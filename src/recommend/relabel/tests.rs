use super::*;
use crate::input::usage::NamePattern;

/// A family from `(stored name, labels)` rows.
fn family(name: &str, mtype: MetricType, rows: &[(&str, &[(&str, &str)])]) -> SeenFamily {
    SeenFamily {
        name: name.into(),
        mtype,
        samples: rows
            .iter()
            .map(|(n, ls)| {
                let mut ls: Vec<(String, String)> = ls
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                ls.sort();
                (n.to_string(), ls)
            })
            .collect(),
    }
}

fn used(usage: &mut Usage, name: &str, labels: &[&str], all: bool) {
    let n = usage.names.entry(name.into()).or_default();
    n.all_labels |= all;
    n.labels.extend(labels.iter().map(|l| l.to_string()));
    n.uses.push(format!("rules.yml:1 ({name})"));
}

/// A histogram by raw path and method, a counter with a constant label, an unread gauge.
fn page() -> Seen {
    let mut hist = Vec::new();
    for path in ["/items/1", "/items/2", "/orders"] {
        for le in ["0.1", "+Inf"] {
            hist.push((
                "req_seconds_bucket",
                vec![("path", path), ("method", "GET"), ("le", le)],
            ));
        }
        hist.push(("req_seconds_sum", vec![("path", path), ("method", "GET")]));
        hist.push(("req_seconds_count", vec![("path", path), ("method", "GET")]));
        hist.push((
            "req_seconds_created",
            vec![("path", path), ("method", "GET")],
        ));
    }
    let hist: Vec<(&str, &[(&str, &str)])> = hist.iter().map(|(n, l)| (*n, l.as_slice())).collect();
    Seen {
        families: vec![
            family("req_seconds", MetricType::Histogram, &hist),
            family(
                "hits",
                MetricType::Counter,
                &[
                    ("hits_total", &[("cache", "a"), ("version", "1")]),
                    ("hits_total", &[("cache", "b"), ("version", "1")]),
                ],
            ),
            family("temp", MetricType::Gauge, &[("temp", &[])]),
        ],
        truncated: false,
    }
}

#[test]
fn without_usage_nothing_is_dropped_and_the_raw_path_is_advised() {
    let p = decide(&page(), None, &[], true);
    assert!(p.rules.is_empty());
    assert_eq!((p.series, p.series_after), (18, 18));
    assert!(p.notes.iter().any(|n| n == NO_USAGE), "{:?}", p.notes);
    assert_eq!(p.advice.len(), 1, "{:?}", p.advice);
    // /items/1 and /items/2 become one: 5 of the family's 15 samples go.
    assert!(
        p.advice[0].text.contains("save 5 of 15 series"),
        "{}",
        p.advice[0].text
    );
    assert_eq!(p.advice[0].saved, 5);
}

#[test]
fn unread_names_drop_and_a_label_that_tells_nothing_apart_is_cleared() {
    let mut u = Usage::default();
    used(&mut u, "req_seconds_bucket", &["le"], false);
    used(&mut u, "hits_total", &["cache"], false);
    let p = decide(&page(), Some(&u), &[], true);
    let drop = &p.rules[0];
    assert_eq!(drop.kind, RuleKind::Drop);
    // `_sum`, `_count`, `_created` and the gauge: read by nothing.
    assert_eq!(
        drop.config.regex,
        "req_seconds_(?:c(?:ount|reated)|sum)|temp"
    );
    assert_eq!(drop.saved, 10);
    // `version` is constant: removing it merges nothing. `method` is constant too, but
    // `path` is not needed either, and the two are checked together: `method` goes, and
    // `path` then tells the series apart, so it stays.
    let cleared: Vec<(&str, &str)> = p
        .rules
        .iter()
        .filter(|r| r.kind == RuleKind::ClearLabel)
        .map(|r| {
            (
                r.config.target_label.as_deref().unwrap(),
                r.config.regex.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cleared,
        vec![
            ("method", "req_seconds_(?:bucket|c(?:ount|reated)|sum)"),
            ("version", "hits_total")
        ]
    );
    assert!(p
        .rules
        .iter()
        .all(|r| r.config.target_label.as_deref() != Some("le")));
    assert_eq!(p.series_after, 8);
    assert_eq!(p.families_after["req_seconds"], 6);
    assert_eq!(p.families_after["temp"], 0);
    // Two raw IDs merge under /items/:id: advice, not a rule.
    assert!(p.rules.iter().all(|r| r.kind != RuleKind::Template));
    assert_eq!(p.advice.len(), 1);
}

#[test]
fn a_label_a_use_needs_or_shows_stays() {
    let mut u = Usage::default();
    used(&mut u, "hits_total", &[], true);
    used(&mut u, "req_seconds_bucket", &["le", "method"], false);
    let p = decide(&page(), Some(&u), &[], true);
    let targets: Vec<&str> = p
        .rules
        .iter()
        .filter_map(|r| r.config.target_label.as_deref())
        .collect();
    assert!(
        !targets.contains(&"version") && !targets.contains(&"method"),
        "{targets:?}"
    );
}

#[test]
fn patterns_and_exemptions_keep_families() {
    let mut u = Usage::default();
    u.name_patterns.push(NamePattern {
        regex: "req_.*".into(),
        uses: vec!["dash.json:3".into()],
    });
    let keep = Exempt::new("temp", "--keep".into()).unwrap();
    let p = decide(&page(), Some(&u), &[keep], true);
    let drop = p.rules.iter().find(|r| r.kind == RuleKind::Drop).unwrap();
    assert_eq!(drop.config.regex, "hits_total");
    assert!(
        p.notes.iter().any(|n| n.contains("temp (--keep)")),
        "{:?}",
        p.notes
    );
    // A pattern reads every label: nothing of req_seconds is touched.
    assert!(p
        .rules
        .iter()
        .all(|r| !r.families.contains(&"req_seconds".to_string())));
}

#[test]
fn a_template_that_keeps_series_apart_is_a_rule() {
    // The ID is also its own label, so templating the path merges nothing.
    let seen = Seen {
        families: vec![family(
            "reads",
            MetricType::Counter,
            &[
                ("reads_total", &[("path", "/items/1"), ("item", "1")]),
                ("reads_total", &[("path", "/items/2"), ("item", "2")]),
            ],
        )],
        truncated: false,
    };
    let mut u = Usage::default();
    used(&mut u, "reads_total", &["item"], false);
    let p = decide(&seen, Some(&u), &[], true);
    let t = p
        .rules
        .iter()
        .find(|r| r.kind == RuleKind::Template)
        .unwrap();
    assert_eq!(t.config.regex, "(?:reads_total);/items/[0-9]+");
    assert_eq!(t.config.replacement.as_deref(), Some("/items/:id"));
    assert_eq!(p.series_after, 2);
    assert!(p.advice.is_empty(), "{:?}", p.advice);
}

#[test]
fn templates() {
    assert_eq!(
        labels::template("/api/items/123"),
        Some(("/api/items/:id".into(), "/api/items/[0-9]+".into()))
    );
    assert_eq!(labels::template("/orders"), None);
    assert_eq!(labels::template("GET"), None);
}

#[test]
fn a_page_past_the_bound_is_not_kept_whole() {
    let gather = |n: u64| {
        let mut text = String::from("# TYPE m gauge\n");
        for i in 0..n {
            text.push_str(&format!("m{{i=\"{i}\"}} 1\n"));
        }
        let mut g = Gatherer::default();
        crate::parse::parse_observed(text.as_bytes(), &Default::default(), &mut g).unwrap();
        g.finish()
    };
    let whole = gather(MAX_SAMPLES);
    assert_eq!((whole.samples(), whole.truncated), (MAX_SAMPLES, false));
    let cut = gather(MAX_SAMPLES + 1);
    assert_eq!((cut.samples(), cut.truncated), (MAX_SAMPLES, true));
}

#[test]
fn one_drop_per_job_is_the_union_of_its_targets() {
    let mut u = Usage::default();
    used(&mut u, "hits_total", &[], true);
    let one = decide(&page(), Some(&u), &[], false);
    let two = decide(
        &Seen {
            families: vec![family("other", MetricType::Gauge, &[("other", &[])])],
            truncated: false,
        },
        Some(&u),
        &[],
        false,
    );
    // Only drops for a fleet's targets.
    assert!(one.rules.iter().all(|r| r.kind == RuleKind::Drop));
    let merged = merged_drop(one.rules.iter().chain(&two.rules)).unwrap();
    assert_eq!(merged.saved, one.rules[0].saved + 1);
    assert_eq!(
        merged.config.regex,
        "other|req_seconds_(?:bucket|c(?:ount|reated)|sum)|temp"
    );
}
