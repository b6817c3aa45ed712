//! Ctrl-C and SIGTERM for the verbs that change the cloud.
//!
//! # Guarantees
//! * The first SIGINT or SIGTERM flips the cancel flag: nothing more is launched; calls in flight
//!   get [`GRACE`] to finish, then the run gives up on them ([`Signals::grace_over`]): their
//!   journal rows stay (their outcome is unknown), the lock is released, the exit code is 130.
//! * A second signal exits the process at once with 130; the lock it leaves heals on the next
//!   run (its holder is no longer running) and the journal rows are resolved then.
//!
//! # Why 5 seconds
//! A cancelled GitHub Actions job gets SIGINT, then SIGTERM 7.5 s later and SIGKILL 2.5 s after
//! that. Giving up on in-flight calls 5 s after the first signal leaves time to write state and
//! release the lock well before the SIGTERM, while most AWS calls (well under a second) finish.

use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long calls in flight may run after the first signal before they are abandoned.
pub const GRACE: Duration = Duration::from_secs(5);

/// Exit code of a run stopped by a signal.
pub const EXIT_INTERRUPTED: u8 = 130;

/// A run stopped by a signal before it changed anything (or while it waited).
#[derive(Debug, thiserror::Error)]
#[error("interrupted {0}: nothing was changed")]
pub struct Interrupted(pub &'static str);

/// The signal handler of one run; stops handling when dropped.
pub struct Signals {
    pub cancel: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl Signals {
    /// Installs the handler.
    pub fn install() -> Signals {
        let (tx, cancel) = watch::channel(false);
        // Registered now, not when the task first runs: no signal can slip in between.
        let mut listener = Listener::new();
        let task = tokio::spawn(async move {
            listener.next().await;
            eprintln!(
                "interrupted: launching nothing more; calls in flight have {}s to finish (interrupt again to exit at once)",
                GRACE.as_secs()
            );
            let _ = tx.send(true);
            listener.next().await;
            eprintln!("interrupted again: exiting now; the next run resolves what was in flight");
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        });
        Signals { cancel, task }
    }

    /// Resolves [`GRACE`] after the first signal (never, without one).
    pub async fn grace_over(&self) {
        let mut cancel = self.cancel.clone();
        if cancel.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(GRACE).await;
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere).
struct Listener {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Listener {
    fn new() -> Listener {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = signal(SignalKind::interrupt()).ok().zip(signal(SignalKind::terminate()).ok());
            Listener { streams }
        }
        #[cfg(not(unix))]
        Listener {}
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some((int, term)) = &mut self.streams {
            tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
