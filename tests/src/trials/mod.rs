//! What the crash and fault trials share: a *world* (a private moto server, a [`Proxy`] in front of
//! it, the local binary with its own state file), the uninterrupted run every trial is compared
//! with, the checks that follow a trial (counts equal the uninterrupted run's, `preview` has
//! nothing to do, `destroy` leaves what a clean destroy leaves), and a small pool that runs trials
//! concurrently on separate servers and reports them all at once.

pub mod census;
pub mod cli;

use crate::proxy::{Proxy, Record};
use crate::Emulator;
use census::Census;
use cli::{Local, Run};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The local program's stack.
pub const STACK: &str = "local";

/// One trial's private world.
pub struct World {
    pub emu: Emulator,
    pub proxy: Proxy,
    pub local: Local,
    rt: tokio::runtime::Runtime,
}

impl World {
    /// `bin` is `env!("CARGO_BIN_EXE_plinth-local")`.
    pub fn new(bin: &str) -> World {
        let emu = Emulator::start();
        let proxy = Proxy::start(emu.port());
        let local = Local::new(bin, proxy.endpoint());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("census runtime");
        World { emu, proxy, local, rt }
    }

    /// Every object at the backend (not through the proxy).
    pub fn census(&self) -> Census {
        self.rt.block_on(async { census::census(&self.emu.independent().await).await })
    }

    /// EC2 objects still tagged for the local stack.
    pub fn tagged(&self) -> Census {
        self.rt.block_on(async { census::tagged_ec2(&self.emu.independent().await, STACK).await })
    }

    /// Resource rows and unresolved journal rows in the state file, or why it could not be read.
    pub fn state_rows(&self) -> Result<(usize, usize), String> {
        let path = self.local.state();
        if !path.exists() {
            return Ok((0, 0));
        }
        let store =
            state::Store::open_read_only(&path).map_err(|e| format!("open {} read-only: {e}", path.display()))?;
        let rows = store.resources().map_err(|e| format!("state rows: {e}"))?.len();
        Ok((rows, store.pending_ops().map_err(|e| format!("journal rows: {e}"))?.len()))
    }
}

/// The uninterrupted run every trial is compared with.
#[derive(Clone, Debug)]
pub struct Baseline {
    /// Counts after a clean `up`.
    pub up: Census,
    /// Counts after the following `destroy`.
    pub destroyed: Census,
    /// Every request of the clean `up`, as the proxy saw them.
    pub records: Vec<Record>,
    /// Resource rows in state after the clean `up`.
    pub rows: usize,
    pub up_time: Duration,
}

/// Runs the local program uninterrupted through a proxy that does nothing; panics (with the
/// output) if that fails, since then no trial means anything.
pub fn baseline(bin: &str) -> Baseline {
    let mut w = World::new(bin);
    let up = w.local.run(&["up", "--yes"]);
    assert_eq!(up.code, Some(0), "the uninterrupted `up` failed:\n    {}", up.tail(30));
    let records = w.proxy.records();
    let counts = w.census();
    let (rows, pending) = w.state_rows().unwrap_or_else(|e| panic!("the uninterrupted run's state: {e}"));
    assert_eq!(pending, 0, "the uninterrupted run left journal rows");
    let preview = w.local.run(&["preview", "--detailed-exitcode"]);
    assert_eq!(preview.code, Some(0), "preview after the uninterrupted `up`:\n    {}", preview.tail(30));
    let destroy = w.local.run(&["destroy", "--yes"]);
    assert_eq!(destroy.code, Some(0), "the uninterrupted `destroy` failed:\n    {}", destroy.tail(30));
    let tagged = w.tagged();
    assert!(tagged.is_empty(), "the uninterrupted destroy left tagged objects: {tagged:?}");
    Baseline { up: counts, destroyed: w.census(), records, rows, up_time: up.elapsed }
}

/// What one trial did and found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub name: String,
    pub runs: Vec<Run>,
    /// How many plain `up --yes` reruns it took to exit 0; `None` if it never did.
    pub reruns: Option<usize>,
    /// Counts that differ from the uninterrupted run after the reruns (duplicates, or losses).
    pub duplicates: Vec<String>,
    /// Every other failed check, with its evidence.
    pub problems: Vec<String>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn new(name: impl Into<String>) -> Outcome {
        Outcome { name: name.into(), ..Outcome::default() }
    }

    pub fn ok(&self) -> bool {
        self.reruns.is_some() && self.duplicates.is_empty() && self.problems.is_empty()
    }

    pub fn problem(&mut self, what: impl Into<String>) {
        self.problems.push(what.into());
    }

    /// One paragraph for the report.
    pub fn describe(&self) -> String {
        let verdict = if self.ok() { "ok" } else { "FAILED" };
        let converged = match self.reruns {
            Some(n) => format!("converged after {n} rerun(s)"),
            None => "did NOT converge".to_string(),
        };
        let mut text = format!("{verdict}  {}: {converged} ({:.1?})", self.name, self.elapsed);
        if !self.duplicates.is_empty() {
            text.push_str(&format!("\n    counts differ from the uninterrupted run: {}", self.duplicates.join("; ")));
        }
        for p in &self.problems {
            text.push_str(&format!("\n    {p}"));
        }
        text
    }
}

