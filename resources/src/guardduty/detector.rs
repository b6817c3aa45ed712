//! `aws:guardduty:Detector`: GuardDuty switched on for the account in one region: whether it
//! runs, how often it publishes updated findings, and the protection features the program names
//! (S3 data events, EKS audit logs, ...). Everything changes in place (UpdateDetector), tags by
//! ARN (TagResource / UntagResource); tags and a fresh `clientToken` (`kit::token`) go on
//! CreateDetector.
//!
//! # Ownership
//! An account has at most one detector per region, and it has no name: `find` lists the
//! detectors (ListDetectors) and adopts the one there is only when its tags prove it is this
//! resource's (`kit::adopt`); a detector that does not is `Err(NotOwned)` naming its id and
//! tags, and so is `create` when AWS refuses a second detector because that one exists.
//!
//! # Assumptions
//! * Features the program does not list are not managed: `read` reports only the named ones
//!   (GetDetector lists every feature of the region), in the program's order.
//!
//! Emulator gaps (moto 5.2.5): CreateDetector makes a second detector instead of refusing it and
//! ignores `clientToken`, and the tag API (TagResource, UntagResource, ListTagsForResource) is
//! missing; `scripts/moto_patches/guardduty.py` adds them with AWS's semantics. moto reports
//! features as they were sent (AWS lists every feature), which the read rule above covers.

use super::tags::{to_map, GuardDuty};
use super::{detector_arn, detector_ids, missing, reclassify, sdk};
use crate::error::{classify, none_if_not_found, ok_if_not_found};
use crate::kit::{adopt, token};
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use values::{DetectorFeature, FeatureStatus, FindingFrequency};

mod values {
    use crate::kit::enums::aws_enum;

    aws_enum! {
        /// How often GuardDuty publishes updates of findings it already reported.
        pub enum FindingFrequency: aws_sdk_guardduty::types::FindingPublishingFrequency {
            SixHours = "SIX_HOURS",
            OneHour = "ONE_HOUR",
            FifteenMinutes = "FIFTEEN_MINUTES",
        }
    }

    aws_enum! {
        /// A protection feature of a detector.
        pub enum DetectorFeature: aws_sdk_guardduty::types::DetectorFeature {
            S3DataEvents = "S3_DATA_EVENTS",
            EksAuditLogs = "EKS_AUDIT_LOGS",
            EbsMalwareProtection = "EBS_MALWARE_PROTECTION",
            RdsLoginEvents = "RDS_LOGIN_EVENTS",
            LambdaNetworkLogs = "LAMBDA_NETWORK_LOGS",
            RuntimeMonitoring = "RUNTIME_MONITORING",
        }
    }

    aws_enum! {
        /// Whether a feature is on.
        pub enum FeatureStatus: aws_sdk_guardduty::types::FeatureStatus { Enabled = "ENABLED", Disabled = "DISABLED" }
    }
}

/// One feature and whether it is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(default)]
pub struct Feature {
    pub name: DetectorFeature,
    pub status: FeatureStatus,
}

/// The account's GuardDuty detector in the region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Detector {
    /// Whether GuardDuty analyses events (a disabled detector keeps its findings).
    pub enable: bool,
    pub finding_publishing_frequency: FindingFrequency,
    /// Set-like: read keeps the program's order; each feature at most once.
    pub features: Vec<Feature>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorOutputs {
    pub detector_id: String,
    pub arn: String,
}

impl Resource for Detector {
    const KIND: &'static str = "aws:guardduty:Detector";
    const SERVICE: &'static str = "guardduty";
    type Outputs = DetectorOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &DetectorOutputs) -> String {
        outputs.detector_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let names: BTreeSet<DetectorFeature> = self.features.iter().map(|f| f.name).collect();
        if names.len() == self.features.len() {
            return Vec::new();
        }
        vec!["features: a feature is listed twice".to_string()]
    }

    async fn create(&self, meta: &Meta, cx: &AwsContext) -> Result<DetectorOutputs, ProviderError> {
        let call = cx
            .guardduty()
            .create_detector()
            .enable(self.enable)
            .finding_publishing_frequency(self.finding_publishing_frequency.to_sdk())
            .set_features(Some(self.sdk_features()?).filter(|f| !f.is_empty()))
            .set_tags(to_map(&self.tags))
            .client_token(token::fresh(64)?);
        let id = match call.send().await {
            Ok(out) => out.detector_id().ok_or_else(|| missing("CreateDetector detector id"))?.to_string(),
            Err(e) => return Err(refusal(cx, meta, reclassify(classify("CreateDetector", e))).await),
        };
        outputs(cx, &id).await
    }

    async fn read(&self, out: &DetectorOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = get(cx, &out.detector_id).await? else { return Ok(None) };
        let seen = Detector {
            enable: live.status() == Some(&sdk::types::DetectorStatus::Enabled),
            finding_publishing_frequency: live
                .finding_publishing_frequency()
                .and_then(FindingFrequency::from_sdk)
                .ok_or_else(|| missing("known finding publishing frequency"))?,
            features: self.named_features(live.features()),
            tags: live_tags(&live),
        };
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &DetectorOutputs,
        cx: &AwsContext,
    ) -> Result<DetectorOutputs, ProviderError> {
        let settings_changed = self.enable != old.enable
            || self.finding_publishing_frequency != old.finding_publishing_frequency
            || self.features != old.features;
        if settings_changed {
            let call = cx
                .guardduty()
                .update_detector()
                .detector_id(&out.detector_id)
                .enable(self.enable)
                .finding_publishing_frequency(self.finding_publishing_frequency.to_sdk())
                .set_features(Some(self.sdk_features()?).filter(|f| !f.is_empty()));
            call.send().await.map_err(|e| reclassify(classify("UpdateDetector", e)))?;
        }
        tags::sync::<GuardDuty>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &DetectorOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let deleted = cx.guardduty().delete_detector().detector_id(&out.detector_id).send().await;
        ok_if_not_found(deleted.map(|_| ()).map_err(|e| reclassify(classify("DeleteDetector", e))))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DetectorOutputs>, ProviderError> {
        let Some(id) = detector_ids(cx).await?.into_iter().next() else { return Ok(None) };
        let Some(live) = get(cx, &id).await? else { return Ok(None) };
        adopt(&format!("GuardDuty detector {id}"), &live_tags(&live), meta, outputs(cx, &id).await?)
    }
}

