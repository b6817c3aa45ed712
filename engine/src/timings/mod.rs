//! Pictures of a run (`up --timings`, `destroy --timings`, `refresh --timings`): what each
//! operation did when, as a self-contained HTML timeline, like `cargo build --timings`.
//!
//! [`Recorder`] is a [`Progress`](crate::apply::Progress) that measures (monotonic clock) when
//! each operation became ready, started and finished, passing every event on to the progress it
//! wraps; [`Timeline::new`] turns a [`Recording`] into bars, the critical path and totals
//! (pure), and [`html::page`] renders it (pure, no I/O).
//!
//! # Guarantees
//! * Times are measured, never estimated: a bar spans the call as the apply loop saw it.
//! * Every announced operation gets a bar: never started ones (skipped) included.
//!
//! # Assumptions
//! * `(name, what)` names one operation of a run (a replacement's two halves differ in `what`).

pub mod html;
mod recorder;

pub use recorder::Recorder;

use std::time::Duration;

/// One operation as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRecord {
    pub name: String,
    pub what: String,
    /// Indices of the operations it waited for.
    pub deps: Vec<usize>,
    /// When it was announced as part of the run (ready at once if it waits for nothing).
    pub announced: Option<Duration>,
    pub start: Option<Duration>,
    pub end: Option<Duration>,
    pub error: Option<String>,
}

/// What a [`Recorder`] measured, times from the start of the recording.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recording {
    pub ops: Vec<OpRecord>,
    /// From the start of the recording to its end.
    pub wall: Duration,
}

/// What an operation does, for its color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    Read,
}

impl Action {
    /// The action of an apply verb (`create`, `create replacement`, `delete leftover`, `read`…).
    pub fn of(what: &str) -> Action {
        match what {
            "create" => Action::Create,
            "update" => Action::Update,
            "read" => Action::Read,
            w if w.contains("replace") => Action::Replace,
            _ => Action::Delete,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Read => "read",
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed(String),
    /// Never started (it depended on a failure, or the run was interrupted).
    Skipped,
}

impl Outcome {
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One bar: `ready..start` waiting (queued behind `--parallel` or a per-service limit, or the
/// journal commit), `start..end` running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub name: String,
    pub what: String,
    pub action: Action,
    pub outcome: Outcome,
    pub ready: Duration,
    pub start: Duration,
    pub end: Duration,
    pub deps: Vec<usize>,
    pub critical: bool,
}

/// A run as the picture shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// In recording order.
    pub bars: Vec<Bar>,
    /// Indices of the bars on the critical path, first to last.
    pub critical_path: Vec<usize>,
    pub wall: Duration,
    /// The sum of every operation's running time.
    pub call_time: Duration,
    /// Most operations running at the same moment.
    pub peak: usize,
}

impl Timeline {
    pub fn new(recording: &Recording) -> Timeline {
        let ends: Vec<Option<Duration>> = recording.ops.iter().map(|o| o.end).collect();
        let mut bars: Vec<Bar> = recording.ops.iter().map(|o| bar(o, &ends, recording.wall)).collect();
        let critical_path = critical_path(&bars);
        for &i in &critical_path {
            bars[i].critical = true;
        }
        let call_time = bars.iter().filter(|b| b.outcome != Outcome::Skipped).map(|b| b.end - b.start).sum();
        let peak = peak(&bars);
        Timeline { bars, critical_path, wall: recording.wall, call_time, peak }
    }

    /// Average operations in flight: call time over wall time.
    pub fn parallelism(&self) -> f64 {
        if self.wall.is_zero() {
            0.0
        } else {
            self.call_time.as_secs_f64() / self.wall.as_secs_f64()
        }
    }

    /// Bars per outcome: (ok, failed, skipped).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |class: &str| self.bars.iter().filter(|b| b.outcome.class() == class).count();
        (count("ok"), count("failed"), count("skipped"))
    }
}

fn bar(op: &OpRecord, ends: &[Option<Duration>], wall: Duration) -> Bar {
    let outcome = match (&op.end, &op.error) {
        (None, _) => Outcome::Skipped,
        (Some(_), Some(e)) => Outcome::Failed(e.clone()),
        (Some(_), None) => Outcome::Ok,
    };
    let end = op.end.unwrap_or(wall);
    let start = op.start.unwrap_or(end).min(end);
    // Ready once announced and every dependency finished (a skipped one never is).
    let deps_done = op.deps.iter().map(|&d| ends.get(d).copied().flatten()).max().flatten();
    let ready = op.announced.into_iter().chain(deps_done).max().unwrap_or(start).min(start);
    Bar {
        name: op.name.clone(),
        what: op.what.clone(),
        action: Action::of(&op.what),
        outcome,
        ready,
        start,
        end,
        deps: op.deps.clone(),
        critical: false,
    }
}

/// The chain that set the end time: from the operation that finished last, back through the
/// dependency that finished last before it, to one that waited for nothing.
fn critical_path(bars: &[Bar]) -> Vec<usize> {
    let finished = |i: &usize| bars[*i].outcome != Outcome::Skipped;
    let Some(mut at) = (0..bars.len()).filter(finished).max_by_key(|&i| (bars[i].end, std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    let mut path = vec![at];
    while let Some(before) = bars[at].deps.iter().copied().filter(finished).max_by_key(|&d| bars[d].end) {
        path.push(before);
        at = before;
    }
    path.reverse();
    path
}

/// Most bars running at once (a bar ending as another starts does not overlap it).
fn peak(bars: &[Bar]) -> usize {
    let mut edges: Vec<(Duration, i32)> = bars
        .iter()
        .filter(|b| b.outcome != Outcome::Skipped && b.end > b.start)
        .flat_map(|b| [(b.start, 1), (b.end, -1)])
        .collect();
    edges.sort();
    edges
        .iter()
        .scan(0i32, |n, (_, d)| {
            *n += d;
            Some(*n)
        })
        .max()
        .unwrap_or(0)
        .max(0) as usize
}

#[cfg(test)]
mod tests;
