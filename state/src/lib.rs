//! Plinth's state store: one SQLite file per stack holding the resources Plinth manages, the
//! journal of in-flight cloud calls, the run lock and the run history.
//!
//! Only this crate touches SQLite, and it knows no resource kinds: a kind is just a string and
//! inputs, outputs and options are opaque JSON. Resources are written one row at a time — never
//! as a whole snapshot — so the cost of a write does not grow with the size of the state.
//!
//! Every write goes through a short `BEGIN IMMEDIATE` transaction; the schema is versioned with
//! `PRAGMA user_version` and migrated forward on open; a file that fails its integrity check
//! (SQLite's own check, dangling dependencies, case-insensitive duplicate names, unparsable JSON)
//! is refused rather than silently used.

// `StateError::Locked` carries its `LockHolder` and `OpOutcome::Upsert` its row inline: the
// shapes the engine matches on. Errors and outcomes are rare and cold, so the size is no cost.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

mod changes;
mod deps_index;
mod entry;
mod error;
mod history;
mod journal;
mod lock;
mod probe;
mod process;
mod release;
mod rows;
mod schema;
mod snapshot;
mod store;
mod time;

pub use changes::Changes;
pub use entry::{JournalAction, JournalEntry, JournalError};
pub use error::StateError;
pub use history::{RunRecord, RunStart};
pub use journal::{JournalRow, OpOutcome, PendingOp};
pub use lock::LockHolder;
pub use process::{start_time as process_start_time, Liveness};
pub use release::{Release, ReleaseRecord};
pub use rows::{References, ResourceRow};
pub use schema::SCHEMA_VERSION;
pub use snapshot::snapshot;
pub use store::Store;
pub use time::{now_rfc3339, rfc3339_from_unix, unix_from_rfc3339};
