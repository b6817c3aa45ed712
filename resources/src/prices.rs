//! The price table the kinds' monthly estimates use: us-east-1 on-demand prices with their date
//! and source, and the usage Plinth assumes where a price depends on traffic
//! (`resources/prices/us-east-1.json`, compiled in; `scripts/prices` refreshes it from the AWS
//! Price List when reachable).
//!
//! # Guarantees
//! The table parses into [`PriceTable`] with every field present (unknown fields refused), so a
//! refreshed file missing a price fails the unit test, not a preview.
//!
//! # Assumptions
//! A month is `hours_per_month` hours (730); prices are USD, on demand, before free tiers,
//! discounts and taxes.

use engine::cost::{CostItem, Estimate};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The table as compiled into the binaries.
pub const US_EAST_1: &str = include_str!("../prices/us-east-1.json");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    /// When the figures were taken (YYYY-MM-DD).
    pub as_of: String,
    pub source: String,
    pub hours_per_month: f64,
    pub ec2: Ec2Prices,
    pub rds_postgres: RdsPrices,
    pub elasticache_redis: CachePrices,
    pub elb: ElbPrices,
    pub fargate: FargatePrices,
    pub logs: LogsPrices,
    pub cloudwatch: CloudWatchPrices,
    pub wafv2: WafPrices,
    pub secretsmanager: SecretsPrices,
    pub kms: KmsPrices,
    pub assumed: Assumed,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2Prices {
    pub nat_gateway_hour: f64,
    pub nat_gateway_gb: f64,
    pub public_ipv4_hour: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsPrices {
    /// Single-AZ PostgreSQL, per instance class.
    pub instance_hour: BTreeMap<String, f64>,
    pub gp3_gb_month: f64,
    pub gp2_gb_month: f64,
    /// Multi-AZ (one standby) multiplies instance hours and storage by this.
    pub multi_az_factor: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachePrices {
    pub node_hour: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElbPrices {
    pub alb_hour: f64,
    pub alb_lcu_hour: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FargatePrices {
    pub vcpu_hour: f64,
    pub gb_hour: f64,
    pub arm_vcpu_hour: f64,
    pub arm_gb_hour: f64,
    pub spot_vcpu_hour: f64,
    pub spot_gb_hour: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsPrices {
    pub ingestion_gb: f64,
    pub storage_gb_month: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchPrices {
    pub alarm_month: f64,
    pub high_resolution_alarm_month: f64,
    pub composite_alarm_month: f64,
    pub dashboard_month: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafPrices {
    pub web_acl_month: f64,
    pub rule_month: f64,
    pub million_requests: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsPrices {
    pub secret_month: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsPrices {
    pub key_month: f64,
}

/// Usage no input says, assumed for every environment (stated in each estimate).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumed {
    pub nat_gb_per_month: f64,
    pub alb_lcu: f64,
    pub log_gb_per_group_month: f64,
    pub waf_million_requests_per_month: f64,
}

impl PriceTable {
    /// Parses a table (the compiled-in one, or one `scripts/prices` wrote).
    pub fn parse(text: &str) -> Result<PriceTable, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// "us-east-1 on-demand USD as of DATE (SOURCE)": what every estimate names.
    pub fn source_line(&self) -> String {
        format!("{} on-demand {} as of {} ({})", self.region, self.currency, self.as_of, self.source)
    }

    /// `hourly` for a whole month.
    pub fn hours(&self) -> f64 {
        self.hours_per_month
    }
}

/// The compiled-in us-east-1 table.
pub fn table() -> &'static PriceTable {
    static TABLE: OnceLock<PriceTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Checked by `prices::tests::the_compiled_in_table_parses`: a broken file fails the build's tests.
        PriceTable::parse(US_EAST_1).expect("resources/prices/us-east-1.json parses (tested)")
    })
}

/// An estimate of `items` with `assumptions`, naming the compiled-in table as its source.
pub fn estimate(items: Vec<CostItem>, assumptions: Vec<String>) -> Estimate {
    Estimate { items, assumptions, prices: table().source_line() }
}

/// A price per size (instance class, node type), or an error naming the size and the table.
pub fn sized(prices: &BTreeMap<String, f64>, size: &str, what: &str) -> Result<f64, String> {
    prices
        .get(size)
        .copied()
        .ok_or_else(|| format!("{what} `{size}` is not in the price table (resources/prices/us-east-1.json)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_table_parses() {
        let t = PriceTable::parse(US_EAST_1).unwrap();
        assert_eq!(t.region, "us-east-1");
        assert_eq!(t.hours_per_month, 730.0);
        assert!(t.as_of.len() == 10 && t.source.contains("AWS"), "{t:?}");
    }

    #[test]
    fn a_table_missing_a_price_is_refused() {
        let mut v: serde_json::Value = serde_json::from_str(US_EAST_1).unwrap();
        v["ec2"].as_object_mut().unwrap().remove("nat_gateway_hour");
        let err = PriceTable::parse(&v.to_string()).unwrap_err().to_string();
        assert!(err.contains("nat_gateway_hour"), "{err}");
    }

    #[test]
    fn an_unknown_size_is_named() {
        let err = sized(&table().rds_postgres.instance_hour, "db.x9.huge", "instance class").unwrap_err();
        assert!(err.contains("db.x9.huge") && err.contains("us-east-1.json"), "{err}");
    }
}

#[cfg(test)]
#[path = "prices_tests.rs"]
mod estimates;
