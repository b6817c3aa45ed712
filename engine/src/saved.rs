//! Saved plans: `preview --out PLAN` writes the plan with the state's lineage and serial;
//! `up --plan PLAN` applies it only if nothing moved since (same state file and serial, and the
//! same plan when made again), so what was reviewed on a pull request is exactly what runs.

use crate::plan::Plan;
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
