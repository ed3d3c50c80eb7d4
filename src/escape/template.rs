//! Go-template text in alert labels and annotations: Prometheus expands `{{ … }}` there when
//! an alert fires, so a job named `{{ query "up" }}` would run PromQL. Data is made literal:
//! each `{{` is written as the action `{{ "{{" }}`, which prints the two braces.

/// `s` as template text that expands to exactly `s`.
pub fn literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_become_text() {
        assert_eq!(literal("api"), "api");
        assert_eq!(
            literal("{{ query \"up\" }}"),
            "{{ \"{{\" }} query \"up\" }}"
        );
        assert_eq!(literal("{{{-"), "{{ \"{{\" }}{-");
    }
}
