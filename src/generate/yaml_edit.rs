//! Line edits of a user's `prometheus.yml`. serde_yaml reads it; its text is changed line
//! by line, so that comments, key order, quoting and every other byte survive, and a diff
//! shows only what promtune changed. The caller checks the result by parsing it back.

use crate::escape::comment;

/// A line's indentation (spaces; YAML allows no tabs there).
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Blank lines and comments carry no structure.
fn significant(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// The line ending of `line`, or of the file when it has none (the last line).
fn ending(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// A `- ` sequence item marker at the start of a line's content.
fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// The lines of item `index` of the top-level `scrape_configs` block sequence, and the
/// column of its keys. `None` for any other layout (flow style, no such item).
/// Where `scrape_configs`'s items are: each item's first line, the line after the list, and
/// the list's indentation. Found once for all the edits of a config.
struct Layout {
    items: Vec<usize>,
    end: usize,
    seq: usize,
}

fn layout(lines: &[&str]) -> Option<Layout> {
    let head = lines.iter().position(|l| {
        l.strip_prefix("scrape_configs:")
            .is_some_and(|rest| !significant(rest) || rest.trim().is_empty())
    })?;
    let first = (head + 1..lines.len()).find(|&i| significant(lines[i]))?;
    let seq = indent(lines[first]);
    if !is_item(lines[first].trim_end()[seq..].trim_end()) {
        return None;
    }
    let mut items = Vec::new();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate().skip(first) {
        if !significant(line) {
            continue;
        }
        let (n, content) = (indent(line), line.trim());
        if n < seq || (n == seq && !is_item(content)) {
            end = i;
            break;
        }
        if n == seq {
            items.push(i);
        }
    }
    Some(Layout { items, end, seq })
}

/// Item `index`'s lines `(start, stop)` and the column of its keys.
fn job_lines(lines: &[&str], l: &Layout, index: usize) -> Option<(usize, usize, usize)> {
    let start = *l.items.get(index)?;
    let stop = l.items.get(index + 1).copied().unwrap_or(l.end);
    let after_dash = &lines[start][l.seq + 1..];
    let col = if after_dash.trim().is_empty() || after_dash.trim_start().starts_with('#') {
        indent(lines[(start + 1..stop).find(|&i| significant(lines[i]))?])
    } else {
        l.seq + 1 + indent(after_dash)
    };
    Some((start, stop, col))
}

/// Whether `line` holds `key:` at column `col`: indented to it, or right after the item's
/// `- ` on the item's first line.
fn key_at(line: &str, key: &str, col: usize) -> bool {
    let (Some(lead), Some(rest)) = (line.get(..col), line.get(col..)) else {
        return false;
    };
    let placed = lead.bytes().all(|b| b == b' ') || lead.trim() == "-";
    placed
        && rest
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\r', '\n']))
}

/// `line` with the value of its key replaced by `value`, in the old value's quotes, its
/// comment kept and `note` added to it.
fn replace_value(line: &str, key: &str, col: usize, value: &str, note: &str) -> String {
    let eol = if line.ends_with('\n') {
        ending(line)
    } else {
        ""
    };
    let body = line.trim_end_matches(['\r', '\n']);
    let value_at = col + key.len() + 1;
    let rest = &body[value_at..];
    // The comment starts at a `#` after a space, outside quotes.
    let mut quote = None;
    let mut comment_at = rest.len();
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if i > 0 && rest[..i].ends_with([' ', '\t']) => {
                comment_at = i;
                break;
            }
            _ => {}
        }
    }
    let old = rest[..comment_at].trim();
    let q = old
        .chars()
        .next()
        .filter(|c| *c == '\'' || *c == '"')
        .map(String::from)
        .unwrap_or_default();
    let comment = rest[comment_at..].trim_end();
    let comment = if comment.is_empty() {
        format!("  # {note}")
    } else {
        format!("  {comment}; {note}")
    };
    format!("{} {q}{value}{q}{comment}{eol}", &body[..value_at])
}

