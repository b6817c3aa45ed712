//! The run lock: a single row naming its holder (run id, pid, host, user, command, start time),
//! so that a refused run can tell the user exactly who holds the state and how to release it.
//!
//! Acquiring is a check-and-insert inside one `BEGIN IMMEDIATE` transaction, so two processes
//! racing for the lock cannot both win.

use crate::error::StateError;
use crate::store::Store;
use crate::time::now_rfc3339;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Who holds (or wants) the state lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockHolder {
    pub run_id: String,
    pub pid: u32,
    pub host: String,
    pub user: String,
    pub command: String,
    pub started_at: String,
}

impl LockHolder {
    /// This process: its pid, the host name, `$USER` and the current time.
    pub fn here(run_id: &str, command: &str) -> LockHolder {
        LockHolder {
            run_id: run_id.to_string(),
            pid: std::process::id(),
            host: hostname(),
            user: first_env(&["USER", "USERNAME", "LOGNAME"]).unwrap_or_else(|| "unknown".to_string()),
            command: command.to_string(),
            started_at: now_rfc3339(),
        }
    }
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .or_else(|| first_env(&["HOSTNAME", "COMPUTERNAME"]))
        .unwrap_or_else(|| "unknown".to_string())
}

fn first_env(names: &[&str]) -> Option<String> {
    names.iter().filter_map(|n| std::env::var(n).ok()).map(|v| v.trim().to_string()).find(|v| !v.is_empty())
}

fn read_holder(conn: &Connection) -> Result<Option<LockHolder>, StateError> {
    let holder = conn
        .query_row("SELECT run_id, pid, host, user, command, started_at FROM lock WHERE id = 1", [], |r| {
            Ok(LockHolder {
                run_id: r.get(0)?,
                pid: u32::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                host: r.get(2)?,
                user: r.get(3)?,
                command: r.get(4)?,
                started_at: r.get(5)?,
            })
        })
        .optional()?;
    Ok(holder)
}

impl Store {
    /// Take the lock for `holder`. Taking it again with the same run id is a no-op; if another
    /// run holds it, fails with [`StateError::Locked`] naming that run.
    pub fn acquire_lock(&self, holder: &LockHolder) -> Result<(), StateError> {
        self.write(|c| {
            if let Some(current) = read_holder(c)? {
                if current.run_id == holder.run_id {
                    return Ok(());
                }
                return Err(StateError::Locked { holder: current });
            }
            c.execute(
                "INSERT INTO lock (id, run_id, pid, host, user, command, started_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                (&holder.run_id, i64::from(holder.pid), &holder.host, &holder.user, &holder.command, &holder.started_at),
            )?;
            Ok(())
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

    /// `state unlock`: release the lock whoever holds it, returning who did.
    pub fn force_unlock(&self) -> Result<Option<LockHolder>, StateError> {
        self.write(|c| {
            let holder = read_holder(c)?;
            c.execute("DELETE FROM lock WHERE id = 1", [])?;
            Ok(holder)
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

    fn holder(run_id: &str, pid: u32) -> LockHolder {
        LockHolder {
            run_id: run_id.to_string(),
            pid,
            host: "build-7".to_string(),
            user: "ada".to_string(),
            command: "up --parallel 4".to_string(),
            started_at: "2025-03-01T12:00:00Z".to_string(),
        }
    }

    #[test]
    fn a_second_holder_is_refused_and_the_error_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let first = Store::open(&path).unwrap();
        let second = Store::open(&path).unwrap(); // another process, in effect
        first.acquire_lock(&holder("run-1", 4242)).unwrap();

        let err = second.acquire_lock(&holder("run-2", 7)).unwrap_err();
        let StateError::Locked { holder: found } = &err else { panic!("expected Locked, got {err:?}") };
        assert_eq!(found, &holder("run-1", 4242));
        let msg = err.to_string();
        for part in ["run-1", "4242", "build-7", "ada", "up --parallel 4", "2025-03-01T12:00:00Z", "`state unlock`"] {
            assert!(msg.contains(part), "message lacks {part:?}: {msg}");
        }
        assert_eq!(second.lock_holder().unwrap(), Some(holder("run-1", 4242)));
    }

    #[test]
    fn the_same_run_may_acquire_again() {
        let store = Store::open_in_memory().unwrap();
        store.acquire_lock(&holder("run-1", 1)).unwrap();
        store.acquire_lock(&holder("run-1", 1)).unwrap();
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
    fn force_unlock_returns_the_holder_and_frees_the_lock() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.force_unlock().unwrap(), None);
        store.acquire_lock(&holder("run-1", 99)).unwrap();
        assert_eq!(store.force_unlock().unwrap(), Some(holder("run-1", 99)));
        assert_eq!(store.lock_holder().unwrap(), None);
        store.acquire_lock(&holder("run-2", 5)).unwrap();
        assert_eq!(store.lock_holder().unwrap().map(|h| h.run_id), Some("run-2".to_string()));
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
