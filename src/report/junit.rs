//! JUnit XML (`--format junit`), as Jenkins and GitLab read it (Jenkins xUnit's
//! junit-10.xsd): a testsuite per source, a testcase per check, a failure for each check at
//! or above `--fail-on`, skipped when the check could not be measured, an error for a source
//! that could not be read.

use std::fmt::Write as _;

use super::findings::sentence;
use super::{Fleet, Renderer, Report};
use crate::escape::xml;
use crate::threshold::Status;

/// Renders JUnit XML.
pub(crate) struct JunitRenderer {
    /// Checks at or above this status fail; `None` (`--fail-on never`): none does.
    pub fail_at: Option<Status>,
}

impl Renderer for JunitRenderer {
    fn render(&self, reports: &[Report], _fleet: Option<&Fleet>) -> String {
        let mut body = String::new();
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        for (i, r) in reports.iter().enumerate() {
            let class = xml::text(&format!("promtune.{}", r.source));
            if let Some(e) = &r.error {
                tests += 1;
                errors += 1;
                let _ = write!(
                    body,
                    "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\" id=\"{i}\" package=\"promtune\">\n    <testcase name=\"analysis\" classname=\"{class}\">\n      <error message=\"{}\" type=\"error\"/>\n    </testcase>\n  </testsuite>\n",
                    xml::text(&r.source),
                    xml::text(e)
                );
                continue;
            }
            let mut cases = String::new();
            let (mut f, mut s) = (0, 0);
            for c in &r.checks {
                let name = match &c.measurement.subject {
                    Some(sub) => format!("{} ({sub})", c.measurement.check),
                    None => c.measurement.check.to_string(),
                };
                let _ = write!(
                    cases,
                    "    <testcase name=\"{}\" classname=\"{class}\" time=\"0\"",
                    xml::text(&name)
                );
                if c.status == Status::Unknown {
                    s += 1;
                    let _ = write!(
                        cases,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                        xml::text(&format!(
                            "not measurable from this input: {}",
                            c.measurement.note
                        ))
                    );
                } else if let Some(w) = c
                    .waived
                    .as_ref()
                    .filter(|_| self.fail_at.is_some_and(|l| c.status >= l))
                {
                    s += 1;
                    let _ = write!(
                        cases,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                        xml::text(&format!("{} ({})", sentence(c), w.describe()))
                    );
                } else if self.fail_at.is_some_and(|l| c.status >= l) {
                    f += 1;
                    let _ = write!(
                        cases,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        xml::text(&sentence(c)),
                        c.status,
                        xml::text(&c.measurement.note)
                    );
                } else {
                    cases.push_str("/>\n");
                }
            }
            tests += r.checks.len();
            failures += f;
            let _ = write!(
                body,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\" time=\"0\" id=\"{i}\" package=\"promtune\">\n{cases}  </testsuite>\n",
                xml::text(&r.source),
                r.checks.len()
            );
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"promtune\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">\n{body}</testsuites>\n"
        )
    }
}
