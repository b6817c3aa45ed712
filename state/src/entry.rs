//! The journal's vocabulary: what a pending operation is doing ([`JournalAction`]) and what it
//! recorded before the call ([`JournalEntry`]). Apply writes these and recovery reads them; both
//! go through these types, so a typo in an action or a key cannot compile.
//!
//! # Guarantees
//! * Rows written by earlier versions (action strings `create`, `update`, `delete`,
//!   `delete-replaced`; an inputs column holding `{"inputs", "dependencies", "options", "prior"}`)
//!   decode unchanged.
//! * An unknown action or an entry that does not decode is an error naming the row id, the
//!   resource and the problem ([`JournalError`]): never guessed, never defaulted.
//!
//! # Assumptions
//! * The store knows no kinds: inputs, outputs and options stay opaque JSON here; the engine
//!   decodes options strictly.

use crate::rows::{References, ResourceRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// What an interrupted call was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JournalAction {
    /// Creating a new object (a plain create or the new object of a replacement).
    Create,
    /// Updating an object in place.
    Update,
    /// Deleting an object (removed from the program, or the old object of a delete-first replacement).
    Delete,
    /// Deleting the old object of a create-first replacement, journaled before the new one is created.
    DeleteReplaced,
    /// Tagging an existing object that `import` adopts (its `prior` is the object as read).
    Import,
}

impl JournalAction {
    pub const ALL: [JournalAction; 5] = [
        JournalAction::Create,
        JournalAction::Update,
        JournalAction::Delete,
        JournalAction::DeleteReplaced,
        JournalAction::Import,
    ];

    /// The string stored in the `action` column (never renamed: old rows must still read).
    pub fn as_str(self) -> &'static str {
        match self {
            JournalAction::Create => "create",
            JournalAction::Update => "update",
            JournalAction::Delete => "delete",
            JournalAction::DeleteReplaced => "delete-replaced",
            JournalAction::Import => "import",
        }
    }

    /// The action stored as `s`, or `None` for a string no Plinth writes.
    pub fn parse(s: &str) -> Option<JournalAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for JournalAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a journal row records before its call: enough to find the object again, to know what
/// protects it, and (for updates and deletes) the row as it stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The inputs sent with the call (null for deletes).
    pub inputs: Value,
    /// The resource's dependencies in the program.
    pub dependencies: Vec<String>,
    /// The resource's options (`protect`, ...), as the engine encodes them.
    pub options: Value,
    /// The row as it stood before the call (the object an update or delete acts on).
    pub prior: Option<ResourceRow>,
    /// Per dependency, the resolved reference values the call was made with; `None` in rows
    /// written before they were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<References>,
}

/// A journal row that cannot be trusted: refused, naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "journal row {id} (`{action}` of `{name}`, kind {kind}) {problem}; Plinth will not guess what it meant: \
     check the cloud for `{name}`, then forget the row with `state journal --drop {id}`"
)]
pub struct JournalError {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub action: String,
    pub problem: String,
}
