//! Grafana's template variables, substituted in a query before it is parsed, so that a
//! templated query parses and reads what it would read for any value of its variables.
//!
//! Where a variable stands decides what replaces it:
//! - in a quoted string (a label value, a `__name__` regex): [`VAR`], which the walk reads as
//!   "any value" (a matcher still needs its label; a name becomes a pattern);
//! - in a range or subquery (`[$__rate_interval]`, `[5m:$__interval]`) or after `offset`: a
//!   valid duration (`5m`; `300` for `$__range_s` as in `[${__range_s}s]`);
//! - elsewhere: a variable known to hold a number (a custom or constant one) gives that
//!   number, Grafana's own numbers (`$__range_s`) give `300`, and any other gives [`VAR`]: as a
//!   name it reads every name, as a label it needs every label.

use std::collections::BTreeMap;

use super::promql::VAR;

/// Numbers that variables of a dashboard hold, by name (custom, constant and textbox
/// variables whose value is a number).
#[derive(Debug, Default)]
pub(crate) struct Numbers(pub BTreeMap<String, String>);

/// Where a variable stands.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Quoted,
    Duration,
    Bare,
}

/// `query` with every variable replaced (see the module's doc).
pub(crate) fn substitute(query: &str, numbers: &Numbers) -> String {
    let b = query.as_bytes();
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut brackets = 0usize;
    while i < b.len() {
        if let Some((name, len)) = variable(&query[i..]) {
            let place = if quote.is_some() {
                Place::Quoted
            } else if brackets > 0 || out.trim_end().ends_with("offset") {
                Place::Duration
            } else {
                Place::Bare
            };
            out.push_str(&value(name, place, numbers));
            i += len;
            continue;
        }
        let mut chars = query[i..].chars();
        let ch = chars.next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8();
        match quote {
            // An escaped character never closes the string.
            Some(q) if ch == '\\' && q != b'`' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                    i += next.len_utf8();
                }
            }
            Some(q) if b[i - 1] == q => quote = None,
            Some(_) => {}
            None => match ch {
                '"' | '\'' | '`' => quote = Some(ch as u8),
                '[' => brackets += 1,
                ']' => brackets = brackets.saturating_sub(1),
                _ => {}
            },
        }
    }
    out
}

/// The variable at the start of `s` (`$name`, `${name}`, `${name:format}`, `[[name]]`,
/// `[[name:format]]`): its name and length.
fn variable(s: &str) -> Option<(&str, usize)> {
    let ident = |t: &str| {
        let n = t
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        let starts = t
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
        (starts && n > 0).then_some(n)
    };
    let closed = |open: &str, close: &str| -> Option<(&str, usize)> {
        let rest = s.strip_prefix(open)?;
        let n = ident(rest)?;
        let end = rest.find(close)?;
        let tail = &rest[n..end];
        (tail.is_empty() || tail.starts_with(':') || tail.starts_with('.'))
            .then(|| (&rest[..n], open.len() + end + close.len()))
    };
    if let Some(found) = closed("${", "}").or_else(|| closed("[[", "]]")) {
        return Some(found);
    }
    let rest = s.strip_prefix('$')?;
    ident(rest).map(|n| (&rest[..n], 1 + n))
}

/// What replaces the variable `name` standing at `place`.
fn value(name: &str, place: Place, numbers: &Numbers) -> String {
    let seconds = name.ends_with("_s");
    let millis = name.ends_with("_ms");
    let number = |s: &str, ms: &str| if millis { ms } else { s }.to_string();
    match place {
        Place::Quoted => VAR.to_string(),
        Place::Duration if seconds || millis => number("300", "300000"),
        Place::Duration => "5m".to_string(),
        Place::Bare if name.starts_with("__") => number("300", "300000"),
        Place::Bare => numbers
            .0
            .get(name)
            .cloned()
            .unwrap_or_else(|| VAR.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(q: &str) -> String {
        let numbers = Numbers(BTreeMap::from([("threshold".into(), "0.9".into())]));
        substitute(q, &numbers).replace(VAR, "V")
    }

    #[test]
    fn each_place_gets_what_parses_there() {
        assert_eq!(
            sub(r#"rate(a_total{job=~"$job", i="${inst:regex}"}[$__rate_interval])"#),
            r#"rate(a_total{job=~"V", i="V"}[5m])"#
        );
        assert_eq!(
            sub("max_over_time(b[${__range_s}s]) offset $__interval"),
            "max_over_time(b[300s]) offset 5m"
        );
        assert_eq!(sub("rate(c[[[win]]])"), "rate(c[5m])");
        assert_eq!(sub("d:[5m:${__interval}]"), "d:[5m:5m]");
        assert_eq!(
            sub("sum by ($group) (e) > $threshold"),
            "sum by (V) (e) > 0.9"
        );
        assert_eq!(
            sub("vault_${mount}_sum / $__range_ms"),
            "vault_V_sum / 300000"
        );
        // Not variables: label_replace's `$1`, a lone `$`, an escaped quote.
        assert_eq!(
            sub(r#"label_replace(f, "d", "$1", "s", "(a\"$)")"#),
            r#"label_replace(f, "d", "$1", "s", "(a\"$)")"#
        );
        assert_eq!(sub("g{é=\"$x\"}"), "g{é=\"V\"}");
    }
}
