//! `unit_consistency` (promtune's, OpenMetrics only): a name that ends in a unit without
//! saying so in `# UNIT`, or a `# UNIT` that is not a base unit. (A `# UNIT` the name does
//! not end with is a parse error already.)

use super::base_units::unit_of;
use crate::check::{Family, Limits, Rule};

pub(super) struct UnitConsistency;

impl Rule for UnitConsistency {
    fn id(&self) -> &'static str {
        "unit_consistency"
    }
    fn describe(&self) -> &'static str {
        "OpenMetrics: a unit in the name without # UNIT, or a # UNIT that is not a base unit"
    }
    fn promtool(&self) -> bool {
        false
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if !f.om {
            return;
        }
        match f.unit.as_deref().filter(|u| !u.is_empty()) {
            None => {
                let last = f.name.rsplit('_').next().unwrap_or("");
                if let Some((unit, _)) = unit_of(last) {
                    out.push(format!(
                        "the name ends in the unit {unit:?} but there is no \"# UNIT {} {unit}\" line",
                        f.name
                    ));
                }
            }
            Some(u) => {
                if let Some((unit, base)) = unit_of(u).filter(|(x, b)| x != b) {
                    out.push(format!("# UNIT {unit} is not a base unit: use {base:?}"));
                }
            }
        }
    }
}
