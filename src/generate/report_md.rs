//! `recommendations.md`: the report in Markdown.

use super::{header, GenerateContext, Generator};
use crate::escape::comment;
use crate::report::{renderer, Format};

/// Writes the Markdown report.
pub(crate) struct ReportGenerator;

impl Generator for ReportGenerator {
    fn kind(&self) -> &'static str {
        "report"
    }

    fn file_name(&self) -> &'static str {
        "recommendations.md"
    }

    fn generate(&self, cx: &GenerateContext<'_>) -> anyhow::Result<String> {
        let head = header(cx, "promtune recommendations (recommendations.md)", &[]);
        let comment: String = head
            .lines()
            .map(|l| comment::html(l.trim_start_matches("# ")))
            .collect::<Vec<_>>()
            .join("\n");
        let body = renderer(Format::Markdown).render(std::slice::from_ref(cx.report), None);
        Ok(format!("<!--\n{comment}\n-->\n{body}"))
    }
}
