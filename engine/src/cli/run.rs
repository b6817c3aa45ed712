//! Dispatch, and the read-only verbs that plan or read: preview, refresh, drift.

use super::args::{Cli, Command, Format, StateCommand};
use super::files::{location, open_for_preview, open_for_saved_plan, open_store, open_view, write_private, Location};
use super::locking;
use super::mutate::{mutate, Mutation};
use super::remote_session::Session;
use super::signals::Signals;
use super::terminal::{escape, json_safe, sanitize};
use super::timings::TimingsOut;
use super::{account, state_cmd, state_transfer, targeting, views, App, EXIT_CHANGES};
use crate::cost::PlanCost;
use crate::graph::validate;
use crate::plan::{plan, Plan};
use crate::policy;
use crate::refresh::{refresh, refresh_observed, refreshed_rows, Observation, Refreshed};
use crate::registry::Context;
use crate::render;
use crate::saved::SavedPlan;
use crate::stack::Stack;
use crate::target::Targets;
use anyhow::{bail, Context as _};
use state::{LockHolder, Store};
use std::io::IsTerminal;

pub async fn dispatch(app: &App, cli: &Cli, run_id: &str) -> anyhow::Result<u8> {
    // A state location that cannot be used is refused before any cloud call.
    location(app, cli)?;
    match &cli.command {
        Command::Preview { refresh, parallel, format, detailed_exitcode, out, targets } => {
            let live = refresh.then_some(*parallel);
            preview(app, cli, live, *format, *detailed_exitcode, out.as_deref(), targets.targets()).await
        }
        Command::Up { yes, parallel, refresh, allow_replace, allow_delete, plan, timings, targets } => {
            let stack = app.stack();
            let saved = plan.as_deref().map(SavedPlan::read).transpose()?;
            if let Some(saved) = &saved {
                saved.check_targets(targets.targets().as_ref())?;
            }
            let m = Mutation {
                allow_replace: Some(allow_replace.clone()),
                allow_delete: Some(allow_delete.clone()),
                human: text_logs(cli),
                yes: *yes,
                parallel: *parallel,
                refresh: *refresh,
                saved,
                targets: targets.targets(),
                records_release: true,
                timings: TimingsOut::from_arg(timings, run_id, title(app, "up", run_id)),
                verbose: cli.global.verbose,
            };
            mutate(app, cli, run_id, "up", &stack, m).await
        }
        Command::Destroy { yes, parallel, timings, targets } => {
            let empty = Stack::new(app.env.clone());
            mutate(
                app,
                cli,
                run_id,
                "destroy",
                &empty,
                Mutation {
                    // `destroy` is the explicit request to delete everything; `.protect()` still refuses.
                    allow_replace: None,
                    allow_delete: None,
                    human: text_logs(cli),
                    yes: *yes,
                    parallel: *parallel,
                    refresh: false,
                    saved: None,
                    targets: targets.targets(),
                    records_release: false,
                    timings: TimingsOut::from_arg(timings, run_id, title(app, "destroy", run_id)),
                    verbose: cli.global.verbose,
                },
            )
            .await
        }
        Command::Refresh { yes, parallel, timings } => {
            let timings = TimingsOut::from_arg(timings, run_id, title(app, "refresh", run_id));
            refresh_cmd(app, cli, run_id, *yes, *parallel, timings.as_ref()).await
        }
        Command::Drift { format, fix: false, parallel, .. } => drift_report(app, cli, *format, *parallel).await,
        Command::Drift { fix: true, yes, parallel, .. } => {
            // A fix converges to the program, like `up --refresh`; guard rails still apply.
            let stack = app.stack();
            let m = Mutation {
                allow_replace: Some(vec![]),
                allow_delete: Some(vec![]),
                human: text_logs(cli),
                yes: *yes,
                parallel: *parallel,
                refresh: true,
                saved: None,
                targets: None,
                records_release: false,
                timings: None,
                verbose: cli.global.verbose,
            };
            mutate(app, cli, run_id, "drift --fix", &stack, m).await
        }
        Command::Import { name, id, by_tag, yes } => {
            super::import::run(app, cli, run_id, name.as_deref().zip(id.as_deref()), by_tag.as_ref(), *yes).await
        }
        Command::Health { format, timeout } => super::health::run(app, cli, *format, *timeout).await,
        Command::Outputs { format } => views::outputs(&*open_view(app, cli).await?, *format),
        Command::Graph { format } => views::graph(&app.stack(), *format, &app.env),
        Command::Cost { format, tag } => views::cost(&app.stack(), &app.registry, *format, tag),
        Command::Releases(args) => super::releases::run(&*open_view(app, cli).await?, args),
        Command::State { command } => state_verb(app, cli, run_id, command).await,
    }
}

