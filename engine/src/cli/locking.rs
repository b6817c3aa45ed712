//! Taking the state lock for a run: a dead same-host holder's lock is taken over (said in one
//! line), a live or remote holder refuses with its details, or, with `--lock-timeout`, is waited
//! for by polling the lock row until it is released, heals, or the timeout passes.

use super::terminal::escape;
use anyhow::bail;
use state::{LockHolder, StateError, Store};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often a waiting run looks at the lock again.
const POLL: Duration = Duration::from_millis(500);

/// Parses `--lock-timeout`: `0`, `90s`, `5m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 30s, 5m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: the unit must be s, m or h")),
    };
    Ok(Duration::from_secs(secs))
}

fn describe(h: &LockHolder) -> String {
    escape(&format!("run {} (`{}`, pid {} on {} since {})", h.run_id, h.command, h.pid, h.host, h.started_at))
        .into_owned()
}

/// Takes the lock for `holder`, waiting up to `timeout` for a live holder to release it; a
/// signal (`cancel`) while waiting stops the wait.
pub async fn acquire(
    store: &Store,
    holder: &LockHolder,
    timeout: Duration,
    cancel: &mut watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut said_waiting = false;
    loop {
        match store.acquire_lock(holder) {
            Ok(None) => return Ok(()),
            Ok(Some(dead)) => {
                tracing::warn!(run = %dead.run_id, pid = dead.pid, "took over the lock of a run that is no longer running");
                eprintln!(
                    "took over the state lock of {}: that process is no longer running; its run is marked abandoned",
                    describe(&dead)
                );
                return Ok(());
            }
            Err(StateError::Locked { holder: current, .. }) if started.elapsed() < timeout => {
                if !said_waiting {
                    eprintln!(
                        "waiting up to {}s for {} to release the state lock…",
                        timeout.as_secs(),
                        describe(&current)
                    );
                    said_waiting = true;
                }
            }
            Err(e @ StateError::Locked { .. }) if !timeout.is_zero() => {
                bail!("gave up waiting after {}s: {}", timeout.as_secs(), escape(&e.to_string()))
            }
            Err(e) => return Err(e.into()),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = cancel.changed() => bail!(super::signals::Interrupted("while waiting for the state lock")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("m").is_err());
    }
}
