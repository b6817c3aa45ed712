//! Remote state in the CLI (`--state s3://BUCKET/KEY`): the bucket, the private copy a verb
//! works on, and the session of a verb that writes.
//!
//! A verb that only reads downloads the state (sha256 checked) into a private temporary
//! directory (0700, the file 0600) and opens it there; it takes no lease and uploads nothing.
//! A verb that writes opens a [`Session`]: it takes the lease first (waiting up to
//! `--lock-timeout`, taking over an expired one and saying whose it was), THEN downloads, so what
//! it reads is the newest state; a [`Keeper`] renews the lease and uploads every commit while the
//! run lasts; [`Session::finish`] uploads the final state and releases the lease.
//!
//! # The lock row inside the file
//! The lease is the lock of remote state. The run still takes the state's own lock row in its
//! copy (the verbs are the same as for local state), and releases it before the final upload.
//! A run killed mid-way leaves its lock row in the last upload: the next run, once it holds the
//! lease (so the killed run's lease expired or was released), clears that row, marks the dead
//! run abandoned in the history and says so. A stale in-file lock never blocks a remote runner.
//!
//! # Guarantees
//! * The account is checked (STS) before the bucket is touched: the bucket client is built
//!   from the same connection as everything else ([`super::App::objects`]).
//! * Nothing is uploaded by a verb that did not take the lease; every upload is conditional on
//!   the ETag this run last saw.
//! * When the session cannot start after the lease was taken, the lease is released.

use super::files::{Location, Opened};
use super::signals::Interrupted;
use super::terminal::escape;
use super::App;
use crate::remote::keeper::{unix_now, Held, Keeper, KeeperError, Timing};
use crate::remote::lease::{self, Lease, LeaseError, Taken};
use crate::remote::transfer::{self, TransferError};
use crate::remote::{ObjectStore, StateUrl};
use anyhow::{bail, Context as _};
use state::{LockHolder, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often a run waiting for the lease looks at it again.
const LEASE_POLL: Duration = Duration::from_secs(1);

/// The environment variable that shortens (or lengthens) the lease, in whole seconds.
pub const LEASE_TTL_VAR: &str = "PLINTH_LEASE_TTL";

/// The lease's timing: [`lease::TTL`] unless `PLINTH_LEASE_TTL` says otherwise (at least 3 s,
/// so a renewal every third of it stays meaningful at the lease's one-second resolution).
pub fn lease_timing() -> anyhow::Result<Timing> {
    let ttl = match std::env::var(LEASE_TTL_VAR) {
        Err(_) => lease::TTL,
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(secs) if secs >= 3 => Duration::from_secs(secs),
            _ => bail!("{LEASE_TTL_VAR}=`{}` is not a whole number of seconds, at least 3", escape(&text)),
        },
    };
    Ok(Timing::for_ttl(ttl))
}

/// The bucket holding `url`, after the account check.
pub async fn bucket(app: &App, url: &StateUrl) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let Some(objects) = &app.objects else {
        bail!("this binary cannot reach a bucket: remote state ({url}) is not available here")
    };
    let cx = super::run::connect(app, None, false).await?;
    objects(cx, url.bucket.clone()).await.with_context(|| format!("connecting to the bucket of {url}"))
}

/// A private copy of a remote state: a 0700 temporary directory (removed on drop) holding the
/// file (0600) and the ETag of the object it came from.
pub struct StateCopy {
    dir: tempfile::TempDir,
    pub etag: Option<String>,
}

impl StateCopy {
    /// The copy's file (absent while there was no state to download and nothing opened it).
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    /// Opens the copy for reading only.
    pub fn open_read_only(self) -> anyhow::Result<Opened> {
        let store = Store::open_read_only(&self.path()).context("opening the downloaded state")?;
        Ok(Opened::copy(store, self))
    }
}

/// Downloads the state at `url` into a private copy (an empty copy when there is none).
pub async fn download(objects: &dyn ObjectStore, url: &StateUrl) -> anyhow::Result<StateCopy> {
    let dir = tempfile::Builder::new().prefix("plinth-state-").tempdir().context("creating a temporary directory")?;
    private_dir(dir.path())?;
    let mut copy = StateCopy { dir, etag: None };
    if let Some(got) = transfer::download(objects, url).await? {
        let path = copy.path();
        write_new_private(&path, &got.body).with_context(|| format!("writing {}", path.display()))?;
        copy.etag = Some(got.etag);
    }
    Ok(copy)
}

