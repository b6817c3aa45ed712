//! The tags an object really carries, read with an independent SDK client (never the kind's own
//! code), one reader per service. Reserved `aws:` keys are left out, as Plinth leaves them.

use aws_smithy_types::error::display::DisplayErrorContext;
use engine::Tags;
use resources::AwsContext;
use serde_json::Value;

/// Which API holds a kind's tags, and how its outputs name the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagSource {
    /// DescribeTags on the cloud id.
    Ec2,
    /// ListTagsForResource on `outputs.arn`.
    Rds,
    /// ListTagsForResource on `outputs.arn`.
    ElastiCache,
    /// GetBucketTagging on `outputs.bucket`.
    S3,
    /// ListRoleTags on `outputs.name`.
    IamRole,
    /// ListPolicyTags on `outputs.arn`.
    IamPolicy,
    /// DescribeSecret on `outputs.arn`.
    Secret,
    /// ListTagsForResource (Parameter) on `outputs.name`.
    Ssm,
    /// ListTagsForResource on `outputs.arn`.
    Wafv2,
    /// ListTagsForResource on `outputs.arn` (ECS clusters, task definition revisions, services).
    Ecs,
    /// DescribeTags on `outputs.arn`.
    Elbv2,
    /// ListTagsForResource on the budget's ARN (from `outputs.account_id` and `outputs.name`).
    Budget,
    /// ListTagsForResource (ECR) on `outputs.arn`.
    Ecr,
    /// ListTagsForResource (CloudWatch Logs) on `outputs.arn`.
    Logs,
    /// ListTagsForCertificate on `outputs.arn`.
    Acm,
    /// A kind that is not taggable (`Resource::TAGGABLE = false`): there are no tags to read.
    Untagged,
    /// Application Auto Scaling ListTagsForResource on `outputs.arn` (scalable targets).
    AppAutoScaling,
    /// CloudFront ListTagsForResource on `outputs.arn` (distributions).
    CloudFront,
    /// SNS ListTagsForResource on `outputs.arn` (topics).
    Sns,
    /// CloudTrail ListTags on `outputs.arn` (trails).
    CloudTrail,
    /// GuardDuty ListTagsForResource on `outputs.arn` (detectors).
    GuardDuty,
    /// KMS ListResourceTags on the cloud id (the key id).
    Kms,
    /// CloudWatch ListTagsForResource on `outputs.arn` (metric and composite alarms).
    CloudWatch,
}

fn field<'a>(outputs: &'a Value, name: &str) -> Result<&'a str, String> {
    outputs.get(name).and_then(Value::as_str).ok_or_else(|| format!("outputs have no `{name}`: {outputs}"))
}

/// The SDK's error with its causes, cut to a line (moto's 500s carry a whole HTML page).
fn sdk_error<E: std::error::Error>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| {
        let text = DisplayErrorContext(e).to_string();
        format!("{what}: {}", text.chars().take(200).collect::<String>())
    }
}

