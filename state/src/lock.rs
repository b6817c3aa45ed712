//! The run lock: a single row naming its holder (run id, pid and its start time, host, user,
//! command, start time), so that a refused run can tell the user exactly who holds the state.
//!
//! Acquiring is a check-and-insert inside one `BEGIN IMMEDIATE` transaction, so two processes
//! racing for the lock cannot both win. A lock whose holder certainly no longer runs (same host
//! and container, pid gone or reused: see [`crate::process`]) heals: it is taken over and the dead
//! run is marked `abandoned` in the history, in the same transaction.

use crate::error::StateError;
use crate::history::mark_abandoned;
use crate::process::{first_env, hostname, liveness, pid_scope, start_time, Liveness};
use crate::store::Store;
use crate::time::now_rfc3339;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Who holds (or wants) the state lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockHolder {
    pub run_id: String,
    pub pid: u32,
    /// The kernel's start time of `pid` (so a reused pid is not mistaken for the holder);
    /// `None` in locks written before it was recorded, or off Linux.
    pub pid_start: Option<u64>,
    /// `<boot id>/<pid namespace>` of the holder (see [`crate::process::pid_scope`]).
    pub pid_scope: Option<String>,
    pub host: String,
    pub user: String,
    pub command: String,
    pub started_at: String,
}

impl LockHolder {
    /// This process: its pid and start time, the host name, `$USER` and the current time.
    pub fn here(run_id: &str, command: &str) -> LockHolder {
        let pid = std::process::id();
        LockHolder {
            run_id: run_id.to_string(),
            pid,
            pid_start: start_time(pid),
            pid_scope: pid_scope(),
            host: hostname(),
            user: first_env(&["USER", "USERNAME", "LOGNAME"]).unwrap_or_else(|| "unknown".to_string()),
            command: command.to_string(),
            started_at: now_rfc3339(),
        }
    }

    /// Whether this holder still runs, as far as this host can tell.
    pub fn liveness(&self) -> Liveness {
        liveness(self)
    }
}

fn read_holder(conn: &Connection) -> Result<Option<LockHolder>, StateError> {
    let holder = conn
        .query_row(
            "SELECT run_id, pid, pid_start, pid_scope, host, user, command, started_at FROM lock WHERE id = 1",
            [],
            |r| {
                Ok(LockHolder {
                    run_id: r.get(0)?,
                    pid: u32::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    pid_start: r.get::<_, Option<i64>>(2)?.and_then(|t| u64::try_from(t).ok()),
                    pid_scope: r.get(3)?,
                    host: r.get(4)?,
                    user: r.get(5)?,
                    command: r.get(6)?,
                    started_at: r.get(7)?,
                })
            },
        )
        .optional()?;
    Ok(holder)
}

/// Removes the lock of a holder that no longer runs and marks its run abandoned.
fn clear_dead(conn: &Connection, dead: &LockHolder) -> Result<(), StateError> {
    conn.execute("DELETE FROM lock WHERE id = 1", [])?;
    mark_abandoned(conn, &dead.run_id)
}

