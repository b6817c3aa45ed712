//! ECS tagging: tags go on the create calls (CreateCluster, RegisterTaskDefinition,
//! CreateService take `tags`); [`Ecs`] is the API behind the shared `crate::tags::{read, sync}`
//! (ListTagsForResource; UntagResource, TagResource), by ARN.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_ecs::types::Tag, optional);

/// The ECS tag API.
pub struct Ecs;

impl TagRead for Ecs {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.ecs().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(all_of(out.tags()))
    }
}

impl TagWrite for Ecs {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.ecs().tag_resource().resource_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.ecs().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
