//! Parameter tagging: tags go in PutParameter at creation (AWS refuses them together with
//! Overwrite); [`Ssm`] is the API behind the shared `crate::tags::{read, sync}`
//! (ListTagsForResource; RemoveTagsFromResource, AddTagsToResource), by parameter name.

use crate::error::classify;
use crate::tags::{all_of, to_sdk, TagRead, TagWrite};
use crate::AwsContext;
use aws_sdk_ssm::types::ResourceTypeForTagging::Parameter;
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(aws_sdk_ssm::types::Tag, required);

/// The SSM tag API for parameters.
pub struct Ssm;

impl TagRead for Ssm {
    async fn list(cx: &AwsContext, name: &str) -> Result<Tags, ProviderError> {
        let call = cx.ssm().list_tags_for_resource().resource_type(Parameter).resource_id(name);
        let out = call.send().await.map_err(|e| classify("ListTagsForResource", e))?;
        Ok(all_of(out.tag_list()))
    }
}

impl TagWrite for Ssm {
    async fn tag(cx: &AwsContext, name: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.ssm().add_tags_to_resource().resource_type(Parameter).resource_id(name).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("AddTagsToResource", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, name: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = cx.ssm().remove_tags_from_resource().resource_type(Parameter).resource_id(name);
        call.set_tag_keys(Some(keys)).send().await.map_err(|e| classify("RemoveTagsFromResource", e))?;
        Ok(())
    }
}
