//! Whether the process that holds the lock still runs: the host it ran on, its pid, the start
//! time the kernel gave that pid, and the boot and pid namespace it lived in.
//!
//! # Guarantees
//! * [`Liveness::NotRunning`] is answered only when it is certain: same host name, same pid
//!   namespace (not another container sharing the host name), and either the machine rebooted
//!   since, or `/proc/<pid>` is gone, a zombie, or belongs to a process started at another time
//!   (the pid was reused).
//! * Anything Plinth cannot check (another host, another container, no `/proc`, an old lock row
//!   without a start time whose pid is in use) is [`Liveness::OtherHost`] or
//!   [`Liveness::Unknown`], which callers treat as alive.
//!
//! # Assumptions
//! Linux `/proc`; elsewhere every holder is `Unknown` (never taken over automatically).

use crate::lock::LockHolder;

/// What can be said about a lock holder from this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// The holder's process is running here.
    Running,
    /// The holder's process is certainly gone.
    NotRunning,
    /// The holder ran on another host or in another container: it cannot be checked from here.
    OtherHost,
    /// This host cannot tell (no `/proc`, or an old lock row without a start time).
    Unknown,
}

impl Liveness {
    /// How a refusal describes the holder.
    pub fn describe(self) -> &'static str {
        match self {
            Liveness::Running => "which is still running",
            Liveness::NotRunning => "which is no longer running",
            Liveness::OtherHost => "on another host or container, where Plinth cannot check whether it still runs",
            Liveness::Unknown => "which Plinth cannot check on this system",
        }
    }
}

/// This host's name.
pub(crate) fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .or_else(|| first_env(&["HOSTNAME", "COMPUTERNAME"]))
        .unwrap_or_else(|| "unknown".to_string())
}

pub(crate) fn first_env(names: &[&str]) -> Option<String> {
    names.iter().filter_map(|n| std::env::var(n).ok()).map(|v| v.trim().to_string()).find(|v| !v.is_empty())
}

/// The kernel's start time of `pid` (clock ticks since boot, field 22 of `/proc/<pid>/stat`),
/// `None` when there is no such process or it is a zombie.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (the state), so field 22 is fields[19].
    if matches!(fields.first(), Some(&"Z") | Some(&"X") | Some(&"x")) {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// `<boot id>/<pid namespace>`: two processes can compare pids only when these are equal.
pub fn pid_scope() -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let ns = std::fs::read_link("/proc/self/ns/pid").ok()?;
    Some(format!("{}/{}", boot.trim(), ns.display()))
}

/// Whether `holder` still runs, as far as this host can tell.
pub fn liveness(holder: &LockHolder) -> Liveness {
    if holder.host != hostname() {
        return Liveness::OtherHost;
    }
    let Some(here) = pid_scope() else { return Liveness::Unknown };
    if let Some(theirs) = &holder.pid_scope {
        let (their_boot, their_ns) = theirs.split_once('/').unwrap_or((theirs, ""));
        let (boot, ns) = here.split_once('/').unwrap_or((&here, ""));
        if their_boot != boot {
            return Liveness::NotRunning; // the machine rebooted since the lock was taken
        }
        if their_ns != ns {
            return Liveness::OtherHost;
        }
    }
    match (start_time(holder.pid), holder.pid_start) {
        (None, _) => Liveness::NotRunning,
        (Some(now), Some(then)) if now != then => Liveness::NotRunning,
        (Some(_), Some(_)) => Liveness::Running,
        (Some(_), None) => Liveness::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> LockHolder {
        LockHolder::here("run-1", "up")
    }

    #[test]
    fn this_process_is_running_and_has_a_start_time() {
        let h = me();
        assert!(h.pid_start.is_some() && h.pid_scope.is_some(), "{h:?}");
        assert_eq!(liveness(&h), Liveness::Running);
    }

    #[test]
    fn a_dead_process_is_not_running() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let h = LockHolder { pid: child.id(), pid_start: start_time(child.id()), ..me() };
        assert_eq!(liveness(&h), Liveness::Running);
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(liveness(&h), Liveness::NotRunning);
    }

    #[test]
    fn a_reused_pid_is_not_the_holder() {
        let h = LockHolder { pid_start: me().pid_start.map(|t| t + 1), ..me() };
        assert_eq!(liveness(&h), Liveness::NotRunning);
    }

    #[test]
    fn another_host_another_container_or_an_old_row_cannot_be_checked() {
        assert_eq!(liveness(&LockHolder { host: "elsewhere".into(), ..me() }), Liveness::OtherHost);
        let boot = pid_scope().unwrap().split_once('/').unwrap().0.to_string();
        let other_ns = LockHolder { pid_scope: Some(format!("{boot}/pid:[1]")), ..me() };
        assert_eq!(liveness(&other_ns), Liveness::OtherHost);
        assert_eq!(liveness(&LockHolder { pid_start: None, pid_scope: None, ..me() }), Liveness::Unknown);
    }

    #[test]
    fn a_lock_from_before_a_reboot_is_not_running() {
        let h = LockHolder { pid_scope: Some("another-boot/pid:[4026531836]".into()), ..me() };
        assert_eq!(liveness(&h), Liveness::NotRunning);
    }
}
