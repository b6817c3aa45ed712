//! The verbs that plan and apply: preview, up, destroy, refresh.

use super::args::{Cli, Command, Format};
use super::progress::Lines;
use super::{state_cmd, views, App, EXIT_CHANGES};
use crate::apply::{apply, ApplyOptions, ApplyReport};
use crate::graph::validate;
use crate::plan::{plan, Plan};
use crate::recover::recover;
use crate::refresh::{refresh, refreshed_rows, Observation, Refreshed};
use crate::registry::Context;
use crate::render;
use crate::stack::Stack;
use anyhow::{bail, Context as _};
use state::{LockHolder, RunStart, Store};
use std::io::{IsTerminal, Write};
use tokio::sync::watch;

pub async fn dispatch(app: &App, cli: &Cli, run_id: &str) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Preview { refresh, format, detailed_exitcode } => {
            preview(app, cli, *refresh, *format, *detailed_exitcode).await
        }
        Command::Up { yes, parallel, refresh, allow_replace, allow_delete } => {
            let stack = app.stack();
            let m = Mutation {
                allow_replace: Some(allow_replace.clone()),
                allow_delete: Some(allow_delete.clone()),
                human: text_logs(cli), yes: *yes, parallel: *parallel, refresh: *refresh,
            };
            mutate(app, cli, run_id, "up", &stack, m).await
        }
        Command::Destroy { yes, parallel } => {
            let empty = Stack::new(app.env.clone());
            mutate(app, cli, run_id, "destroy", &empty, Mutation {
                // `destroy` is the explicit request to delete everything; `.protect()` still refuses.
                allow_replace: None, allow_delete: None,
                human: text_logs(cli), yes: *yes, parallel: *parallel, refresh: false,
            }).await
        }
        Command::Refresh { yes } => refresh_cmd(app, cli, run_id, *yes).await,
        Command::Drift { format, fix: false, .. } => drift_report(app, cli, *format).await,
        Command::Drift { fix: true, yes, parallel, .. } => {
            // A fix converges to the program, like `up --refresh`; guard rails still apply.
            let stack = app.stack();
            let m = Mutation {
                allow_replace: Some(vec![]), allow_delete: Some(vec![]),
                human: text_logs(cli), yes: *yes, parallel: *parallel, refresh: true,
            };
            mutate(app, cli, run_id, "drift --fix", &stack, m).await
        }
        Command::Outputs { format } => views::outputs(&open_store(app, cli)?, *format),
        Command::Graph { format } => views::graph(&app.stack(), *format),
        Command::State { command } => state_cmd::run(&open_store(app, cli)?, command),
    }
}

fn text_logs(cli: &Cli) -> bool {
    cli.global.log_format == super::args::LogFormat::Text
}

pub fn open_store(app: &App, cli: &Cli) -> anyhow::Result<Store> {
    let path = cli.global.state.clone().unwrap_or_else(|| app.default_state_path());
    Store::open(&path).with_context(|| format!("opening state file {}", path.display()))
}

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

async fn connect(app: &App) -> anyhow::Result<Context> {
    (app.connect)().await.context("connecting to the cloud")
}

async fn preview(app: &App, cli: &Cli, live: bool, format: Format, detailed: bool) -> anyhow::Result<u8> {
    let stack = app.stack();
    let graph = validate(&stack)?;
    let store = open_store(app, cli)?;
    let mut rows = store.resources()?;
    let pending = store.pending_ops()?;
    if !pending.is_empty() {
        eprintln!("note: {} interrupted operation(s) in the journal; the next `up` resolves them", pending.len());
    }
    if live {
        let cx = connect(app).await?;
        let read = refresh(&rows, &app.registry, &cx, 10).await?;
        warn_unreadable(&read);
        rows = refreshed_rows(&rows, &read);
    }
    let plan = plan(&stack, &graph, &rows, &app.registry);
    print_plan(&plan, format);
    Ok(if detailed && plan.has_changes() { EXIT_CHANGES } else { 0 })
}

fn print_plan(plan: &Plan, format: Format) {
    match format {
        Format::Text => print!("{}", render::text(plan, color())),
        Format::Markdown => print!("{}", render::markdown(plan)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&render::json(plan)).unwrap_or_default()),
    }
}

struct Mutation {
    /// Stateful resources the operator allows to be replaced / deleted (`None`: all, for destroy).
    allow_replace: Option<Vec<String>>,
    allow_delete: Option<Vec<String>>,
    /// Human progress lines on stderr (off with `--log-format json`, where events carry them).
    human: bool,
    yes: bool,
    parallel: usize,
    refresh: bool,
}

/// `up` and `destroy`: validate (no cloud call), lock, journal recovery, plan, confirm, apply.
async fn mutate(app: &App, cli: &Cli, run_id: &str, command: &str, stack: &Stack, m: Mutation) -> anyhow::Result<u8> {
    let graph = validate(stack)?;
    let store = open_store(app, cli)?;
    store.acquire_lock(&LockHolder::here(run_id, command))?;
    let holder = LockHolder::here(run_id, command);
    store.start_run(&RunStart {
        run_id: run_id.to_string(), command: command.to_string(), user: holder.user, host: holder.host,
        started_at: state::now_rfc3339(),
    })?;
    let result = mutate_locked(app, &store, run_id, stack, &graph, &m).await;
    let (verdict, counts) = match &result {
        Ok((code, report)) => (if *code == 0 { "ok" } else { "failed" }, counts(report)),
        Err(e) => ("error", serde_json::json!({ "error": format!("{e:#}") })),
    };
    store.finish_run(run_id, verdict, &counts)?;
    store.release_lock(run_id)?;
    result.map(|(code, _)| code)
}

