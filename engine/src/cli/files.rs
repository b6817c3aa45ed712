//! The files the CLI touches: the state (opened for writing only by verbs that write, read-only
//! otherwise, so a read-only state serves previews and listings and a missing one is never
//! created by a look; remote state is read from a private downloaded copy) and saved plans
//! (0600: they hold the stack's inputs).

use super::args::Cli;
use super::remote_session::{self, StateCopy};
use super::App;
use crate::remote::StateUrl;
use anyhow::{bail, Context as _};
use state::{StateError, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the state lives: `--state`, else `PLINTH_STATE`, else the environment's own setting
/// ([`App::state`]), else `.plinth/<env>.db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    Remote(StateUrl),
}

/// The state's location; a URL that is not `s3://BUCKET/KEY` is refused here, before any call.
pub fn location(app: &App, cli: &Cli) -> anyhow::Result<Location> {
    match (&cli.global.state, &app.state) {
        (Some(text), _) => parse_location(text, "--state (or PLINTH_STATE)"),
        (None, Some(text)) => parse_location(text, "the environment's state setting"),
        (None, None) => Ok(Location::Local(app.default_state_path())),
    }
}

/// A path, or an `s3://BUCKET/KEY` URL (`from` names where the text came from, for the error).
pub fn parse_location(text: &str, from: &str) -> anyhow::Result<Location> {
    if StateUrl::is_url(text) {
        let url = StateUrl::parse(text).with_context(|| format!("{from} is not a state location"))?;
        return Ok(Location::Remote(url));
    }
    Ok(Location::Local(PathBuf::from(text)))
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::Remote(url) => write!(f, "{url}"),
        }
    }
}

/// An open state: a local file, or a private downloaded copy of a remote one (removed on drop,
/// never uploaded: only a [`remote_session::Session`] uploads).
pub struct Opened {
    store: Store,
    _copy: Option<StateCopy>,
}

impl Opened {
    pub fn local(store: Store) -> Opened {
        Opened { store, _copy: None }
    }

    pub fn copy(store: Store, copy: StateCopy) -> Opened {
        Opened { store, _copy: Some(copy) }
    }
}

impl std::ops::Deref for Opened {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

/// The state, for a local verb that writes (created, 0600 in a 0700 directory, when missing).
/// Remote state is written only through a [`remote_session::Session`].
pub fn open_store(path: &Path) -> anyhow::Result<Store> {
    Store::open(path).with_context(|| format!("opening state file {}", path.display()))
}

/// The state, for a verb that only reads: nothing is created; a missing state is an error that
/// says so. Remote state is downloaded (checked) into a private copy; no lease is taken.
pub async fn open_view(app: &App, cli: &Cli) -> anyhow::Result<Opened> {
    match location(app, cli)? {
        Location::Local(path) => {
            let store =
                Store::open_read_only(&path).with_context(|| format!("opening state file {}", path.display()))?;
            Ok(Opened::local(store))
        }
        Location::Remote(url) => match remote_session::download_for_reading(app, &url).await? {
            Some(copy) => copy.open_read_only(),
            None => bail!("there is no state at {url} yet (nothing was created)"),
        },
    }
}

/// The state for `preview`: a missing state plans as a new stack would (an empty state in
/// memory), and says so; nothing is created.
pub async fn open_for_preview(app: &App, cli: &Cli) -> anyhow::Result<Opened> {
    let missing = |at: &dyn std::fmt::Display| {
        eprintln!("note: no state at {at} yet: previewing as for a new stack (nothing was created)");
        Ok(Opened::local(Store::open_in_memory()?))
    };
    match location(app, cli)? {
        Location::Local(path) => match Store::open_read_only(&path) {
            Ok(store) => Ok(Opened::local(store)),
            Err(StateError::Missing { .. }) => missing(&path.display()),
            Err(e) => Err(e).with_context(|| format!("opening state file {}", path.display())),
        },
        Location::Remote(url) => match remote_session::download_for_reading(app, &url).await? {
            Some(copy) => copy.open_read_only(),
            None => missing(&url),
        },
    }
}

/// The state a saved plan is pinned to (`preview --out`): a local file is created when missing;
/// a remote state must exist (a lineage made up here would never match the one `up` creates).
pub async fn open_for_saved_plan(app: &App, cli: &Cli) -> anyhow::Result<Opened> {
    match location(app, cli)? {
        Location::Local(path) => Ok(Opened::local(open_store(&path)?)),
        Location::Remote(url) => match remote_session::download_for_reading(app, &url).await? {
            Some(copy) => copy.open_read_only(),
            None => bail!("there is no state at {url} yet: a saved plan is pinned to a state; run `up` first"),
        },
    }
}

/// Writes `bytes` to `path` readable by its owner only (0600), replacing it atomically: a temp
/// file (0600 from its creation) beside it, then a rename.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_even_when_replacing_a_wider_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left");
    }
}
