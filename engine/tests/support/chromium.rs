//! Headless Chromium for the picture tests: loads a page, returns the DOM after its scripts ran
//! and the console errors it logged, and writes a screenshot. A missing Chromium fails the
//! test (never a skip counted as a pass): `scripts/emulator install` installs the Debian
//! package `chromium`; `PLINTH_CHROMIUM` names another binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The page as Chromium rendered it.
pub struct Rendered {
    pub dom: String,
    /// Lines of Chromium's log that report a script error or a failed load.
    pub errors: Vec<String>,
}

fn binary() -> PathBuf {
    let name = std::env::var("PLINTH_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
        .or_else(|| Some(PathBuf::from(&name)).filter(|p| p.is_absolute() && p.is_file()));
    found.unwrap_or_else(|| {
        panic!("headless Chromium (`{name}`) is not installed: run `scripts/emulator install` (apt-get install chromium) or set PLINTH_CHROMIUM")
    })
}

fn headless(profile: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"])
        .args(["--disable-dev-shm-usage", "--hide-scrollbars", "--allow-file-access-from-files"])
        .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

fn url(page: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", page.canonicalize().unwrap().display())
}

/// Runs `cmd`, killing it after a minute (a hung browser fails the test instead of hanging it).
fn output(mut cmd: Command) -> std::process::Output {
    let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("chromium did not finish within 60 s");
        }
    }
}

/// Loads `page` (with `fragment`, e.g. `#select=vpc`) and returns its DOM after load.
pub fn render(page: &Path, fragment: &str) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = headless(profile.path());
    cmd.args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom"]).arg(url(page, fragment));
    let out = output(cmd);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed on {}: {log}", page.display());
    let errors = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("ERR_FILE_NOT_FOUND"))
        .filter(|l| l.contains("Uncaught") || l.contains("Error") || l.contains("ERR_"))
        .map(str::to_string)
        .collect();
    Rendered { dom: String::from_utf8_lossy(&out.stdout).into_owned(), errors }
}

/// Writes a PNG of `page` to `png` and checks it is a real, non-empty image.
pub fn screenshot(page: &Path, fragment: &str, png: &Path, size: (u32, u32)) {
    std::fs::create_dir_all(png.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(png);
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = headless(profile.path());
    cmd.arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg("--virtual-time-budget=3000")
        .arg(url(page, fragment));
    let out = output(cmd);
    assert!(out.status.success(), "chromium screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 2000, "{} is not a real PNG", png.display());
}

/// Where screenshots go: beside the test build's output, kept after the test.
pub fn shots_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("pictures")
}