/// Reruns plain `up --yes` (no manual step) at most `max` times until one exits 0.
pub fn converge(w: &mut World, max: usize, outcome: &mut Outcome) {
    for attempt in 1..=max {
        let run = w.local.run(&["up", "--yes"]);
        let code = run.code;
        if code != Some(0) {
            outcome.problem(format!("rerun {attempt} of `up --yes` exited {code:?}:\n    {}", run.tail(12)));
        }
        outcome.runs.push(run);
        if code == Some(0) {
            outcome.reruns = Some(attempt);
            // Failed reruns before the one that converged are history, not problems.
            outcome.problems.retain(|p| !p.starts_with("rerun "));
            return;
        }
    }
}

/// After a faulted `first` run: faults off, reruns (unless `first` already exited 0), checks.
pub fn settle(w: &mut World, base: &Baseline, first: Run, max_reruns: usize, outcome: &mut Outcome) {
    w.proxy.configure(crate::proxy::Config::default());
    let ok = first.code == Some(0);
    outcome.runs.push(first);
    if ok {
        outcome.reruns = Some(0);
    } else {
        converge(w, max_reruns, outcome);
    }
    verify(w, base, outcome);
}

/// The checks after the reruns: counts equal the uninterrupted run's, state has its rows and no
/// journal leftovers, `preview --detailed-exitcode` exits 0, `destroy --yes` exits 0 and leaves
/// exactly what a clean destroy leaves (nothing tagged).
pub fn verify(w: &mut World, base: &Baseline, outcome: &mut Outcome) {
    outcome.duplicates = census::differences(&base.up, &w.census());
    match w.state_rows() {
        Ok((rows, pending)) if rows != base.rows || pending != 0 => outcome
            .problem(format!("state has {rows} resource rows (expected {}) and {pending} journal rows", base.rows)),
        Ok(_) => {}
        Err(e) => outcome.problem(format!("the state file could not be read after the reruns: {e}")),
    }
    let preview = w.local.run(&["preview", "--detailed-exitcode"]);
    if preview.code != Some(0) {
        outcome.problem(format!("`preview --detailed-exitcode` exited {:?}:\n    {}", preview.code, preview.tail(12)));
    }
    let destroy = w.local.run(&["destroy", "--yes"]);
    if destroy.code != Some(0) {
        outcome.problem(format!("`destroy --yes` exited {:?}:\n    {}", destroy.code, destroy.tail(12)));
    }
    let tagged = w.tagged();
    if !tagged.is_empty() {
        let objects = w.rt.block_on(async { census::tagged_ec2_objects(&w.emu.independent().await, STACK).await });
        outcome
            .problem(format!("destroy left objects tagged plinth:stack={STACK}: {tagged:?}: {}", objects.join(", ")));
    }
    let left = census::differences(&base.destroyed, &w.census());
    if !left.is_empty() {
        outcome.problem(format!("after destroy, counts differ from a clean destroy: {}", left.join("; ")));
    }
}

/// A named trial to run on its own world.
pub type Trial = (String, Box<dyn FnOnce() -> Outcome + Send>);

/// How many trials run at once: `wanted`, unless `PLINTH_TRIAL_WORKERS` says otherwise. Trials
/// that mostly wait (recovery polling for a create that may still land) can all run at once;
/// CPU-bound ones should not outnumber the cores by much.
fn worker_count(wanted: usize) -> usize {
    let set = std::env::var("PLINTH_TRIAL_WORKERS").ok().and_then(|n| n.parse().ok()).filter(|n| *n > 0);
    set.unwrap_or(wanted).max(1)
}

/// Runs `trials` on `workers` threads (see [`worker_count`]); a trial that panics becomes a failed outcome.
/// `PLINTH_TRIAL_FILTER=text` keeps only the trials whose name contains `text` (to reproduce one).
pub fn run_all(mut trials: Vec<Trial>, workers: usize) -> Vec<Outcome> {
    if let Ok(only) = std::env::var("PLINTH_TRIAL_FILTER") {
        trials.retain(|(name, _)| name.contains(&only));
    }
    let queue = Mutex::new(trials.into_iter().enumerate().collect::<VecDeque<_>>());
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..worker_count(workers) {
            s.spawn(|| loop {
                let Some((i, (name, trial))) = queue.lock().unwrap().pop_front() else { return };
                let started = Instant::now();
                let mut outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(trial)).unwrap_or_else(|e| {
                    let mut o = Outcome::new(name.clone());
                    let msg =
                        e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                    o.problem(format!("the trial panicked: {}", msg.unwrap_or_default()));
                    o
                });
                outcome.elapsed = started.elapsed();
                eprintln!("{}", outcome.describe());
                done.lock().unwrap().push((i, outcome));
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, o)| o).collect()
}

/// Prints every outcome and the totals; panics listing the failed trials if any failed.
pub fn report(title: &str, outcomes: &[Outcome], started: Instant) {
    let converged = outcomes.iter().filter(|o| o.reruns.is_some()).count();
    let duplicated = outcomes.iter().filter(|o| !o.duplicates.is_empty()).count();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok()).collect();
    let totals = format!(
        "{title}: {} trials, {converged} converged, {duplicated} with duplicates or losses, {} failed, {:.0?} wall",
        outcomes.len(),
        failed.len(),
        started.elapsed()
    );
    eprintln!("{totals}");
    assert!(!outcomes.is_empty(), "{title}: no trial ran (PLINTH_TRIAL_FILTER matched none?)");
    if !failed.is_empty() {
        let details: Vec<String> = failed.iter().map(|o| o.describe()).collect();
        panic!("{totals}\n{}", details.join("\n"));
    }
}
