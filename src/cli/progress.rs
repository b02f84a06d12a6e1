//! How the command line shows the library's progress (`evident::progress`): a bar
//! on a terminal; off a terminal nothing, unless `--progress` asks for a plain line
//! on stderr at most every few seconds. Never on stdout, never with --quiet.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use evident::progress::Sink;
use evident::report::format;

/// Seconds between two progress lines off a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Installs the sink that fits where stderr goes.
pub fn install(quiet: bool, lines_requested: bool) {
    if quiet {
        return;
    }
    if std::io::stderr().is_terminal() {
        evident::progress::install(Box::new(Bar::default()));
    } else if lines_requested {
        evident::progress::install(Box::new(Lines::default()));
    }
}

/// A progress bar on the terminal (stderr).
#[derive(Default)]
struct Bar {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Sink for Bar {
    fn start(&self, label: &'static str, total: u64) {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{label} {{bar:40}} {{pos}}/{{len}} ({{eta}})"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, _label: &'static str, done: u64, _total: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.set_position(done.max(bar.position()));
        }
    }

    fn finish(&self, _label: &'static str, _done: u64, _total: u64) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// Plain lines for logs: one at the start, at most one every `LINE_EVERY`, one at
/// the end.
#[derive(Default)]
struct Lines {
    state: Mutex<Option<(Instant, Instant)>>,
}

/// `progress: <label>: <done> of <total> (<share>)`, and the time taken when started.
fn line(label: &str, done: u64, total: u64, started: Option<Instant>) -> String {
    let share = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    let after = started
        .map(|t| {
            format!(
                " after {} s",
                format::significant(t.elapsed().as_secs_f64(), 2)
            )
        })
        .unwrap_or_default();
    format!(
        "progress: {label}: {} of {} ({}){after}",
        format::count(done as usize),
        format::count(total as usize),
        format::percent(share, 3),
    )
}

impl Sink for Lines {
    fn start(&self, label: &'static str, total: u64) {
        let now = Instant::now();
        if let Ok(mut state) = self.state.lock() {
            *state = Some((now, now));
        }
        eprintln!("{}", line(label, 0, total, None));
    }

    fn advance(&self, label: &'static str, done: u64, total: u64) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if let Some((started, last)) = state.as_mut()
            && last.elapsed() >= LINE_EVERY
        {
            *last = Instant::now();
            eprintln!("{}", line(label, done, total, Some(*started)));
        }
    }

    fn finish(&self, label: &'static str, done: u64, total: u64) {
        if let Ok(mut state) = self.state.lock()
            && let Some((started, _)) = state.take()
        {
            eprintln!("{}", line(label, done, total, Some(started)));
        }
    }
}
