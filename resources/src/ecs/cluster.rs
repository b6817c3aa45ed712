//! `aws:ecs:Cluster`: an ECS cluster for Fargate tasks: Container Insights, the Fargate
//! capacity providers it may use and its default capacity provider strategy.
//!
//! The name is unique per account and region, so a rename deletes first. Everything else
//! changes in place: Container Insights with UpdateCluster (settings), the providers and the
//! strategy with PutClusterCapacityProviders, tags with TagResource / UntagResource.
//!
//! # Guarantees
//! * Delete is idempotent; a cluster that still has services or tasks is refused as a
//!   `Conflict` that says so (ECS does not delete it).
//! * An INACTIVE cluster (deleted; ECS lists it for a while) counts as gone for read and find.
//!
//! # Assumptions
//! * A cluster whose settings do not mention `containerInsights` has it disabled (Plinth always
//!   sends it). Capacity providers other than FARGATE / FARGATE_SPOT (Auto Scaling group
//!   providers) are not modeled and are left out of a read.
//!
//! Emulator gap (moto 5.2.5): DeleteCluster never answers ClusterContainsServicesException
//! (moto does not count a cluster's services), so the refusal is unit-tested only.

use super::container::in_program_order;
use super::revisions::missing;
use super::tags::Ecs;
use crate::error::classify;
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ecs::types::{self as sdk, ClusterField, ClusterSettingName};
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use super::strategy::{CapacityProvider, StrategyItem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use values::ContainerInsights;

/// Enumerations whose values the SDK carries as plain strings.
#[allow(clippy::ptr_arg)]
mod values {
    use crate::kit::enums::aws_enum;

    aws_enum! {
        /// CloudWatch Container Insights for the cluster.
        pub enum ContainerInsights: String { Disabled = "disabled", Enabled = "enabled", Enhanced = "enhanced" }
    }
}


/// An ECS cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    /// Unique per region: 1 to 255 letters, digits, `-` or `_`.
    pub name: String,
    pub container_insights: ContainerInsights,
    /// Set-like: read keeps the program's order.
    pub capacity_providers: Vec<CapacityProvider>,
    /// Used by services that name no strategy or launch type; its providers must be listed in
    /// `capacity_providers`.
    pub default_capacity_provider_strategy: Vec<StrategyItem>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for Cluster {
    const KIND: &'static str = "aws:ecs:Cluster";
    const SERVICE: &'static str = "ecs";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = ClusterOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &ClusterOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !super::checks::is_name(&self.name, 255) {
            problems.push(format!("name `{}` must be 1 to 255 letters, digits, `-` or `_`", self.name));
        }
        let listed: BTreeSet<CapacityProvider> = self.capacity_providers.iter().copied().collect();
        if listed.len() != self.capacity_providers.len() {
            problems.push("capacity_providers: a provider is listed twice".to_string());
        }
        problems.extend(strategy_problems(&self.default_capacity_provider_strategy, &listed));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<ClusterOutputs, ProviderError> {
        let call = cx
            .ecs()
            .create_cluster()
            .cluster_name(&self.name)
            .settings(self.insights_setting())
            .set_capacity_providers(Some(self.providers()).filter(|p| !p.is_empty()))
            .set_default_capacity_provider_strategy(Some(self.strategy()?).filter(|s| !s.is_empty()))
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_ecs)).send().await;
        let out = out.map_err(|e| classify("CreateCluster", e))?;
        outputs_of(out.cluster().ok_or_else(|| missing("CreateCluster cluster"))?)
    }

    async fn read(&self, out: &ClusterOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = describe(cx, &out.name).await? else { return Ok(None) };
        let providers: Vec<CapacityProvider> =
            live.capacity_providers().iter().filter_map(CapacityProvider::from_sdk).collect();
        let strategy = StrategyItem::from_sdk(live.default_capacity_provider_strategy())?;
        let seen = Cluster {
            name: live.cluster_name().ok_or_else(|| missing("cluster name"))?.to_string(),
            container_insights: insights(live.settings())?,
            capacity_providers: in_program_order(&self.capacity_providers, providers),
            default_capacity_provider_strategy: in_program_order(&self.default_capacity_provider_strategy, strategy),
            tags: tags::from_sdk(live.tags()),
        };
        Ok(Some(Observed { inputs: seen, outputs: outputs_of(&live)? }))
    }

    async fn update(&self, old: &Self, out: &ClusterOutputs, cx: &AwsContext) -> Result<ClusterOutputs, ProviderError> {
        if self.container_insights != old.container_insights {
            let call = cx.ecs().update_cluster().cluster(&out.name).settings(self.insights_setting());
            call.send().await.map_err(|e| classify("UpdateCluster", e))?;
        }
        let providers_changed = self.capacity_providers != old.capacity_providers
            || self.default_capacity_provider_strategy != old.default_capacity_provider_strategy;
        if providers_changed {
            let call = cx
                .ecs()
                .put_cluster_capacity_providers()
                .cluster(&out.name)
                .set_capacity_providers(Some(self.providers()))
                .set_default_capacity_provider_strategy(Some(self.strategy()?));
            call.send().await.map_err(|e| classify("PutClusterCapacityProviders", e))?;
        }
        tags::sync::<Ecs>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &ClusterOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.ecs().delete_cluster().cluster(&out.name).send().await;
        match result.map_err(|e| classify("DeleteCluster", e)) {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(delete_refusal(&out.name, e)),
        }
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<ClusterOutputs>, ProviderError> {
        let Some(live) = describe(cx, &self.name).await? else { return Ok(None) };
        adopt(&format!("ECS cluster {}", self.name), &tags::from_sdk(live.tags()), meta, outputs_of(&live)?)
    }
}

