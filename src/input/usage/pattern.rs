//! Name patterns (`__name__=~` regexes), anchored as PromQL anchors them and compiled once
//! with regex-lite.

use std::fmt;

/// A name regex anchored as PromQL anchors it, compiled with regex-lite. One regex-lite
/// cannot compile (RE2 syntax it lacks, such as Unicode classes) matches every name: a use
/// that cannot be checked counts as reading everything.
#[derive(Clone)]
struct Anchored(Option<regex_lite::Regex>);

impl Anchored {
    fn new(regex: &str) -> Anchored {
        Anchored(regex_lite::Regex::new(&format!("^(?:{regex})$")).ok())
    }

    fn matches(&self, name: &str) -> bool {
        self.0.as_ref().is_none_or(|r| r.is_match(name))
    }
}

/// Name patterns by their regex, compiled.
#[derive(Clone, Default)]
pub(super) struct Compiled(Vec<(String, Anchored)>);

impl Compiled {
    pub(super) fn add(&mut self, regex: &str) {
        self.0.push((regex.to_string(), Anchored::new(regex)));
    }

    pub(super) fn matches(&self, regex: &str, name: &str) -> bool {
        match self.0.iter().find(|(r, _)| r == regex) {
            Some((_, a)) => a.matches(name),
            None => Anchored::new(regex).matches(name),
        }
    }
}

impl PartialEq for Compiled {
    /// Compiled from `name_patterns`, which the usage compares itself.
    fn eq(&self, _: &Compiled) -> bool {
        true
    }
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} compiled", self.0.len())
    }
}
