//! The command line, the same for every environment's binary.

use super::targeting::TargetArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(about = "Plinth: infrastructure as ordinary Rust", version)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// State file, or remote state as `s3://BUCKET/KEY` (default: the environment's setting,
    /// else `.plinth/<env>.db`).
    #[arg(long, global = true, env = "PLINTH_STATE", value_name = "PATH|s3://BUCKET/KEY")]
    pub state: Option<String>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// How long `up`, `destroy`, `drift --fix` and `refresh --yes` wait for another run's lock
    /// (e.g. `30s`, `5m`; default 0: refuse at once).
    #[arg(long, global = true, value_name = "DUR", value_parser = super::locking::parse_duration, default_value = "0")]
    pub lock_timeout: std::time::Duration,
    /// More logging (-v info and the full error chain, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    /// A static picture: columns by dependency depth, boxes per service.
    Svg,
    /// An interactive page: pan, zoom, hover for details, click to highlight a closure.
    Html,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what `up` would do.
    Preview {
        /// Read the live cloud first, so out-of-band changes show as changes to undo.
        #[arg(long)]
        refresh: bool,
        /// Most batched reads in flight at once (with `--refresh`).
        #[arg(long, default_value_t = 10)]
        parallel: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit 2 when there are changes, 0 when there are none.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Save the plan, for `up --plan` to apply exactly it.
        #[arg(long, value_name = "PLAN")]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        targets: TargetArgs,
    },
    /// Create, update and delete cloud objects until they match the program.
    Up {
        /// Apply without asking (required without a terminal).
        #[arg(long)]
        yes: bool,
        /// Most operations in flight at once.
        #[arg(long, default_value_t = 10)]
        parallel: usize,
        /// Read the live cloud first and converge it back to the program.
        #[arg(long, conflicts_with = "plan")]
        refresh: bool,
        /// Apply a plan saved by `preview --out`, refusing if anything moved since.
        #[arg(long, value_name = "PLAN")]
        plan: Option<std::path::PathBuf>,
        /// Allow replacing this stateful resource (database, cache, bucket, secret); repeatable.
        #[arg(long, value_name = "NAME")]
        allow_replace: Vec<String>,
        /// Allow deleting this stateful resource; repeatable.
        #[arg(long, value_name = "NAME")]
        allow_delete: Vec<String>,
        /// Write an HTML timeline of the run to PATH (default
        /// `.plinth/timings/plinth-timing-<run id>.html`, copied to `.plinth/timings/plinth-timing.html`).
        #[arg(long, value_name = "PATH", num_args = 0..=1)]
        timings: Option<Option<PathBuf>>,
        #[command(flatten)]
        targets: TargetArgs,
    },
    /// Delete every object of the stack (with `--target`: those and what depends on them).
    Destroy {
        #[arg(long)]
        yes: bool,
        #[arg(long, default_value_t = 10)]
        parallel: usize,
        /// Write an HTML timeline of the run to PATH (default
        /// `.plinth/timings/plinth-timing-<run id>.html`, copied to `.plinth/timings/plinth-timing.html`).
        #[arg(long, value_name = "PATH", num_args = 0..=1)]
        timings: Option<Option<PathBuf>>,
        #[command(flatten)]
        targets: TargetArgs,
    },
    /// Read every resource from the cloud and report what changed or vanished.
    Refresh {
        /// Write what was read into state.
        #[arg(long)]
        yes: bool,
        /// Most batched reads in flight at once (a kind's objects are read in batches where its
        /// API describes many at once).
        #[arg(long, default_value_t = 10)]
        parallel: usize,
        /// Write an HTML timeline of the run to PATH (default
        /// `.plinth/timings/plinth-timing-<run id>.html`, copied to `.plinth/timings/plinth-timing.html`).
        #[arg(long, value_name = "PATH", num_args = 0..=1)]
        timings: Option<Option<PathBuf>>,
    },
    /// Read the cloud and report what changed outside Plinth (exit 2 when anything drifted);
    /// `--fix` converges it back to the program, like `up --refresh`.
    Drift {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Converge drifted resources back to the program.
        #[arg(long)]
        fix: bool,
        /// Apply the fix without asking (required without a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long, default_value_t = 10)]
        parallel: usize,
    },
    /// Report each component's health (ECS services, target groups, the load balancer, the
    /// database, the cache, the public endpoints) with its reason and what it depends on.
    /// Exit 0 healthy, 2 degraded or unhealthy, 1 on error or when nothing could be checked
    /// (every component unknown).
    Health {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// How long each HTTP GET of an endpoint may take (e.g. `3s`).
        #[arg(long, value_name = "DUR", value_parser = super::locking::parse_duration, default_value = "3s")]
        timeout: std::time::Duration,
    },
    /// Adopt an existing cloud object into state for a resource the program declares (`NAME ID`),
    /// or every untracked object carrying the stack's tags and KEY=VALUE (`--by-tag KEY=VALUE`).
    Import {
        /// The resource's name in the program.
        #[arg(required_unless_present = "by_tag", conflicts_with = "by_tag", requires = "id")]
        name: Option<String>,
        /// The object's cloud id (a bucket name, a VPC id, a role name, an ARN: what `state list` shows).
        id: Option<String>,
        /// Propose every declared resource without a state row whose object the kind's lookup
        /// finds by the stack's tags and that carries this tag too.
        #[arg(long, value_name = "KEY=VALUE", value_parser = parse_tag)]
        by_tag: Option<(String, String)>,
        /// Import without asking (required without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Print the stack's outputs.
    Outputs {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The releases `up` applied, newest first (run id, time, verdict, commit, plan hash,
    /// release data); `releases show ID --release-file` prints one back as a release file.
    Releases(super::releases::ReleasesArgs),
    /// Inspect and repair the state file.
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// The program's estimated monthly cost, with no cloud call and no state: every priced
    /// resource with its items and assumptions, sums per AWS service and per cost tag, the total.
    Cost {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Sum per value of this tag; repeatable (default: the stack's default tags, e.g.
        /// Environment and CostCenter).
        #[arg(long, value_name = "KEY")]
        tag: Vec<String>,
    },
    /// Print the resource graph.
    Graph {
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Every resource in state.
    List,
    /// One resource's row.
    Show { name: String },
    /// Past runs.
    History,
    /// Release a lock left by a run that died (a running or unverifiable holder needs `--force`).
    Unlock {
        /// Release the lock even though its holder may still be running.
        #[arg(long)]
        force: bool,
    },
    /// Forget a resource without touching the cloud.
    Forget { name: String },
    /// Operations an interrupted run left unresolved; `--drop ID` forgets one.
    Journal {
        #[arg(long, value_name = "ID")]
        drop: Option<i64>,
    },
    /// Download the remote state (sha256 checked) to FILE (default: stdout, not a terminal).
    Pull {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Upload FILE as the remote state, under the lease; refuses another lineage, or a serial not
    /// newer than the remote one, unless `--force`.
    Push {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Copy the state to another location (a file, or `s3://BUCKET/KEY`); refuses to overwrite
    /// a destination that holds a state with resources or history unless `--force`.
    Migrate {
        #[arg(long, value_name = "PATH|s3://BUCKET/KEY")]
        to: String,
        #[arg(long)]
        force: bool,
    },
}

/// Parses `KEY=VALUE` (the key non-empty; the value may be empty or contain `=`).
fn parse_tag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}
