//! The terminal: colour only where it is wanted (`--color`, a terminal, `NO_COLOR`), shell
//! completions that bash accepts, and a man page.

use std::process::Command;

use crate::support::{have, promtune};

const GUIDE: &str = "fixtures/guide_example.prom";

#[test]
fn colour_follows_the_flag_the_terminal_and_no_color() {
    let coloured = promtune(&["analyze", "--color", "always", GUIDE]).stdout;
    assert!(
        coloured.contains("\u{1b}[33mwarning\u{1b}[0m"),
        "the status in colour: {coloured}"
    );
    assert!(coloured.contains("\u{1b}[33m[HIGH]\u{1b}[0m"), "{coloured}");
    for args in [
        vec!["analyze", "--color", "never", GUIDE],
        vec!["analyze", GUIDE],
    ] {
        let plain = promtune(&args).stdout;
        assert!(!plain.contains('\u{1b}'), "{args:?}: {plain}");
    }
    // On a terminal (a pty made by `script`), auto colours unless NO_COLOR is set.
    if !have("script", "--version", "bsdutils") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_promtune");
    let dir = env!("CARGO_MANIFEST_DIR");
    let on_tty = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{bin} analyze {GUIDE}"), "/dev/null"])
            .current_dir(dir);
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    assert!(on_tty(false).contains("\u{1b}[33mwarning\u{1b}[0m"));
    assert!(!on_tty(true).contains("\u{1b}["));
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = promtune(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(
            r.stdout.contains("promtune") && r.stdout.contains("analyze"),
            "{shell}"
        );
    }
    if have("bash", "--version", "bash") {
        let script = promtune(&["completions", "bash"]).stdout;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("promtune.bash");
        std::fs::write(&f, script).unwrap();
        let o = Command::new("bash")
            .args([
                "-c",
                &format!("source {} && complete -p promtune", f.display()),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("-F _promtune promtune"));
    }
    let man = promtune(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.contains(".TH promtune 1") && man.stdout.contains("analyze"),
        "{}",
        man.stdout
    );
}
