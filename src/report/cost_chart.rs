//! The HTML report's cardinality chart: one bar per family with the most samples per scrape,
//! its name and count written beside it, the bar's length its share of the largest.

use std::fmt::Write as _;

use super::scale::{data, Px};
use super::svg::{esc, open, W};
use crate::model::Cost;

/// Height of one family's row.
const ROW: f64 = 22.0;

/// Width kept for the family names, left of the bars, and the characters that fit there.
const NAMES: f64 = 250.0;
const NAME_CHARS: usize = 48;

/// Bars for the top `n` families, each with a `data-series` the browser test reads back.
pub(crate) fn families(c: &Cost, n: usize) -> String {
    let top: Vec<_> = c.families.iter().take(n).collect();
    let max = top.first().map_or(1, |f| f.series.max(1)) as f64;
    let h = ROW * top.len().max(1) as f64 + 4.0;
    let mut s = open(
        "families",
        "Samples per scrape by family, largest first",
        h,
        &data("data-total", Some(c.series as f64)),
    );
    let room = W - NAMES - 70.0;
    for (i, f) in top.iter().enumerate() {
        let y = ROW * i as f64 + 2.0;
        let w = (room * f.series as f64 / max).max(1.0);
        let share = format!("{:.0}%", c.share(f) * 100.0);
        // A long name is cut to fit left of the bars; the bar's title has it whole.
        let shown: String = match f.name.char_indices().nth(NAME_CHARS) {
            Some((i, _)) => format!("{}…", &f.name[..i]),
            None => f.name.clone(),
        };
        let _ = write!(
            s,
            "<text class=\"axis end\" x=\"{}\" y=\"{}\">{}</text><rect class=\"bar\" data-series=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: {} samples per scrape ({share})</title></rect><text class=\"axis\" x=\"{}\" y=\"{}\">{} ({share})</text>",
            Px(NAMES - 4.0),
            Px(y + 14.0),
            esc(&shown),
            f.series,
            Px(NAMES),
            Px(y + 3.0),
            Px(w),
            Px(ROW - 6.0),
            esc(&f.name),
            f.series,
            Px(NAMES + w + 4.0),
            Px(y + 14.0),
            f.series,
        );
    }
    s.push_str("</svg>");
    s
}
