//! `help_text`: a family without HELP (promlint's `lintHelp`).

use crate::check::{Family, Limits, Rule};

pub(super) struct HelpText;

impl Rule for HelpText {
    fn id(&self) -> &'static str {
        "help_text"
    }
    fn describe(&self) -> &'static str {
        "a family without HELP text"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if !f.help {
            out.push("no help text".into());
        }
    }
}
