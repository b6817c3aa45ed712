//! The one error type of the state store. Every message is meant to be shown to a user as is:
//! it says what is wrong and, where there is one, what to do about it.

use crate::lock::LockHolder;
use crate::process::Liveness;
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

    /// Creating or checking the state file or its directory failed.
    #[error("cannot prepare the state file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Another run holds the lock, and it runs (or cannot be checked from here).
    #[error(
        "state is locked by run {} (`{}`), pid {} on {} as {}, started {}, {}; {}",
        holder.run_id, holder.command, holder.pid, holder.host, holder.user, holder.started_at,
        liveness.describe(), lock_advice(*liveness)
    )]
    Locked { holder: LockHolder, liveness: Liveness },

    /// `state unlock` without `--force` found a holder that runs or cannot be checked.
    #[error(
        "not unlocking: the lock is held by run {} (`{}`), pid {} on {} as {}, started {}, {}; \
         releasing it would let two runs change the same stack. If you are sure it is not running, \
         `state unlock --force` releases it",
        holder.run_id, holder.command, holder.pid, holder.host, holder.user, holder.started_at, liveness.describe()
    )]
    LockHeld { holder: LockHolder, liveness: Liveness },

    /// We tried to release a lock that someone else now holds (it was force-unlocked under us).
    #[error(
        "run {run_id} no longer holds the state lock: it was released with `state unlock` and is \
         now held by run {} (`{}`), pid {} on {} as {}, started {}",
        holder.run_id, holder.command, holder.pid, holder.host, holder.user, holder.started_at
    )]
    LockLost { run_id: String, holder: LockHolder },

    /// A read-only verb was pointed at a state file that does not exist (nothing is created).
    #[error("state file {} does not exist (nothing has been deployed with it, or --state names the wrong path)", path.display())]
    Missing { path: PathBuf },

    /// The state records another AWS account than the one the credentials belong to.
    #[error(
        "state file {} belongs to AWS account {recorded}, but the credentials are for account {actual}: \
         refusing to use one account's state against another",
        path.display()
    )]
    WrongAccount { path: PathBuf, recorded: String, actual: String },

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

fn lock_advice(liveness: Liveness) -> &'static str {
    match liveness {
        Liveness::Running => "wait for it to finish, or pass `--lock-timeout 5m` to wait for it",
        _ => "if it is no longer running, `state unlock --force` releases the lock",
    }
}

fn bullets(problems: &[String]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
