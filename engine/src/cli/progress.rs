//! Progress lines for `up` and `destroy`: one per operation start and end, with elapsed time.

use crate::apply::Progress;
use owo_colors::OwoColorize;
use std::time::Duration;

pub struct Lines {
    pub color: bool,
    pub human: bool,
}

impl Progress for Lines {
    fn started(&self, name: &str, what: &str) {
        tracing::info!(resource = name, operation = what, "started");
        if self.human {
            eprintln!("  … {name}: {what}");
        }
    }

    fn still_running(&self, name: &str, what: &str, elapsed: Duration) {
        tracing::info!(resource = name, operation = what, elapsed_s = elapsed.as_secs(), "still running");
        if self.human {
            eprintln!("  … {name}: {what} still running ({}s)", elapsed.as_secs());
        }
    }

    fn finished(&self, name: &str, what: &str, elapsed: Duration, error: Option<&str>) {
        let secs = elapsed.as_secs_f64();
        match error {
            None => tracing::info!(resource = name, operation = what, elapsed_ms = elapsed.as_millis() as u64, "done"),
            Some(e) => tracing::error!(resource = name, operation = what, error = e, "failed"),
        }
        if !self.human {
            return;
        }
        let line = match error {
            None => format!("  ✓ {name}: {what} ({secs:.1}s)"),
            Some(e) => format!("  ✗ {name}: {what} failed ({secs:.1}s): {e}"),
        };
        match (self.color, error) {
            (true, None) => eprintln!("{}", line.green()),
            (true, Some(_)) => eprintln!("{}", line.red()),
            (false, _) => eprintln!("{line}"),
        }
    }
}