impl Mutation {
    fn allowed(&self, g: &crate::plan::Guarded) -> bool {
        let list = if g.action == crate::plan::Action::Replace { &self.allow_replace } else { &self.allow_delete };
        list.as_ref().is_none_or(|names| names.contains(&g.name))
    }
}

fn counts(report: &ApplyReport) -> serde_json::Value {
    serde_json::json!({
        "applied": report.applied.len(), "failed": report.failed.len(),
        "skipped": report.skipped.len(), "interrupted": report.interrupted,
    })
}

async fn mutate_locked(
    app: &App,
    store: &Store,
    run_id: &str,
    stack: &Stack,
    graph: &crate::graph::Graph,
    m: &Mutation,
) -> anyhow::Result<(u8, ApplyReport)> {
    let cx = connect(app).await?;
    for r in recover(store, &app.registry, &cx, &app.env).await? {
        tracing::warn!(resource = %r.name, action = %r.action, outcome = %r.outcome, "recovered an interrupted operation");
        if m.human {
            eprintln!("recovered `{}` (interrupted {}): {}", r.name, r.action, r.outcome);
        }
    }
    if m.refresh {
        let rows = store.resources()?;
        let read = refresh(&rows, &app.registry, &cx, m.parallel).await?;
        warn_unreadable(&read);
        for r in read.iter().filter(|r| !matches!(r.observation, Observation::Unreadable(_))) {
            store.upsert_resource(&r.row)?;
        }
    }
    let plan = plan(stack, graph, &store.resources()?, &app.registry);
    print!("{}", render::text(&plan, color()));
    let mut refusals = plan.refusals.clone();
    refusals.extend(
        plan.guarded
            .iter()
            .filter(|g| !m.allowed(g))
            .map(|g| format!("{}; if that is intended, run again with `{}`", g.reason, g.flag())),
    );
    if !refusals.is_empty() {
        return Err(crate::error::EngineError::Refused(refusals).into());
    }
    if !plan.has_changes() {
        return Ok((0, ApplyReport::default()));
    }
    confirm(m.yes)?;
    let (cancel_tx, cancel) = watch::channel(false);
    let signals = tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("interrupted: launching nothing more, waiting for calls in flight…");
        let _ = cancel_tx.send(true);
    });
    let opts = ApplyOptions { run_id: run_id.to_string(), parallel: m.parallel, cancel };
    let progress = Lines { color: std::io::stderr().is_terminal(), human: m.human };
    let report = apply(&plan, stack, &app.registry, store, cx, &opts, &progress).await;
    signals.abort();
    let report = report?;
    print_report(&report);
    Ok((if report.ok() { 0 } else if report.interrupted { 130 } else { 1 }, report))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn confirm(yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("refusing to change the cloud without a terminal to ask on; pass --yes to apply");
    }
    print!("Apply these changes? Only `yes` is accepted: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        bail!("cancelled: nothing was changed");
    }
    Ok(())
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
        println!("  failed  {name}: {error}");
    }
    for name in &report.skipped {
        println!("  skipped {name} (depends on a failure or the run was interrupted)");
    }
}

async fn refresh_cmd(app: &App, cli: &Cli, run_id: &str, yes: bool) -> anyhow::Result<u8> {
    let store = open_store(app, cli)?;
    let rows = store.resources()?;
    if yes {
        store.acquire_lock(&LockHolder::here(run_id, "refresh"))?;
    }
    let result = async {
        let cx = connect(app).await?;
        let read = refresh(&rows, &app.registry, &cx, 10).await?;
        print_refresh(&read);
        if yes {
            for r in read.iter().filter(|r| !matches!(r.observation, Observation::Unreadable(_))) {
                store.upsert_resource(&r.row)?;
            }
        }
        anyhow::Ok(crate::refresh::unreadable(&read).is_empty())
    }
    .await;
    if yes {
        store.release_lock(run_id)?;
    }
    result.map(|all_read| if all_read { 0 } else { 1 })
}

/// Reads the cloud and reports drift without changing anything: exit 2 when anything drifted.
async fn drift_report(app: &App, cli: &Cli, format: Format) -> anyhow::Result<u8> {
    let store = open_store(app, cli)?;
    let cx = connect(app).await?;
    let read = refresh(&store.resources()?, &app.registry, &cx, 10).await?;
    print!("{}", super::drift::render(&app.env, &read, format));
    Ok(if super::drift::drifted(&read).is_empty() { 0 } else { EXIT_CHANGES })
}

/// Says which resources could not be read: their state is used as recorded.
fn warn_unreadable(read: &[Refreshed]) {
    for (name, error) in crate::refresh::unreadable(read) {
        tracing::warn!(resource = %name, error = %error, "could not read; using state as recorded");
        eprintln!("warning: could not read `{name}` ({error}); its state is used as recorded");
    }
}

fn print_refresh(read: &[Refreshed]) {
    let mut changed = 0;
    for r in read {
        match &r.observation {
            Observation::Unchanged => {}
            Observation::Unreadable(e) => println!("? {} ({}) could not be read: {e}", r.row.name, r.row.kind),
            Observation::Vanished => {
                changed += 1;
                println!("- {} ({}) vanished from the cloud", r.row.name, r.row.kind);
            }
            Observation::Changed(diffs) => {
                changed += 1;
                println!("~ {} ({}) changed outside Plinth", r.row.name, r.row.kind);
                for d in diffs {
                    println!("      {}: {} → {}", d.path, render::show_value(d.old.as_ref()), render::show_value(d.new.as_ref()));
                }
            }
        }
    }
    println!("Refresh: {} read, {changed} changed or vanished.", read.len());
}
