//! `state list|show|history|unlock|forget`.

use super::args::StateCommand;
use anyhow::bail;
use state::Store;

pub fn run(store: &Store, command: &StateCommand) -> anyhow::Result<u8> {
    match command {
        StateCommand::List => {
            for r in store.resources()? {
                let id = if r.outputs.is_null() { "(gone)".to_string() } else { r.cloud_id.clone() };
                println!("{:<32} {:<28} {id}", r.name, r.kind);
            }
        }
        StateCommand::Show { name } => match store.resource(name)? {
            Some(row) => println!("{}", serde_json::to_string_pretty(&row)?),
            None => bail!("no resource named `{name}` in state"),
        },
        StateCommand::History => {
            for run in store.history()? {
                println!(
                    "{}  {:<8} {:<8} serial {:<4} {}@{}  {}",
                    run.started_at,
                    run.command,
                    run.result.as_deref().unwrap_or("running"),
                    run.serial,
                    run.user,
                    run.host,
                    run.counts
                );
            }
        }
        StateCommand::Unlock => match store.force_unlock()? {
            Some(h) => println!(
                "released the lock held by run {} (pid {} on {}, `{}` since {})",
                h.run_id, h.pid, h.host, h.command, h.started_at
            ),
            None => println!("the state was not locked"),
        },
        StateCommand::Journal { drop: Some(id) } => {
            store.commit_op(*id, &state::OpOutcome::Nothing)?;
            println!("dropped journal entry {id}; check the cloud for an object it may have left");
        }
        StateCommand::Journal { drop: None } => {
            for (id, op) in store.pending_ops()? {
                println!(
                    "{id:>5}  {:<16} {:<28} {:<16} run {} since {}",
                    op.action, op.name, op.kind, op.run_id, op.started_at
                );
            }
        }
        StateCommand::Forget { name } => {
            if store.resource(name)?.is_none() {
                bail!("no resource named `{name}` in state");
            }
            let dependents: Vec<String> = store
                .resources()?
                .into_iter()
                .filter(|r| r.dependencies.iter().any(|d| d == name))
                .map(|r| r.name)
                .collect();
            if !dependents.is_empty() {
                bail!("cannot forget `{name}`: {} depend on it", dependents.join(", "));
            }
            store.remove_resource(name)?;
            println!("forgot `{name}`; the cloud object was left alone");
        }
    }
    Ok(0)
}
