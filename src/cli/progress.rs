//! Phase progress and timings for long compiles.
//!
//! Progress is drawn on one terminal line only when stderr is a terminal and `CI` is not set,
//! so logs and pipes stay clean. `--timings` prints how long each phase took.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    visible: bool,
    timings: Vec<(&'static str, Duration)>,
    phase: Option<(&'static str, Instant)>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress {
            visible,
            timings: Vec::new(),
            phase: None,
        }
    }

    /// Ends the running phase (recording its time) and starts `name`.
    pub fn phase(&mut self, name: &'static str) {
        self.finish_phase();
        if self.visible {
            eprint!("\r\x1b[2K{name}…");
            let _ = std::io::stderr().flush();
        }
        self.phase = Some((name, Instant::now()));
    }

    fn finish_phase(&mut self) {
        if let Some((name, started)) = self.phase.take() {
            self.timings.push((name, started.elapsed()));
        }
    }

    /// Clears the progress line and returns the recorded phase times.
    pub fn finish(mut self) -> Vec<(&'static str, Duration)> {
        self.finish_phase();
        if self.visible {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
        std::mem::take(&mut self.timings)
    }
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
