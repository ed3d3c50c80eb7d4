//! What each family's uses read, and the one `drop` rule of the stored names no use reads:
//! the same for a page's series and a server's counts.

use std::collections::BTreeSet;

use super::{names, Exempt, RelabelConfig, Rule, RuleKind, NO_USAGE};
use crate::input::usage::Usage;

/// The uses of one family, over its stored names.
pub(super) struct FamilyUse {
    /// Stored names no use reads.
    pub(super) unread: Vec<String>,
    /// Whether some use needs every label.
    pub(super) all_labels: bool,
    /// The labels uses need.
    pub(super) labels: BTreeSet<String>,
    /// Where it is used.
    pub(super) uses: Vec<String>,
}

fn family_use(usage: &Usage, names: &[&str]) -> FamilyUse {
    let mut u = FamilyUse {
        unread: Vec::new(),
        all_labels: false,
        labels: BTreeSet::new(),
        uses: Vec::new(),
    };
    let mut more = 0;
    for &name in names {
        match usage.need(name) {
            None => u.unread.push(name.to_string()),
            Some(n) => {
                u.all_labels |= n.all_labels;
                u.labels.extend(n.labels);
                u.uses.extend(n.uses);
                more += n.more_uses;
            }
        }
    }
    u.uses.sort();
    u.uses.dedup();
    if more > 0 {
        u.uses
            .push(format!("{} not listed", crate::plural::n(more, "more use")));
    }
    u
}

/// Each family's use (`None` where `exempt` spares it, or with no `usage`), given as
/// `(family, stored names)`; the notes say what was spared, or that nothing is known.
pub(super) fn uses(
    families: &[(&str, Vec<&str>)],
    usage: Option<&Usage>,
    exempt: &[Exempt],
    notes: &mut Vec<String>,
) -> Vec<Option<FamilyUse>> {
    let mut exempted = Vec::new();
    let out = families
        .iter()
        .map(|(name, names)| {
            let why = exempt
                .iter()
                .find(|e| e.pattern.is_match(name) || names.iter().any(|n| e.pattern.is_match(n)));
            if let Some(e) = why {
                exempted.push(format!("{name} ({})", e.why));
                return None;
            }
            usage.map(|u| family_use(u, names))
        })
        .collect();
    if !exempted.is_empty() {
        notes.push(format!("exempt from every rule: {}", exempted.join(", ")));
    }
    if usage.is_none() {
        notes.push(NO_USAGE.to_string());
    }
    out
}

/// The one `drop` rule: every stored name no use reads, in one anchored regex. Each family
/// comes as `(name, its stored names, the series its unread names hold, its use)`.
pub(super) fn drop_rule<'a>(
    open: impl IntoIterator<Item = (&'a str, usize, u64, &'a FamilyUse)>,
) -> Option<Rule> {
    let mut names: Vec<&str> = Vec::new();
    let (mut families, mut described) = (Vec::new(), Vec::new());
    let mut saved = 0;
    for (family, stored, unread_series, u) in open {
        if u.unread.is_empty() {
            continue;
        }
        families.push(family.to_string());
        described.push(if u.unread.len() == stored {
            family.to_string()
        } else {
            format!("{family} (its {})", u.unread.join(", "))
        });
        names.extend(u.unread.iter().map(String::as_str));
        saved += unread_series;
    }
    if names.is_empty() {
        return None;
    }
    names.sort_unstable();
    names.dedup();
    Some(drop_of(
        names.into_iter().map(str::to_string).collect(),
        families,
        described.join("; "),
        saved,
    ))
}

/// The drop rule of `names` (sorted, distinct).
fn drop_of(names: Vec<String>, families: Vec<String>, described: String, saved: u64) -> Rule {
    Rule {
        kind: RuleKind::Drop,
        config: RelabelConfig {
            source_labels: vec!["__name__".into()],
            regex: names::exactly(names.iter().map(String::as_str)),
            action: "drop",
            target_label: None,
            replacement: None,
        },
        what: format!(
            "drop {} no use reads: {described}",
            crate::plural::n(names.len() as u64, "stored name"),
        ),
        families,
        names,
        keeps: Vec::new(),
        saved,
    }
}

/// One drop rule for a job from its targets' (each target's own), saving their sum: what
/// no use reads on one target no use reads on another, so the union drops nothing read.
pub fn merged_drop<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Option<Rule> {
    let (mut names, mut families, mut saved) = (Vec::new(), Vec::new(), 0);
    for r in rules.into_iter().filter(|r| r.kind == RuleKind::Drop) {
        names.extend(r.names.iter().cloned());
        families.extend(r.families.iter().cloned());
        saved += r.saved;
    }
    if names.is_empty() {
        return None;
    }
    names.sort_unstable();
    names.dedup();
    families.sort_unstable();
    families.dedup();
    let described = families.join(", ");
    Some(drop_of(names, families, described, saved))
}
