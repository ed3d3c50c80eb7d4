//! Grafana dashboards as usage: the queries of panels (nested in rows, collapsed or not, and
//! library panels whose model the JSON carries), and of query variables, with template
//! variables substituted first (template.rs). A dashboard wrapped as Grafana's API returns it
//! (`{"dashboard": {...}}`) reads the same.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::promql::VAR;
use super::template::{substitute, Numbers};
use super::{NotUsage, Usage};
use crate::input::json::List;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Dashboard {
    dashboard: Option<Box<Dashboard>>,
    title: Option<String>,
    panels: Option<List<Panel>>,
    /// Dashboards before Grafana 5 hold rows, each with its panels.
    rows: Option<List<Panel>>,
    templating: Option<Templating>,
    /// Library panels' models, in a dashboard exported for sharing.
    #[serde(rename = "__elements")]
    elements: Option<Elements>,
}

/// `__elements`: by uid (Grafana 9 on), or a list (empty, in Grafana 8's exports).
#[derive(Deserialize)]
#[serde(untagged)]
enum Elements {
    ByUid(BTreeMap<String, Element>),
    Listed(List<Element>),
}

impl Elements {
    fn model(&self, uid: &str) -> Option<&Panel> {
        let found = match self {
            Elements::ByUid(m) => m.get(uid),
            Elements::Listed(l) => l.0.iter().find(|e| e.uid.as_deref() == Some(uid)),
        };
        found?.model.as_deref()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Panel {
    title: Option<String>,
    datasource: Option<Datasource>,
    targets: List<Target>,
    panels: List<Panel>,
    #[serde(rename = "libraryPanel")]
    library: Option<Element>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Element {
    uid: Option<String>,
    name: Option<String>,
    model: Option<Box<Panel>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Target {
    expr: Option<String>,
    #[serde(rename = "refId")]
    ref_id: Option<String>,
    datasource: Option<Datasource>,
}

/// A data source: a reference with its type, or anything else (a name, in older
/// dashboards), read as PromQL. Untagged variants are tried in order: the typed one first.
#[derive(Deserialize)]
#[serde(untagged)]
enum Datasource {
    Typed {
        #[serde(rename = "type")]
        kind: Option<String>,
    },
    Named(serde::de::IgnoredAny),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Templating {
    list: List<Variable>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Variable {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    query: Option<VarQuery>,
    datasource: Option<Datasource>,
    current: Option<Current>,
}

/// A variable's query: text, or (newer Grafana) an object holding it.
#[derive(Deserialize)]
#[serde(untagged)]
enum VarQuery {
    Text(String),
    Object { query: Option<String> },
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Current {
    value: Option<CurrentValue>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CurrentValue {
    Text(String),
    Other(serde::de::IgnoredAny),
}

/// Data source types whose queries are not PromQL. Any other type (Prometheus, Mimir,
/// VictoriaMetrics, a variable) is read as PromQL: a query that is not fails to parse and is
/// reported, which is the conservative side.
const NOT_PROMQL: &[&str] = &[
    "loki",
    "tempo",
    "elasticsearch",
    "influxdb",
    "graphite",
    "mysql",
    "postgres",
    "grafana-postgresql-datasource",
    "mssql",
    "cloudwatch",
    "testdata",
    "grafana-testdata-datasource",
    "__expr__",
    "grafana-pyroscope-datasource",
    "jaeger",
    "zipkin",
];

fn promql(ds: Option<&Datasource>) -> bool {
    match ds {
        Some(Datasource::Typed { kind: Some(k) }) => !NOT_PROMQL.contains(&k.as_str()),
        _ => true,
    }
}

impl Usage {
    /// Reads a dashboard's JSON (`origin` names it in uses and errors). Returns the queries
    /// read; JSON that is not a dashboard is an error naming `origin:line:column`.
    pub fn add_dashboard_text(&mut self, origin: &str, json: &str) -> anyhow::Result<u64> {
        let mut d: Dashboard = serde_json::from_str(json).map_err(|e| {
            anyhow::anyhow!("{origin}:{}:{}: not a dashboard: {e}", e.line(), e.column())
        })?;
        if let Some(inner) = d.dashboard.take() {
            d = *inner;
        }
        if d.panels.is_none() && d.rows.is_none() && d.templating.is_none() {
            let what = format!("{origin}: not a dashboard (no panels, rows or templating)");
            return Err(NotUsage(what).into());
        }
        let templating = d.templating.unwrap_or_default();
        let mut read = Reader {
            usage: self,
            origin,
            json,
            numbers: numbers(&templating),
            elements: d.elements.as_ref(),
            n: 0,
        };
        let title = d.title.as_deref().unwrap_or("untitled");
        for v in &templating.list.0 {
            read.variable(v);
        }
        let panels = d.panels.iter().chain(&d.rows).flat_map(|l| &l.0);
        for p in panels {
            read.panel(p, title, true);
        }
        let n = read.n;
        self.count(origin, super::SourceKind::Dashboard, n);
        Ok(n)
    }
}

/// The numbers custom, constant and textbox variables hold, for bare places.
fn numbers(t: &Templating) -> Numbers {
    let mut out = BTreeMap::new();
    for v in &t.list.0 {
        let fixed = matches!(v.kind.as_deref(), Some("custom" | "constant" | "textbox"));
        let value = match v.current.as_ref().and_then(|c| c.value.as_ref()) {
            Some(CurrentValue::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        if let (true, Some(name), Some(value)) = (fixed, &v.name, value) {
            if value.trim().parse::<f64>().is_ok() {
                out.insert(name.clone(), value.trim().to_string());
            }
        }
    }
    Numbers(out)
}

struct Reader<'a> {
    usage: &'a mut Usage,
    origin: &'a str,
    /// The dashboard's text, to place a query that does not parse.
    json: &'a str,
    numbers: Numbers,
    elements: Option<&'a Elements>,
    n: u64,
}

impl Reader<'_> {
    fn read(&mut self, at: &str, expr: &str) {
        self.n += 1;
        let (json, origin) = (self.json, self.origin);
        // serde gives no places in a value: the query is placed when its text, as JSON
        // writes it, stands once in the file.
        let place = || {
            let quoted = serde_json::to_string(expr).ok()?;
            let mut found = json.match_indices(quoted.as_str()).map(|(i, _)| i);
            match (found.next(), found.next()) {
                (Some(i), None) => Some(super::place(origin, json, i + 1)),
                _ => None,
            }
        };
        let expr = substitute(expr, &self.numbers);
        self.usage.query(at, &expr, &place);
    }

    fn panel(&mut self, p: &Panel, dashboard: &str, follow_library: bool) {
        let title = p.title.as_deref().unwrap_or("untitled");
        let at = format!("{}: dashboard {dashboard:?}, panel {title:?}", self.origin);
        for t in &p.targets.0 {
            let ds = t.datasource.as_ref().or(p.datasource.as_ref());
            if let (Some(expr), true) = (&t.expr, promql(ds)) {
                let r = t.ref_id.as_deref().unwrap_or("?");
                self.read(&format!("{at}, query {r}"), expr);
            }
        }
        for inner in &p.panels.0 {
            self.panel(inner, dashboard, follow_library);
        }
        let Some(lib) = &p.library else { return };
        let elements = self.elements;
        let model = lib
            .model
            .as_deref()
            .or_else(|| elements?.model(lib.uid.as_deref()?));
        match model {
            // A library panel's model names itself again; it is read once.
            Some(m) if follow_library => self.panel(m, dashboard, false),
            Some(_) => {}
            None => {
                let name = lib.name.as_deref().or(lib.uid.as_deref()).unwrap_or("?");
                self.usage.unparsed(
                    &at,
                    None,
                    "",
                    format!("library panel {name:?}: its model is not in this file; its queries are unknown"),
                );
            }
        }
    }

    fn variable(&mut self, v: &Variable) {
        if v.kind.as_deref() != Some("query") || !promql(v.datasource.as_ref()) {
            return;
        }
        let q = match &v.query {
            Some(VarQuery::Text(s)) => s.as_str(),
            Some(VarQuery::Object { query: Some(s) }) => s.as_str(),
            _ => return,
        };
        let name = v.name.as_deref().unwrap_or("?");
        let at = format!("{}: variable {name:?}", self.origin);
        let q = q.trim();
        let call = |f: &str| {
            q.strip_prefix(f)
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix('('))
                .and_then(|r| r.trim_end().strip_suffix(')'))
        };
        if let Some(args) = call("label_values") {
            // label_values(selector, label) reads the label of the selector's series;
            // label_values(label) reads no name.
            if let Some((selector, label)) = args.rsplit_once(',') {
                let label = label.trim();
                self.read(&at, &format!("count by ({label}) ({selector})"));
            }
        } else if let Some(expr) = call("query_result") {
            self.read(&at, expr);
        } else if let Some(re) = call("metrics") {
            // Grafana matches metrics(regex) unanchored.
            self.n += 1;
            let re = substitute(re.trim(), &self.numbers).replace(VAR, ".*");
            self.usage.use_pattern(&format!(".*(?:{re}).*"), &at);
        } else if call("label_names").is_none() {
            self.read(&at, q);
        }
    }
}