async fn state_verb(app: &App, cli: &Cli, run_id: &str, command: &StateCommand) -> anyhow::Result<u8> {
    match command {
        c if state_cmd::read_only(c) => state_cmd::run(&*open_view(app, cli).await?, c),
        StateCommand::Pull { out } => state_transfer::pull(app, cli, out.as_deref()).await,
        StateCommand::Push { file, force } => state_transfer::push(app, cli, run_id, file, *force).await,
        StateCommand::Migrate { to, force } => state_transfer::migrate(app, cli, run_id, to, *force).await,
        StateCommand::Unlock { force } => match location(app, cli)? {
            Location::Remote(url) => state_transfer::unlock(app, &url, *force).await,
            Location::Local(path) => state_cmd::run(&open_store(&path)?, command),
        },
        // forget, journal --drop: remote state changes only under its lease.
        _ => {
            let holder = LockHolder::here(run_id, "state");
            let signals = Signals::install();
            let mut cancel = signals.cancel.clone();
            let session =
                Session::begin(app, location(app, cli)?, &holder, cli.global.lock_timeout, &mut cancel).await?;
            let outcome = state_cmd::run(&session, command);
            session.finish(outcome).await
        }
    }
}

fn text_logs(cli: &Cli) -> bool {
    cli.global.log_format == super::args::LogFormat::Text
}

