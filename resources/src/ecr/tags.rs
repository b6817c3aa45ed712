//! ECR tagging: tags go on CreateRepository (from `crate::tags::to_sdk`); [`Ecr`] is the API
//! behind the shared `crate::tags::{read, sync}` (ListTagsForResource; UntagResource,
//! TagResource), by repository ARN.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_ecr::types::Tag, required);

/// The ECR tag API.
pub struct Ecr;

impl TagRead for Ecr {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.ecr().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(all_of(out.tags()))
    }
}

impl TagWrite for Ecr {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.ecr().tag_resource().resource_arn(arn).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.ecr().untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
