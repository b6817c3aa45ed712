//! `--timings [PATH]` of `up`, `destroy` and `refresh`: where the run's HTML timeline goes and
//! writing it. Without PATH it goes to `.plinth/timings/plinth-timing-<run id>.html` and is
//! copied to `.plinth/timings/plinth-timing.html` (the latest run), as cargo does.

use crate::timings::{html, Recording, Timeline};
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// The default folder, beside the default state file.
pub const DIR: &str = ".plinth/timings";

/// Where a run's timeline is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingsOut {
    pub path: PathBuf,
    /// A stable copy of the newest run's page (default location only).
    pub latest: Option<PathBuf>,
    pub title: String,
}

impl TimingsOut {
    /// `--timings` as given (`None`: not asked; `Some(None)`: the default location).
    pub fn from_arg(arg: &Option<Option<PathBuf>>, run_id: &str, title: String) -> Option<TimingsOut> {
        let path = arg.as_ref()?;
        Some(match path {
            Some(path) => TimingsOut { path: path.clone(), latest: None, title },
            None => TimingsOut {
                path: Path::new(DIR).join(format!("plinth-timing-{run_id}.html")),
                latest: Some(Path::new(DIR).join("plinth-timing.html")),
                title,
            },
        })
    }

    /// Renders `recording` and writes the page (and the latest copy), saying where on stderr.
    pub fn write(&self, recording: &Recording) -> anyhow::Result<()> {
        let page = html::page_for(&self.title, &Timeline::new(recording));
        for path in std::iter::once(&self.path).chain(&self.latest) {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            std::fs::write(path, &page).with_context(|| format!("writing the timings to {}", path.display()))?;
        }
        eprintln!("timings: {} operations, written to {}", recording.ops.len(), self.path.display());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_location_is_per_run_with_a_latest_copy() {
        let out = TimingsOut::from_arg(&Some(None), "r1", "t".into()).unwrap();
        assert_eq!(out.path, Path::new(".plinth/timings/plinth-timing-r1.html"));
        assert_eq!(out.latest.as_deref(), Some(Path::new(".plinth/timings/plinth-timing.html")));
        let given = TimingsOut::from_arg(&Some(Some("run.html".into())), "r1", "t".into()).unwrap();
        assert_eq!((given.path, given.latest), (PathBuf::from("run.html"), None));
        assert_eq!(TimingsOut::from_arg(&None, "r1", "t".into()), None);
    }

    #[test]
    fn writing_creates_the_folder_and_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/run.html");
        let latest = dir.path().join("a/latest.html");
        let out = TimingsOut { path: path.clone(), latest: Some(latest.clone()), title: "plinth up".into() };
        out.write(&Recording::default()).unwrap();
        let page = std::fs::read_to_string(&path).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("plinth up"));
        assert_eq!(std::fs::read_to_string(&latest).unwrap(), page);
    }
}
