//! Phase progress and timings for long compiles.
//!
//! Progress is drawn on one terminal line only when stderr is a terminal and `CI` is not set,
//! so logs and pipes stay clean: the phase's name, and for the phases that go file by file a
//! bar with counts, as cargo draws them (`write [=======>      ] 1200/3000 files`). The line
//! is erased before anything else is printed ([`Progress::clear`]) and when the run ends, so
//! it never runs into the diagnostics or the summary. `--timings` prints how long each phase
//! took.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How wide the bar is, in characters.
const BAR_WIDTH: usize = 25;

/// How many times a counted step redraws its bar at most (once per 2% of the files).
const REDRAWS: usize = 50;

pub struct Progress {
    visible: bool,
    timings: Vec<(&'static str, Duration)>,
    phase: Option<(&'static str, Instant)>,
    counter: Counter,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress {
            visible,
            timings: Vec::new(),
            phase: None,
            counter: Counter::new(visible),
        }
    }

    /// Ends the running phase (recording its time) and starts `name`.
    pub fn phase(&mut self, name: &'static str) {
        self.finish_phase();
        if self.visible {
            draw(&format!("{name}…"));
        }
        self.phase = Some((name, Instant::now()));
    }

    fn finish_phase(&mut self) {
        if let Some((name, started)) = self.phase.take() {
            self.timings.push((name, started.elapsed()));
        }
    }

    /// Erases the progress line, so that what is printed next starts on a clean line.
    pub fn clear(&self) {
        if self.visible {
            draw("");
        }
    }

    /// The counter that file-by-file steps of this run report to (from any thread).
    pub fn counter(&self) -> &Counter {
        &self.counter
    }

    /// Clears the progress line and returns the recorded phase times.
    pub fn finish(mut self) -> Vec<(&'static str, Duration)> {
        self.finish_phase();
        self.clear();
        std::mem::take(&mut self.timings)
    }
}

/// Counts the files of one step at a time and draws `step [bar] done/total files`.
pub struct Counter {
    visible: bool,
    step: Mutex<&'static str>,
    total: AtomicUsize,
    done: AtomicUsize,
    /// The count last drawn: a bar only moves forward, whichever thread draws it.
    drawn: Mutex<usize>,
}

impl Counter {
    /// A counter that draws nothing, for tests.
    #[cfg(test)]
    pub fn hidden() -> Counter {
        Counter::new(false)
    }

    fn new(visible: bool) -> Counter {
        Counter {
            visible,
            step: Mutex::new(""),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            drawn: Mutex::new(0),
        }
    }

    /// Starts counting `step` (`compare`, `write`) towards `total` files.
    pub fn start(&self, step: &'static str, total: usize) {
        if let Ok(mut current) = self.step.lock() {
            *current = step;
        }
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        if let Ok(mut drawn) = self.drawn.lock() {
            *drawn = 0;
        }
        if self.visible && total > 0 {
            draw(&bar_line(step, 0, total));
        }
    }

    /// One more file done.
    pub fn add_one(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.visible {
            return;
        }
        let total = self.total.load(Ordering::Relaxed);
        let every = (total / REDRAWS).max(1);
        if done % every != 0 && done != total {
            return;
        }
        let (Ok(mut drawn), Ok(step)) = (self.drawn.lock(), self.step.lock()) else {
            return;
        };
        if done > *drawn {
            *drawn = done;
            draw(&bar_line(&step, done, total));
        }
    }
}

/// `write [==========>              ] 120/300 files`
pub fn bar_line(step: &str, done: usize, total: usize) -> String {
    let filled = (done.min(total) * BAR_WIDTH)
        .checked_div(total)
        .unwrap_or(BAR_WIDTH);
    let mut bar = "=".repeat(filled);
    if filled < BAR_WIDTH {
        bar.push('>');
        bar.push_str(&" ".repeat(BAR_WIDTH - filled - 1));
    }
    format!("{step} [{bar}] {done}/{total} files")
}

/// Replaces the terminal's current line with `text` (nothing: erases it).
fn draw(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "\r\x1b[2K{text}");
    let _ = stderr.flush();
}

/// `read 0.4 ms · parse 1.2 ms · ... · total 9.8 ms`
pub fn timings_line(timings: &[(&'static str, Duration)]) -> String {
    let total: Duration = timings.iter().map(|(_, d)| *d).sum();
    let mut parts: Vec<String> = timings
        .iter()
        .map(|(name, d)| format!("{name} {:.1} ms", d.as_secs_f64() * 1000.0))
        .collect();
    parts.push(format!("total {:.1} ms", total.as_secs_f64() * 1000.0));
    format!("timings: {}", parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::bar_line;

    #[test]
    fn the_bar_fills_with_the_count() {
        assert_eq!(
            bar_line("write", 0, 300),
            "write [>                        ] 0/300 files"
        );
        assert_eq!(
            bar_line("write", 120, 300),
            "write [==========>              ] 120/300 files"
        );
        assert_eq!(
            bar_line("write", 300, 300),
            "write [=========================] 300/300 files"
        );
    }
}
