//! Progress on stderr for the long waits: the fleet's bar and the countdown before a
//! second scrape. Drawn only on a terminal.

use super::*;

/// Progress on stderr: a bar (done, failed, rate) and a countdown when stderr is a terminal,
/// nothing but a line for the wait otherwise, so logs and tests read clean.
#[derive(Default)]
pub(super) struct Terminal {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
    failed: std::sync::atomic::AtomicUsize,
}

impl Terminal {
    fn tty() -> bool {
        use std::io::IsTerminal;
        std::io::stderr().is_terminal()
    }

    fn new_bar(len: u64, template: &str) -> indicatif::ProgressBar {
        let b = indicatif::ProgressBar::with_draw_target(
            Some(len),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            b.set_style(style);
        }
        b
    }
}

impl crate::fleet::Progress for Terminal {
    fn start(&self, total: usize, what: &str) {
        if !Terminal::tty() {
            return;
        }
        self.failed.store(0, std::sync::atomic::Ordering::Relaxed);
        let b = Terminal::new_bar(
            total as u64,
            &format!("{{bar:30}} {{pos}}/{{len}} {what} ({{per_sec}}, {{elapsed}}) {{msg}}"),
        );
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(b);
        }
    }

    fn done(&self, failed: bool) {
        let Ok(slot) = self.bar.lock() else { return };
        let Some(b) = slot.as_ref() else { return };
        b.inc(1);
        if failed {
            let n = self
                .failed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            b.set_message(format!("{n} failed"));
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().ok().and_then(|mut s| s.take()) {
            b.finish_and_clear();
        }
    }

    fn wait(&self, w: std::time::Duration) {
        countdown(w, "second round");
    }
}

/// Waits `w`: a countdown bar on a terminal, one line on stderr otherwise.
pub(super) fn countdown(w: std::time::Duration, what: &str) {
    if !Terminal::tty() {
        let shown = std::time::Duration::from_millis(w.as_millis() as u64);
        say(format_args!(
            "promtune: waiting {} for the {what}",
            humantime::format_duration(shown)
        ));
        std::thread::sleep(w);
        return;
    }
    let b = Terminal::new_bar(w.as_secs().max(1), &format!("{{bar:30}} {what} in {{msg}}"));
    let end = std::time::Instant::now() + w;
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        b.set_position(w.as_secs().saturating_sub(left.as_secs()));
        b.set_message(format!("{}s", left.as_secs() + 1));
        std::thread::sleep(left.min(std::time::Duration::from_millis(250)));
    }
    b.finish_and_clear();
}
