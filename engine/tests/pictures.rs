//! The pictures through the real CLI (the provider-free `plinth-data` binary), opened in
//! headless Chromium: `up --timings`, `destroy --timings` and `refresh --timings` pages, and
//! `graph --format svg|html`. Each must render without script errors, carry a bar per
//! operation / a node per resource, and leave a screenshot in `target/tmp/pictures/`.

#[path = "support/chromium.rs"]
mod chromium;

use std::path::Path;
use std::process::{Command, Output};

const COUNT: usize = 30;

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_plinth-data"))
        .args(args)
        .arg("--state")
        .arg(dir.join("data.db"))
        .current_dir(dir)
        .env("PLINTH_DATA_COUNT", COUNT.to_string())
        .env("PLINTH_DATA_VALUE", "one")
        .env_remove("PLINTH_STATE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Occurrences of `needle` in the rendered DOM.
fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

fn assert_clean(what: &str, rendered: &chromium::Rendered) {
    assert!(rendered.errors.is_empty(), "{what}: script errors: {:#?}", rendered.errors);
}

#[test]
fn the_timelines_of_up_destroy_and_refresh_render_a_bar_per_operation() {
    let dir = tempfile::tempdir().unwrap();
    let up = run(dir.path(), &["up", "--yes", "--timings"]);
    // The default location: per run, and the latest copy.
    let timings = dir.path().join(".plinth/timings");
    let latest = timings.join("plinth-timing.html");
    let per_run: Vec<_> = std::fs::read_dir(&timings).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(per_run.len(), 2, "{per_run:?}");
    assert!(String::from_utf8_lossy(&up.stderr)
        .contains("timings: 30 operations, written to .plinth/timings/plinth-timing-"));

    let again = run(dir.path(), &["up", "--yes", "--timings"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("timings: no operation to run, so no timeline was written"));
    assert_eq!(std::fs::read_dir(&timings).unwrap().count(), 2, "nothing written for a run with no changes");

    let page = chromium::render(&latest, "");
    assert_clean("up timeline", &page);
    assert_eq!(count(&page.dom, "<g class=\"op create ok"), COUNT, "a create bar per resource");
    assert_eq!(count(&page.dom, "class=\"op-row ok\""), COUNT, "the script built a row per operation");
    assert!(page.dom.contains(&format!("data-rendered=\"{COUNT}\"")));
    // Groups of ten: a root then its nine dependents, so the critical path is two operations.
    assert_eq!(count(&page.dom, " critical\" data-i="), 2);
    assert!(page.dom.contains("id=\"critical-path\""));
    chromium::screenshot(&latest, "", &chromium::shots_dir().join("data-up-timeline.png"), (1300, 900));

    let refresh_page = dir.path().join("refresh.html");
    run(dir.path(), &["refresh", "--timings", refresh_page.to_str().unwrap()]);
    let page = chromium::render(&refresh_page, "");
    assert_clean("refresh timeline", &page);
    assert_eq!(count(&page.dom, "<g class=\"op read ok"), COUNT, "a read bar per resource");

    let destroy_page = dir.path().join("destroy.html");
    run(dir.path(), &["destroy", "--yes", "--timings", destroy_page.to_str().unwrap()]);
    let page = chromium::render(&destroy_page, "");
    assert_clean("destroy timeline", &page);
    assert_eq!(count(&page.dom, "<g class=\"op delete ok"), COUNT, "a delete bar per resource");
    chromium::screenshot(&destroy_page, "", &chromium::shots_dir().join("data-destroy-timeline.png"), (1300, 900));
}

#[test]
fn the_graph_renders_as_svg_and_as_an_interactive_page() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("graph.svg");
    std::fs::write(&svg, run(dir.path(), &["graph", "--format", "svg"]).stdout).unwrap();
    let page = chromium::render(&svg, "");
    assert_clean("graph svg", &page);
    assert_eq!(count(&page.dom, "<g class=\"node\""), COUNT, "a node per resource");
    assert_eq!(count(&page.dom, "<path class=\"edge\""), COUNT - COUNT / 10, "an edge per dependency");
    chromium::screenshot(&svg, "", &chromium::shots_dir().join("data-graph.png"), (1000, 1200));

    let html = dir.path().join("graph.html");
    std::fs::write(&html, run(dir.path(), &["graph", "--format", "html"]).stdout).unwrap();
    let page = chromium::render(&html, "");
    assert_clean("graph html", &page);
    assert!(page.dom.contains(&format!("data-rendered=\"{COUNT}\"")), "the script wired every node");
    // A selection (as a click makes it) highlights exactly the closure: the root and the member.
    let selected = chromium::render(&html, "#select=g1-3");
    assert_clean("graph html, selected", &selected);
    assert!(selected.dom.contains("data-selected=\"g1-3\""));
    assert_eq!(count(&selected.dom, "class=\"node in-closure"), 2, "g1-3 needs g1 and nothing needs it");
    assert_eq!(count(&selected.dom, "class=\"edge in-closure\""), 1);
    let root = chromium::render(&html, "#select=g2");
    assert_eq!(count(&root.dom, "class=\"node in-closure"), 10, "a root's closure is its group");
    chromium::screenshot(&html, "#select=g1-3", &chromium::shots_dir().join("data-graph.html.png"), (1300, 900));
}
