//! The local platform's pictures against the emulator, through the `plinth-local` binary as a
//! user runs it: `up --timings` (a bar per operation of the real plan), `graph --format
//! svg|html` of the whole platform, each opened in headless Chromium with a screenshot left in
//! `target/tmp/pictures/`; and the progress on a non-terminal stderr stays a line per event.

#[path = "../../engine/tests/support/chromium.rs"]
mod chromium;

use e2e::Emulator;
use std::path::Path;
use std::process::Command;

fn local(dir: &Path, endpoint: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plinth-local"))
        .args(args)
        .arg("--state")
        .arg(dir.join("local.db"))
        .current_dir(dir)
        .env("PLINTH_MAX_ATTEMPTS", "2")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("PLINTH_STATE")
        .output()
        .expect("run the local binary");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "{args:?}: {stdout}{stderr}");
    (stdout, stderr)
}

#[test]
fn the_platform_up_timeline_and_graph_render_in_chromium() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (plan, _) = local(dir.path(), &emu.endpoint(), &["preview", "--format", "json"]);
    let steps = serde_json::from_str::<serde_json::Value>(&plan).unwrap()["steps"].as_array().unwrap().len();

    let page = dir.path().join("up.html");
    let (_, stderr) = local(dir.path(), &emu.endpoint(), &["up", "--yes", "--timings", page.to_str().unwrap()]);
    // Not a terminal: the line per event of before, no live bars (no cursor movement).
    assert!(stderr.contains("  … vpc: create\n"), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("  ✓ vpc: create (") && l.ends_with("s)")), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no escape sequences on a pipe: {stderr}");
    assert!(stderr.contains(&format!("timings: {steps} operations, written to {}", page.display())), "{stderr}");

    let rendered = chromium::render(&page, "");
    assert!(rendered.errors.is_empty(), "script errors: {:#?}", rendered.errors);
    assert_eq!(rendered.dom.matches("<g class=\"op create ok").count(), steps, "a create bar per planned resource");
    assert_eq!(rendered.dom.matches("class=\"op-row ok\"").count(), steps);
    let critical = rendered.dom.matches(" critical\" data-i=").count();
    assert!(critical >= 3, "vpc → … → a dependent: {critical}");
    let shot = chromium::shots_dir().join("platform-up-timeline.png");
    chromium::screenshot(&page, "", &shot, (1400, 1400));
    eprintln!("screenshot: {}", shot.display());

    let (svg, _) = local(dir.path(), &emu.endpoint(), &["graph", "--format", "svg"]);
    let svg_path = dir.path().join("graph.svg");
    std::fs::write(&svg_path, svg).unwrap();
    let rendered = chromium::render(&svg_path, "");
    assert_eq!(rendered.dom.matches("<g class=\"node\"").count(), steps, "a node per resource");
    chromium::screenshot(&svg_path, "", &chromium::shots_dir().join("platform-graph.png"), (2200, 1600));

    let (html, _) = local(dir.path(), &emu.endpoint(), &["graph", "--format", "html"]);
    let html_path = dir.path().join("graph.html");
    std::fs::write(&html_path, html).unwrap();
    let rendered = chromium::render(&html_path, "#select=vpc");
    assert!(rendered.errors.is_empty(), "script errors: {:#?}", rendered.errors);
    assert!(rendered.dom.contains(&format!("data-rendered=\"{steps}\"")));
    assert!(rendered.dom.contains("data-selected=\"vpc\""));
    chromium::screenshot(
        &html_path,
        "#select=vpc",
        &chromium::shots_dir().join("platform-graph.html.png"),
        (1400, 1000),
    );
}
