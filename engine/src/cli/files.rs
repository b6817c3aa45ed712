//! The files the CLI touches: the state (opened for writing only by verbs that write, read-only
//! otherwise, so a read-only state serves previews and listings and a missing one is never
//! created by a look) and saved plans (0600: they hold the stack's inputs).

use super::args::Cli;
use super::App;
use anyhow::Context as _;
use state::{StateError, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn state_path(app: &App, cli: &Cli) -> PathBuf {
    cli.global.state.clone().unwrap_or_else(|| app.default_state_path())
}

/// The state, for a verb that writes (created, 0600 in a 0700 directory, when missing).
pub fn open_store(app: &App, cli: &Cli) -> anyhow::Result<Store> {
    let path = state_path(app, cli);
    Store::open(&path).with_context(|| format!("opening state file {}", path.display()))
}

/// The state, for a verb that only reads: nothing is created; a missing file is an error that
/// says so.
pub fn open_view(app: &App, cli: &Cli) -> anyhow::Result<Store> {
    let path = state_path(app, cli);
    Store::open_read_only(&path).with_context(|| format!("opening state file {}", path.display()))
}

/// The state for `preview`: a missing file plans as a new stack would (an empty state in
/// memory), and says so; nothing is created.
pub fn open_for_preview(app: &App, cli: &Cli) -> anyhow::Result<Store> {
    let path = state_path(app, cli);
    match Store::open_read_only(&path) {
        Ok(store) => Ok(store),
        Err(StateError::Missing { .. }) => {
            eprintln!(
                "note: no state file at {} yet: previewing as for a new stack (nothing was created)",
                path.display()
            );
            Ok(Store::open_in_memory()?)
        }
        Err(e) => Err(e).with_context(|| format!("opening state file {}", path.display())),
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
