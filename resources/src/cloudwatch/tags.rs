//! CloudWatch tagging, by ARN: tags go on PutMetricAlarm / PutCompositeAlarm when the alarm is
//! created (AWS ignores them when the call updates an existing alarm); [`CloudWatch`] is the API
//! behind the shared `crate::tags::{read, sync}` (ListTagsForResource; UntagResource,
//! TagResource). Only alarms (and Contributor Insights rules) are taggable: dashboards are not.

use crate::error::classify;
use crate::tags::{all_of, sdk_tag, to_sdk};
use crate::AwsContext;
use aws_sdk_cloudwatch::types::Tag;
use engine::{ProviderError, Tags};

sdk_tag!(Tag, optional);

/// The CloudWatch tag API.
pub struct CloudWatch;

impl crate::tags::TagRead for CloudWatch {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.cloudwatch().list_tags_for_resource().resource_arn(arn).send().await;
        Ok(all_of(out.map_err(|e| classify("ListTagsForResource", e))?.tags()))
    }
}

impl crate::tags::TagWrite for CloudWatch {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.cloudwatch().tag_resource().resource_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.cloudwatch().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
