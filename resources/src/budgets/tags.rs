//! Budgets tagging: tags go on the CreateBudget call (`ResourceTags`, from
//! `crate::tags::to_sdk`); [`Budgets`] is the API behind the shared `crate::tags::{read, sync}`
//! (ListTagsForResource; UntagResource, TagResource), by the budget's ARN.
//!
//! Emulator gap (moto 5.2.5): ListTagsForResource, TagResource and UntagResource answer HTTP 500,
//! and CreateBudget ignores ResourceTags.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_budgets::types::ResourceTag;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(ResourceTag, required);

/// The Budgets tag API.
pub struct Budgets;

impl TagRead for Budgets {
    async fn list(cx: &AwsContext, arn: &str) -> Result<Tags, ProviderError> {
        let out = cx.budgets().list_tags_for_resource().resource_arn(arn).send().await;
        let out = out.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(all_of(out.resource_tags()))
    }
}

impl TagWrite for Budgets {
    async fn tag(cx: &AwsContext, arn: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.budgets().tag_resource().resource_arn(arn).set_resource_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("TagResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.budgets().untag_resource().resource_arn(arn).set_resource_tag_keys(Some(keys));
        call.send().await.map_err(|e| classify("UntagResource", e))?;
        Ok(())
    }
}
