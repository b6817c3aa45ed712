use super::*;
use crate::apply::{PlannedOp, Progress};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn op(name: &str, what: &str, deps: &[usize], times: Option<(u64, u64)>, error: Option<&str>) -> OpRecord {
    OpRecord {
        name: name.into(),
        what: what.into(),
        deps: deps.to_vec(),
        announced: Some(ms(0)),
        start: times.map(|t| ms(t.0)),
        end: times.map(|t| ms(t.1)),
        error: error.map(str::to_string),
    }
}

/// vpc → (subnet → db, sg) ; db's end sets the run's end.
fn recording() -> Recording {
    Recording {
        ops: vec![
            op("vpc", "create", &[], Some((0, 100)), None),
            op("subnet", "create", &[0], Some((110, 200)), None),
            op("sg", "update", &[0], Some((150, 400)), None),
            op("db", "create replacement", &[1], Some((200, 900)), None),
            op("old", "delete leftover", &[], Some((0, 50)), Some("AccessDenied")),
            op("param", "create", &[3], None, None),
        ],
        wall: ms(1000),
    }
}

#[test]
fn the_critical_path_is_the_chain_that_ended_last() {
    let t = Timeline::new(&recording());
    assert_eq!(t.critical_path, vec![0, 1, 3]);
    let marked: Vec<usize> = (0..t.bars.len()).filter(|&i| t.bars[i].critical).collect();
    assert_eq!(marked, vec![0, 1, 3]);
}

#[test]
fn waiting_runs_from_the_last_dependency_to_the_start() {
    let t = Timeline::new(&recording());
    assert_eq!((t.bars[1].ready, t.bars[1].start), (ms(100), ms(110)));
    // sg was ready when vpc finished and queued until 150.
    assert_eq!(t.bars[2].start - t.bars[2].ready, ms(50));
    // what waits for nothing is ready when announced.
    assert_eq!(t.bars[0].ready, ms(0));
}

#[test]
fn outcomes_actions_and_totals() {
    let t = Timeline::new(&recording());
    let actions: Vec<Action> = t.bars.iter().map(|b| b.action).collect();
    use Action::*;
    assert_eq!(actions, vec![Create, Create, Update, Replace, Delete, Create]);
    assert_eq!(t.bars[4].outcome, Outcome::Failed("AccessDenied".into()));
    assert_eq!(t.bars[5].outcome, Outcome::Skipped);
    assert_eq!(t.counts(), (4, 1, 1));
    assert_eq!(t.call_time, ms(100 + 90 + 250 + 700 + 50));
    assert_eq!(t.wall, ms(1000));
    assert!((t.parallelism() - 1.19).abs() < 1e-9, "{}", t.parallelism());
    // 150..200: vpc done; subnet, sg running; at 200 subnet ends as db starts.
    assert_eq!(t.peak, 2);
}

#[test]
fn an_empty_run_has_no_path_and_no_parallelism() {
    let t = Timeline::new(&Recording::default());
    assert!(t.critical_path.is_empty() && t.bars.is_empty());
    assert_eq!((t.peak, t.parallelism()), (0, 0.0));
}

#[test]
fn ticks_are_round_numbers_about_a_tenth_of_the_run() {
    assert_eq!(html::tick_step(1.0), 0.1);
    assert_eq!(html::tick_step(7.3), 1.0);
    assert_eq!(html::tick_step(13.0), 2.0);
    assert_eq!(html::tick_step(40.0), 5.0);
}

#[test]
fn the_page_has_a_bar_per_operation_and_is_self_contained() {
    let page = html::page_for("plinth up <local>", &Timeline::new(&recording()));
    assert_eq!(page.matches("<g class=\"op ").count(), 6);
    assert_eq!(page.matches(" critical\" data-i=").count(), 3);
    assert!(page.contains("<g class=\"op delete failed\""));
    assert!(page.contains("<g class=\"op create skipped\""));
    assert!(page.contains("<rect class=\"wait\""));
    assert!(page.contains("id=\"critical-path\""));
    assert!(page.contains("plinth up &lt;local&gt;"));
    let without_namespace = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for remote in ["http:", "https:", "src=", "@import", "url("] {
        assert!(!without_namespace.contains(remote), "the page loads `{remote}`");
    }
}

#[test]
fn the_recorder_measures_and_forwards() {
    struct Count(std::sync::atomic::AtomicUsize);
    impl Progress for Count {
        fn started(&self, _: &str, _: &str) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        fn finished(&self, _: &str, _: &str, _: Duration, _: Option<&str>) {
            self.0.fetch_add(10, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let inner = Count(0.into());
    let recorder = Recorder::new(&inner);
    // A leftover first, unannounced; then the run's operations.
    recorder.started("old", "delete leftover");
    recorder.finished("old", "delete leftover", ms(1), None);
    recorder.planned(&[
        PlannedOp { name: "a".into(), what: "create", deps: vec![] },
        PlannedOp { name: "b".into(), what: "create", deps: vec![0] },
        PlannedOp { name: "c".into(), what: "create", deps: vec![1] },
    ]);
    recorder.started("a", "create");
    recorder.finished("a", "create", ms(1), None);
    recorder.finished("b", "create", Duration::ZERO, Some("could not resolve"));
    let r = recorder.recording();
    assert_eq!(inner.0.load(std::sync::atomic::Ordering::SeqCst), 2 + 30);
    let names: Vec<(&str, &[usize])> = r.ops.iter().map(|o| (o.name.as_str(), o.deps.as_slice())).collect();
    assert_eq!(names, vec![("old", &[][..]), ("a", &[][..]), ("b", &[1][..]), ("c", &[2][..])]);
    assert!(r.ops[1].start <= r.ops[1].end && r.ops[1].end <= Some(r.wall));
    // b never started: it failed before its call, at one instant.
    assert_eq!(r.ops[2].start, r.ops[2].end);
    assert_eq!((r.ops[3].start, r.ops[3].end), (None, None));
}
