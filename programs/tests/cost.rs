//! The `cost` verb and the preview's cost on the real platform program, per environment: the
//! totals are the sums of their parts, every priced resource is estimated, and environments
//! cost what their data says (prod > staging ≥ dev). Run through the environment binaries, as a
//! user runs them: no state, no cloud.

use serde_json::Value;
use std::process::Command;

fn run(bin: &str, args: &[&str]) -> Value {
    let out = Command::new(bin).args(args).env_remove("PLINTH_STATE").output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{bin} {args:?} failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{bin} {args:?}: not JSON ({e}): {stderr}"))
}

fn cost(bin: &str) -> Value {
    run(bin, &["cost", "--format", "json"])
}

fn total(cost: &Value) -> f64 {
    cost["total_usd"].as_f64().unwrap()
}

/// Each part is rounded to the cent: a sum of n parts is within n half-cents of the total.
fn sums_to(parts: impl Iterator<Item = f64>, n: usize, expected: f64, what: &str) {
    let sum: f64 = parts.sum();
    assert!((sum - expected).abs() <= 0.005 * n as f64 + 1e-9, "{what}: {sum} != {expected}");
}

fn check_sums(env: &str, c: &Value) {
    let resources = c["resources"].as_array().unwrap();
    sums_to(resources.iter().map(|r| r["monthly_usd"].as_f64().unwrap()), resources.len(), total(c), env);
    let by_service = c["by_service"].as_object().unwrap();
    sums_to(by_service.values().map(|v| v.as_f64().unwrap()), by_service.len(), total(c), "by service");
    for (tag, groups) in c["by_tag"].as_object().unwrap() {
        let groups = groups.as_object().unwrap();
        sums_to(groups.values().map(|v| v.as_f64().unwrap()), groups.len(), total(c), tag);
    }
    assert_eq!(c["not_estimated"], serde_json::json!([]), "{env}: every priced resource is estimated");
}

const BINS: [(&str, &str); 4] = [
    ("local", env!("CARGO_BIN_EXE_local")),
    ("dev", env!("CARGO_BIN_EXE_dev")),
    ("staging", env!("CARGO_BIN_EXE_staging")),
    ("prod", env!("CARGO_BIN_EXE_prod")),
];

#[test]
fn every_environment_totals_the_sum_of_its_parts() {
    for (env, bin) in BINS {
        let c = cost(bin);
        assert_eq!(c["stack"], env);
        check_sums(env, &c);
        let kinds: Vec<&str> = c["resources"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
        for kind in ["aws:ec2:NatGateway", "aws:rds:DbInstance", "aws:elasticache:ReplicationGroup", "aws:ecs:Service"]
        {
            assert!(kinds.contains(&kind), "{env}: no {kind} priced in {kinds:?}");
        }
        assert!(c["by_tag"]["CostCenter"].is_object() && c["by_tag"]["Environment"][env].is_number(), "{c}");
    }
}

#[test]
fn environments_cost_what_their_data_says() {
    let [_, dev, staging, prod] = BINS.map(|(_, bin)| total(&cost(bin)));
    // prod: two NAT gateways, a Multi-AZ db.t4g.medium, two cache.t4g.small nodes, bigger tasks.
    assert!(prod > staging, "prod {prod} <= staging {staging}");
    // staging keeps logs longer than dev and is otherwise sized like it.
    assert!(staging >= dev, "staging {staging} < dev {dev}");
    // Hand-checked: prod's database alone is 117.90 (db.t4g.medium Multi-AZ + 100 GB gp3 × 2).
    let prod_db =
        cost(BINS[3].1)["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "aws:rds:DbInstance").cloned();
    assert_eq!(prod_db.unwrap()["monthly_usd"], 117.9);
}

#[test]
fn the_text_report_names_services_tags_and_the_price_source() {
    let out = Command::new(BINS[1].1).args(["cost", "--tag", "CostCenter"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for needle in
        ["By service:", "By tag CostCenter:", "engineering", "Total: $", "Prices: us-east-1 on-demand USD as of"]
    {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(!text.contains("By tag Project:"), "--tag replaces the default tags:\n{text}");
}

#[test]
fn a_first_preview_shows_the_whole_stack_as_the_cost_delta() {
    let dir = std::env::temp_dir().join(format!("plinth-cost-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("dev.db");
    let preview = run(BINS[1].1, &["preview", "--format", "json", "--state", state.to_str().unwrap()]);
    let verb = cost(BINS[1].1);
    let c = &preview["cost"];
    assert_eq!(c["before_usd"], 0.0);
    let steps = c["steps"].as_array().unwrap();
    sums_to(
        steps.iter().map(|s| s["delta_usd"].as_f64().unwrap()),
        steps.len(),
        c["after_usd"].as_f64().unwrap(),
        "deltas",
    );
    assert!((c["after_usd"].as_f64().unwrap() - total(&verb)).abs() < 0.01, "preview {c} vs cost {}", total(&verb));
    assert_eq!(steps.len(), verb["resources"].as_array().unwrap().len());
    std::fs::remove_dir_all(&dir).unwrap();
}
