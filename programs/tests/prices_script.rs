//! `scripts/prices`, which refreshes the price table from the AWS Price List, run on the
//! recorded sample of the offer-file format (`scripts/prices_sample/`, written by hand from the
//! documented shape, every price 10% above the table's so a read is visible) and against a price
//! list it cannot reach. Its output must be a table the kinds' estimates accept.

use resources::prices::PriceTable;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plinth-prices-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn prices(args: &[&str]) -> Output {
    Command::new("python3").arg(repo().join("scripts/prices")).args(args).output().expect("python3 runs")
}

#[test]
fn the_sample_offer_files_make_a_table_the_estimates_accept() {
    let dir = scratch("sample");
    let out = dir.join("table.json");
    let sample = repo().join("scripts/prices_sample");
    let run = prices(&["--offers", sample.to_str().unwrap(), "--out", out.to_str().unwrap(), "--as-of", "2026-01-01"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let table = PriceTable::parse(&std::fs::read_to_string(&out).unwrap()).expect("the kinds' table format");
    let current = PriceTable::parse(resources::prices::US_EAST_1).unwrap();
    // The sample's prices are the table's × 1.1: 0.045 → 0.0495, 0.016 → 0.0176.
    assert_eq!(table.ec2.nat_gateway_hour, 0.0495);
    assert_eq!(table.rds_postgres.instance_hour["db.t4g.micro"], 0.0176);
    assert_eq!(table.elasticache_redis.node_hour["cache.t4g.small"], 0.0352);
    // Multi-AZ is read as its own SKU (twice the Single-AZ one in the sample), not assumed.
    assert_eq!(table.rds_postgres.multi_az_factor, 2.0);
    // Per-request prices become per million requests: 0.00000066 × 1,000,000.
    assert!((table.wafv2.million_requests - 0.66).abs() < 1e-9, "{}", table.wafv2.million_requests);
    // Decoys of another region and engine are not taken; assumptions are kept.
    assert_eq!(table.assumed, current.assumed);
    assert_eq!(table.as_of, "2026-01-01");
    assert!(table.source.contains("published 2026-01-01"), "{}", table.source);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreachable_price_list_fails_clearly_and_writes_nothing() {
    let dir = scratch("unreachable");
    let out = dir.join("table.json");
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    let run = prices(&["--base-url", "http://127.0.0.1:9", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot reach the AWS Price List at http://127.0.0.1:9/offers/v1.0/aws/"), "{stderr}");
    assert!(stderr.contains("left unchanged") && !out.exists(), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_filter_matching_two_prices_is_refused_naming_it() {
    let dir = scratch("ambiguous");
    let sample = repo().join("scripts/prices_sample");
    for entry in std::fs::read_dir(&sample).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // In the VPC offer, the us-west-2 decoy moves to us-east-1: two prices for one filter.
        let text = if path.ends_with("AmazonVPC.json") { text.replace("us-west-2", "us-east-1") } else { text };
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
    let out = dir.join("table.json");
    let run = prices(&["--offers", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("PublicIPv4:InUseAddress") && stderr.contains("expected exactly one price"), "{stderr}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
