//! Capacity provider strategies, shared by the cluster's default strategy and a service's own:
//! the Fargate providers, one strategy entry, its SDK mapping and the rules every strategy obeys.
//!
//! # Guarantees
//! * `from_sdk(to_sdk(x)) == x` for every entry (tested), so an unchanged strategy reads equal.
//! * [`problems`] names the entry at fault by the field the program used.

use crate::error::build_error;
use aws_sdk_ecs::types as sdk;
use engine::{ErrorClass, ProviderError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use values::CapacityProvider;

/// The SDK carries provider names as plain strings (`from_sdk` takes `&String`).
#[allow(clippy::ptr_arg)]
mod values {
    use crate::kit::enums::aws_enum;

    aws_enum! {
        /// The Fargate capacity providers.
        pub enum CapacityProvider: String { Fargate = "FARGATE", FargateSpot = "FARGATE_SPOT" }
    }
}

/// How `desired` tasks split between Fargate Spot and on demand under `strategy`, as ECS
/// places them: each entry's `base` first, the rest by weight (fractions kept: an average).
/// `(spot, on_demand)`; an empty strategy (launch type FARGATE) or one without weights is on demand.
pub fn spot_share(desired: u32, strategy: &[StrategyItem]) -> (f64, f64) {
    let mut left = f64::from(desired);
    let mut spot = 0.0;
    for item in strategy {
        let base = f64::from(item.base).min(left);
        left -= base;
        if item.provider == CapacityProvider::FargateSpot {
            spot += base;
        }
    }
    let total: u32 = strategy.iter().map(|i| i.weight).sum();
    let spot_weight: u32 =
        strategy.iter().filter(|i| i.provider == CapacityProvider::FargateSpot).map(|i| i.weight).sum();
    if total > 0 {
        spot += left * f64::from(spot_weight) / f64::from(total);
    }
    (spot, f64::from(desired) - spot)
}

/// One entry of a capacity provider strategy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StrategyItem {
    pub provider: CapacityProvider,
    /// Relative share of tasks, 0 to 1000.
    pub weight: u32,
    /// Tasks placed on this provider first, 0 to 100000 (only one entry may have a base).
    pub base: u32,
}

impl StrategyItem {
    pub fn to_sdk(&self) -> Result<sdk::CapacityProviderStrategyItem, ProviderError> {
        let to_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let item = sdk::CapacityProviderStrategyItem::builder().capacity_provider(self.provider.to_sdk());
        item.weight(to_i32(self.weight)).base(to_i32(self.base)).build().map_err(|e| build_error("strategy item", e))
    }

    /// The live strategy in input form; a provider Plinth does not model is an error naming it
    /// (never silently dropped: the next update would remove it).
    pub fn from_sdk(items: &[sdk::CapacityProviderStrategyItem]) -> Result<Vec<Self>, ProviderError> {
        let unsigned = |v: i32| u32::try_from(v).unwrap_or(0);
        items
            .iter()
            .map(|i| {
                let name = i.capacity_provider().to_string();
                let provider = CapacityProvider::from_sdk(&name).ok_or_else(|| {
                    let message = format!("the strategy uses capacity provider `{name}`, not FARGATE or FARGATE_SPOT");
                    ProviderError::new(ErrorClass::Other, message)
                })?;
                Ok(Self { provider, weight: unsigned(i.weight()), base: unsigned(i.base()) })
            })
            .collect()
    }
}

/// Problems of a whole strategy, each naming `field[i]`.
pub fn problems(field: &str, items: &[StrategyItem]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item.provider) {
            problems.push(format!("{field}[{i}].provider {} appears twice", item.provider));
        }
        if item.weight > 1000 {
            problems.push(format!("{field}[{i}].weight {} is more than 1000", item.weight));
        }
        if item.base > 100_000 {
            problems.push(format!("{field}[{i}].base {} is more than 100000", item.base));
        }
    }
    if items.iter().filter(|s| s.base > 0).count() > 1 {
        problems.push(format!("{field}: only one provider may have a base"));
    }
    if !items.is_empty() && items.iter().all(|s| s.weight == 0) {
        problems.push(format!("{field}: at least one provider needs a weight above 0"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_bad_strategies_are_named() {
        let items = vec![
            StrategyItem { provider: CapacityProvider::Fargate, weight: 1, base: 1 },
            StrategyItem { provider: CapacityProvider::FargateSpot, weight: 3, base: 0 },
        ];
        let sdk: Vec<_> = items.iter().map(|i| i.to_sdk().expect("builds")).collect();
        assert_eq!(StrategyItem::from_sdk(&sdk).expect("reads"), items);
        assert!(problems("s", &items).is_empty());
        let bad = vec![
            StrategyItem { provider: CapacityProvider::Fargate, weight: 0, base: 2 },
            StrategyItem { provider: CapacityProvider::Fargate, weight: 0, base: 1 },
        ];
        let p = problems("s", &bad);
        assert!(p.contains(&"s[1].provider FARGATE appears twice".to_string()), "{p:?}");
        assert!(p.iter().any(|m| m.contains("only one provider may have a base")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("weight above 0")), "{p:?}");
        assert_eq!(serde_json::to_value(CapacityProvider::FargateSpot).expect("json"), "FARGATE_SPOT");
    }
}