impl Cluster {
    fn insights_setting(&self) -> sdk::ClusterSetting {
        let setting = sdk::ClusterSetting::builder().name(ClusterSettingName::ContainerInsights);
        setting.value(self.container_insights.as_str()).build()
    }

    fn providers(&self) -> Vec<String> {
        self.capacity_providers.iter().map(|p| p.to_sdk()).collect()
    }

    fn strategy(&self) -> Result<Vec<sdk::CapacityProviderStrategyItem>, ProviderError> {
        self.default_capacity_provider_strategy.iter().map(StrategyItem::to_sdk).collect()
    }
}

/// The ACTIVE (or provisioning) cluster `name` with its tags and settings; `None` when it is
/// missing or INACTIVE.
async fn describe(cx: &AwsContext, name: &str) -> Result<Option<sdk::Cluster>, ProviderError> {
    let call = cx.ecs().describe_clusters().clusters(name).include(ClusterField::Tags).include(ClusterField::Settings);
    let out = call.send().await.map_err(|e| classify("DescribeClusters", e))?;
    let found = out.clusters().iter().find(|c| c.cluster_name() == Some(name));
    Ok(found.filter(|c| c.status() != Some("INACTIVE")).cloned())
}

fn outputs_of(live: &sdk::Cluster) -> Result<ClusterOutputs, ProviderError> {
    Ok(ClusterOutputs {
        name: live.cluster_name().ok_or_else(|| missing("cluster name"))?.to_string(),
        arn: live.cluster_arn().ok_or_else(|| missing("cluster ARN"))?.to_string(),
    })
}

/// The live Container Insights setting (none reported: disabled).
fn insights(settings: &[sdk::ClusterSetting]) -> Result<ContainerInsights, ProviderError> {
    let setting = settings.iter().find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights));
    let Some(value) = setting.and_then(|s| s.value()) else { return Ok(ContainerInsights::Disabled) };
    ContainerInsights::from_sdk(&value.to_string())
        .ok_or_else(|| missing(&format!("known containerInsights value (got `{value}`)")))
}

/// A refused DeleteCluster in words the user can act on.
fn delete_refusal(name: &str, e: ProviderError) -> ProviderError {
    if e.class != ErrorClass::Conflict {
        return e;
    }
    let message = format!(
        "ECS cluster {name} still has services or tasks, so ECS will not delete it: delete (or move) its \
         services first ({})",
        e.message
    );
    ProviderError { class: ErrorClass::Conflict, message, source: e.source }
}

