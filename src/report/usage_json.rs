//! The JSON report's top-level `usage`: what `--usage` read, as the relabel rules read it
//! (the sources, the queries not understood, and per stored name the uses and labels), in a
//! bounded and deterministic form.

use serde::Serialize;

use crate::input::usage::Usage;

/// Stored names listed; the rest are counted in `names_more`.
const NAMES_SHOWN: usize = 1000;
/// Labels listed per name; the rest are counted in `labels_more`.
const LABELS_SHOWN: usize = 100;

#[derive(Serialize)]
pub(super) struct WireUsage<'a> {
    queries: u64,
    sources: Vec<WireSource<'a>>,
    skipped: &'a [String],
    not_parsed: Vec<WireUnparsed<'a>>,
    not_parsed_more: u64,
    names: Vec<WireName<'a>>,
    names_more: usize,
    name_patterns: Vec<WirePattern<'a>>,
    name_patterns_more: usize,
}

#[derive(Serialize)]
struct WireSource<'a> {
    path: &'a str,
    kind: &'static str,
    queries: u64,
}

#[derive(Serialize)]
struct WireUnparsed<'a> {
    #[serde(rename = "use")]
    origin: &'a str,
    at: Option<&'a str>,
    error: &'a str,
}

#[derive(Serialize)]
struct WireName<'a> {
    name: &'a str,
    all_labels: bool,
    labels: Vec<&'a str>,
    labels_more: usize,
    uses: &'a [String],
    uses_more: u64,
}

#[derive(Serialize)]
struct WirePattern<'a> {
    regex: &'a str,
    uses: &'a [String],
}

/// The wire form of `u`: names in byte order (a `BTreeMap`'s), the rest in the order read.
pub(super) fn wire(u: &Usage) -> WireUsage<'_> {
    let names = u.names.iter().take(NAMES_SHOWN).map(|(name, n)| WireName {
        name,
        all_labels: n.all_labels,
        labels: n
            .labels
            .iter()
            .take(LABELS_SHOWN)
            .map(String::as_str)
            .collect(),
        labels_more: n.labels.len().saturating_sub(LABELS_SHOWN),
        uses: &n.uses,
        uses_more: n.more_uses,
    });
    WireUsage {
        queries: u.queries(),
        sources: u
            .sources
            .iter()
            .map(|s| WireSource {
                path: &s.path,
                kind: s.kind.as_str(),
                queries: s.queries,
            })
            .collect(),
        skipped: &u.skipped,
        not_parsed: u
            .unparsed
            .iter()
            .map(|x| WireUnparsed {
                origin: &x.origin,
                at: x.at.as_deref(),
                error: &x.error,
            })
            .collect(),
        not_parsed_more: u.unparsed_more,
        names: names.collect(),
        names_more: u.names.len().saturating_sub(NAMES_SHOWN),
        name_patterns: u
            .name_patterns
            .iter()
            .take(NAMES_SHOWN)
            .map(|p| WirePattern {
                regex: &p.regex,
                uses: &p.uses,
            })
            .collect(),
        name_patterns_more: u.name_patterns.len().saturating_sub(NAMES_SHOWN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past its bounds the summary lists the first names and labels, in order, and counts
    /// the rest.
    #[test]
    fn names_and_labels_are_bounded_and_counted() {
        let mut u = Usage::default();
        for i in 0..NAMES_SHOWN + 2 {
            u.add_query("q", &format!("sum(zz_{i:05})"));
        }
        let by: Vec<String> = (0..LABELS_SHOWN + 3).map(|i| format!("l{i:03}")).collect();
        u.add_query("wide", &format!("sum by ({}) (zz_00000)", by.join(", ")));
        let w = wire(&u);
        assert_eq!(w.names.len(), NAMES_SHOWN);
        assert_eq!(w.names_more, 2);
        assert_eq!(w.names[0].name, "zz_00000");
        assert_eq!(
            w.names[NAMES_SHOWN - 1].name,
            format!("zz_{:05}", NAMES_SHOWN - 1)
        );
        assert_eq!(
            w.names[0].labels,
            by[..LABELS_SHOWN]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
        assert_eq!(w.names[0].labels_more, 3);
        assert_eq!(w.names[0].uses, ["q", "wide"]);
        assert_eq!(w.queries, NAMES_SHOWN as u64 + 3);
    }
}
