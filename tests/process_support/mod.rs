//! Running outside programs from tests (Chromium, pdfinfo, LibreOffice): whether one
//! is installed, and a run that is killed when it hangs.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether `program version_flag` runs.
pub fn available(program: &str, version_flag: &str) -> bool {
    Command::new(program)
        .arg(version_flag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs a command, killing it after `limit`.
pub fn run_with_timeout(command: &mut Command, limit: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let id = child.id();
    let started = Instant::now();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    loop {
        if let Ok(result) = receiver.try_recv() {
            return result.unwrap_or_else(|e| panic!("{command:?} failed: {e}"));
        }
        if started.elapsed() > limit {
            // Only the process this test started, by its id.
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{command:?} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
