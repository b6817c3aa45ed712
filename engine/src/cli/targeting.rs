//! `--target NAME` / `--target-dependents` on `preview`, `up` and `destroy`: the flags, the name
//! check before any cloud call, and the narrowing of the plan with its warning
//! ([`crate::target`] does the work, purely).

use crate::plan::Plan;
use crate::stack::Stack;
use crate::target::{narrow, Targets};
use clap::Args;
use state::{ResourceRow, Store};

#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Plan only this resource and what it depends on (for `destroy`: it and what depends on
    /// it); repeatable. The rest of the stack is not planned.
    #[arg(long = "target", value_name = "NAME")]
    pub target: Vec<String>,
    /// Also plan everything that depends on the targets.
    #[arg(long, requires = "target")]
    pub target_dependents: bool,
}

impl TargetArgs {
    pub fn targets(&self) -> Option<Targets> {
        Targets::new(&self.target, self.target_dependents)
    }
}

/// Refuses target names that are neither in the program nor in state (`destroy`: not in
/// state), before any cloud call. Reads state only.
pub fn check(targets: Option<&Targets>, stack: &Stack, store: &Store, destroy: bool) -> anyhow::Result<()> {
    let Some(targets) = targets else { return Ok(()) };
    let rows = store.resources()?;
    let nodes = stack.declared();
    let in_state = rows.iter().map(|r| r.name.as_str());
    if destroy {
        targets.check_names(in_state, "in state (nothing else can be destroyed)")?;
    } else {
        targets.check_names(in_state.chain(nodes.iter().map(|n| n.name.as_str())), "in the program or in state")?;
    }
    Ok(())
}

/// The plan narrowed to `targets` (unchanged without), saying what is left out and why each
/// step that was not named is planned: on stderr for people (`human`), as log events otherwise.
pub fn narrowed(plan: Plan, rows: &[ResourceRow], targets: Option<&Targets>, human: bool, destroy: bool) -> Plan {
    let Some(targets) = targets else { return plan };
    let narrowed = narrow(&plan, rows, targets);
    let warning = targets.warning(&narrowed, destroy);
    if human {
        narrowed.notes.iter().for_each(|note| eprintln!("note: {note}"));
        eprintln!("warning: {warning}");
    } else {
        narrowed.notes.iter().for_each(|note| tracing::info!("{note}"));
        tracing::warn!("{warning}");
    }
    narrowed.plan
}
