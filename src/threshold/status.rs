//! The verdict on one check.

use std::fmt;
use std::str::FromStr;

/// A check's status, ordered from best to worst (`unknown` sorts first: it judges nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Not measurable from this input.
    Unknown,
    /// Meets the target.
    Ok,
    /// Misses the target, but is not past the warning line.
    OffTarget,
    /// Past the warning line.
    Warning,
    /// Past the critical line.
    Critical,
}

impl Status {
    /// The name used in reports and `--fail-on`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Ok => "ok",
            Status::OffTarget => "off_target",
            Status::Warning => "warning",
            Status::Critical => "critical",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Status::Unknown,
            Status::Ok,
            Status::OffTarget,
            Status::Warning,
            Status::Critical,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| format!("unknown status {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names() {
        assert!(Status::Critical > Status::Warning && Status::Warning > Status::OffTarget);
        assert!(Status::OffTarget > Status::Ok && Status::Ok > Status::Unknown);
        assert_eq!("off_target".parse::<Status>(), Ok(Status::OffTarget));
        assert!("bad".parse::<Status>().is_err());
    }
}
