//! Progress of `up`, `destroy` and `drift --fix`: one line per operation start and end, with
//! elapsed time ([`Lines`], when stderr is not a terminal, with `--log-format json` or `-v`),
//! or a live view on a terminal ([`super::live::Live`]). [`choose`] picks one; both log the same
//! tracing events.

use crate::apply::Progress;
use owo_colors::OwoColorize;
use std::time::Duration;

pub struct Lines {
    pub color: bool,
    pub human: bool,
}

/// Which progress view a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// A line per event on stderr (or only the tracing events, when not `human`).
    Lines,
    /// Bars for the operations in flight and a done/total count.
    Live,
}

/// The live view only for a person at a terminal with plain logs (`--log-format text`, no
/// `-v`: log lines would tear the bars); otherwise the lines of before, unchanged.
pub fn choose(human: bool, stderr_is_terminal: bool, verbose: u8) -> View {
    if human && stderr_is_terminal && verbose == 0 {
        View::Live
    } else {
        View::Lines
    }
}

pub(super) fn log_started(name: &str, what: &str) {
    tracing::info!(resource = name, operation = what, "started");
}

pub(super) fn log_still_running(name: &str, what: &str, elapsed: Duration) {
    tracing::info!(resource = name, operation = what, elapsed_s = elapsed.as_secs(), "still running");
}

pub(super) fn log_finished(name: &str, what: &str, elapsed: Duration, error: Option<&str>) {
    match error {
        None => tracing::info!(resource = name, operation = what, elapsed_ms = elapsed.as_millis() as u64, "done"),
        Some(e) => tracing::error!(resource = name, operation = what, error = e, "failed"),
    }
}

/// The line a finished operation leaves behind, colored green or red when `color`.
pub(super) fn finished_line(name: &str, what: &str, elapsed: Duration, error: Option<&str>, color: bool) -> String {
    let secs = elapsed.as_secs_f64();
    let line = match error {
        None => format!("  ✓ {name}: {what} ({secs:.1}s)"),
        Some(e) => format!("  ✗ {name}: {what} failed ({secs:.1}s): {e}"),
    };
    match (color, error) {
        (true, None) => line.green().to_string(),
        (true, Some(_)) => line.red().to_string(),
        (false, _) => line,
    }
}

impl Progress for Lines {
    fn started(&self, name: &str, what: &str) {
        log_started(name, what);
        if self.human {
            eprintln!("  … {name}: {what}");
        }
    }

    fn still_running(&self, name: &str, what: &str, elapsed: Duration) {
        log_still_running(name, what, elapsed);
        if self.human {
            eprintln!("  … {name}: {what} still running ({}s)", elapsed.as_secs());
        }
    }

    fn finished(&self, name: &str, what: &str, elapsed: Duration, error: Option<&str>) {
        log_finished(name, what, elapsed, error);
        if self.human {
            eprintln!("{}", finished_line(name, what, elapsed, error, self.color));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_view_is_only_for_a_person_at_a_terminal() {
        assert_eq!(choose(true, true, 0), View::Live);
        assert_eq!(choose(true, false, 0), View::Lines, "stderr piped or redirected");
        assert_eq!(choose(false, true, 0), View::Lines, "--log-format json");
        assert_eq!(choose(true, true, 1), View::Lines, "-v: log lines would tear the bars");
    }

    #[test]
    fn finished_lines_read_as_before() {
        let ms = Duration::from_millis;
        assert_eq!(finished_line("vpc", "create", ms(1234), None, false), "  ✓ vpc: create (1.2s)");
        assert_eq!(
            finished_line("db", "update", ms(50), Some("AccessDenied"), false),
            "  ✗ db: update failed (0.1s): AccessDenied"
        );
        assert_eq!(finished_line("vpc", "create", ms(0), None, true), "  ✓ vpc: create (0.0s)".green().to_string());
    }
}
