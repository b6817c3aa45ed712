//! The `health` verb: validates the program, reads state (read-only), connects (checking the
//! account), gathers the report ([`crate::health`]) and prints it. Exit 0 healthy, 2 degraded
//! or unhealthy, 1 when every component is unknown (nothing could be established) or on error.

use super::args::{Cli, Format};
use super::files::open_view;
use super::run::connect;
use super::terminal::{json_safe, sanitize};
use super::App;
use crate::graph::validate;
use crate::health::{gather, render};
use std::time::Duration;

pub async fn run(app: &App, cli: &Cli, format: Format, timeout: Duration) -> anyhow::Result<u8> {
    let stack = app.stack();
    let graph = validate(&stack)?;
    let store = open_view(app, cli).await?;
    let rows = store.resources()?;
    let cx = connect(app, Some(&store), false).await?;
    let report = gather(&stack, &graph.order, &rows, &cx, timeout).await;
    // Reasons and details carry text from the cloud and from endpoints: nothing raw passes.
    match format {
        Format::Text => print!("{}", sanitize(&render::text(&report), false)),
        Format::Markdown => print!("{}", sanitize(&render::markdown(&report), false)),
        Format::Json => println!("{}", json_safe(&serde_json::to_string_pretty(&render::json(&report))?)),
    }
    if report.exit_code() == 1 {
        eprintln!("error: no component's health could be established (every one is unknown)");
    }
    Ok(report.exit_code())
}
