//! The command line's progress: an indicatif bar on a terminal; in a log (stderr not a
//! terminal) one line per hundred and the last, so a scheduled run still shows how it went.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    what: &'static str,
}

impl Progress {
    /// A bar for `total` items of `what` ("users", "photos").
    pub fn new(total: usize, what: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let template = format!("[{{bar:30}}] {{pos}}/{{len}} {what}, {{eta}} left");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("#>."));
            }
            bar
        });
        Progress { bar, what }
    }

    /// `done` of `total` finished (the total may have changed: an export reads only the users
    /// that have a photo).
    pub fn set(&self, done: usize, total: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
            None if done == total || done.is_multiple_of(100) => {
                eprintln!("{done}/{total} {}", self.what);
            }
            None => {}
        }
    }

    /// A line above the bar (a failure as it happens).
    pub fn println(&self, line: impl AsRef<str>) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{}", line.as_ref()),
        }
    }

    /// Takes the bar off the screen; what was printed above it stays.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