impl Store {
    /// Take the lock for `holder`. Taking it again with the same run id is a no-op. A holder
    /// that certainly no longer runs is replaced (its run marked `abandoned`) and returned as
    /// `Ok(Some(dead))`; any other holder refuses with [`StateError::Locked`] naming it.
    pub fn acquire_lock(&self, holder: &LockHolder) -> Result<Option<LockHolder>, StateError> {
        self.write(|c| {
            let previous = read_holder(c)?;
            let mut taken_over = None;
            if let Some(current) = previous {
                if current.run_id == holder.run_id {
                    return Ok(None);
                }
                match current.liveness() {
                    Liveness::NotRunning => {
                        clear_dead(c, &current)?;
                        taken_over = Some(current);
                    }
                    other => return Err(StateError::Locked { holder: current, liveness: other }),
                }
            }
            c.execute(
                "INSERT INTO lock (id, run_id, pid, pid_start, pid_scope, host, user, command, started_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                (
                    &holder.run_id,
                    i64::from(holder.pid),
                    holder.pid_start.and_then(|t| i64::try_from(t).ok()),
                    &holder.pid_scope,
                    &holder.host,
                    &holder.user,
                    &holder.command,
                    &holder.started_at,
                ),
            )?;
            Ok(taken_over)
        })
    }

    /// Release the lock if run `run_id` holds it. Not held at all is fine; held by another run
    /// (ours was force-unlocked and someone else took it) is [`StateError::LockLost`], and that
    /// run's lock is left alone.
    pub fn release_lock(&self, run_id: &str) -> Result<(), StateError> {
        self.write(|c| match read_holder(c)? {
            None => Ok(()),
            Some(h) if h.run_id == run_id => {
                c.execute("DELETE FROM lock WHERE id = 1", [])?;
                Ok(())
            }
            Some(holder) => Err(StateError::LockLost { run_id: run_id.to_string(), holder }),
        })
    }

    /// `state unlock`: release the lock of a holder that no longer runs (marking its run
    /// abandoned), returning who held it. A holder that runs, or that cannot be checked from
    /// here, refuses with [`StateError::LockHeld`] unless `force`.
    pub fn unlock(&self, force: bool) -> Result<Option<LockHolder>, StateError> {
        self.write(|c| {
            let Some(holder) = read_holder(c)? else { return Ok(None) };
            let liveness = holder.liveness();
            if liveness != Liveness::NotRunning && !force {
                return Err(StateError::LockHeld { holder, liveness });
            }
            clear_dead(c, &holder)?;
            Ok(Some(holder))
        })
    }

    /// Who holds the lock, if anyone.
    pub fn lock_holder(&self) -> Result<Option<LockHolder>, StateError> {
        read_holder(&self.conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunStart;

    /// A holder on another host: never taken over automatically.
    fn holder(run_id: &str, pid: u32) -> LockHolder {
        LockHolder {
            run_id: run_id.to_string(),
            pid,
            pid_start: Some(12345),
            pid_scope: None,
            host: "build-7".to_string(),
            user: "ada".to_string(),
            command: "up --parallel 4".to_string(),
            started_at: "2025-03-01T12:00:00Z".to_string(),
        }
    }

    /// A process of this host that ran and exited (reaped), as a run killed with SIGKILL.
    fn dead_here(run_id: &str) -> LockHolder {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let started = start_time(pid);
        child.wait().unwrap();
        LockHolder { pid, pid_start: started.or(Some(1)), ..LockHolder::here(run_id, "up") }
    }

    fn start(store: &Store, run_id: &str) {
        let run = RunStart {
            run_id: run_id.into(),
            command: "up".into(),
            user: "ada".into(),
            host: hostname(),
            started_at: now_rfc3339(),
        };
        store.start_run(&run).unwrap();
    }

    #[test]
    fn a_second_holder_is_refused_and_the_error_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let first = Store::open(&path).unwrap();
        let second = Store::open(&path).unwrap(); // another process, in effect
        first.acquire_lock(&holder("run-1", 4242)).unwrap();

        let err = second.acquire_lock(&holder("run-2", 7)).unwrap_err();
        let StateError::Locked { holder: found, liveness } = &err else { panic!("expected Locked, got {err:?}") };
        assert_eq!((found, *liveness), (&holder("run-1", 4242), Liveness::OtherHost));
        let msg = err.to_string();
        for part in ["run-1", "4242", "build-7", "ada", "up --parallel 4", "2025-03-01T12:00:00Z", "another host"] {
            assert!(msg.contains(part), "message lacks {part:?}: {msg}");
        }
        assert!(msg.contains("`state unlock --force`"), "{msg}");
        assert_eq!(second.lock_holder().unwrap(), Some(holder("run-1", 4242)));
    }

    #[test]
    fn a_live_holder_on_this_host_refuses_and_says_it_runs() {
        let store = Store::open_in_memory().unwrap();
        store.acquire_lock(&LockHolder::here("run-1", "up")).unwrap();
        let err = store.acquire_lock(&LockHolder::here("run-2", "up")).unwrap_err();
        assert!(matches!(&err, StateError::Locked { liveness: Liveness::Running, .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("still running") && msg.contains("--lock-timeout"), "{msg}");
    }

    #[test]
    fn a_dead_holder_on_this_host_is_taken_over_and_its_run_marked_abandoned() {
        let store = Store::open_in_memory().unwrap();
        let dead = dead_here("run-dead");
        start(&store, "run-dead");
        store.acquire_lock(&dead).unwrap();

        let mine = LockHolder::here("run-2", "up");
        assert_eq!(store.acquire_lock(&mine).unwrap(), Some(dead));
        assert_eq!(store.lock_holder().unwrap(), Some(mine));
        let history = store.history().unwrap();
        assert_eq!(history[0].result.as_deref(), Some("abandoned"));
        assert!(history[0].finished_at.is_some());
    }

    #[test]
    fn the_same_run_may_acquire_again() {
        let store = Store::open_in_memory().unwrap();
        store.acquire_lock(&holder("run-1", 1)).unwrap();
        assert_eq!(store.acquire_lock(&holder("run-1", 1)).unwrap(), None);
        assert_eq!(store.lock_holder().unwrap().map(|h| h.run_id), Some("run-1".to_string()));
    }

    #[test]
    fn release_frees_only_our_own_lock() {
        let store = Store::open_in_memory().unwrap();
        store.release_lock("nobody").unwrap(); // not held: fine
        store.acquire_lock(&holder("run-1", 1)).unwrap();

        let err = store.release_lock("run-2").unwrap_err();
        assert!(
            matches!(&err, StateError::LockLost { run_id, holder } if run_id == "run-2" && holder.run_id == "run-1")
        );
        assert_eq!(store.lock_holder().unwrap().map(|h| h.run_id), Some("run-1".to_string()));

        store.release_lock("run-1").unwrap();
        assert_eq!(store.lock_holder().unwrap(), None);
        store.acquire_lock(&holder("run-2", 2)).unwrap();
    }

    #[test]
    fn unlock_refuses_a_live_or_remote_holder_unless_forced() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.unlock(false).unwrap(), None);
        store.acquire_lock(&LockHolder::here("run-1", "up")).unwrap();
        let err = store.unlock(false).unwrap_err();
        assert!(matches!(&err, StateError::LockHeld { liveness: Liveness::Running, .. }), "{err:?}");
        assert!(err.to_string().contains("--force"), "{err}");
        assert!(store.lock_holder().unwrap().is_some(), "still held");
        store.unlock(true).unwrap();

        store.acquire_lock(&holder("run-2", 99)).unwrap();
        assert!(matches!(store.unlock(false), Err(StateError::LockHeld { liveness: Liveness::OtherHost, .. })));
        assert_eq!(store.unlock(true).unwrap(), Some(holder("run-2", 99)));
        assert_eq!(store.lock_holder().unwrap(), None);
    }

    #[test]
    fn unlock_releases_a_dead_holder_without_force() {
        let store = Store::open_in_memory().unwrap();
        let dead = dead_here("run-dead");
        start(&store, "run-dead");
        store.acquire_lock(&dead).unwrap();
        assert_eq!(store.unlock(false).unwrap(), Some(dead));
        assert_eq!(store.history().unwrap()[0].result.as_deref(), Some("abandoned"));
    }

    #[test]
    fn the_lock_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        Store::open(&path).unwrap().acquire_lock(&holder("run-1", 3)).unwrap();
        assert_eq!(Store::open(&path).unwrap().lock_holder().unwrap(), Some(holder("run-1", 3)));
    }

    #[test]
    fn here_describes_this_process() {
        let h = LockHolder::here("run-9", "destroy");
        assert_eq!(h.pid, std::process::id());
        assert_eq!((h.run_id.as_str(), h.command.as_str()), ("run-9", "destroy"));
        assert!(!h.host.is_empty() && !h.user.is_empty());
        assert!(h.started_at.ends_with('Z'), "{}", h.started_at);
    }
}
