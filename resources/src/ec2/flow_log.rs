//! `aws:ec2:FlowLog`: the IP traffic of a VPC recorded to a CloudWatch Logs group (delivered
//! through an IAM role the flow logs service assumes) or to an S3 bucket. EC2 changes nothing of
//! a flow log but its tags, so every other field forces a replacement (create-first: a VPC may
//! have several flow logs, so the new one records before the old one goes).
//!
//! CreateFlowLogs carries the tags (TagSpecifications, `vpc-flow-log`) and a fresh `ClientToken`
//! (`kit::token`), so the SDK's own retries cannot make a second flow log. A flow log has no
//! unique name: it is found by both `plinth:*` tags (`ec2::find::owned`).
//!
//! # Guarantees
//! * A create that EC2 answers with an `Unsuccessful` item instead of a flow log fails with that
//!   item's code and message (EC2 answers such a request with HTTP 200).
//! * Delete is idempotent: an id EC2 no longer knows (an error or an `Unsuccessful` item with a
//!   `NotFound` code) is a flow log already gone.

use super::check;
use super::find::{missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{class_of_code, classify, ok_if_not_found};
use crate::kit::token;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ec2::types::{FlowLogsResourceType, ResourceType, UnsuccessfulItem};
use engine::{ErrorClass, Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

pub use values::{FlowLogDestinationType, FlowLogTrafficType};

mod values {
    use crate::kit::enums::aws_enum;

    aws_enum! {
        /// Which traffic is recorded.
        pub enum FlowLogTrafficType: aws_sdk_ec2::types::TrafficType { All = "ALL", Accept = "ACCEPT", Reject = "REJECT" }
    }

    aws_enum! {
        /// Where the records go.
        pub enum FlowLogDestinationType: aws_sdk_ec2::types::LogDestinationType {
            CloudWatchLogs = "cloud-watch-logs",
            S3 = "s3",
        }
    }
}

/// The aggregation intervals EC2 accepts, in seconds.
pub const AGGREGATION_INTERVALS: &[u32] = &[60, 600];

/// A VPC flow log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlowLog {
    /// The VPC whose traffic is recorded.
    pub vpc_id: Input<String>,
    pub traffic_type: FlowLogTrafficType,
    pub destination_type: FlowLogDestinationType,
    /// The log group's ARN (without `:*`; `aws:logs:LogGroup` output `arn`) or the bucket's ARN,
    /// optionally with a `/prefix`.
    pub destination: Input<String>,
    /// The role the flow logs service assumes to write to the log group; required for
    /// CloudWatch Logs, not allowed for S3.
    pub deliver_logs_permission_arn: Option<Input<String>>,
    /// Required: 60 or 600 seconds (the longest time a record may aggregate packets).
    pub max_aggregation_interval: u32,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowLogOutputs {
    pub flow_log_id: String,
}

impl Resource for FlowLog {
    const KIND: &'static str = "aws:ec2:FlowLog";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &[
        "vpc_id",
        "traffic_type",
        "destination_type",
        "destination",
        "deliver_logs_permission_arn",
        "max_aggregation_interval",
    ];
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = FlowLogOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &FlowLogOutputs) -> String {
        outputs.flow_log_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("vpc_id", &self.vpc_id);
        problems.extend(check::required("destination", &self.destination));
        if !AGGREGATION_INTERVALS.contains(&self.max_aggregation_interval) {
            problems.push(format!(
                "max_aggregation_interval {} must be one of {AGGREGATION_INTERVALS:?} seconds",
                self.max_aggregation_interval
            ));
        }
        problems.extend(self.destination_problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<FlowLogOutputs, ProviderError> {
        let interval = i32::try_from(self.max_aggregation_interval).map_err(|_| missing("interval that fits"))?;
        let out = cx
            .ec2()
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(self.vpc_id.as_str())
            .traffic_type(self.traffic_type.to_sdk())
            .log_destination_type(self.destination_type.to_sdk())
            .log_destination(self.destination.as_str())
            .set_deliver_logs_permission_arn(self.role())
            .max_aggregation_interval(interval)
            .set_tag_specifications(specification(ResourceType::VpcFlowLog, &self.tags))
            .client_token(token::fresh(64)?)
            .send()
            .await
            .map_err(|e| classify("CreateFlowLogs", e))?;
        if let Some(item) = out.unsuccessful().first() {
            return Err(unsuccessful("CreateFlowLogs", item));
        }
        let id = out.flow_log_ids().first().ok_or_else(|| missing("CreateFlowLogs flow log id"))?;
        Ok(FlowLogOutputs { flow_log_id: id.clone() })
    }

    super::find::reads_by_id!(aws_sdk_ec2::types::FlowLog, flow_log_id);

    async fn update(&self, old: &Self, out: &FlowLogOutputs, cx: &AwsContext) -> Result<FlowLogOutputs, ProviderError> {
        tags::sync::<Ec2>(cx, &out.flow_log_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &FlowLogOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.ec2().delete_flow_logs().flow_log_ids(&out.flow_log_id).send().await;
        let answer = match result.map_err(|e| classify("DeleteFlowLogs", e)) {
            // EC2 reports an id it could not delete as an `Unsuccessful` item, not as an error.
            Ok(done) => done.unsuccessful().first().map_or(Ok(()), |item| Err(unsuccessful("DeleteFlowLogs", item))),
            Err(e) => Err(e),
        };
        ok_if_not_found(answer)
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<FlowLogOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::FlowLog>(Self::KIND, meta, cx).await?;
        Ok(found.and_then(|f| f.flow_log_id().map(|id| FlowLogOutputs { flow_log_id: id.to_string() })))
    }
}

impl FlowLog {
    fn role(&self) -> Option<String> {
        self.deliver_logs_permission_arn.as_ref().map(|r| r.value().clone())
    }

    fn destination_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let role = self.deliver_logs_permission_arn.as_ref();
        match self.destination_type {
            FlowLogDestinationType::CloudWatchLogs => {
                if let Some(dest) = self.destination.known().filter(|d| !d.is_empty()) {
                    if !dest.starts_with("arn:") || !dest.contains(":logs:") || dest.ends_with(":*") {
                        problems.push(format!("destination `{dest}` must be a log group ARN without `:*`"));
                    }
                }
                match role.map(|r| r.known()) {
                    None => problems.push(
                        "deliver_logs_permission_arn is required for destination_type cloud-watch-logs".to_string(),
                    ),
                    Some(Some(arn)) if !arn.starts_with("arn:") || !arn.contains(":role/") => {
                        problems.push(format!("deliver_logs_permission_arn `{arn}` must be an IAM role ARN"));
                    }
                    _ => {}
                }
            }
            FlowLogDestinationType::S3 => {
                if let Some(dest) = self.destination.known().filter(|d| !d.is_empty()) {
                    if !dest.starts_with("arn:aws:s3:::") {
                        problems.push(format!("destination `{dest}` must be an S3 bucket ARN (arn:aws:s3:::...)"));
                    }
                }
                if role.is_some() {
                    problems.push("deliver_logs_permission_arn is not allowed for destination_type s3".to_string());
                }
            }
        }
        problems
    }
}

/// An `Unsuccessful` item of a flow log call as an error, classified by its code.
fn unsuccessful(operation: &str, item: &UnsuccessfulItem) -> ProviderError {
    let (code, message) = item.error().map(|e| (e.code(), e.message())).unwrap_or_default();
    let class = code.map_or(ErrorClass::Other, class_of_code);
    let resource = item.resource_id().unwrap_or("(no resource)");
    ProviderError::new(class, format!("{operation}: {resource}: {}: {}", code.unwrap_or("?"), message.unwrap_or("")))
}

impl FlowLog {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(
        &self,
        out: &FlowLogOutputs,
        live: aws_sdk_ec2::types::FlowLog,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let text = |v: Option<&str>| v.unwrap_or_default().to_string();
        let seen = FlowLog {
            vpc_id: Input::Value(text(live.resource_id())),
            traffic_type: live
                .traffic_type()
                .and_then(FlowLogTrafficType::from_sdk)
                .ok_or_else(|| missing("known flow log traffic type"))?,
            destination_type: live
                .log_destination_type()
                .and_then(FlowLogDestinationType::from_sdk)
                .ok_or_else(|| missing("known flow log destination type"))?,
            destination: Input::Value(text(live.log_destination())),
            deliver_logs_permission_arn: live.deliver_logs_permission_arn().map(|r| Input::Value(r.to_string())),
            max_aggregation_interval: live.max_aggregation_interval().and_then(|i| u32::try_from(i).ok()).unwrap_or(0),
            tags: tags::from_sdk(live.tags()),
        };
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }
}

crate::kit::kind!(FlowLog);

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/plinth/vpc";
    const ROLE: &str = "arn:aws:iam::123456789012:role/flow-logs";

    fn to_logs() -> FlowLog {
        FlowLog {
            vpc_id: "vpc-1".into(),
            destination: GROUP.into(),
            deliver_logs_permission_arn: Some(ROLE.into()),
            max_aggregation_interval: 600,
            ..Default::default()
        }
    }

    #[test]
    fn a_log_group_destination_needs_a_role() {
        assert_eq!(to_logs().validate(), Vec::<String>::new());
        let no_role = FlowLog { deliver_logs_permission_arn: None, ..to_logs() };
        assert_eq!(
            no_role.validate(),
            ["deliver_logs_permission_arn is required for destination_type cloud-watch-logs"]
        );
        let star = FlowLog { destination: format!("{GROUP}:*").into(), ..to_logs() };
        assert!(star.validate()[0].starts_with("destination `"), "{:?}", star.validate());
    }

    #[test]
    fn a_bucket_destination_takes_no_role_and_intervals_are_checked() {
        let s3 = FlowLog {
            destination_type: FlowLogDestinationType::S3,
            destination: "arn:aws:s3:::flow-logs/vpc".into(),
            deliver_logs_permission_arn: None,
            ..to_logs()
        };
        assert_eq!(s3.validate(), Vec::<String>::new());
        let bad = FlowLog { deliver_logs_permission_arn: Some(ROLE.into()), max_aggregation_interval: 300, ..s3 };
        let problems = bad.validate();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("max_aggregation_interval 300"));
        assert_eq!(problems[1], "deliver_logs_permission_arn is not allowed for destination_type s3");
        assert_eq!(serde_json::to_value(FlowLogDestinationType::CloudWatchLogs).expect("json"), "cloud-watch-logs");
    }
}
