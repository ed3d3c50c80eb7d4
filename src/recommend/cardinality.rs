//! The cost recommendation: when one family's series are most of a page, or a label holds
//! values that grow without bound, that is the bigger bill, ahead of the scrape interval and
//! compression. It says what and why; the relabel rule itself is `generate`'s.

use super::{Impact, Recommendation};
use crate::model::{Cost, FamilyCost, LabelCost, SuspectKind};

/// A family holding at least this share of a page's samples dominates it…
pub const DOMINANT_SHARE: f64 = 0.5;

/// …when it has at least this many samples per scrape (on a small page, half of it in one
/// histogram is no bill: about 5.8 million samples a day at 15s).
pub const DOMINANT_MIN: u64 = 1000;

/// Whether family `f` dominates the page.
pub fn dominates(cost: &Cost, f: &FamilyCost) -> bool {
    f.series >= DOMINANT_MIN && cost.share(f) >= DOMINANT_SHARE
}

/// The label of `f` behind its series: a suspect one, else the one with most values
/// (never a bucket bound or quantile).
fn culprit(f: &FamilyCost) -> Option<&LabelCost> {
    f.labels.iter().find(|l| l.suspect.is_some()).or_else(|| {
        f.labels
            .iter()
            .filter(|l| !matches!(l.name.as_str(), "le" | "quantile"))
            .max_by_key(|l| (l.distinct, std::cmp::Reverse(&l.name)))
    })
}

fn distinct(l: &LabelCost) -> String {
    let plus = if l.distinct_capped { " or more" } else { "" };
    format!("{}{plus}", crate::plural::n(l.distinct, "distinct value"))
}

/// Adds the cost recommendation, if any: high when a family dominates the page, or holds
/// a suspect label and half the samples or more (the raw path of a small app); medium for
/// any other suspect label.
pub(super) fn cardinality(cost: &Cost, out: &mut Vec<Recommendation>) {
    let heavy = cost.families.first().filter(|f| dominates(cost, f));
    let (f, high) = match (heavy, cost.suspects().next()) {
        (Some(f), _) => (f, true),
        (None, Some((f, _))) => (f, cost.share(f) >= DOMINANT_SHARE),
        (None, None) => return,
    };
    let label = culprit(f);
    let action = match label {
        Some(l) => match &l.suspect {
            Some(s) => {
                let fix = if s.kind == SuspectKind::RawPath {
                    "template it at the source (/api/items/123 → /api/items/:id: the route, not the request)"
                } else {
                    "drop it, or move it to logs or exemplars"
                };
                format!(
                    "cut the series of {}: its label \"{}\" holds {} such as {}; {fix}",
                    f.name,
                    l.name,
                    s.kind.words(),
                    s.examples
                        .iter()
                        .map(|e| format!("\"{e}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
            None => format!(
                "cut the series of {}: drop the labels and buckets no dashboard or alert reads (\"{}\" has {})",
                f.name,
                l.name,
                distinct(l)
            ),
        },
        None => format!("cut the series of {}", f.name),
    };
    let share = format!("{:.0}%", cost.share(f) * 100.0);
    let per_day = match (cost.per_day(f.series), &cost.interval) {
        (Some(d), Some((i, _))) => format!(
            ", {} samples per day at one scrape every {}",
            crate::plural::count(d),
            crate::threshold::Unit::Seconds.format(*i)
        ),
        _ => String::new(),
    };
    out.push(Recommendation {
        id: "cardinality",
        impact: if high { Impact::High } else { Impact::Medium },
        action,
        expected: format!(
            "fewer of the {} of {} samples per scrape ({share}) that {} makes{per_day}",
            f.series, cost.series, f.name
        ),
        expected_reduction: None,
        evidence: format!(
            "{} ({}) makes {} of the page's {} samples per scrape{}",
            f.name,
            f.mtype,
            f.series,
            cost.series,
            label
                .map(|l| format!("; its label \"{}\" has {}", l.name, distinct(l)))
                .unwrap_or_default()
        ),
    });
}