impl Detector {
    fn sdk_features(&self) -> Result<Vec<sdk::types::DetectorFeatureConfiguration>, ProviderError> {
        let feature = |f: &Feature| {
            sdk::types::DetectorFeatureConfiguration::builder().name(f.name.to_sdk()).status(f.status.to_sdk()).build()
        };
        Ok(self.features.iter().map(feature).collect())
    }

    /// The live state of the features the program names, in its order (a named feature GuardDuty
    /// does not report is left out: drift).
    fn named_features(&self, live: &[sdk::types::DetectorFeatureConfigurationResult]) -> Vec<Feature> {
        let status_of = |name: DetectorFeature| {
            let found = live.iter().find(|l| l.name().map(|n| n.as_str()) == Some(name.as_str()));
            found.and_then(|l| l.status()).and_then(FeatureStatus::from_sdk)
        };
        self.features.iter().filter_map(|f| status_of(f.name).map(|status| Feature { name: f.name, status })).collect()
    }
}

/// GetDetector, or `None` when the detector is gone.
async fn get(
    cx: &AwsContext,
    id: &str,
) -> Result<Option<sdk::operation::get_detector::GetDetectorOutput>, ProviderError> {
    let out = cx.guardduty().get_detector().detector_id(id).send().await;
    none_if_not_found(out.map_err(|e| reclassify(classify("GetDetector", e))))
}

fn live_tags(live: &sdk::operation::get_detector::GetDetectorOutput) -> Tags {
    let pairs = live.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()));
    tags::without_reserved(pairs)
}

async fn outputs(cx: &AwsContext, id: &str) -> Result<DetectorOutputs, ProviderError> {
    let account = crate::budgets::account_id(cx).await?;
    Ok(DetectorOutputs { detector_id: id.to_string(), arn: detector_arn(&cx.region, &account, id) })
}

/// A refused CreateDetector: when the account already has a detector here, `NotOwned` naming it
/// unless its tags prove it is this resource's (then AlreadyExists, which the engine's `find`
/// adopts); any other refusal as it came.
async fn refusal(cx: &AwsContext, meta: &Meta, e: ProviderError) -> ProviderError {
    let Ok(ids) = detector_ids(cx).await else { return e };
    let Some(id) = ids.into_iter().next() else { return e };
    match get(cx, &id).await {
        Ok(Some(live)) => match engine::prove_owned(&format!("GuardDuty detector {id}"), &live_tags(&live), meta) {
            Err(not_owned) => not_owned,
            Ok(()) => ProviderError { class: ErrorClass::AlreadyExists, ..e },
        },
        _ => e,
    }
}

crate::kit::kind!(Detector, unordered: ["features" by ["name"]]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_listed_once_and_serialize_as_aws_spells_them() {
        let s3 = Feature { name: DetectorFeature::S3DataEvents, status: FeatureStatus::Enabled };
        let ok = Detector { enable: true, features: vec![s3], ..Default::default() };
        assert!(ok.validate().is_empty());
        let twice = Detector { features: vec![s3, Feature { status: FeatureStatus::Disabled, ..s3 }], ..ok.clone() };
        assert_eq!(twice.validate(), ["features: a feature is listed twice"]);
        let json = serde_json::to_value(&ok).expect("json");
        assert_eq!(json["finding_publishing_frequency"], "SIX_HOURS");
        assert_eq!(json["features"][0], serde_json::json!({ "name": "S3_DATA_EVENTS", "status": "ENABLED" }));
    }

    #[test]
    fn only_the_named_features_are_read() {
        let result = |name: &str, status| {
            sdk::types::DetectorFeatureConfigurationResult::builder()
                .name(sdk::types::DetectorFeatureResult::from(name))
                .status(status)
                .build()
        };
        let live = [
            result("CLOUD_TRAIL", sdk::types::FeatureStatus::Enabled),
            result("EKS_AUDIT_LOGS", sdk::types::FeatureStatus::Disabled),
        ];
        let program = Detector {
            features: vec![
                Feature { name: DetectorFeature::EksAuditLogs, status: FeatureStatus::Enabled },
                Feature { name: DetectorFeature::S3DataEvents, status: FeatureStatus::Enabled },
            ],
            ..Default::default()
        };
        let seen = program.named_features(&live);
        assert_eq!(seen, [Feature { name: DetectorFeature::EksAuditLogs, status: FeatureStatus::Disabled }]);
    }
}
