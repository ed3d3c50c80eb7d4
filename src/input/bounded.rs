//! Small files the user names (secrets, the CA file, configs), read with a bound on size and
//! time: `/dev/zero` must not grow memory without end, and a FIFO with no writer must not
//! hang the run. Process substitution (`--bearer-token-file <(vault read …)`) still works: a
//! FIFO is read like any file, as long as its writer answers in time.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::anyhow;

/// A bearer token or password: a few KB at most.
pub const SECRET_LIMIT: u64 = 64 * 1024;
/// A PEM bundle.
pub const CA_LIMIT: u64 = 1024 * 1024;
/// A Prometheus or promtune config.
pub const CONFIG_LIMIT: u64 = 8 * 1024 * 1024;
/// The deepest nesting of a YAML document accepted; deeper ones are refused before parsing
/// (a parser answers them only after seconds of work). Real configs nest under ten.
pub const YAML_DEPTH: usize = 64;
/// How long a read may take: a FIFO whose writer never comes is waited for this long.
pub const READ_TIME: Duration = Duration::from_secs(10);

/// Reads all of `path`, failing when it holds more than `limit` bytes or takes longer than
/// [`READ_TIME`]. `what` names the file in messages (`the bearer token file`).
pub fn read(path: &Path, what: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    let shown = path.display().to_string();
    let owned = path.to_path_buf();
    let (tx, rx) = mpsc::channel();
    // Opening a FIFO blocks until a writer comes: the open happens on a thread that may be
    // left behind (it ends with the process), so the run itself never hangs.
    std::thread::spawn(move || {
        let result = std::fs::File::open(&owned).and_then(|f| {
            let mut buf = Vec::new();
            f.take(limit + 1).read_to_end(&mut buf).map(|_| buf)
        });
        let _ = tx.send(result);
    });
    let bytes = match rx.recv_timeout(READ_TIME) {
        Ok(r) => r.map_err(|e| anyhow!("cannot read {what} {shown}: {e}"))?,
        Err(_) => {
            return Err(anyhow!(
                "cannot read {what} {shown}: no end of file within {}s (a FIFO or device with nothing writing to it?)",
                READ_TIME.as_secs()
            ))
        }
    };
    if bytes.len() as u64 > limit {
        return Err(anyhow!(
            "{what} {shown} is larger than the {} limit for it",
            size(limit)
        ));
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_text(path: &Path, what: &str, limit: u64) -> anyhow::Result<String> {
    String::from_utf8(read(path, what, limit)?)
        .map_err(|e| anyhow!("{what} {} is not UTF-8 text: {e}", path.display()))
}

/// Refuses YAML nested deeper than `max` flow collections (`[[[…`, `{{{…`) or block
/// sequences on one line (`- - - …`), before any parser sees it.
pub fn yaml_depth(text: &str, max: usize) -> Result<(), String> {
    for (n, line) in text.lines().enumerate() {
        let dashes = line
            .trim_start()
            .split_inclusive(' ')
            .take_while(|w| w.trim_end() == "-")
            .count();
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth + dashes > max {
                return Err(format!(
                    "line {}: nested deeper than {max} levels; refused before parsing",
                    n + 1
                ));
            }
        }
        if dashes > max {
            return Err(format!(
                "line {}: nested deeper than {max} levels; refused before parsing",
                n + 1
            ));
        }
    }
    Ok(())
}

fn size(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{} KiB", n / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_on_endless_devices() {
        let e = read(
            Path::new("/dev/zero"),
            "the bearer token file",
            SECRET_LIMIT,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the bearer token file /dev/zero is larger than the 64 KiB limit for it"
        );
        let e = read(Path::new("/nonexistent/x"), "the CA file", CA_LIMIT).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("cannot read the CA file /nonexistent/x: "));
    }

    #[test]
    fn deep_yaml_is_refused_before_parsing() {
        assert!(yaml_depth("a: [[1]]\n- - x\n", 4).is_ok());
        assert!(yaml_depth(&"[".repeat(65), 64).is_err());
        assert!(yaml_depth(&"- ".repeat(65), 64).is_err());
        // Brackets in quotes and comments are text.
        assert!(yaml_depth(
            &format!("a: \"{}\" # {}", "[".repeat(99), "{".repeat(99)),
            64
        )
        .is_ok());
    }

    #[test]
    fn a_file_at_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t");
        std::fs::write(&p, vec![b'a'; 1024]).unwrap();
        assert_eq!(read(&p, "x", 1024).unwrap().len(), 1024);
        assert!(read(&p, "x", 1023).is_err());
    }
}
