//! Progress on stderr for long work: only when stderr is a terminal, and
//! only once the work has lasted a moment.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Files below this size finish too fast to need progress.
const MIN_BYTES: u64 = 256 << 20;

/// A spinner with a message and the elapsed time, cleared when dropped.
#[derive(Debug)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Starts a spinner for work over `bytes` bytes, when it is worth it.
    pub fn start(what: &str, bytes: u64) -> Self {
        if bytes < MIN_BYTES
            || !std::io::stderr().is_terminal()
            || std::env::var_os("NO_COLOR").is_some()
        {
            return Self(None);
        }
        let pb = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            pb.set_style(style);
        }
        pb.set_message(format!("{what} {:.1} GB", bytes as f64 / 1e9));
        pb.enable_steady_tick(Duration::from_millis(120));
        Self(Some(pb))
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
