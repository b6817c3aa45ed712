//! Moving state between places: `state pull` (remote → a file, checked), `state push` (a file →
//! remote, under the lease, refusing another lineage or an older-or-equal serial unless
//! forced), `state migrate --to` (local ↔ remote, refusing to overwrite a state that holds
//! anything unless forced), and `state unlock` of remote state (its lease).
//!
//! # Guarantees
//! * Every write to the bucket is made under the state's lease and is conditional on the ETag
//!   read under it; the lease is released afterwards, also on failure.
//! * What is written is a consistent copy ([`state::snapshot`]) of a file that opened as a
//!   Plinth state; what is downloaded passed its sha256 check and opens as one.

use super::args::Cli;
use super::files::{location, parse_location, write_private, Location};
use super::remote_session::{bucket, download, lease_timing, take_lease};
use super::signals::Signals;
use super::terminal::escape;
use super::App;
use crate::remote::keeper::unix_now;
use crate::remote::{lease, transfer, ObjectStore, RemoteError, StateUrl};
use anyhow::{bail, Context as _};
use state::{LockHolder, Store};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

/// What a state file holds, in brief.
struct Summary {
    lineage: String,
    serial: i64,
    resources: usize,
    runs: usize,
}

impl Summary {
    fn of_file(path: &Path) -> anyhow::Result<Summary> {
        let store = Store::open_read_only(path).with_context(|| format!("opening state file {}", path.display()))?;
        Ok(Summary {
            lineage: store.lineage()?,
            serial: store.serial()?,
            resources: store.resources()?.len(),
            runs: store.history()?.len(),
        })
    }

    fn of_bytes(bytes: &[u8]) -> anyhow::Result<Summary> {
        let dir = tempfile::Builder::new().prefix("plinth-inspect-").tempdir()?;
        let path = dir.path().join("state.db");
        std::fs::write(&path, bytes)?;
        Summary::of_file(&path)
    }

    fn holds_anything(&self) -> bool {
        self.resources > 0 || self.runs > 0
    }

    fn line(&self) -> String {
        format!("{} resources, {} runs, lineage {}, serial {}", self.resources, self.runs, self.lineage, self.serial)
    }
}

fn remote(app: &App, cli: &Cli, verb: &str) -> anyhow::Result<StateUrl> {
    match location(app, cli)? {
        Location::Remote(url) => Ok(url),
        Location::Local(path) => bail!(
            "`state {verb}` works on remote state, but the state is the file {}: pass --state s3://BUCKET/KEY",
            path.display()
        ),
    }
}

/// `state pull [--out FILE]`.
pub async fn pull(app: &App, cli: &Cli, out: Option<&Path>) -> anyhow::Result<u8> {
    let url = remote(app, cli, "pull")?;
    if out.is_none() && std::io::stdout().is_terminal() {
        bail!("refusing to write a binary state file to the terminal: pass --out FILE or redirect stdout");
    }
    let objects = bucket(app, &url).await?;
    let Some(got) = transfer::download(&*objects, &url).await? else { bail!("there is no state at {url}") };
    let summary = Summary::of_bytes(&got.body).with_context(|| format!("{url} is not a usable Plinth state"))?;
    match out {
        Some(path) => write_private(path, &got.body).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&got.body)?,
    }
    let to = out.map_or("stdout".to_string(), |p| p.display().to_string());
    eprintln!("pulled {url} ({}) to {to}", summary.line());
    Ok(0)
}

/// `state push FILE [--force]`.
pub async fn push(app: &App, cli: &Cli, run_id: &str, file: &Path, force: bool) -> anyhow::Result<u8> {
    let url = remote(app, cli, "push")?;
    let pushed = Summary::of_file(file)?;
    let bytes = state::snapshot(file).with_context(|| format!("reading {}", file.display()))?;
    let objects = bucket(app, &url).await?;
    under_lease(cli, &objects, &url, run_id, "state push", || async {
        let current = transfer::download(&*objects, &url).await?;
        if let Some(current) = &current {
            let there =
                Summary::of_bytes(&current.body).with_context(|| format!("{url} is not a usable Plinth state"))?;
            if there.lineage != pushed.lineage && !force {
                bail!(
                    "{} is another stack's state (lineage {}, {url} has {}): refusing to push it; --force replaces it",
                    file.display(),
                    pushed.lineage,
                    there.lineage
                );
            }
            if pushed.serial <= there.serial && !force {
                bail!(
                    "{} is not newer than {url} (serial {} ≤ {}): refusing to push it; --force replaces it",
                    file.display(),
                    pushed.serial,
                    there.serial
                );
            }
        }
        transfer::upload(&*objects, &url, bytes, current.as_ref().map(|c| c.etag.as_str())).await?;
        eprintln!("pushed {} to {url} ({})", file.display(), pushed.line());
        Ok(0)
    })
    .await
}

