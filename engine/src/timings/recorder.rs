//! Measures a run for its timeline while passing every event on.

use super::{OpRecord, Recording};
use crate::apply::{PlannedOp, Progress};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A [`Progress`] that records when each operation was announced, started and finished, and
/// forwards every event to `inner` (the lines or live view the user sees).
pub struct Recorder<'a> {
    inner: &'a dyn Progress,
    origin: Instant,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    ops: Vec<OpRecord>,
    by_key: HashMap<(String, String), usize>,
}

impl State {
    /// The operation named `(name, what)`, added unannounced if new (leftovers, refresh reads).
    fn op(&mut self, name: &str, what: &str) -> &mut OpRecord {
        let i = self.by_index(name, what);
        &mut self.ops[i]
    }

    fn by_index(&mut self, name: &str, what: &str) -> usize {
        let key = (name.to_string(), what.to_string());
        let next = self.ops.len();
        let i = *self.by_key.entry(key).or_insert(next);
        if i == next {
            self.ops.push(OpRecord {
                name: name.to_string(),
                what: what.to_string(),
                deps: Vec::new(),
                announced: None,
                start: None,
                end: None,
                error: None,
            });
        }
        i
    }
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn Progress) -> Self {
        Recorder { inner, origin: Instant::now(), state: Mutex::new(State::default()) }
    }

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What was measured, up to now.
    pub fn recording(&self) -> Recording {
        Recording { ops: self.state().ops.clone(), wall: self.now() }
    }
}

impl Progress for Recorder<'_> {
    fn planned(&self, ops: &[PlannedOp]) {
        let now = self.now();
        let mut state = self.state();
        // Announced indices are relative to this list; operations recorded before (leftovers)
        // come first in the recording.
        let index: Vec<usize> = ops.iter().map(|op| state.by_index(&op.name, op.what)).collect();
        for (op, &at) in ops.iter().zip(&index) {
            let record = &mut state.ops[at];
            record.announced = Some(now);
            record.deps = op.deps.iter().filter_map(|&d| index.get(d).copied()).collect();
        }
        drop(state);
        self.inner.planned(ops);
    }

    fn started(&self, name: &str, what: &str) {
        let now = self.now();
        self.state().op(name, what).start = Some(now);
        self.inner.started(name, what);
    }

    fn finished(&self, name: &str, what: &str, elapsed: Duration, error: Option<&str>) {
        let now = self.now();
        {
            let mut state = self.state();
            let record = state.op(name, what);
            record.end = Some(now);
            record.start.get_or_insert(now.saturating_sub(elapsed));
            record.error = error.map(str::to_string);
        }
        self.inner.finished(name, what, elapsed, error);
    }

    fn still_running(&self, name: &str, what: &str, elapsed: Duration) {
        self.inner.still_running(name, what, elapsed);
    }
}
