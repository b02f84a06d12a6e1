//! Progress of long work (randomisation inference with thousands of re-draws), for
//! a front end to show. The library never prints: a stage opens a `Task` and
//! advances it, and the sink the front end installed (if any) decides what a person
//! sees. With no sink installed a task costs one atomic add per advance.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Receives progress; called from worker threads, so it must be `Sync`.
pub trait Sink: Send + Sync {
    /// A task of `total` steps has started.
    fn start(&self, label: &'static str, total: u64);
    /// `done` of `total` steps are done (calls may arrive out of order).
    fn advance(&self, label: &'static str, done: u64, total: u64);
    /// The task has ended (finished, failed or abandoned).
    fn finish(&self, label: &'static str, done: u64, total: u64);
}

static SINK: OnceLock<Box<dyn Sink>> = OnceLock::new();

/// Installs the process's progress sink; only the first call takes effect, and
/// whether it did is returned.
pub fn install(sink: Box<dyn Sink>) -> bool {
    SINK.set(sink).is_ok()
}

/// One piece of long work; ends (reports `finish`) when dropped.
pub struct Task {
    label: &'static str,
    total: u64,
    done: AtomicU64,
}

/// Opens a task of `total` steps.
pub fn task(label: &'static str, total: u64) -> Task {
    if let Some(sink) = SINK.get() {
        sink.start(label, total);
    }
    Task {
        label,
        total,
        done: AtomicU64::new(0),
    }
}

impl Task {
    /// Records `steps` more steps done.
    pub fn advance(&self, steps: u64) {
        let done = self.done.fetch_add(steps, Ordering::Relaxed) + steps;
        if let Some(sink) = SINK.get() {
            sink.advance(self.label, done, self.total);
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(sink) = SINK.get() {
            sink.finish(self.label, self.done.load(Ordering::Relaxed), self.total);
        }
    }
}
