//! `releases` (the releases `up` applied, newest first) and `releases show ID [--release-file]`
//! (one of them; `--release-file` prints its data as the environment's release file, for a
//! rollback), and what `up` records: the program's commit, the app's release data, the plan's
//! hash. Every value printed comes from the state file and is escaped ([`super::terminal`]).

use super::terminal::{escape, json_safe};
use super::App;
use crate::plan::Plan;
use crate::release::{plan_hash, release_file, summary};
use crate::target::Targets;
use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use state::{Release, ReleaseRecord, Store};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(subcommand)]
    pub command: Option<ReleasesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ReleasesCommand {
    /// One release (run id or a unique prefix of it) as JSON.
    Show {
        id: String,
        /// Print only its release data, exactly as the environment's release file
        /// (`programs/releases/<env>.json`): write it where `PLINTH_RELEASES_DIR` points and run
        /// `up` to roll back. Refused for a release that was not applied (verdict not `ok`).
        #[arg(long)]
        release_file: bool,
    },
}

/// The program's commit: `PLINTH_PROGRAM_COMMIT`, else `GITHUB_SHA`, else `git rev-parse HEAD`
/// in `dir` (the current directory when `None`), else `unknown`.
pub fn program_commit(dir: Option<&Path>) -> String {
    let from_env = ["PLINTH_PROGRAM_COMMIT", "GITHUB_SHA"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty());
    from_env.or_else(|| git_head(dir)).unwrap_or_else(|| "unknown".to_string())
}

fn git_head(dir: Option<&Path>) -> Option<String> {
    let mut git = std::process::Command::new("git");
    if let Some(dir) = dir {
        git.arg("-C").arg(dir);
    }
    let out = git.args(["rev-parse", "HEAD"]).stderr(std::process::Stdio::null()).output().ok()?;
    let head = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !head.is_empty()).then_some(head)
}

/// Records on run `run_id` the release `up` applies with `plan` (called once the plan was agreed).
pub fn record(app: &App, store: &Store, run_id: &str, plan: &Plan, targets: Option<&Targets>) -> anyhow::Result<()> {
    let release = ReleaseRecord {
        program_commit: program_commit(app.program_dir.as_deref()),
        data: app.release.clone().unwrap_or(Value::Null),
        plan_hash: plan_hash(plan),
        targets: targets.map(|t| t.names.clone()).unwrap_or_default(),
    };
    store.record_release(run_id, &release)?;
    Ok(())
}

pub fn run(store: &Store, args: &ReleasesArgs) -> anyhow::Result<u8> {
    let releases = store.releases()?;
    match &args.command {
        None if args.format == ListFormat::Json => {
            let all: Vec<Value> = releases.iter().map(to_json).collect();
            println!("{}", json_safe(&serde_json::to_string_pretty(&all)?));
        }
        None => print_table(&releases),
        Some(ReleasesCommand::Show { id, release_file: true }) => {
            print!("{}", json_safe(&release_file(find(&releases, id)?)?))
        }
        Some(ReleasesCommand::Show { id, release_file: false }) => {
            println!("{}", json_safe(&serde_json::to_string_pretty(&to_json(find(&releases, id)?))?))
        }
    }
    Ok(0)
}

/// The release of run `id`, or of the one run whose id starts with `id`.
fn find<'a>(releases: &'a [Release], id: &str) -> anyhow::Result<&'a Release> {
    if let Some(exact) = releases.iter().find(|r| r.run.run_id == id) {
        return Ok(exact);
    }
    let matching: Vec<&Release> = releases.iter().filter(|r| !id.is_empty() && r.run.run_id.starts_with(id)).collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => bail!("no release of run `{}` in state (`releases` lists them)", escape(id)),
        many => bail!("`{}` names {} releases; give more of the run id", escape(id), many.len()),
    }
}

fn verdict(release: &Release) -> &str {
    release.run.result.as_deref().unwrap_or("running")
}

fn to_json(r: &Release) -> Value {
    json!({
        "run_id": r.run.run_id,
        "started_at": r.run.started_at,
        "finished_at": r.run.finished_at,
        "verdict": verdict(r),
        "applied": r.applied(),
        "program_commit": r.release.program_commit,
        "release": r.release.data,
        "plan_hash": r.release.plan_hash,
        "targets": r.release.targets,
    })
}

fn print_table(releases: &[Release]) {
    if releases.is_empty() {
        println!("No releases yet: `up` records one each time it applies a plan.");
        return;
    }
    println!("{:<36}  {:<20}  {:<11}  {:<12}  {:<19}  RELEASE", "RUN", "TIME", "VERDICT", "COMMIT", "PLAN");
    for r in releases {
        let time = r.run.finished_at.as_deref().unwrap_or(&r.run.started_at);
        let commit: String = r.release.program_commit.chars().take(12).collect();
        let hash: String = r.release.plan_hash.chars().take(19).collect();
        let targets = match r.release.targets.as_slice() {
            [] => String::new(),
            names => format!("  (targeted: {})", names.join(", ")),
        };
        let line = format!(
            "{:<36}  {time:<20}  {:<11}  {commit:<12}  {hash:<19}  {}{targets}",
            r.run.run_id,
            verdict(r),
            summary(&r.release.data)
        );
        println!("{}", escape(&line));
    }
}
