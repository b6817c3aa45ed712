//! The live progress view on a terminal (issue 11): a bar per operation in flight with its
//! elapsed time, under them a done/total count; each finished operation leaves the same line
//! the non-terminal output prints ([`super::progress::finished_line`]) above the bars.
//!
//! # Guarantees
//! * Logs exactly the tracing events [`super::progress::Lines`] logs.
//! * The count's total is what apply announced ([`Progress::planned`]) plus the operations that
//!   started unannounced (leftovers of an interrupted run, which go first).

use super::progress::{finished_line, log_finished, log_started, log_still_running};
use crate::apply::{PlannedOp, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

pub struct Live {
    multi: MultiProgress,
    count: ProgressBar,
    color: bool,
    /// Whether bars redraw on their own (a terminal) or only on events (tests).
    ticking: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    announced: HashSet<(String, String)>,
    running: HashMap<(String, String), ProgressBar>,
}

impl Live {
    /// Draws on stderr.
    pub fn stderr(color: bool) -> Live {
        Live::new(ProgressDrawTarget::stderr(), color, true)
    }

    /// Draws on `target`; `ticking`: redraw elapsed times ten times a second.
    pub fn new(target: ProgressDrawTarget, color: bool, ticking: bool) -> Live {
        let multi = MultiProgress::with_draw_target(target);
        let count = multi.add(ProgressBar::new(0).with_style(style("  {pos}/{len} done  [{elapsed}]")));
        Live { multi, count, color, ticking, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Clears the bars (the finished lines stay).
    pub fn finish(&self) {
        for (_, bar) in self.state().running.drain() {
            bar.finish_and_clear();
        }
        self.count.finish_and_clear();
        let _ = self.multi.clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn key(name: &str, what: &str) -> (String, String) {
    (name.to_string(), what.to_string())
}

impl Progress for Live {
    fn planned(&self, ops: &[PlannedOp]) {
        let mut state = self.state();
        let added = ops.iter().filter(|op| state.announced.insert(key(&op.name, op.what))).count();
        self.count.inc_length(added as u64);
    }

    fn started(&self, name: &str, what: &str) {
        log_started(name, what);
        let mut state = self.state();
        if !state.announced.contains(&key(name, what)) {
            self.count.inc_length(1);
        }
        let bar = self.multi.insert_before(&self.count, ProgressBar::new_spinner());
        bar.set_style(style("  {spinner} {prefix} [{elapsed}]"));
        bar.set_prefix(format!("{name}: {what}"));
        if self.ticking {
            bar.enable_steady_tick(Duration::from_millis(100));
        } else {
            bar.tick();
        }
        state.running.insert(key(name, what), bar);
    }

    fn still_running(&self, name: &str, what: &str, elapsed: Duration) {
        log_still_running(name, what, elapsed);
    }

    fn finished(&self, name: &str, what: &str, elapsed: Duration, error: Option<&str>) {
        log_finished(name, what, elapsed, error);
        let mut state = self.state();
        if let Some(bar) = state.running.remove(&key(name, what)) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        } else if !state.announced.contains(&key(name, what)) {
            self.count.inc_length(1);
        }
        let _ = self.multi.println(finished_line(name, what, elapsed, error, self.color));
        self.count.inc(1);
    }
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
