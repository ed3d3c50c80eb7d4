//! The corpus of real programs (`fixtures/programs/`, #23): on every page, the request family,
//! its route and status labels, the caches and the scrapes promtune reports must be the ones
//! the hand-written `expect.json` names, or unknown: never a wrong family or label. Coverage
//! (how many programs have each role recognised) must not fall below what was measured.

use crate::programs::{programs, Program};
use crate::support::{analyze_json, json_of, pattern_row};
use serde_json::Value;

/// Programs with each role recognised, measured when the rules of #23 were written; see
/// docs/exporters.md, "Coverage".
const FLOOR: Coverage = Coverage {
    programs: 106,
    requests: 43,
    route: 25,
    status: 29,
    caches: 24,
    scrapes: 39,
};

#[derive(Debug, Default, PartialEq)]
struct Coverage {
    programs: usize,
    requests: usize,
    route: usize,
    status: usize,
    caches: usize,
    scrapes: usize,
}

/// A family's name without the sample suffix expect.json may name it by.
fn base(name: &str) -> &str {
    ["_total", "_count", "_bucket", "_sum"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name)
}

/// The families that count this program's incoming requests, each with its route and status
/// labels: the request family, its status sibling, the family to add, the same requests.
fn expected_families(r: &Value) -> Vec<(String, Value, Value)> {
    let mut out = vec![(
        base(r["family"].as_str().unwrap()).to_string(),
        r["route_label"].clone(),
        r["status_label"].clone(),
    )];
    if let Some(f) = r["status_family"].as_str() {
        let status = match &r["status_family_label"] {
            Value::Null => r["status_label"].clone(),
            l => l.clone(),
        };
        out.push((base(f).to_string(), r["route_label"].clone(), status));
    }
    if let Some(f) = r["also"].as_str() {
        out.push((
            base(f).to_string(),
            r["route_label"].clone(),
            r["status_label"].clone(),
        ));
    }
    for same in r["same_requests"].as_array().into_iter().flatten() {
        out.push((
            base(same["family"].as_str().unwrap()).to_string(),
            same["route_label"].clone(),
            same["status_label"].clone(),
        ));
    }
    out
}

/// Compares one report with its expectations: what is wrong, and what was recognised.
fn compare(p: &Program, report: &Value, seen: &mut Coverage) -> Vec<String> {
    let mut bad = Vec::new();
    let e = &p.expect;
    let want = Some(&e["requests"]).filter(|r| r["family"].is_string());
    let got = &report["requests"];
    let scrapes_family = e["scrapes"]["family"].as_str();
    let mut matched_route = Value::Null;
    if !got.is_null() {
        let family = got["family"].as_str().unwrap();
        let selector = got["selector"].as_str().unwrap();
        let route = &got["route_label"];
        match want {
            // A counter the expectation names as the scrapes counter counts real requests,
            // all to the metrics endpoint (old client_golang's `http_requests_total{handler=
            // "prometheus"}`): not wrong, not counted as recognised.
            None if scrapes_family.is_some_and(|s| base(s) == base(family)) && !route.is_null() => {
            }
            None => bad.push(format!("requests from {family}, the page has none")),
            Some(r) => {
                let exp = expected_families(r);
                match exp
                    .iter()
                    .find(|(f, _, _)| f == base(family) || f == base(selector))
                {
                    None => bad.push(format!(
                        "requests from {family}, expected one of {:?}",
                        exp.iter().map(|x| &x.0).collect::<Vec<_>>()
                    )),
                    Some((_, r_route, r_status)) => {
                        seen.requests += 1;
                        matched_route = r_route.clone();
                        for (what, got, want, n) in [
                            ("route", route, r_route, &mut seen.route),
                            ("status", &got["status_label"], r_status, &mut seen.status),
                        ] {
                            if got.is_null() {
                            } else if got == want {
                                *n += 1;
                            } else {
                                bad.push(format!("{what} label {got}, expected {want}"));
                            }
                        }
                    }
                }
            }
        }
    }
    let expected_caches: Vec<&str> = e["caches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| base(c["family"].as_str().unwrap()))
        .collect();
    let mut found = false;
    for c in report["checks"].as_array().unwrap() {
        if c["id"] != "cache_hit_rate" || c["subject"].is_null() {
            continue;
        }
        let note = c["note"].as_str().unwrap();
        if expected_caches.iter().any(|f| note.contains(f)) {
            found = true;
        } else {
            bad.push(format!("cache {}: {note}", c["subject"]));
        }
    }
    seen.caches += usize::from(found);
    let scrapes = pattern_row(report, "metrics_scrapes");
    if !scrapes["requests"].is_null() {
        let note = scrapes["note"].as_str().unwrap();
        let by_handler = scrapes_family.is_some_and(|f| note.contains(f));
        let by_route = !matched_route.is_null()
            && got["route_label"] == matched_route
            && note.contains(got["selector"].as_str().unwrap());
        if by_handler || by_route {
            seen.scrapes += 1;
        } else {
            bad.push(format!("scrapes {}: {note}", scrapes["requests"]));
        }
    }
    bad
}

#[test]
fn every_program_gets_its_requests_caches_and_scrapes_right_or_unknown() {
    let all = programs();
    let mut seen = Coverage {
        programs: all.len(),
        ..Coverage::default()
    };
    let mut bad = Vec::new();
    let mut refused = Vec::new();
    for p in &all {
        let r = analyze_json(&[p.page.to_str().unwrap()]);
        let report = json_of(&r.stdout)["reports"][0].clone();
        // A page promtune refuses as malformed (Grafana's has a histogram whose buckets go
        // down, Impala's OpenMetrics has blank lines) says where, and reports nothing:
        // unknown, never wrong.
        if r.code == 2 && !report["error"].is_null() {
            let page = p.page.to_str().unwrap();
            assert!(r.stderr.starts_with(page), "{}: {}", p.name, r.stderr);
            refused.push(p.name.as_str());
            continue;
        }
        assert_eq!(r.code, 0, "{}: {}", p.name, r.stderr);
        for b in compare(p, &report, &mut seen) {
            bad.push(format!("{}: {b}", p.name));
        }
    }
    assert!(bad.is_empty(), "{} wrong:\n{}", bad.len(), bad.join("\n"));
    assert_eq!(
        refused,
        [
            "grafana",
            "impala-catalogd",
            "impala-statestored",
            "impalad",
            "wayfinder"
        ],
        "pages refused"
    );
    eprintln!("coverage: {seen:?}");
    let short: Vec<String> = [
        ("programs", seen.programs, FLOOR.programs),
        ("requests", seen.requests, FLOOR.requests),
        ("route", seen.route, FLOOR.route),
        ("status", seen.status, FLOOR.status),
        ("caches", seen.caches, FLOOR.caches),
        ("scrapes", seen.scrapes, FLOOR.scrapes),
    ]
    .iter()
    .filter(|(_, got, floor)| got < floor)
    .map(|(what, got, floor)| format!("{what}: {got} < {floor}"))
    .collect();
    assert!(short.is_empty(), "coverage fell: {short:?} ({seen:?})");
}
