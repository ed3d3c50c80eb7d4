//! SARIF 2.1.0 (`--format sarif`): one run with promtune as the driver, a rule per detector
//! naming its docs page, a result per check at warning or critical and per usage pattern with
//! a recommendation, located at the measured series' line when the source is a file.

use serde_json::{json, Value};

use super::findings::{findings, is_file};
use super::{Fleet, Renderer, Report};
use crate::threshold::Status;

/// Renders SARIF.
pub(crate) struct SarifRenderer;

fn level(s: Status) -> &'static str {
    match s {
        Status::Critical => "error",
        Status::Warning => "warning",
        _ => "note",
    }
}

fn location(r: &Report, line: Option<u64>) -> Value {
    if !is_file(&r.source) && r.source.starts_with('{') {
        // A target read from a server: no file, a logical place.
        return json!({"logicalLocations": [{"name": r.source, "kind": "module"}]});
    }
    let mut physical = json!({"artifactLocation": {"uri": r.source}});
    if let Some(l) = line.filter(|l| *l > 0) {
        physical["region"] = json!({"startLine": l});
    }
    json!({"physicalLocation": physical})
}

impl Renderer for SarifRenderer {
    fn render(&self, reports: &[Report], _fleet: Option<&Fleet>) -> String {
        // Detectors, then lint rules (their pages are under docs/lint/).
        let registry = crate::detect::registry();
        let detectors = registry
            .iter()
            .map(|d| (d.id(), d.describe(), crate::detect::DOCS_DIR));
        let lints = crate::check::registry()
            .iter()
            .map(|r| (r.id(), r.describe(), "docs/lint"));
        let cost = super::cost::RULES
            .iter()
            .map(|(id, text)| (*id, *text, super::cost::DOCS));
        let all: Vec<(&str, &str, &str)> = detectors.chain(lints).chain(cost).collect();
        let rules: Vec<Value> = all
            .iter()
            .map(|(id, text, dir)| {
                json!({
                    "id": id,
                    "shortDescription": {"text": text},
                    // No helpUri: it must be an absolute address, and no published copy of
                    // the docs has been checked; the page's path in promtune's source is.
                    "help": {"text": format!("{text}. How it is measured: {dir}/{id}.md in promtune's source.")},
                })
            })
            .collect();
        let ids: Vec<&str> = all.iter().map(|r| r.0).collect();
        let mut results = Vec::new();
        let mut notifications = Vec::new();
        for r in reports {
            if let Some(e) = &r.error {
                notifications.push(json!({
                    "level": "error",
                    "message": {"text": e},
                    "locations": [location(r, None)],
                }));
                continue;
            }
            for f in findings(r, Status::Warning) {
                let mut props = json!({"status": f.status.as_str()});
                if let Some(c) = f.check {
                    props["value"] = json!(c.measurement.value.filter(|v| v.is_finite()));
                    props["target"] = json!(c.rule.target);
                    props["warning"] = json!(c.rule.warning);
                    props["critical"] = json!(c.rule.critical);
                    if let Some(s) = &c.measurement.subject {
                        props["subject"] = json!(s);
                    }
                }
                if let Some(t) = &r.target {
                    props["job"] = json!(t.job);
                    props["instance"] = json!(t.instance);
                }
                let mut result = json!({
                    "ruleId": f.rule,
                    "level": level(f.status),
                    "message": {"text": f.message},
                    "locations": [location(r, f.line)],
                    "properties": props,
                });
                if let Some(i) = ids.iter().position(|x| *x == f.rule) {
                    result["ruleIndex"] = json!(i);
                }
                if let Some(w) = f.waived() {
                    result["suppressions"] =
                        json!([{"kind": "external", "status": "accepted", "justification": w}]);
                }
                results.push(result);
            }
        }
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "promtune",
                    "version": env!("CARGO_PKG_VERSION"),
                    // No informationUri: an address nobody has checked is not given.
                    "rules": rules,
                }},
                "invocations": [{
                    "executionSuccessful": notifications.is_empty(),
                    "toolExecutionNotifications": notifications,
                }],
                "results": results,
            }],
        });
        let mut s = crate::escape::json::pretty(&log);
        s.push('\n');
        s
    }
}