fn collect<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs.filter(|(k, _)| !k.starts_with("aws:")).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The object's tags as `check` (an independent client) reads them.
pub async fn live_tags(check: &AwsContext, source: TagSource, cloud_id: &str, outputs: &Value) -> Result<Tags, String> {
    match source {
        TagSource::Ec2 => {
            let filter = aws_sdk_ec2::types::Filter::builder().name("resource-id").values(cloud_id).build();
            let out = check.ec2().describe_tags().filters(filter).send().await.map_err(sdk_error("DescribeTags"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
        TagSource::Rds => {
            let call = check.rds().list_tags_for_resource().resource_name(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tag_list().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
        TagSource::ElastiCache => {
            let call = check.elasticache().list_tags_for_resource().resource_name(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tag_list().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
        TagSource::S3 => {
            let call = check.s3().get_bucket_tagging().bucket(field(outputs, "bucket")?);
            let out = call.send().await.map_err(sdk_error("GetBucketTagging"))?;
            Ok(collect(out.tag_set().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::IamRole => {
            let call = check.iam().list_role_tags().role_name(field(outputs, "name")?);
            let out = call.send().await.map_err(sdk_error("ListRoleTags"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::IamPolicy => {
            let call = check.iam().list_policy_tags().policy_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListPolicyTags"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::Secret => {
            let call = check.secrets().describe_secret().secret_id(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("DescribeSecret"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
        TagSource::Ssm => {
            let call = check.ssm().list_tags_for_resource().resource_type("Parameter".into());
            let out = call.resource_id(field(outputs, "name")?).send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tag_list().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::Wafv2 => {
            let call = check.wafv2().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            let list = out.tag_info_for_resource().map(|t| t.tag_list()).unwrap_or_default();
            Ok(collect(list.iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::Ecs => {
            let call = check.ecs().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
        TagSource::Elbv2 => {
            let arn = field(outputs, "arn")?;
            let out = check.elbv2().describe_tags().resource_arns(arn).send().await.map_err(sdk_error("DescribeTags"))?;
            let described = out.tag_descriptions().iter().find(|d| d.resource_arn() == Some(arn));
            let tags = described.map(|d| d.tags()).unwrap_or_default();
            Ok(collect(tags.iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
        TagSource::Budget => {
            let (account, name) = (field(outputs, "account_id")?, field(outputs, "name")?);
            let arn = format!("arn:aws:budgets::{account}:budget/{name}");
            let out = check.budgets().list_tags_for_resource().resource_arn(arn).send().await;
            let out = out.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.resource_tags().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::Ecr => {
            let call = check.ecr().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::Logs => {
            let call = check.logs().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
        TagSource::Acm => {
            let call = check.acm().list_tags_for_certificate().certificate_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForCertificate"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key(), t.value().unwrap_or_default()))))
        }
        TagSource::Untagged => Err(format!("{cloud_id} is of a kind that is not taggable")),
        TagSource::AppAutoScaling => {
            let call = check.appautoscaling().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
        TagSource::CloudFront => {
            let call = check.cloudfront().list_tags_for_resource().resource(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            let items = out.tags().map(|t| t.items()).unwrap_or_default();
            Ok(collect(items.iter().map(|t| (t.key(), t.value().unwrap_or_default()))))
        }
        TagSource::Sns => {
            let call = check.sns().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key(), t.value()))))
        }
        TagSource::CloudTrail => {
            let arn = field(outputs, "arn")?;
            let out = check.cloudtrail().list_tags().resource_id_list(arn).send().await.map_err(sdk_error("ListTags"))?;
            let mine = out.resource_tag_list().iter().find(|r| r.resource_id() == Some(arn));
            let tags = mine.map(|r| r.tags_list()).unwrap_or_default();
            Ok(collect(tags.iter().map(|t| (t.key(), t.value().unwrap_or_default()))))
        }
        TagSource::GuardDuty => {
            let call = check.guardduty().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
        TagSource::Kms => {
            let out = check.kms().list_resource_tags().key_id(cloud_id).send().await;
            let out = out.map_err(sdk_error("ListResourceTags"))?;
            Ok(collect(out.tags().iter().map(|t| (t.tag_key(), t.tag_value()))))
        }
        TagSource::CloudWatch => {
            let call = check.cloudwatch().list_tags_for_resource().resource_arn(field(outputs, "arn")?);
            let out = call.send().await.map_err(sdk_error("ListTagsForResource"))?;
            Ok(collect(out.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
        }
    }
}

/// Gives object `cloud_id` the tags `tags` with `check` (for the look-alikes of kinds that adopt an
/// object AWS made): EC2 only, the one API such kinds use.
pub async fn write_tags(check: &AwsContext, source: TagSource, cloud_id: &str, tags: &Tags) -> Result<(), String> {
    if source != TagSource::Ec2 {
        return Err(format!("writing {source:?} tags is not supported by the suite"));
    }
    let sdk: Vec<aws_sdk_ec2::types::Tag> =
        tags.iter().map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build()).collect();
    let call = check.ec2().create_tags().resources(cloud_id).set_tags(Some(sdk));
    call.send().await.map_err(sdk_error("CreateTags"))?;
    Ok(())
}

/// Removes the keys of `tags` from object `cloud_id` with `check` (EC2 only, as [`write_tags`]).
pub async fn remove_tags(check: &AwsContext, source: TagSource, cloud_id: &str, tags: &Tags) -> Result<(), String> {
    if source != TagSource::Ec2 {
        return Err(format!("removing {source:?} tags is not supported by the suite"));
    }
    let keys: Vec<aws_sdk_ec2::types::Tag> = tags.keys().map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build()).collect();
    let call = check.ec2().delete_tags().resources(cloud_id).set_tags(Some(keys));
    call.send().await.map_err(sdk_error("DeleteTags"))?;
    Ok(())
}
