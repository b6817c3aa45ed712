//! The verbs that change the cloud (`up`, `destroy`, `drift --fix`): validate (no cloud call),
//! lock, journal recovery, [refresh], plan, guard rails, confirm, apply. From the moment the lock
//! is held, Ctrl-C / SIGTERM stop the run cleanly: nothing more is launched, calls in flight
//! get a grace period ([`super::signals`]) and are then abandoned (their journal rows stay),
//! state is saved, the lock released, and the exit code is 130.

use super::args::Cli;
use super::files::location;
use super::live::Live;
use super::progress::{choose, Lines, View};
use super::remote_session::Session;
use super::run::{color, connect, require_all_read};
use super::signals::{Interrupted, Signals, EXIT_INTERRUPTED, GRACE};
use super::timings::TimingsOut;
use super::App;
use crate::apply::{apply, ApplyOptions, ApplyReport};
use crate::cost::of_plan;
use crate::graph::{validate, Graph};
use crate::plan::{plan, Action, Guarded, Plan};
use crate::policy;
use crate::recover::{inspect, RecoveryOptions};
use crate::refresh::{refresh, Observation};
use crate::render;
use crate::saved::SavedPlan;
use crate::stack::Stack;
use crate::target::Targets;
use crate::timings::Recorder;
use anyhow::bail;
use state::{LockHolder, RunStart, Store};
use std::io::{IsTerminal, Write};
use tokio::sync::watch;

pub struct Mutation {
    /// Stateful resources the operator allows to be replaced / deleted (`None`: all, for destroy).
    pub allow_replace: Option<Vec<String>>,
    pub allow_delete: Option<Vec<String>>,
    /// Human progress lines on stderr (off with `--log-format json`, where events carry them).
    pub human: bool,
    pub yes: bool,
    pub parallel: usize,
    pub refresh: bool,
    /// A plan saved by `preview --out`: applied only if the plan made now is the same.
    pub saved: Option<SavedPlan>,
    /// `--target`: plan only these and what they need ([`crate::target`]).
    pub targets: Option<Targets>,
    /// Record the release applied in the run's history (`up`).
    pub records_release: bool,
    /// `--timings`: write the run's timeline there, whatever its outcome.
    pub timings: Option<TimingsOut>,
    /// `-v` count: logs on stderr turn the live view off.
    pub verbose: u8,
}

impl Mutation {
    fn allowed(&self, g: &Guarded) -> bool {
        let list = if g.action == Action::Replace { &self.allow_replace } else { &self.allow_delete };
        list.as_ref().is_none_or(|names| names.contains(&g.name))
    }
}

pub async fn mutate(
    app: &App,
    cli: &Cli,
    run_id: &str,
    command: &str,
    stack: &Stack,
    m: Mutation,
) -> anyhow::Result<u8> {
    let graph = validate(stack)?;
    // The program's mandatory policy violations stop the run before state or the cloud is touched.
    let rules = policy::Rules::of(&app.registry, stack);
    let early = policy::check_program(stack, &app.registry, &rules)?;
    if !policy::refusals(&early).is_empty() {
        print!("{}", super::terminal::sanitize(&policy::text(&early, color()), color()));
        return Err(crate::error::EngineError::Refused(policy::refusals(&early)).into());
    }
    let holder = LockHolder::here(run_id, command);
    let signals = Signals::install();
    let timeout = cli.global.lock_timeout;
    let session = Session::begin(app, location(app, cli)?, &holder, timeout, &mut signals.cancel.clone()).await?;
    // Remote state: a lost lease or a refused upload stops the run like a signal, then fails it.
    let cancel = session.stop_on_failure(signals.cancel.clone());
    let outcome = async {
        super::targeting::check(m.targets.as_ref(), stack, &session, stack.is_empty())?;
        super::locking::acquire(&session, &holder, timeout, &mut signals.cancel.clone()).await?;
        let run = RunStart {
            run_id: run_id.to_string(),
            command: command.to_string(),
            user: holder.user.clone(),
            host: holder.host.clone(),
            started_at: state::now_rfc3339(),
        };
        let opts = ApplyOptions { durable: session.durable(), ..ApplyOptions::new(run_id, m.parallel, cancel) };
        let result = match session.start_run(&run) {
            Ok(()) => tokio::select! {
                done = mutate_locked(app, &session, stack, &graph, &m, opts) => done,
                // Calls still in flight after the grace period are abandoned (dropped): their journal
                // rows stay, and the next run resolves them by asking the cloud.
                () = signals.grace_over() => abandoned(&session, run_id),
            },
            Err(e) => Err(e.into()),
        };
        drop(signals);
        let (verdict, counts) = match &result {
            Ok((0, report)) => ("ok", counts(report)),
            Ok((EXIT_INTERRUPTED, report)) => ("interrupted", counts(report)),
            Ok((_, report)) => ("failed", counts(report)),
            Err(e) if e.is::<Interrupted>() => ("interrupted", serde_json::json!({ "error": e.to_string() })),
            Err(e) => ("error", serde_json::json!({ "error": format!("{e:#}") })),
        };
        let finished = session.finish_run(run_id, verdict, &counts);
        session.release_lock(run_id)?;
        finished?;
        result.map(|(code, _)| code)
    }
    .await;
    session.finish(outcome).await
}