/// `base` with each `(key, value)` set in item `index` of `scrape_configs`: an existing key's
/// value replaced on its line, a missing key inserted after the item's `job_name` line at
/// the item's indentation, each marked with `# promtune: NOTE`. `None` when the layout is
/// not one this edits (flow style, for one): the caller falls back to writing the config
/// whole.
pub(crate) fn set_in_job(
    base: &str,
    index: usize,
    keys: &[(&str, String)],
    note: &str,
) -> Option<String> {
    set_in_jobs(base, &[(index, keys, note)])
}

/// One job's edit for [`set_in_jobs`]: the item's index, its keys and values, the note.
pub(crate) type JobEdit<'a> = (usize, &'a [(&'a str, String)], &'a str);

/// [`set_in_job`] for several items at once, in one pass over the text: a fleet's config may
/// change thousands of jobs, and an edit per job that split and joined the whole text again
/// was quadratic.
pub(crate) fn set_in_jobs(base: &str, edits: &[JobEdit<'_>]) -> Option<String> {
    let mut lines: Vec<String> = base.split_inclusive('\n').map(str::to_string).collect();
    let spans = {
        let view: Vec<&str> = lines.iter().map(String::as_str).collect();
        let l = layout(&view)?;
        edits
            .iter()
            .map(|(index, ..)| job_lines(&view, &l, *index))
            .collect::<Option<Vec<_>>>()?
    };
    // New lines, by the line they follow.
    let mut after: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for ((_, keys, note), (start, stop, col)) in edits.iter().zip(spans) {
        let note = format!("promtune: {}", comment::line(note));
        let anchor = (start..stop)
            .find(|&i| key_at(&lines[i], "job_name", col))
            .unwrap_or(start);
        for (key, value) in keys.iter() {
            match (start..stop).find(|&i| key_at(&lines[i], key, col)) {
                Some(i) => lines[i] = replace_value(&lines[i], key, col, value, &note),
                None => {
                    if !lines[anchor].ends_with('\n') {
                        lines[anchor].push('\n');
                    }
                    let eol = ending(&lines[anchor]);
                    let line = format!("{}{key}: {value}  # {note}{eol}", " ".repeat(col));
                    after.entry(anchor).or_default().push(line);
                }
            }
        }
    }
    let mut out = String::with_capacity(base.len() + 128 * after.len());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        for extra in after.get(&i).into_iter().flatten() {
            out.push_str(extra);
        }
    }
    Some(out)
}

/// `base` with `items` (lines of block-sequence items, as written at column 0, comments
/// included) appended to the list `key` of item `index` of `scrape_configs`: after the
/// list's last item when the job has it as a block sequence, else as a new key after the
/// job's `job_name` line. `None` for a layout this does not edit (`key: []`, flow style).
#[cfg(test)]
fn add_to_job_list(base: &str, index: usize, key: &str, items: &[String]) -> Option<String> {
    add_to_job_lists(base, key, &[(index, items)])
}

/// [`add_to_job_list`] for several items of `scrape_configs` at once, in one pass over the
/// text (a fleet's config may hold thousands of jobs).
pub(crate) fn add_to_job_lists(
    base: &str,
    key: &str,
    edits: &[(usize, &[String])],
) -> Option<String> {
    let lines: Vec<&str> = base.split_inclusive('\n').collect();
    let l = layout(&lines)?;
    let eol = if base.contains("\r\n") { "\r\n" } else { "\n" };
    // New text, by the line it follows.
    let mut after: std::collections::BTreeMap<usize, String> = Default::default();
    for (index, items) in edits {
        let (start, stop, col) = job_lines(&lines, &l, *index)?;
        let block = |indent: usize| -> String {
            items
                .iter()
                .map(|i| format!("{}{i}{eol}", " ".repeat(indent)))
                .collect()
        };
        let (at, text) = match (start..stop).find(|&i| key_at(lines[i], key, col)) {
            None => {
                let anchor = (start..stop)
                    .find(|&i| key_at(lines[i], "job_name", col))
                    .unwrap_or(start);
                (
                    anchor,
                    format!("{}{key}:{eol}{}", " ".repeat(col), block(col + 2)),
                )
            }
            Some(head) => {
                if significant(lines[head][col + key.len() + 1..].trim()) {
                    return None;
                }
                let first = (head + 1..stop).find(|&i| significant(lines[i]))?;
                let item = indent(lines[first]);
                if item < col || !is_item(lines[first].trim()) {
                    return None;
                }
                // The list ends before the first line back at its items' column that is not
                // an item, or left of it.
                let last = (first..stop)
                    .filter(|&i| significant(lines[i]))
                    .take_while(|&i| {
                        let n = indent(lines[i]);
                        n > item || (n == item && is_item(lines[i].trim()))
                    })
                    .last()
                    .unwrap_or(first);
                (last, block(item))
            }
        };
        after.entry(at).or_default().push_str(&text);
    }
    let mut out =
        String::with_capacity(base.len() + after.values().map(String::len).sum::<usize>());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if let Some(extra) = after.get(&i) {
            if !line.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(extra);
        }
    }
    Some(out)
}