/// For a verb that only reads: the copy, or `None` when there is no state at `url` yet.
pub async fn download_for_reading(app: &App, url: &StateUrl) -> anyhow::Result<Option<StateCopy>> {
    let objects = bucket(app, url).await?;
    let copy = download(&*objects, url).await?;
    Ok(copy.etag.is_some().then_some(copy))
}

fn private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    Ok(())
}

fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Takes the lease of `url` for `holder`, waiting up to `timeout` for a live holder; an expired
/// lease is taken over (said in one line); a signal while waiting stops the wait.
pub async fn take_lease(
    objects: &dyn ObjectStore,
    url: &StateUrl,
    holder: &LockHolder,
    timing: Timing,
    timeout: Duration,
    cancel: &mut watch::Receiver<bool>,
) -> anyhow::Result<Lease> {
    let started = Instant::now();
    let mut said_waiting = false;
    loop {
        match lease::acquire(objects, &url.lease_key(), holder, timing.ttl, unix_now()).await {
            Ok(Taken::Fresh(lease)) => return Ok(lease),
            Ok(Taken::TookOver { lease, previous }) => {
                let whose = escape(&previous.describe()).into_owned();
                tracing::warn!(previous = %whose, "took over an expired lease");
                eprintln!("took over the expired lease of {url}: it was held by {whose}");
                return Ok(lease);
            }
            Err(LeaseError::Held(body)) if started.elapsed() < timeout => {
                if !said_waiting {
                    let whose = escape(&body.describe()).into_owned();
                    eprintln!("waiting up to {}s for the lease of {url}, held by {whose}…", timeout.as_secs());
                    said_waiting = true;
                }
            }
            Err(e @ LeaseError::Held(_)) if !timeout.is_zero() => {
                bail!("gave up waiting after {}s: {}", timeout.as_secs(), escape(&e.to_string()))
            }
            Err(e) => bail!("{}", escape(&e.to_string())),
        }
        tokio::select! {
            _ = tokio::time::sleep(LEASE_POLL) => {}
            _ = cancel.changed() => bail!(Interrupted("while waiting for the remote state's lease")),
        }
    }
}

/// The state of a verb that writes: a local file, or a remote state's copy under the lease,
/// looked after by a [`Keeper`].
pub struct Session {
    opened: Opened,
    remote: Option<RemoteRun>,
}

struct RemoteRun {
    keeper: Keeper,
    url: StateUrl,
    run_id: String,
    /// The copy's file, kept beside the working directory if its final upload fails.
    path: PathBuf,
}

impl std::ops::Deref for Session {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.opened
    }
}

impl Session {
    /// Opens the state for a verb that writes. Remote: lease first (`cancel` stops a wait), then
    /// download, then the keeper.
    pub async fn begin(
        app: &App,
        location: Location,
        holder: &LockHolder,
        timeout: Duration,
        cancel: &mut watch::Receiver<bool>,
    ) -> anyhow::Result<Session> {
        let url = match location {
            Location::Local(path) => {
                return Ok(Session { opened: Opened::local(super::files::open_store(&path)?), remote: None })
            }
            Location::Remote(url) => url,
        };
        let objects = bucket(app, &url).await?;
        let timing = lease_timing()?;
        let lease = take_lease(&*objects, &url, holder, timing, timeout, cancel).await?;
        match start_remote(objects.clone(), &url, lease.clone(), timing, &holder.run_id).await {
            Ok(session) => Ok(session),
            Err(e) => {
                if let Err(release) = lease::release(&*objects, &lease).await {
                    tracing::warn!(error = %release, "could not release the lease after a failed start");
                }
                Err(e)
            }
        }
    }

    /// Flips when the keeper stopped (lease lost, stale upload); `None` for local state.
    pub fn failed(&self) -> Option<watch::Receiver<bool>> {
        self.remote.as_ref().map(|r| r.keeper.failed())
    }

