//! Policy checks through the CLI against the fake cloud: a mandatory violation makes `up`
//! refuse before any cloud call (not even a connection) and before the state file exists,
//! `preview` show it and exit 1; an advisory one changes nothing; a violation that only shows
//! once a reference is known refuses on the plan, before any change.

mod common;

use common::{app, args, Cloud, FakeCloud, Net, Sub};
use engine::cli::{run, App};
use engine::policy::{Fact, PlannedResource, PolicyRule, Severity};
use engine::Stack;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Subnets of size above 8: mandatory or advisory.
struct SmallSubs(Severity);

impl PolicyRule for SmallSubs {
    fn id(&self) -> &'static str {
        "small-subs"
    }
    fn severity(&self) -> Severity {
        self.0
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        match (r.kind, r.field("size")) {
            ("fake:Sub", Fact::Known(size)) if size.as_u64().is_some_and(|s| s > 8) => {
                vec![format!("size is {size}, above 8")]
            }
            _ => vec![],
        }
    }
}

/// Subnets only in approved networks (none are): fires only once `net_id` is known.
struct ApprovedNets;

impl PolicyRule for ApprovedNets {
    fn id(&self) -> &'static str {
        "approved-nets"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        match r.field("net_id") {
            Fact::Known(id) => vec![format!("net_id {id} is not an approved network")],
            _ => vec![],
        }
    }
}

fn program(
    size: u32,
    rule: impl Fn() -> Option<Box<dyn Fn(&mut Stack) + Send + Sync>> + Send + Sync + 'static,
) -> impl Fn(&mut Stack) + Send + Sync + 'static {
    move |stack: &mut Stack| {
        let net = stack.add("net", Net { cidr: "10.0.0.0/16".into(), ..Default::default() });
        stack.add(
            "sub",
            Sub { net_id: net.output(|o| o.id.clone()), cidr: "10.0.1.0/24".into(), size, ..Default::default() },
        );
        if let Some(add) = rule() {
            add(stack);
        }
    }
}

/// The app, counting the connections it makes.
fn counted(cloud: &Cloud, program: impl Fn(&mut Stack) + Send + Sync + 'static) -> (App, Arc<AtomicUsize>) {
    let connects = Arc::new(AtomicUsize::new(0));
    let mut app = app(cloud, program);
    let (inner, seen) = (app.connect, connects.clone());
    app.connect = Box::new(move || {
        seen.fetch_add(1, Ordering::SeqCst);
        inner()
    });
    (app, connects)
}

/// A change to the program a test applies to it (the program's extra rule).
type ProgramChange = Box<dyn Fn(&mut Stack) + Send + Sync>;

fn with(severity: Severity) -> impl Fn() -> Option<ProgramChange> + Send + Sync + 'static {
    move || {
        Some(Box::new(move |s: &mut Stack| {
            s.policy_rule(SmallSubs(severity));
        }))
    }
}

#[test]
fn a_mandatory_violation_refuses_up_with_zero_calls_and_no_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    let (up, connects) = counted(&cloud, program(16, with(Severity::Mandatory)));
    assert_eq!(run(up, args(&state, &["up", "--yes"])), 1);
    assert_eq!(connects.load(Ordering::SeqCst), 0, "not even a connection");
    assert_eq!(cloud.count(), 0, "zero calls");
    assert!(!state.exists(), "the state file was not even created");
    let (preview, connects) = counted(&cloud, program(16, with(Severity::Mandatory)));
    assert_eq!(run(preview, args(&state, &["preview", "--format", "json"])), 1, "preview fails too");
    assert_eq!(connects.load(Ordering::SeqCst) + cloud.count(), 0);
    // The same program within the rule goes through.
    assert_eq!(run(app(&cloud, program(8, with(Severity::Mandatory))), args(&state, &["up", "--yes"])), 0);
    assert_eq!(cloud.log(), ["create net net-0", "create sub sub-0"]);
}

#[test]
fn an_advisory_finding_is_shown_and_changes_no_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    let advisory = || program(16, with(Severity::Advisory));
    assert_eq!(
        run(app(&cloud, advisory()), args(&state, &["preview", "--detailed-exitcode"])),
        2,
        "changes, not an error"
    );
    assert_eq!(run(app(&cloud, advisory()), args(&state, &["up", "--yes"])), 0);
    assert_eq!(cloud.log(), ["create net net-0", "create sub sub-0"]);
    assert_eq!(run(app(&cloud, advisory()), args(&state, &["preview", "--detailed-exitcode"])), 0, "no changes");
}

#[test]
fn a_violation_known_only_from_state_refuses_on_the_plan_before_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("test.db");
    let cloud = FakeCloud::new();
    // First run: the network does not exist yet, so `net_id` is unknown and the rule is silent.
    let approved = || {
        program(1, || {
            Some(Box::new(|s: &mut Stack| {
                s.policy_rule(ApprovedNets);
            }))
        })
    };
    assert_eq!(run(app(&cloud, approved()), args(&state, &["up", "--yes"])), 0);
    let before = (cloud.log(), std::fs::read(&state).unwrap().len());
    // Now the subnet changes and its `net_id` resolves from state: the plan is refused.
    let changed = || {
        program(2, || {
            Some(Box::new(|s: &mut Stack| {
                s.policy_rule(ApprovedNets);
            }))
        })
    };
    assert_eq!(run(app(&cloud, changed()), args(&state, &["preview"])), 1);
    assert_eq!(run(app(&cloud, changed()), args(&state, &["up", "--yes"])), 1);
    assert_eq!(cloud.log(), before.0, "nothing changed in the cloud");
    let rows = state::Store::open(&state).unwrap().resources().unwrap();
    assert_eq!(rows.iter().find(|r| r.name == "sub").unwrap().inputs["size"], 1, "state still says size 1");
}
