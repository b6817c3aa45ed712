//! `state list|show|history|unlock|forget|journal`. Every value printed comes from the state file
//! and is escaped ([`super::terminal`]): a hostile file cannot drive the terminal.

use super::args::StateCommand;
use super::terminal::escape;
use anyhow::bail;
use state::Store;

/// Whether `command` only reads (it then runs on a read-only store).
pub fn read_only(command: &StateCommand) -> bool {
    matches!(
        command,
        StateCommand::List | StateCommand::Show { .. } | StateCommand::History | StateCommand::Journal { drop: None }
    )
}

pub fn run(store: &Store, command: &StateCommand) -> anyhow::Result<u8> {
    match command {
        StateCommand::List => {
            for r in store.resources()? {
                let id = if r.outputs.is_null() { "(gone)".to_string() } else { r.cloud_id.clone() };
                println!("{}", escape(&format!("{:<32} {:<28} {id}", r.name, r.kind)));
            }
        }
        // JSON escapes C0 controls itself; DEL and C1 controls are escaped here.
        StateCommand::Show { name } => match store.resource(name)? {
            Some(row) => println!("{}", super::terminal::json_safe(&serde_json::to_string_pretty(&row)?)),
            None => bail!("no resource named `{}` in state", escape(name)),
        },
        StateCommand::History => {
            for run in store.history()? {
                let line = format!(
                    "{}  {:<8} {:<9} serial {:<4} {}@{}  {}",
                    run.started_at,
                    run.command,
                    run.result.as_deref().unwrap_or("running"),
                    run.serial,
                    run.user,
                    run.host,
                    run.counts
                );
                println!("{}", escape(&line));
            }
        }
        StateCommand::Unlock { force } => match store.unlock(*force)? {
            Some(h) => println!(
                "{}",
                escape(&format!(
                    "released the lock held by run {} (pid {} on {}, `{}` since {}); its run is marked abandoned",
                    h.run_id, h.pid, h.host, h.command, h.started_at
                ))
            ),
            None => println!("the state was not locked"),
        },
        StateCommand::Journal { drop: Some(id) } => {
            store.commit_op(*id, &state::OpOutcome::Nothing)?;
            println!("dropped journal entry {id}; check the cloud for an object it may have left");
        }
        StateCommand::Journal { drop: None } => {
            // A row no Plinth wrote is listed with its reason, so it can be checked and dropped.
            for row in store.journal_rows()? {
                let line = match row {
                    Ok((id, op)) => format!(
                        "{id:>5}  {:<16} {:<28} {:<16} run {} since {}",
                        op.action.to_string(),
                        op.name,
                        op.kind,
                        op.run_id,
                        op.started_at
                    ),
                    Err(undecodable) => format!("{:>5}  undecodable: {undecodable}", undecodable.id),
                };
                println!("{}", escape(&line));
            }
        }
        StateCommand::Forget { name } => {
            if store.resource(name)?.is_none() {
                bail!("no resource named `{}` in state", escape(name));
            }
            let dependents: Vec<String> = store
                .resources()?
                .into_iter()
                .filter(|r| r.dependencies.iter().any(|d| d == name))
                .map(|r| r.name)
                .collect();
            if !dependents.is_empty() {
                bail!("cannot forget `{name}`: {} depend on it", escape(&dependents.join(", ")));
            }
            store.remove_resource(name)?;
            println!("forgot `{}`; the cloud object was left alone", escape(name));
        }
        StateCommand::Pull { .. } | StateCommand::Push { .. } | StateCommand::Migrate { .. } => {
            bail!("`state pull|push|migrate` move whole states: they are run by the state transfer, not here")
        }
    }
    Ok(0)
}
