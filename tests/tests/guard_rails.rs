//! Guard rails against the emulator: a program change that forces a PostgreSQL replacement is
//! refused by `up` without `--allow-replace`, with no cloud call and nothing touched.

use e2e::Emulator;
use engine::cli::{run, App};
use engine::{Input, Stack};
use resources::ec2::{Subnet, Vpc};
use resources::rds::{DbInstance, DbSubnetGroup};
use resources::AwsContext;
use std::path::Path;
use std::sync::Arc;

fn database_program(master_username: &'static str) -> impl Fn(&mut Stack) + Send + Sync + 'static {
    move |stack: &mut Stack| {
        stack.waive_policy("cost-tags", "guard-rail test fixture, not a deployment");
        let vpc = stack.add("vpc", Vpc { cidr_block: "10.50.0.0/16".into(), ..Default::default() });
        let subnets: Vec<Input<String>> = ["a", "b"]
            .iter()
            .enumerate()
            .map(|(i, zone)| {
                let subnet = Subnet {
                    vpc_id: vpc.output(|o| o.vpc_id.clone()),
                    cidr_block: format!("10.50.{i}.0/24"),
                    availability_zone: format!("us-east-1{zone}"),
                    ..Default::default()
                };
                stack.add(format!("subnet-{zone}"), subnet).output(|o| o.subnet_id.clone())
            })
            .collect();
        let group = stack.add(
            "db-subnets",
            DbSubnetGroup {
                name: "guarded-db".into(),
                description: "db".into(),
                subnet_ids: subnets,
                ..Default::default()
            },
        );
        stack.add(
            "database",
            DbInstance {
                identifier: "guarded-db".into(),
                db_subnet_group_name: group.output(|o| o.name.clone()),
                master_username: master_username.into(),
                skip_final_snapshot: true,
                ..Default::default()
            },
        );
    }
}

fn app(cx: &Arc<AwsContext>, program: impl Fn(&mut Stack) + Send + Sync + 'static) -> App {
    let cx = cx.clone();
    App {
        env: "guard".into(),
        program: Box::new(program),
        registry: resources::registry(),
        connect: Box::new(move || {
            let cx: engine::Context = cx.clone();
            Box::pin(async move { Ok(cx) })
        }),
        account: None,
        create_may_land_within: None,
        release: None,
        program_dir: None,
        state: None,
        objects: None,
    }
}

fn args(state: &Path, verb: &[&str]) -> Vec<String> {
    let mut v = vec!["plinth".to_string()];
    v.extend(verb.iter().map(|s| s.to_string()));
    v.extend(["--state".into(), state.display().to_string()]);
    v
}

#[test]
fn replacing_the_database_needs_allow_replace_and_touches_nothing_without_it() {
    let emu = Emulator::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cx = Arc::new(rt.block_on(emu.context()));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("guard.db");
    assert_eq!(run(app(&cx, database_program("plinth")), args(&state, &["up", "--yes"])), 0);
    let describe = || {
        rt.block_on(async {
            let out = cx.rds().describe_db_instances().db_instance_identifier("guarded-db").send().await.unwrap();
            let db = out.db_instances()[0].clone();
            (db.master_username().unwrap().to_string(), db.dbi_resource_id().unwrap().to_string())
        })
    };
    let before = describe();
    let rows_before = state::Store::open(&state).unwrap().resources().unwrap();
    let calls = cx.calls.count();

    assert_eq!(run(app(&cx, database_program("admin")), args(&state, &["up", "--yes"])), 1, "refused");
    assert_eq!(cx.calls.count(), calls, "no call reached the cloud");
    assert_eq!(describe(), before, "the same database, untouched");
    assert_eq!(state::Store::open(&state).unwrap().resources().unwrap(), rows_before, "state untouched");

    assert_eq!(
        run(app(&cx, database_program("admin")), args(&state, &["up", "--yes", "--allow-replace", "database"])),
        0
    );
    // The master user name cannot be modified in place (ModifyDBInstance has no such field): a
    // database with the new name is the replacement.
    assert_eq!(describe().0, "admin", "replaced");
    assert_eq!(run(app(&cx, database_program("admin")), args(&state, &["destroy", "--yes"])), 0);
}