fn counts(report: &ApplyReport) -> serde_json::Value {
    serde_json::json!({
        "applied": report.applied.len(), "failed": report.failed.len(),
        "skipped": report.skipped.len(), "interrupted": report.interrupted,
    })
}

fn check_interrupted(cancel: &watch::Receiver<bool>) -> anyhow::Result<()> {
    if *cancel.borrow() {
        bail!(Interrupted("before any change"));
    }
    Ok(())
}

/// The run gave up on calls still in flight [`GRACE`] after a signal.
fn abandoned(store: &Store, run_id: &str) -> anyhow::Result<(u8, ApplyReport)> {
    let left = store.pending_ops()?.into_iter().filter(|(_, op)| op.run_id == run_id).count();
    eprintln!(
        "interrupted: {left} call(s) still in flight after {}s were abandoned; their journal rows stay and the \
         next `up` resolves them by asking the cloud",
        GRACE.as_secs()
    );
    Ok((EXIT_INTERRUPTED, ApplyReport { interrupted: true, ..ApplyReport::default() }))
}

async fn mutate_locked(
    app: &App,
    store: &Store,
    stack: &Stack,
    graph: &Graph,
    m: &Mutation,
    opts: ApplyOptions,
) -> anyhow::Result<(u8, ApplyReport)> {
    let cancel = opts.cancel.clone();
    let cx = connect(app, Some(store), true).await?;
    // Recovery only reads here; what it needs to change is part of the plan below.
    let human = m.human;
    let waiting = RecoveryOptions {
        on_wait: Some(Box::new(move |line: &str| {
            if human {
                eprintln!("{line}")
            }
        })),
        ..RecoveryOptions::waiting()
    };
    let waiting = match app.create_may_land_within {
        Some(bound) => RecoveryOptions { landing_bound: bound, ..waiting },
        None => waiting,
    };
    let recovery = inspect(store, &app.registry, &cx, &app.env, &waiting).await?;
    for note in recovery.notes() {
        tracing::warn!("{note}");
        if m.human {
            eprintln!("{note}");
        }
    }
    check_interrupted(&cancel)?;
    if m.refresh {
        let read = refresh(&store.resources()?, &app.registry, &cx, m.parallel).await?;
        require_all_read(&read)?;
        for r in read.iter().filter(|r| !matches!(r.observation, Observation::Unreadable(_))) {
            store.upsert_resource(&r.row)?;
        }
    }
    let rows = recovery.rows(store.resources()?);
    let mut plan = super::targeting::narrowed(
        plan(stack, graph, &rows, &app.registry),
        &rows,
        m.targets.as_ref(),
        m.human,
        stack.is_empty(),
    );
    recovery.attach(&mut plan);
    if let Some(saved) = &m.saved {
        saved.check(&store.lineage()?, store.serial()?, &plan)?;
    }
    print!("{}", super::terminal::sanitize(&render::text(&plan, color()), color()));
    let findings = policy::evaluate(&plan, &app.registry, &policy::Rules::of(&app.registry, stack));
    print!("{}", super::terminal::sanitize(&render::cost::plan_text(&of_plan(&plan, &rows, &app.registry)), false));
    if !stack.is_empty() {
        print!("{}", super::terminal::sanitize(&policy::text(&findings, color()), color()));
    }
    refuse(&plan, &findings, m)?;
    if !plan.has_changes() {
        if m.timings.is_some() {
            eprintln!("timings: no operation to run, so no timeline was written");
        }
        record_release(app, store, &opts.run_id, &plan, m)?;
        recovery.commit(store)?;
        crate::apply::record_bookkeeping(&plan, stack, store, rows)?;
        return Ok((0, ApplyReport::default()));
    }
    // Apply reads state as it stands once recovery's resolutions are committed: this copy
    // would only double what the run holds.
    drop(rows);
    confirm(m.yes, cancel.clone()).await?;
    check_interrupted(&cancel)?;
    record_release(app, store, &opts.run_id, &plan, m)?;
    recovery.commit(store)?;
    let report = apply_with_progress(&plan, stack, app, store, cx, &opts, m).await?;
    print_report(&report);
    let code = if report.ok() {
        0
    } else if report.interrupted {
        EXIT_INTERRUPTED
    } else {
        1
    };
    Ok((code, report))
}

