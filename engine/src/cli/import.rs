//! The `import` verb (see [`crate::import`]): validate the program, take the state lock, check
//! the request against the program and state (before any cloud call), connect (the account
//! check first), read the objects, show what will happen, ask (a terminal prompt or `--yes`;
//! no terminal without `--yes` refuses), then record each proposal.
//!
//! # Guarantees
//! * Nothing in the cloud or in state changes before agreement.
//! * A state with unresolved journal rows is refused: `up` (or `preview`) resolves them first,
//!   so an import never races an interrupted create of the same resource.

use super::args::Cli;
use super::files::location;
use super::mutate::confirm;
use super::remote_session::Session;
use super::run::connect;
use super::signals::Signals;
use super::terminal::sanitize;
use super::App;
use crate::graph::validate;
use crate::import::{check, propose, record, render, survey, Proposal};
use crate::registry::Context;
use crate::stack::Stack;
use anyhow::bail;
use state::{LockHolder, RunStart, Store};

/// Runs `import NAME ID` (`by_id`) or `import --by-tag KEY=VALUE` (`by_tag`).
pub async fn run(
    app: &App,
    cli: &Cli,
    run_id: &str,
    by_id: Option<(&str, &str)>,
    by_tag: Option<&(String, String)>,
    yes: bool,
) -> anyhow::Result<u8> {
    let stack = app.stack();
    validate(&stack)?;
    let holder = LockHolder::here(run_id, "import");
    let signals = Signals::install();
    let timeout = cli.global.lock_timeout;
    // Remote state: the lease first, then the newest copy; a lost lease stops the import.
    let session = Session::begin(app, location(app, cli)?, &holder, timeout, &mut signals.cancel.clone()).await?;
    let cancel = session.stop_on_failure(signals.cancel.clone());
    let outcome = async {
        super::locking::acquire(&session, &holder, timeout, &mut signals.cancel.clone()).await?;
        session.start_run(&RunStart {
            run_id: run_id.to_string(),
            command: "import".into(),
            user: holder.user.clone(),
            host: holder.host.clone(),
            started_at: state::now_rfc3339(),
        })?;
        let request = Request { app, stack: &stack, store: &session, run_id, yes, cancel };
        let result = request.run(by_id, by_tag).await;
        let (verdict, counts) = match &result {
            Ok(n) => ("ok", serde_json::json!({ "imported": n })),
            Err(e) => ("error", serde_json::json!({ "error": format!("{e:#}") })),
        };
        let finished = session.finish_run(run_id, verdict, &counts);
        session.release_lock(run_id)?;
        finished?;
        result.map(|_| 0)
    }
    .await;
    session.finish(outcome).await
}

struct Request<'a> {
    app: &'a App,
    stack: &'a Stack,
    store: &'a Store,
    run_id: &'a str,
    yes: bool,
    cancel: tokio::sync::watch::Receiver<bool>,
}

impl Request<'_> {
    /// The proposals, agreement, and the records; returns how many objects were imported.
    async fn run(&self, by_id: Option<(&str, &str)>, by_tag: Option<&(String, String)>) -> anyhow::Result<usize> {
        let pending = self.store.pending_ops()?;
        if !pending.is_empty() {
            bail!(
                "an interrupted run left {} journal row(s) (see `state journal`): run `up` to resolve them before \
                 importing; nothing was changed",
                pending.len()
            );
        }
        let rows = self.store.resources()?;
        let (proposals, cx) = match (by_id, by_tag) {
            (Some((name, id)), _) => {
                let target = check(self.stack, &rows, name, id)?;
                let cx = self.connect().await?;
                (vec![propose(&target, self.stack.name(), id, &cx).await?], cx)
            }
            (None, Some((key, value))) => {
                let graph = validate(self.stack)?;
                let cx = self.connect().await?;
                let found = survey(self.stack, &graph, &rows, (key, value), &cx).await?;
                found.notes.iter().for_each(|note| eprintln!("note: {}", sanitize(note, false)));
                if found.proposals.is_empty() {
                    println!("Nothing to import: no untracked object of this stack carries {key}={value}.");
                    return Ok(0);
                }
                (found.proposals, cx)
            }
            (None, None) => bail!("import needs NAME and ID, or --by-tag KEY=VALUE"),
        };
        self.agree_and_record(&proposals, &cx).await
    }

    async fn connect(&self) -> anyhow::Result<Context> {
        connect(self.app, Some(self.store), true).await
    }

    async fn agree_and_record(&self, proposals: &[Proposal], cx: &Context) -> anyhow::Result<usize> {
        print!("{}", sanitize(&render(proposals), false));
        confirm(self.yes, self.cancel.clone()).await?;
        for p in proposals {
            let row = record(self.store, self.stack.name(), self.run_id, p, cx).await?;
            println!("imported {} as `{}`", sanitize(&row.cloud_id, false), row.name);
        }
        Ok(proposals.len())
    }
}