/// `state migrate --to PATH|URL [--force]`.
pub async fn migrate(app: &App, cli: &Cli, run_id: &str, to: &str, force: bool) -> anyhow::Result<u8> {
    let from = location(app, cli)?;
    let to = parse_location(to, "--to")?;
    if from == to {
        bail!("the state is already at {to}");
    }
    let bytes = match &from {
        Location::Local(path) => {
            Summary::of_file(path)?;
            state::snapshot(path).with_context(|| format!("reading {}", path.display()))?
        }
        Location::Remote(url) => {
            let objects = bucket(app, url).await?;
            let copy = under_lease(cli, &objects, url, run_id, "state migrate", || download(&*objects, url)).await?;
            if copy.etag.is_none() {
                bail!("there is no state at {url} to migrate");
            }
            std::fs::read(copy.path())?
        }
    };
    let summary = Summary::of_bytes(&bytes).with_context(|| format!("the state at {from} is not usable"))?;
    let refuse = |there: Summary| {
        anyhow::anyhow!("{to} already holds a state ({}): refusing to overwrite it; --force replaces it", there.line())
    };
    match &to {
        Location::Local(path) => {
            if path.exists() && !force {
                let there = Summary::of_file(path).with_context(|| format!("{} exists", path.display()))?;
                if there.holds_anything() {
                    return Err(refuse(there));
                }
            }
            create_private_parent(path)?;
            write_private(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        Location::Remote(url) => {
            let objects = bucket(app, url).await?;
            under_lease(cli, &objects, url, run_id, "state migrate", || async {
                let current = transfer::download(&*objects, url).await?;
                if let (Some(current), false) = (&current, force) {
                    let there = Summary::of_bytes(&current.body)?;
                    if there.holds_anything() {
                        return Err(refuse(there));
                    }
                }
                transfer::upload(&*objects, url, bytes, current.as_ref().map(|c| c.etag.as_str())).await?;
                Ok(())
            })
            .await?;
        }
    }
    eprintln!("migrated the state from {from} to {to} ({}); use `--state {to}` from now on", summary.line());
    Ok(0)
}

/// `state unlock [--force]` of remote state: shows the lease; breaks a live one only with `--force`.
pub async fn unlock(app: &App, url: &StateUrl, force: bool) -> anyhow::Result<u8> {
    let objects = bucket(app, url).await?;
    let key = url.lease_key();
    let Some((etag, body)) =
        lease::current(&*objects, &key).await.map_err(|e| anyhow::anyhow!("{}", escape(&e.to_string())))?
    else {
        println!("the remote state {url} is not locked (it has no lease)");
        return Ok(0);
    };
    let holder = escape(&body.describe()).into_owned();
    let live = body.expires_at > unix_now();
    if live && !force {
        bail!("the lease of {url} is live: it is held by {holder}; its run may still be running. Pass --force only if you know it is not");
    }
    match objects.delete(&key, &etag).await {
        Ok(()) => {}
        Err(RemoteError::PreconditionFailed(_)) => bail!("the lease of {url} changed while unlocking it; look again"),
        Err(e) => return Err(e).with_context(|| format!("deleting the lease of {url}")),
    }
    let how = if live { "broke the live lease" } else { "released the expired lease" };
    println!("{how} of {url}, held by {holder}");
    Ok(0)
}

/// Runs `work` holding the lease of `url` (taking it as `command`, waiting up to
/// `--lock-timeout`); releases the lease afterwards, whatever `work` returned.
async fn under_lease<T, F, Fut>(
    cli: &Cli,
    objects: &Arc<dyn ObjectStore>,
    url: &StateUrl,
    run_id: &str,
    command: &str,
    work: F,
) -> anyhow::Result<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let signals = Signals::install();
    let holder = LockHolder::here(run_id, command);
    let timing = lease_timing()?;
    let mut cancel = signals.cancel.clone();
    let held = take_lease(&**objects, url, &holder, timing, cli.global.lock_timeout, &mut cancel).await?;
    let result = work().await;
    let released = lease::release(&**objects, &held).await;
    let value = result?;
    released.map_err(|e| anyhow::anyhow!("{}", escape(&e.to_string())))?;
    Ok(value)
}

fn create_private_parent(path: &Path) -> anyhow::Result<()> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) else { return Ok(()) };
    let mut dirs = std::fs::DirBuilder::new();
    dirs.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dirs, 0o700);
    dirs.create(parent).with_context(|| format!("creating {}", parent.display()))
}
