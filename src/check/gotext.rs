//! Go's text parser (`expfmt.TextParser`, which promtool reads pages with), emulated over
//! promtune's lexer: samples grouped into families by name as Go groups them, and the
//! errors Go's grouping raises, with its messages. Lines are lexed by promtune's lexer, so a
//! line Go rejects for another reason gets promtune's message (at the same line).
//!
//! How Go groups: a sample name is its own family unless a histogram or summary of that
//! name less `_bucket`, `_count` or `_sum` exists; every counter, gauge and untyped sample
//! is a series of its own; a histogram's or summary's series are its label sets without
//! `le` or `quantile`; families never given a sample are dropped. A second HELP or TYPE for
//! a family, or a TYPE after its samples, is an error wherever it comes.

use std::collections::HashMap;
use std::io::Read;

use super::family::Family;
use crate::model::MetricType;
use crate::parse::{label_subset, parse_value, Comment, Failure, Label, Lines, SampleLine};

/// How a sample name relates to its family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Plain,
    Count,
    Sum,
    Bucket,
}

/// The families of one page as Go's text parser makes them.
#[derive(Debug, Default)]
pub struct GoText {
    families: Vec<Family>,
    index: HashMap<String, usize>,
    /// Whether each family's type is set (by TYPE, or untyped by its first sample).
    typed: Vec<bool>,
    /// The last line that was not blank.
    last: u64,
}

/// `name` less `suffix`, if it is longer than the suffix (Go's `isCount` and the like).
fn strip<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    name.strip_suffix(suffix).filter(|b| !b.is_empty())
}

impl GoText {
    /// The family sample or metadata name `name` belongs to, created if new (Go's
    /// `setOrCreateCurrentMF`).
    fn family_of(&mut self, name: &str, line: u64) -> (usize, Part) {
        if let Some(&i) = self.index.get(name) {
            return (i, Part::Plain);
        }
        let parts = [
            ("_count", Part::Count),
            ("_sum", Part::Sum),
            ("_bucket", Part::Bucket),
        ];
        for (suffix, part) in parts {
            let Some(base) = strip(name, suffix) else {
                continue;
            };
            if let Some(&i) = self.index.get(base) {
                let t = self.families[i].mtype;
                let fits = t == MetricType::Histogram
                    || (t == MetricType::Summary && part != Part::Bucket);
                if fits {
                    return (i, part);
                }
            }
        }
        self.index.insert(name.to_string(), self.families.len());
        self.families
            .push(Family::new(name, MetricType::Unknown, line));
        self.typed.push(false);
        (self.families.len() - 1, Part::Plain)
    }

    /// The families with samples.
    pub fn families(self) -> Vec<Family> {
        self.families.into_iter().filter(|f| f.series > 0).collect()
    }
}

fn fail(line: u64, msg: String) -> Result<(), Failure> {
    Err((line, 0, msg))
}

/// The first escape in HELP text that Go rejects (it knows `\\` and `\n` only there).
fn bad_help_escape(text: &str) -> Option<char> {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\' | 'n') => {}
                other => return Some(other.unwrap_or('\n')),
            }
        }
    }
    None
}

impl Lines for GoText {
    fn metadata(&mut self, line: u64, text: &str, c: Comment<'_>) -> Result<(), Failure> {
        self.last = line;
        match c {
            // Go reads a HELP with nothing after the name as a plain comment.
            Comment::Help {
                name, text: help, ..
            } if !help.is_empty() => {
                let (i, _) = self.family_of(&name, line);
                let f = &mut self.families[i];
                if f.help {
                    return fail(
                        line,
                        format!("second HELP line for metric name {:?}", f.name),
                    );
                }
                let raw = text.split_once("HELP").map_or("", |(_, r)| r);
                let raw = raw.trim_start_matches([' ', '\t']);
                if let Some(c) = bad_help_escape(raw.get(name.len()..).unwrap_or("")) {
                    return fail(line, format!("invalid escape sequence '\\{c}'"));
                }
                f.help = true;
            }
            Comment::Type { name, mtype } => {
                let (i, _) = self.family_of(&name, line);
                if self.typed[i] {
                    let n = &self.families[i].name;
                    let msg = format!(
                        "second TYPE line for metric name {n:?}, or TYPE reported after samples"
                    );
                    return fail(line, msg);
                }
                self.typed[i] = true;
                self.families[i].mtype = mtype;
            }
            _ => {}
        }
        Ok(())
    }

    fn sample(
        &mut self,
        line: u64,
        s: &SampleLine<'_>,
        labels: &[Label<'_>],
    ) -> Result<(), Failure> {
        self.last = line;
        let (i, part) = self.family_of(&s.name, line);
        self.typed[i] = true;
        let f = &mut self.families[i];
        let consumed = match f.mtype {
            MetricType::Histogram => "le",
            MetricType::Summary => "quantile",
            _ => "",
        };
        let mut width = false;
        if let Some(l) = labels
            .iter()
            .find(|l| !consumed.is_empty() && l.name == consumed)
        {
            if parse_value(&l.value).is_none() {
                let msg = format!(
                    "expected float as value for '{consumed}' label, got {:?}",
                    l.value
                );
                return fail(line, msg);
            }
            width = matches!(part, Part::Plain | Part::Bucket);
        }
        let group = label_subset(labels, |l| l.name != consumed);
        f.samples += 1;
        let kept = labels.iter().filter(|l| l.name != consumed);
        f.go_sample(group, width, kept);
        Ok(())
    }

    fn warn(&mut self, _: u64, _: u64, _: String) {}

    fn eof_ends(&self) -> bool {
        false
    }
}

/// What promtool makes of a page: its families, or Go's error as `(line, message)`.
pub fn read_as_promtool<R: Read>(input: R, max_bytes: u64) -> Result<Vec<Family>, (u64, String)> {
    match crate::parse::lex_lines(input, max_bytes, GoText::default()) {
        Ok((g, lines, newline_at_end)) => {
            // Go stops with an error when the input ends inside a line that is not blank.
            if !newline_at_end && g.last == lines {
                return Err((lines, "unexpected end of input stream".into()));
            }
            Ok(g.families())
        }
        Err(crate::parse::ParseError::Syntax { line, message, .. }) => Err((line, message)),
        Err(e) => Err((0, e.to_string())),
    }
}
