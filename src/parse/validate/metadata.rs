//! Metadata lines: `# HELP`, `# TYPE` and `# UNIT`, where they may come and what they may say.

use crate::model::MetricType;

use super::super::lexer::Comment;
use super::super::Sink;
use super::{Failure, Validator};

impl<S: Sink> Validator<S> {
    /// Handles a `# HELP`, `# TYPE` or `# UNIT` line.
    pub(crate) fn metadata(&mut self, line: u64, c: Comment<'_>) -> Result<(), Failure> {
        self.previous_suffix = None;
        let (name, kind) = match &c {
            Comment::Help { name, .. } => (name, "HELP"),
            Comment::Type { name, .. } => (name, "TYPE"),
            Comment::Unit { name, .. } => (name, "UNIT"),
            Comment::Eof | Comment::Other => return Ok(()),
        };
        let current = self.fam.as_ref().is_some_and(|f| f.name == **name);
        if !current {
            self.open(name, line)?;
        }
        let om = self.om;
        let Some(f) = self.fam.as_mut() else {
            return Ok(());
        };
        if f.samples > 0 && (om || kind == "TYPE") {
            return Err((
                line,
                0,
                format!("{kind} line for {} comes after its samples", f.name),
            ));
        }
        let repeated = match &c {
            Comment::Help { .. } => f.help.is_some(),
            Comment::Type { .. } => f.has_type,
            _ => f.unit.is_some(),
        };
        if repeated {
            return Err((line, 0, format!("second {kind} line for {}", f.name)));
        }
        match c {
            Comment::Help { text, .. } => f.help = Some(text.into_owned()),
            Comment::Type { mtype, .. } => {
                f.mtype = mtype;
                f.has_type = true;
            }
            Comment::Unit { unit, unit_pos, .. } => {
                if !unit.is_empty() && !f.name.ends_with(&format!("_{unit}")) {
                    return Err((
                        line,
                        unit_pos,
                        format!(
                            "metric name {} must end with _{unit} to have unit {unit:?}",
                            f.name
                        ),
                    ));
                }
                f.unit = Some(unit.to_string());
            }
            Comment::Eof | Comment::Other => {}
        }
        if matches!(f.mtype, MetricType::Info | MetricType::StateSet)
            && f.unit.as_deref().is_some_and(|u| !u.is_empty())
        {
            return Err((
                line,
                0,
                format!("{} {} cannot have a unit", f.mtype, f.name),
            ));
        }
        Ok(())
    }
}
