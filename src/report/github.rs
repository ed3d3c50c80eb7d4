//! GitHub Actions workflow commands (`--format github`): `::error` for a critical check,
//! `::warning` for a warning, `::notice` for a usage pattern with a recommendation, with the
//! file and line when the source is a file. Values are escaped as GitHub's toolkit escapes
//! them, so no label value can end a command and start another.

use std::fmt::Write as _;

use super::findings::{findings, is_file};
use super::{Fleet, Renderer, Report};
use crate::escape::github;
use crate::threshold::Status;

/// Renders workflow commands.
pub(crate) struct GithubRenderer;

impl Renderer for GithubRenderer {
    fn render(&self, reports: &[Report], _fleet: Option<&Fleet>) -> String {
        let mut out = String::new();
        for r in reports {
            let file = is_file(&r.source).then(|| format!("file={}", github::property(&r.source)));
            if let Some(e) = &r.error {
                let props = file.clone().map(|f| format!(" {f},")).unwrap_or(" ".into());
                let _ = writeln!(out, "::error{props}title=promtune::{}", github::data(e));
                continue;
            }
            for f in findings(r, Status::Warning) {
                let waived = f.waived();
                let command = match f.status {
                    _ if waived.is_some() => "notice",
                    Status::Critical => "error",
                    Status::Warning if f.check.is_some() => "warning",
                    _ => "notice",
                };
                let message = match &waived {
                    Some(w) => format!("{} ({w})", f.message),
                    None => f.message.clone(),
                };
                let mut props: Vec<String> = file.iter().cloned().collect();
                if let (Some(l), Some(_)) = (f.line, &file) {
                    props.push(format!("line={l}"));
                }
                let target = r
                    .target
                    .as_ref()
                    .map(|t| format!(" {}/{}", t.job, t.instance))
                    .unwrap_or_default();
                props.push(format!(
                    "title={}",
                    github::property(&format!("promtune {}{target}", f.rule))
                ));
                let _ = writeln!(
                    out,
                    "::{command} {}::{}",
                    props.join(","),
                    github::data(&message)
                );
            }
        }
        out
    }
}
