//! The one error type of the state store. Every message is meant to be shown to a user as is:
//! it says what is wrong and, where there is one, what to do about it.

use crate::lock::LockHolder;
use std::path::PathBuf;

/// Everything that can go wrong reading or writing state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// SQLite itself failed (I/O, busy past the timeout, constraint, ...).
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A value could not be encoded as JSON for storage.
    #[error("state JSON error: {0}")]
    Json(#[from] serde_json::Error),

    /// Creating the directory that holds the state file failed.
    #[error("cannot create the state directory {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Another run holds the lock.
    #[error(
        "state is locked by run {} (`{}`), pid {} on {} as {}, started {}; \
         if that run is no longer running, `state unlock` releases the lock",
        holder.run_id, holder.command, holder.pid, holder.host, holder.user, holder.started_at
    )]
    Locked { holder: LockHolder },

    /// We tried to release a lock that someone else now holds (it was force-unlocked under us).
    #[error(
        "run {run_id} no longer holds the state lock: it was released with `state unlock` and is \
         now held by run {} (`{}`), pid {} on {} as {}, started {}",
        holder.run_id, holder.command, holder.pid, holder.host, holder.user, holder.started_at
    )]
    LockLost { run_id: String, holder: LockHolder },

    /// The file was written by a newer Plinth with a schema this one does not know.
    #[error(
        "state file {} has schema version {found}, but this Plinth supports versions up to \
         {supported}: it was written by a newer Plinth; upgrade Plinth to use it \
         (the file was left untouched)",
        path.display()
    )]
    NewerSchema { found: i64, supported: i64, path: PathBuf },

    /// The file failed its integrity check; every problem found is listed.
    #[error(
        "state file {} failed its integrity check ({} problem{}):{}",
        path.display(), problems.len(), if problems.len() == 1 { "" } else { "s" }, bullets(problems)
    )]
    Corrupt { path: PathBuf, problems: Vec<String> },

    /// A write would leave a resource depending on one that is not in state.
    #[error("resource `{name}` depends on `{dependency}`, which is not in state")]
    DanglingDependency { name: String, dependency: String },

    /// A removal would leave other resources depending on a resource that is gone.
    #[error(
        "cannot remove `{name}` from state: {} still depend{} on it",
        quoted(dependents), if dependents.len() == 1 { "s" } else { "" }
    )]
    StillNeeded { name: String, dependents: Vec<String> },

    /// A write would create a second resource whose name differs from an existing one only by case.
    #[error("resource `{name}` clashes with `{existing}` in state: names must differ by more than case")]
    NameClash { name: String, existing: String },

    /// `commit_op` was given an id with no pending row.
    #[error("no pending operation with id {0} in the journal")]
    UnknownOp(i64),

    /// A journal row whose action or entry does not decode (boxed: it names the row).
    #[error(transparent)]
    Journal(Box<crate::entry::JournalError>),

    /// `finish_run` was given a run id that was never started.
    #[error("no run {0} in the history")]
    UnknownRun(String),
}

fn bullets(problems: &[String]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