    /// What apply awaits before each cloud call so that the journal row is in the bucket first
    /// (`None` for local state).
    pub fn durable(&self) -> Option<crate::apply::Durable> {
        let flusher = self.remote.as_ref()?.keeper.flusher();
        Some(Arc::new(move || {
            let flusher = flusher.clone();
            Box::pin(async move { flusher.flush().await })
        }))
    }

    /// `cancel`, also flipped when the keeper stops: the run stops launching work.
    pub fn stop_on_failure(&self, cancel: watch::Receiver<bool>) -> watch::Receiver<bool> {
        match self.failed() {
            Some(failed) => either(cancel, failed),
            None => cancel,
        }
    }

    /// Ends the session after the verb's `outcome`: remote, the final upload and the lease's
    /// release. A keeper failure wins over the outcome (the run must fail loudly); an outcome
    /// error that it hides is logged.
    pub async fn finish<T>(self, outcome: anyhow::Result<T>) -> anyhow::Result<T> {
        let Some(remote) = self.remote else { return outcome };
        let finished = remote.keeper.finish().await;
        let Err(e) = finished else { return outcome };
        if let Err(hidden) = &outcome {
            tracing::error!(error = %format!("{hidden:#}"), "the run also failed");
            eprintln!("error: {}", escape(&format!("{hidden:#}")));
        }
        let keep = matches!(e, KeeperError::Transfer(TransferError::Remote { .. }) | KeeperError::RenewFailed { .. });
        let saved = if keep { save_unsent(&remote.path, &remote.run_id) } else { None };
        let advice = match saved {
            Some(file) => {
                format!("; the run's state was kept in {file}: once the bucket answers, `state push {file}` uploads it")
            }
            None => String::new(),
        };
        Err(anyhow::Error::from(e).context(format!("remote state {}{advice}", remote.url)))
    }
}

async fn start_remote(
    objects: Arc<dyn ObjectStore>,
    url: &StateUrl,
    lease: Lease,
    timing: Timing,
    run_id: &str,
) -> anyhow::Result<Session> {
    let copy = download(&*objects, url).await?;
    let path = copy.path();
    let store = super::files::open_store(&path)?;
    clear_dead_lock(&store)?;
    let held = Held { objects, url: url.clone(), path: path.clone(), lease, etag: copy.etag.clone() };
    let keeper = Keeper::start(held, timing)?;
    let remote = RemoteRun { keeper, url: url.clone(), run_id: run_id.to_string(), path };
    Ok(Session { opened: Opened::copy(store, copy), remote: Some(remote) })
}

/// Clears the lock row a run that died left in the uploaded state: this run holds the lease,
/// so that run no longer runs (see the module docs).
fn clear_dead_lock(store: &Store) -> anyhow::Result<()> {
    if let Some(dead) = store.unlock(true)? {
        let line = format!(
            "the remote state carried the lock of run {} (`{}`, pid {} on {}, since {}), which ended without \
             releasing it; its lease is gone, so the lock was cleared and that run marked abandoned",
            dead.run_id, dead.command, dead.pid, dead.host, dead.started_at
        );
        tracing::warn!("{}", escape(&line));
        eprintln!("note: {}", escape(&line));
    }
    Ok(())
}

/// Keeps a copy of a state whose final upload failed in the working directory; its name.
fn save_unsent(path: &Path, run_id: &str) -> Option<String> {
    let bytes = state::snapshot(path).ok()?;
    let file = format!("plinth-unsent-{run_id}.db");
    super::files::write_private(Path::new(&file), &bytes).ok()?;
    Some(file)
}

/// A receiver that flips when either does.
fn either(mut a: watch::Receiver<bool>, mut b: watch::Receiver<bool>) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(*a.borrow() || *b.borrow());
    tokio::spawn(async move {
        let (a_first, ok) = tokio::select! {
            r = a.wait_for(|v| *v) => (true, r.is_ok()),
            r = b.wait_for(|v| *v) => (false, r.is_ok()),
        };
        // A sender dropped without flipping never flips: then wait on the other one only.
        let flipped = ok || if a_first { b.wait_for(|v| *v).await.is_ok() } else { a.wait_for(|v| *v).await.is_ok() };
        if flipped {
            let _ = tx.send(true);
        }
    });
    rx
}
