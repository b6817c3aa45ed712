//! Saved plans: `preview --out PLAN` writes the plan with the state's lineage and serial;
//! `up --plan PLAN` applies it only if nothing moved since (same state file and serial, and the
//! same plan when made again, with the same `--target`s), so what was reviewed on a pull request
//! is exactly what runs.

use crate::plan::Plan;
use crate::target::Targets;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the saved-plan file format.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: u32,
    pub lineage: String,
    pub serial: i64,
    pub plan: Plan,
    /// The `--target`s the plan was made with (`None`: the whole stack); `up --plan` must name
    /// the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
}

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read the saved plan {path}: {message}")]
    Unreadable { path: String, message: String },
    #[error("the saved plan is for stack `{saved}`, not `{current}`")]
    WrongStack { saved: String, current: String },
    #[error("the saved plan was made against another state file (lineage {saved}, this one is {current})")]
    WrongLineage { saved: String, current: String },
    #[error("the state changed since the plan was made (serial {saved} → {current}); run preview again")]
    StaleSerial { saved: i64, current: i64 },
    #[error("the program or the cloud changed since the plan was made: the plan made now differs; run preview again")]
    Differs,
    #[error("the saved plan was made with {saved}, but this run has {current}: give `up --plan` the same targets")]
    OtherTargets { saved: String, current: String },
}

/// The targets as the flags that give them, for messages.
fn flags(targets: Option<&Targets>) -> String {
    match targets {
        None => "no --target (the whole stack)".to_string(),
        Some(t) => {
            let names: Vec<String> = t.names.iter().map(|n| format!("--target {n}")).collect();
            format!("{}{}", names.join(" "), if t.dependents { " --target-dependents" } else { "" })
        }
    }
}

impl SavedPlan {
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }

    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let unreadable = |message: String| SavedPlanError::Unreadable { path: path.display().to_string(), message };
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
        if saved.format != FORMAT {
            return Err(unreadable(format!("format {} is not {FORMAT}", saved.format)));
        }
        Ok(saved)
    }

    /// Refuses to run this saved plan with other `--target`s than it was made with (checked
    /// before any cloud call).
    pub fn check_targets(&self, targets: Option<&Targets>) -> Result<(), SavedPlanError> {
        if self.targets.as_ref() == targets {
            return Ok(());
        }
        Err(SavedPlanError::OtherTargets { saved: flags(self.targets.as_ref()), current: flags(targets) })
    }

    /// Whether this saved plan may run as `current`, made now against state `lineage`/`serial`.
    pub fn check(&self, lineage: &str, serial: i64, current: &Plan) -> Result<(), SavedPlanError> {
        if self.plan.stack != current.stack {
            return Err(SavedPlanError::WrongStack { saved: self.plan.stack.clone(), current: current.stack.clone() });
        }
        if self.lineage != lineage {
            return Err(SavedPlanError::WrongLineage { saved: self.lineage.clone(), current: lineage.to_string() });
        }
        if self.serial != serial {
            return Err(SavedPlanError::StaleSerial { saved: self.serial, current: serial });
        }
        if &self.plan != current {
            return Err(SavedPlanError::Differs);
        }
        Ok(())
    }
}
