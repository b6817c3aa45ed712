//! The README's first command on a machine where nothing answers at the local endpoint: the
//! `local` binary starts the emulator through `scripts/emulator start`, says so, and deploys.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Stops the emulator this test started, whatever happens.
struct Stop {
    port: u16,
    dir: PathBuf,
}

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = emulator_script(&self.dir, self.port).arg("stop").status();
    }
}

fn emulator_script(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(e2e::repo_root().join("scripts/emulator"));
    cmd.env("PLINTH_EMULATOR_PORT", port.to_string()).env("PLINTH_EMULATOR_DIR", dir);
    cmd
}

#[test]
fn local_up_starts_the_emulator_when_nothing_answers() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let _stop = Stop { port, dir: dir.path().to_path_buf() };
    let out = Command::new(env!("CARGO_BIN_EXE_plinth-local"))
        .args(["up", "--yes", "--state"])
        .arg(dir.path().join("local.db"))
        .env_remove("AWS_ENDPOINT_URL")
        .env("PLINTH_EMULATOR_PORT", port.to_string())
        .env("PLINTH_EMULATOR_DIR", dir.path())
        .env("PLINTH_MAX_ATTEMPTS", "2")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("nothing answers on 127.0.0.1:{port}; starting the emulator")), "{stderr}");
    let status = emulator_script(dir.path(), port).arg("status").status().unwrap();
    assert!(status.success(), "the emulator it started is running");
    let again = Command::new(env!("CARGO_BIN_EXE_plinth-local"))
        .args(["preview", "--detailed-exitcode", "--refresh", "--state"])
        .arg(dir.path().join("local.db"))
        .env_remove("AWS_ENDPOINT_URL")
        .env("PLINTH_EMULATOR_PORT", port.to_string())
        .env("PLINTH_EMULATOR_DIR", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "the running emulator is reused and holds the deployment: {stderr}");
    assert!(!stderr.contains("starting the emulator"), "{stderr}");
}