/// Applies with the progress view [`choose`] picks, recording a timeline when `--timings` asks
/// (written even when the apply fails: that is when it is most wanted).
async fn apply_with_progress(
    plan: &Plan,
    stack: &Stack,
    app: &App,
    store: &Store,
    cx: crate::registry::Context,
    opts: &ApplyOptions,
    m: &Mutation,
) -> anyhow::Result<ApplyReport> {
    let color = std::io::stderr().is_terminal();
    let lines = Lines { color, human: m.human };
    let live = match choose(m.human, std::io::stderr().is_terminal(), m.verbose) {
        View::Live => Some(Live::stderr(color)),
        View::Lines => None,
    };
    let shown: &dyn crate::apply::Progress = match &live {
        Some(live) => live,
        None => &lines,
    };
    let recorder = Recorder::new(shown);
    let result = apply(plan, stack, &app.registry, store, cx, opts, &recorder).await;
    if let Some(live) = &live {
        live.finish();
    }
    if let Some(out) = &m.timings {
        out.write(&recorder.recording())?;
    }
    Ok(result?)
}

/// `up` records the release it applies once the plan is agreed (its verdict comes with the run's).
fn record_release(app: &App, store: &Store, run_id: &str, plan: &Plan, m: &Mutation) -> anyhow::Result<()> {
    if m.records_release {
        super::releases::record(app, store, run_id, plan, m.targets.as_ref())?;
    }
    Ok(())
}

/// Protected resources, stateful ones the operator did not name, and mandatory policy
/// violations stop the run here.
fn refuse(plan: &Plan, findings: &[policy::Finding], m: &Mutation) -> anyhow::Result<()> {
    let mut refusals = plan.refusals.clone();
    refusals.extend(policy::refusals(findings));
    refusals.extend(
        plan.guarded
            .iter()
            .filter(|g| !m.allowed(g))
            .map(|g| format!("{}; if that is intended, run again with `{}`", g.reason, g.flag())),
    );
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(crate::error::EngineError::Refused(refusals).into())
    }
}

/// Asks on a terminal (an interrupt while asking cancels); without one, `--yes` is required.
pub(super) async fn confirm(yes: bool, mut cancel: watch::Receiver<bool>) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("refusing to change the cloud without a terminal to ask on; pass --yes to apply");
    }
    print!("Apply these changes? Only `yes` is accepted: ");
    std::io::stdout().flush()?;
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).map(|_| answer)
    });
    tokio::select! {
        answer = answer => {
            if answer??.trim() != "yes" {
                bail!("cancelled: nothing was changed");
            }
            Ok(())
        }
        _ = cancel.changed() => bail!(Interrupted("while asking")),
    }
}

fn print_report(report: &ApplyReport) {
    println!(
        "Applied {}, failed {}, skipped {}{}.",
        report.applied.len(),
        report.failed.len(),
        report.skipped.len(),
        if report.interrupted { " (interrupted)" } else { "" }
    );
    for (name, error) in &report.failed {
        println!("  failed  {name}: {}", super::terminal::escape(error));
    }
    for name in &report.skipped {
        println!("  skipped {name} (depends on a failure or the run was interrupted)");
    }
}