fn strategy_problems(strategy: &[StrategyItem], listed: &BTreeSet<CapacityProvider>) -> Vec<String> {
    const FIELD: &str = "default_capacity_provider_strategy";
    let mut problems: Vec<String> = strategy
        .iter()
        .enumerate()
        .filter(|(_, item)| !listed.contains(&item.provider))
        .map(|(i, item)| format!("{FIELD}[{i}].provider {} is not in capacity_providers", item.provider))
        .collect();
    problems.extend(super::strategy::problems(FIELD, strategy));
    problems
}

crate::kit::kind!(Cluster, unordered: ["capacity_providers", "default_capacity_provider_strategy"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        Cluster {
            name: "apps".into(),
            container_insights: ContainerInsights::Enabled,
            capacity_providers: vec![CapacityProvider::Fargate, CapacityProvider::FargateSpot],
            default_capacity_provider_strategy: vec![
                StrategyItem { provider: CapacityProvider::Fargate, weight: 1, base: 1 },
                StrategyItem { provider: CapacityProvider::FargateSpot, weight: 3, base: 0 },
            ],
            tags: Tags::new(),
        }
    }

    #[test]
    fn a_typical_cluster_is_valid_and_serializes_aws_spellings() {
        assert_eq!(cluster().validate(), Vec::<String>::new());
        let json = serde_json::to_value(cluster()).expect("json");
        assert_eq!(json["container_insights"], "enabled");
        assert_eq!(json["capacity_providers"], serde_json::json!(["FARGATE", "FARGATE_SPOT"]));
        assert_eq!(json["default_capacity_provider_strategy"][1]["provider"], "FARGATE_SPOT");
    }

    #[test]
    fn strategy_problems_name_the_item() {
        let bad = Cluster {
            name: "my apps".into(),
            capacity_providers: vec![CapacityProvider::Fargate],
            default_capacity_provider_strategy: vec![
                StrategyItem { provider: CapacityProvider::FargateSpot, weight: 0, base: 2 },
                StrategyItem { provider: CapacityProvider::Fargate, weight: 0, base: 1 },
            ],
            ..cluster()
        };
        let problems = bad.validate();
        assert!(problems.iter().any(|p| p.starts_with("name `my apps`")), "{problems:?}");
        assert!(
            problems.iter().any(
                |p| p == "default_capacity_provider_strategy[0].provider FARGATE_SPOT is not in capacity_providers"
            ),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("only one provider may have a base")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("needs a weight above 0")), "{problems:?}");
    }

    #[test]
    fn a_cluster_with_services_is_a_conflict_that_says_so() {
        let refused = ProviderError::new(
            ErrorClass::Conflict,
            "DeleteCluster: ClusterContainsServicesException: The Cluster cannot be deleted while Services are active.",
        );
        let e = delete_refusal("apps", refused);
        assert_eq!(e.class, ErrorClass::Conflict);
        assert!(e.message.starts_with("ECS cluster apps still has services or tasks"), "{}", e.message);
        assert!(e.message.contains("ClusterContainsServicesException"), "the AWS code stays visible: {}", e.message);
        let code = crate::error::class_of_code("ClusterContainsServicesException");
        assert_eq!(code, ErrorClass::Conflict, "ECS's code is declared a conflict");
        let other = delete_refusal("apps", ProviderError::new(ErrorClass::AccessDenied, "denied"));
        assert_eq!((other.class, other.message.as_str()), (ErrorClass::AccessDenied, "denied"));
    }

    #[test]
    fn insights_are_read_from_the_settings() {
        let setting =
            |v: &str| sdk::ClusterSetting::builder().name(ClusterSettingName::ContainerInsights).value(v).build();
        assert_eq!(insights(&[setting("enhanced")]).expect("known"), ContainerInsights::Enhanced);
        assert_eq!(insights(&[]).expect("none"), ContainerInsights::Disabled);
        assert!(insights(&[setting("sometimes")]).is_err(), "an unknown value is not guessed");
    }
}
