//! ELBv2 tagging: tags go on the create calls (from `crate::tags::to_sdk`); [`Elb`] is the API
//! behind the shared `crate::tags::{read, sync}` (DescribeTags, AddTags, RemoveTags), by ARN,
//! for load balancers, target groups, listeners and rules alike.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_elasticloadbalancingv2::types::Tag, optional);

/// The ELBv2 tag API.
pub struct Elb;

impl TagRead for Elb {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.elbv2().describe_tags().resource_arns(arn).send().await;
        let out = out.map_err(|e| classify("DescribeTags", e))?;
        let described = out.tag_descriptions().iter().find(|d| d.resource_arn() == Some(arn));
        Ok(described.map(|d| all_of(d.tags())).unwrap_or_default())
    }
}

impl TagWrite for Elb {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.elbv2().add_tags().resource_arns(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("AddTags", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.elbv2().remove_tags().resource_arns(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("RemoveTags", e))?;
        Ok(())
    }
}
