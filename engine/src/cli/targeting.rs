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
    let nodes = stack.nodes();
    let in_state = rows.iter().map(|r| r.name.as_str());
    if destroy {
        targets.check_names(in_state, "in state (nothing else can be destroyed)")?;
    } else {
        targets.check_names(in_state.chain(nodes.iter().map(|n| n.name.as_str())), "in the program or in state")?;
    }
    Ok(())
}

/// The plan narrowed to `targets` (unchanged without), saying on stderr what is left out and
/// why each step that was not named is planned.
pub fn narrowed(plan: Plan, rows: &[ResourceRow], targets: Option<&Targets>) -> Plan {
    let Some(targets) = targets else { return plan };
    let narrowed = narrow(&plan, rows, targets);
    for note in &narrowed.notes {
        tracing::info!("{note}");
        eprintln!("note: {note}");
    }
    let warning = targets.warning(&narrowed);
    tracing::warn!("{warning}");
    eprintln!("warning: {warning}");
    narrowed.plan
}
