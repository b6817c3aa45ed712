//! Crashes (issue 7): the real `plinth-local` binary's `up` killed with SIGKILL at points spread
//! over the run, each trial on its own moto server behind the project's proxy (`e2e::proxy`),
//! then ONE plain `up --yes` with no manual step (no `state unlock`, no journal edits). It must
//! converge with every object count equal to an uninterrupted run's; `preview
//! --detailed-exitcode` exits 0; `destroy` leaves what a clean destroy leaves.
//!
//! A kill point is "the N-th request": the proxy holds that request, the process is killed while
//! it is held, then the request is either forwarded (it lands after its sender died, as an
//! in-flight call can) or dropped (it never reached the cloud). Three trials hold a create
//! itself: CreateVpc and CreateDBInstance land after the kill; one CreateVpc lands only once the
//! rerun has started looking for it.

use e2e::proxy::{Config, Progress, Record, Release, Rule, Verdict};
use e2e::trials::{self, cli::Running, converge, verify, Baseline, Outcome, Trial, World};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_plinth-local");

/// How long a trial waits for `up` to reach its kill point.
const REACH: Duration = Duration::from_secs(120);

/// Kill points spread over the run (fractions of the uninterrupted run's request count), in two
/// tests so each stays well inside nextest's 5-minute limit.
const KILL_EARLY: [f64; 4] = [0.04, 0.15, 0.28, 0.4];
const KILL_LATE: [f64; 4] = [0.52, 0.65, 0.8, 0.93];

/// What the trial holds and kills on.
#[derive(Clone, Debug)]
enum Point {
    /// The n-th request (1-based) of any kind.
    Request(usize),
    /// The first call of this action.
    Action(&'static str),
}

/// When the held request is let go.
#[derive(Clone, Copy, Debug)]
enum Landing {
    /// Forwarded right after the kill, before the rerun.
    AfterKill,
    /// Dropped: the cloud never sees it.
    Never,
    /// Forwarded once the rerun has made its first lookup of VPCs.
    DuringRerun,
}

fn crash(base: &Baseline, point: Point, landing: Landing) -> Outcome {
    let mut w = World::new(BIN);
    let mut o = Outcome::new(format!("SIGKILL holding {point:?}, landing {landing:?}"));
    let rule = match &point {
        Point::Request(n) => Rule::nth_request(*n, Verdict::Hold),
        Point::Action(a) => Rule::first(a, Verdict::Hold),
    };
    w.proxy.configure(Config::rules(vec![rule]));
    let mut up = w.local.spawn(&["up", "--yes"]);
    let Some(held) = wait_held(&w, &mut up) else {
        let run = up.wait(Duration::from_secs(1));
        o.problem(format!("`up` never reached {point:?} (exit {:?}):\n    {}", run.code, run.tail(10)));
        return o;
    };
    let killed = up.kill_now();
    o.name = format!("{} [request {} {}, {} requests before]", o.name, held.seq + 1, held.operation.action, held.seq);
    o.runs.push(killed);
    w.proxy.configure(Config::default());
    match landing {
        Landing::AfterKill => land(&w, &held, &mut o),
        Landing::Never => {
            w.proxy.release(held.seq, Release::Drop);
        }
        Landing::DuringRerun => {
            let rerun = land_during_rerun(&mut w, &held, &mut o);
            let ok = rerun.code == Some(0);
            if !ok {
                o.problem(format!("the rerun exited {:?}:\n    {}", rerun.code, rerun.tail(12)));
            }
            o.runs.push(rerun);
            o.reruns = ok.then_some(1);
            verify(&mut w, base, &mut o);
            return o;
        }
    }
    converge(&mut w, 1, &mut o);
    verify(&mut w, base, &mut o);
    o
}

/// Waits until the proxy holds the request; `None` if `up` exited first or took too long.
fn wait_held(w: &World, up: &mut Running) -> Option<Record> {
    let deadline = Instant::now() + REACH;
    while Instant::now() < deadline {
        if w.proxy.wait_until(Duration::from_millis(50), |r| r.iter().any(|r| r.progress == Progress::Held)) {
            return w.proxy.held().into_iter().next();
        }
        if up.exited().is_some() {
            return None;
        }
    }
    None
}

/// Forwards the held request and waits until moto answered it.
fn land(w: &World, held: &Record, o: &mut Outcome) {
    w.proxy.release(held.seq, Release::Forward);
    let landed = w.proxy.wait_until(Duration::from_secs(30), |r| r[held.seq].progress == Progress::Done);
    let status = w.proxy.records()[held.seq].backend_status;
    if !landed || status.is_none() {
        o.problem(format!("the held {} did not land at moto (status {status:?})", held.operation.action));
    }
}

/// Starts the rerun, lets the held create land once the rerun has looked for VPCs (or sent 50
/// requests), and waits for the rerun to finish.
fn land_during_rerun(w: &mut World, held: &Record, o: &mut Outcome) -> e2e::trials::cli::Run {
    let mark = w.proxy.count();
    let mut rerun = w.local.spawn(&["up", "--yes"]);
    let looked = |r: &[Record]| r.len() > mark + 50 || r[mark..].iter().any(|r| r.operation.action == "DescribeVpcs");
    let deadline = Instant::now() + REACH;
    while !w.proxy.wait_until(Duration::from_millis(50), looked) {
        if rerun.exited().is_some() || Instant::now() >= deadline {
            o.problem("the rerun ended or stalled before it looked for VPCs".to_string());
            break;
        }
    }
    land(w, held, o);
    rerun.wait(trials::cli::RUN_DEADLINE)
}

/// Runs `points`, two at a time (a trial mostly waits: for its kill point, or for recovery's
/// polling; more at once starves moto on a 2-core machine into SDK timeouts).
fn run(title: &str, base: Baseline, points: Vec<(Point, Landing)>, started: Instant) {
    let workers = 2;
    let trials: Vec<Trial> = points
        .into_iter()
        .map(|(point, landing)| {
            let (base, name) = (base.clone(), format!("SIGKILL holding {point:?}, landing {landing:?}"));
            let trial: Box<dyn FnOnce() -> Outcome + Send> = Box::new(move || crash(&base, point, landing));
            (name, trial)
        })
        .collect();
    trials::report(title, &trials::run_all(trials, workers), started);
}

/// Kills at the given fractions of the run, the held request alternately landing and dropped.
fn kill_points(fractions: &[f64]) {
    let started = Instant::now();
    let base = trials::baseline(BIN);
    let total = base.records.len();
    eprintln!("uninterrupted up: {:.1?}, {total} requests", base.up_time);
    let points = fractions
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let n = ((total as f64 * f).round() as usize).clamp(1, total);
            (Point::Request(n), if i % 2 == 0 { Landing::AfterKill } else { Landing::Never })
        })
        .collect();
    run("SIGKILL at a request", base, points, started);
}

#[test]
fn up_killed_in_the_first_half_is_finished_by_one_plain_rerun_without_duplicates() {
    kill_points(&KILL_EARLY);
}

#[test]
fn up_killed_in_the_second_half_is_finished_by_one_plain_rerun_without_duplicates() {
    kill_points(&KILL_LATE);
}

#[test]
fn up_killed_with_a_create_in_flight_is_finished_by_one_plain_rerun_without_duplicates() {
    let started = Instant::now();
    let base = trials::baseline(BIN);
    let points = vec![
        (Point::Action("CreateVpc"), Landing::AfterKill),
        (Point::Action("CreateDBInstance"), Landing::AfterKill),
        (Point::Action("CreateVpc"), Landing::DuringRerun),
    ];
    run("SIGKILL with a create in flight", base, points, started);
}