pub fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Connects, then, before any other call, checks the account (recording it in `store` when
/// `record`).
pub async fn connect(app: &App, store: Option<&Store>, record: bool) -> anyhow::Result<Context> {
    let cx = (app.connect)().await.context("connecting to the cloud")?;
    account::verify(app, &cx, store, record).await?;
    Ok(cx)
}

async fn preview(
    app: &App,
    cli: &Cli,
    live: Option<usize>,
    format: Format,
    detailed: bool,
    out: Option<&std::path::Path>,
    targets: Option<Targets>,
) -> anyhow::Result<u8> {
    if live.is_some() && out.is_some() {
        anyhow::bail!("a saved plan cannot include a refresh: `up --plan` checks it against state as recorded; drop --refresh or run `refresh --yes` first");
    }
    let stack = app.stack();
    let graph = validate(&stack)?;
    // `--out` pins the plan to the state's lineage, so it needs (and creates) the state file.
    let store = if out.is_some() { open_for_saved_plan(app, cli).await? } else { open_for_preview(app, cli).await? };
    targeting::check(targets.as_ref(), &stack, &store, false)?;
    let mut rows = store.resources()?;
    let pending = !store.pending_ops()?.is_empty();
    let cx = if live.is_some() || pending { Some(connect(app, Some(&store), false).await?) } else { None };
    let mut recovery = crate::recover::Recovery::default();
    if let (true, Some(cx)) = (pending, &cx) {
        // Read-only: what an interrupted run left is shown as part of the plan; nothing changes.
        let opts = crate::recover::RecoveryOptions::read_only();
        recovery = crate::recover::inspect(&store, &app.registry, cx, &app.env, &opts).await?;
        recovery.notes().iter().for_each(|note| eprintln!("note: {note}"));
    }
    if let (Some(parallel), Some(cx)) = (live, &cx) {
        let events = super::progress::Lines { color: false, human: false };
        let read = refresh_observed(&rows, &app.registry, cx, parallel, &events).await?;
        require_all_read(&read)?;
        rows = refreshed_rows(&rows, &read);
    }
    let rows = recovery.rows(rows);
    let mut plan =
        targeting::narrowed(plan(&stack, &graph, &rows, &app.registry), &rows, targets.as_ref(), text_logs(cli), false);
    recovery.attach(&mut plan);
    // A plan whose operations could not be ordered fails here, not halfway through `up`.
    crate::ops::build_ops(&plan)?;
    let findings = policy::evaluate(&plan, &app.registry, &policy::Rules::of(&app.registry, &stack));
    print_plan(&plan, &findings, &crate::cost::of_plan(&plan, &rows, &app.registry), format);
    // What `up` would refuse is an error here too (exit 1), never "no changes" or "changes":
    // protected resources, and mandatory policy violations.
    let mut refusals = plan.refusals.clone();
    refusals.extend(policy::refusals(&findings));
    if !refusals.is_empty() {
        return Err(crate::error::EngineError::Refused(refusals).into());
    }
    let changes = plan.has_changes();
    if let Some(path) = out {
        let (lineage, serial) = (store.lineage()?, store.serial()?);
        let saved = SavedPlan { format: crate::saved::FORMAT, lineage, serial, plan, targets };
        let text = serde_json::to_string_pretty(&saved)?;
        write_private(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("saved the plan to {}; apply exactly it with `up --plan {}`", path.display(), path.display());
    }
    Ok(if detailed && changes { EXIT_CHANGES } else { 0 })
}

/// The plan, then its cost and its policy findings (in JSON: under `cost` and `policy`).
fn print_plan(plan: &Plan, findings: &[policy::Finding], cost: &PlanCost, format: Format) {
    // Plan text carries values from state and the cloud: only Plinth's own colours pass.
    match format {
        Format::Text => {
            print!("{}", sanitize(&render::text(plan, color()), color()));
            print!("{}", sanitize(&render::cost::plan_text(cost), false));
            print!("{}", sanitize(&policy::text(findings, color()), color()));
        }
        Format::Markdown => {
            print!("{}", sanitize(&render::markdown(plan), false));
            print!("{}", sanitize(&render::cost::plan_markdown(cost), false));
            print!("\n{}", sanitize(&policy::markdown(findings), false));
        }
        Format::Json => {
            let mut out = render::json(plan);
            out["cost"] = render::cost::plan_json(cost);
            out["policy"] = policy::json(findings);
            println!("{}", json_safe(&serde_json::to_string_pretty(&out).unwrap_or_default()))
        }
    }
}

/// The title of a run's timeline page.
fn title(app: &App, verb: &str, run_id: &str) -> String {
    format!("plinth {verb} — {} — run {run_id}", app.env)
}

async fn refresh_cmd(
    app: &App,
    cli: &Cli,
    run_id: &str,
    yes: bool,
    parallel: usize,
    timings: Option<&TimingsOut>,
) -> anyhow::Result<u8> {
    if !yes {
        return refresh_report(app, &*open_view(app, cli).await?, false, parallel, timings).await;
    }
    let holder = LockHolder::here(run_id, "refresh");
    let mut never = tokio::sync::watch::channel(false).1;
    let timeout = cli.global.lock_timeout;
    let session = Session::begin(app, location(app, cli)?, &holder, timeout, &mut never).await?;
    let outcome = async {
        locking::acquire(&session, &holder, timeout, &mut never).await?;
        let result = refresh_report(app, &session, true, parallel, timings).await;
        session.release_lock(run_id)?;
        result
    }
    .await;
    session.finish(outcome).await
}

/// Reads every resource and prints what changed; `write`: records what was read.
/// `timings`: the reads' timeline is written there.
async fn refresh_report(
    app: &App,
    store: &Store,
    write: bool,
    parallel: usize,
    timings: Option<&TimingsOut>,
) -> anyhow::Result<u8> {
    let rows = store.resources()?;
    let cx = connect(app, Some(store), write).await?;
    // Each read's start and end go to the logs (events in `--log-format json`), as `up`'s do.
    let recorder = crate::timings::Recorder::new(&super::progress::Lines { color: false, human: false });
    let read = refresh_observed(&rows, &app.registry, &cx, parallel, &recorder).await?;
    if let Some(out) = timings {
        out.write(&recorder.recording())?;
    }
    print_refresh(&read);
    if write {
        for r in read.iter().filter(|r| !matches!(r.observation, Observation::Unreadable(_))) {
            store.upsert_resource(&r.row)?;
        }
    }
    Ok(if crate::refresh::unreadable(&read).is_empty() { 0 } else { 1 })
}

/// Reads the cloud and reports drift without changing anything: exit 2 when anything drifted,
/// 1 when something could not be read (the report is then incomplete).
async fn drift_report(app: &App, cli: &Cli, format: Format, parallel: usize) -> anyhow::Result<u8> {
    let store = open_view(app, cli).await?;
    let cx = connect(app, Some(&store), false).await?;
    let read = refresh(&store.resources()?, &app.registry, &cx, parallel).await?;
    let report = super::drift::render(&app.env, &read, format);
    match format {
        Format::Json => print!("{}", json_safe(&report)),
        _ => print!("{}", sanitize(&report, false)),
    }
    if !crate::refresh::unreadable(&read).is_empty() {
        return Ok(1);
    }
    Ok(if super::drift::drifted(&read).is_empty() { 0 } else { EXIT_CHANGES })
}

/// Refuses to go on from a partial read of the cloud: names what could not be read and how
/// many, so no "no changes" is ever said about objects nobody looked at.
pub fn require_all_read(read: &[Refreshed]) -> anyhow::Result<()> {
    let unread = crate::refresh::unreadable(read).len();
    if unread == 0 {
        return Ok(());
    }
    warn_unreadable(read);
    bail!(
        "{unread} of {} resources could not be read from the cloud; refusing to plan against a partial view \
         (nothing was changed)",
        read.len()
    )
}

/// Says which resources could not be read: their state is used as recorded.
pub fn warn_unreadable(read: &[Refreshed]) {
    for (name, error) in crate::refresh::unreadable(read) {
        tracing::warn!(resource = %name, error = %error, "could not read");
        eprintln!("warning: could not read `{}`: {}", escape(&name), escape(&error));
    }
}

fn print_refresh(read: &[Refreshed]) {
    let (mut changed, mut unread) = (0, 0);
    let mut out = String::new();
    for r in read {
        for d in &r.managed_elsewhere {
            let (old, new) = (render::show_value(d.old.as_ref()), render::show_value(d.new.as_ref()));
            out += &format!("= {} ({}) {}: {old} → {new} (managed elsewhere, kept)\n", r.row.name, r.row.kind, d.path);
        }
        match &r.observation {
            Observation::Unchanged => {}
            Observation::Unreadable(e) => {
                unread += 1;
                out += &format!("? {} ({}) could not be read: {}\n", r.row.name, r.row.kind, escape(e));
            }
            Observation::Vanished => {
                changed += 1;
                out += &format!("- {} ({}) vanished from the cloud\n", r.row.name, r.row.kind);
            }
            Observation::Changed(diffs) => {
                changed += 1;
                out += &format!("~ {} ({}) changed outside Plinth\n", r.row.name, r.row.kind);
                for line in diffs.iter().flat_map(|d| render::changes::plain(d, 6)) {
                    out += &format!("{line}\n");
                }
            }
        }
    }
    print!("{}", sanitize(&out, false));
    let read_ok = read.len() - unread;
    if unread == 0 {
        println!("Refresh: {read_ok} read, {changed} changed or vanished.");
    } else {
        println!(
            "Refresh: {read_ok} of {} read, {unread} could not be read, {changed} changed or vanished.",
            read.len()
        );
    }
}