/// `base` with `file` added to the top-level `rule_files` list: after its last item, at the
/// items' indentation; under a `rule_files:` that holds only comments (Debian's); or as a new
/// `rule_files:` at the end. Unchanged when the file is listed already. `None` for a layout
/// this does not edit (`rule_files: [a.yml]` on one line).
pub(crate) fn add_rule_file(base: &str, file: &str, note: &str) -> Option<String> {
    let eol = if base.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = base.split_inclusive('\n').map(str::to_string).collect();
    let note = comment::line(note);
    let entry = |indent: usize| format!("{}- {file}  # promtune: {note}{eol}", " ".repeat(indent));
    let Some(head) = lines.iter().position(|l| l.starts_with("rule_files:")) else {
        let mut out = base.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str(&format!("rule_files:{eol}{}", entry(2)));
        return Some(out);
    };
    if significant(&lines[head]["rule_files:".len()..]) {
        return None;
    }
    let mut item_indent = None;
    let mut last = None;
    for (i, line) in lines.iter().enumerate().skip(head + 1) {
        if !significant(line) {
            continue;
        }
        let (n, content) = (indent(line), line.trim());
        match item_indent {
            None if is_item(content) => item_indent = Some(n),
            None => break,
            Some(m) if n > m => continue,
            Some(m) if n == m && is_item(content) => {}
            Some(_) => break,
        }
        let value = content[1..].split(" #").next().unwrap_or("").trim();
        if value.trim_matches(['\'', '"']) == file {
            return Some(base.to_string());
        }
        last = Some(i);
    }
    let (at, n) = match (last, item_indent) {
        (Some(i), Some(n)) => (i, n),
        _ => (head, 2),
    };
    if !lines[at].ends_with('\n') {
        lines[at].push_str(eol);
    }
    lines.insert(at + 1, entry(n));
    Some(lines.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "# my config\nglobal:\n  scrape_interval: 15s # default\nscrape_configs:\n  # the app\n  - job_name: 'app'  # ours\n    static_configs:\n      - targets: ['a:1']\n  -   job_name: other\n      scrape_interval: \"5s\"   # too often\n      static_configs: [{targets: ['b:1']}]\n# rule_files:\n#   - rules.yml\n";

    fn set(base: &str, index: usize) -> Option<String> {
        set_in_job(
            base,
            index,
            &[
                ("scrape_interval", "30s".into()),
                ("scrape_timeout", "10s".into()),
            ],
            "why",
        )
    }

    #[test]
    fn inserts_after_job_name_and_leaves_every_other_byte() {
        let out = set(BASE, 0).unwrap();
        let want = BASE.replace(
            "  - job_name: 'app'  # ours\n",
            "  - job_name: 'app'  # ours\n    scrape_interval: 30s  # promtune: why\n    scrape_timeout: 10s  # promtune: why\n",
        );
        assert_eq!(out, want);
    }

    #[test]
    fn several_jobs_at_once_are_the_jobs_one_by_one() {
        let keys = [
            ("scrape_interval", "30s".to_string()),
            ("scrape_timeout", "10s".to_string()),
        ];
        let mut one_by_one = BASE.to_string();
        for i in [0, 1] {
            one_by_one = set_in_job(&one_by_one, i, &keys, "why").unwrap();
        }
        let edits: Vec<JobEdit<'_>> = vec![(1, &keys[..], "why"), (0, &keys[..], "why")];
        assert_eq!(set_in_jobs(BASE, &edits).unwrap(), one_by_one);
        assert!(set_in_jobs(BASE, &[(2, &keys[..], "why")]).is_none());
    }

    #[test]
    fn replaces_in_place_keeping_quotes_and_comments() {
        let out = set(BASE, 1).unwrap();
        assert!(
            out.contains("      scrape_interval: \"30s\"  # too often; promtune: why\n"),
            "{out}"
        );
        assert!(
            out.contains("  -   job_name: other\n      scrape_timeout: 10s  # promtune: why\n"),
            "{out}"
        );
        assert_eq!(out.lines().count(), BASE.lines().count() + 1);
    }

    #[test]
    fn rule_files_gain_one_line() {
        let add = |b: &str| add_rule_file(b, "alert-rules.yml", "n");
        // Debian's: only comments under the key.
        assert_eq!(
            add("rule_files:\n  # - \"first.rules\"\n\nscrape_configs: []\n").unwrap(),
            "rule_files:\n  - alert-rules.yml  # promtune: n\n  # - \"first.rules\"\n\nscrape_configs: []\n"
        );
        assert_eq!(
            add("rule_files:\n    - a.yml\n    - 'b.yml' # mine\nx: 1\n").unwrap(),
            "rule_files:\n    - a.yml\n    - 'b.yml' # mine\n    - alert-rules.yml  # promtune: n\nx: 1\n"
        );
        assert_eq!(
            add("x: 1").unwrap(),
            "x: 1\nrule_files:\n  - alert-rules.yml  # promtune: n\n"
        );
        let listed = "rule_files:\n- \"alert-rules.yml\"\n";
        assert_eq!(add(listed).unwrap(), listed);
        assert!(add("rule_files: [a.yml]\n").is_none());
    }

    #[test]
    fn list_items_join_a_job() {
        let items = [
            "# promtune: why".to_string(),
            "- {action: drop}".to_string(),
        ];
        let out = add_to_job_list(BASE, 0, "metric_relabel_configs", &items).unwrap();
        assert_eq!(
            out,
            BASE.replace(
                "  - job_name: 'app'  # ours\n",
                "  - job_name: 'app'  # ours\n    metric_relabel_configs:\n      # promtune: why\n      - {action: drop}\n"
            )
        );
        // A list the job has: the items go after its last one, at its indentation.
        let has = "scrape_configs:\n- job_name: a\n  metric_relabel_configs:\n  - action: keep\n    regex: x\n  static_configs: []\n";
        let out = add_to_job_list(has, 0, "metric_relabel_configs", &items).unwrap();
        assert_eq!(out, "scrape_configs:\n- job_name: a\n  metric_relabel_configs:\n  - action: keep\n    regex: x\n  # promtune: why\n  - {action: drop}\n  static_configs: []\n");
        let flow = "scrape_configs:\n- job_name: a\n  metric_relabel_configs: []\n";
        assert!(add_to_job_list(flow, 0, "metric_relabel_configs", &items).is_none());
    }

    #[test]
    fn other_layouts_are_left_to_the_caller() {
        assert!(set("scrape_configs: [{job_name: a}]\n", 0).is_none());
        assert!(set(BASE, 2).is_none());
        // A sequence at the key's own indentation, and CRLF line endings.
        let flat = "scrape_configs:\r\n- job_name: a\r\n  static_configs: []\r\nrule_files: []\r\n";
        let out = set(flat, 0).unwrap();
        assert_eq!(out, "scrape_configs:\r\n- job_name: a\r\n  scrape_interval: 30s  # promtune: why\r\n  scrape_timeout: 10s  # promtune: why\r\n  static_configs: []\r\nrule_files: []\r\n");
    }
}
