//! The local program's binary as a user runs it, for the trials: its own state file, the endpoint
//! (a proxy) in `AWS_ENDPOINT_URL`, output captured to files (so a killed process leaves what it
//! printed), and a deadline on every run.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long one verb may run before the trial calls it hung (a clean local `up` takes seconds).
pub const RUN_DEADLINE: Duration = Duration::from_secs(240);

/// One finished run.
#[derive(Clone, Debug)]
pub struct Run {
    pub verb: String,
    /// The exit code; `None` if killed by a signal or past [`RUN_DEADLINE`].
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The last `n` lines of stderr, for failure messages.
    pub fn tail(&self, n: usize) -> String {
        let lines: Vec<&str> = self.stderr.lines().chain(self.stdout.lines()).collect();
        lines[lines.len().saturating_sub(n)..].join("\n    ")
    }
}

/// The local binary with one state file (in its own temp dir) against one endpoint.
pub struct Local {
    bin: PathBuf,
    endpoint: String,
    dir: tempfile::TempDir,
    runs: usize,
}

/// A run in progress.
pub struct Running {
    child: Child,
    verb: String,
    out: PathBuf,
    err: PathBuf,
    started: Instant,
}

impl Local {
    /// `bin` is `env!("CARGO_BIN_EXE_plinth-local")` of the calling test.
    pub fn new(bin: &str, endpoint: String) -> Local {
        let dir = tempfile::Builder::new().prefix("plinth-trial-").tempdir().expect("temp dir for a trial");
        Local { bin: PathBuf::from(bin), endpoint, dir, runs: 0 }
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("local.db")
    }

    /// Starts `args` (plus `--state`); 2 attempts per call, as the other e2e tests.
    pub fn spawn(&mut self, args: &[&str]) -> Running {
        self.runs += 1;
        let out = self.dir.path().join(format!("run{}.out", self.runs));
        let err = self.dir.path().join(format!("run{}.err", self.runs));
        let child = Command::new(&self.bin)
            .args(args)
            .arg("--state")
            .arg(self.state())
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("PLINTH_MAX_ATTEMPTS", "2")
            // Shorter SDK timeouts against the local emulator (still long enough for a loaded CI
            // machine): recovery waits out twice the whole-call timeout (40 s) before it may
            // conclude an interrupted create never happened.
            .env("PLINTH_ATTEMPT_TIMEOUT", "15")
            .env("PLINTH_OPERATION_TIMEOUT", "20")
            .stdin(Stdio::null())
            .stdout(File::create(&out).expect("trial stdout file"))
            .stderr(File::create(&err).expect("trial stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.bin.display()));
        Running { child, verb: args.join(" "), out, err, started: Instant::now() }
    }

    /// Runs `args` to completion (killed past [`RUN_DEADLINE`]).
    pub fn run(&mut self, args: &[&str]) -> Run {
        self.spawn(args).wait(RUN_DEADLINE)
    }
}

impl Running {
    /// Whether the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for the exit (polling its status) at most `deadline`, then kills it.
    pub fn wait(mut self, deadline: Duration) -> Run {
        let status = loop {
            if let Some(status) = self.exited() {
                break Some(status);
            }
            if self.started.elapsed() >= deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if status.is_none() {
            self.kill();
        }
        let mut run = self.finish(status.and_then(|s| s.code()));
        if status.is_none() {
            run.stderr.push_str(&format!("\n(still running after {deadline:?}: killed)"));
        }
        run
    }

    /// SIGKILL (`Child::kill` on Unix), then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the process with SIGKILL and returns what it printed.
    pub fn kill_now(mut self) -> Run {
        self.kill();
        self.finish(None)
    }

    fn finish(&self, code: Option<i32>) -> Run {
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        Run {
            verb: self.verb.clone(),
            code,
            stdout: read(&self.out),
            stderr: read(&self.err),
            elapsed: self.started.elapsed(),
        }
    }
}
