//! EC2 tagging: `TagSpecification`s so tags exist from the moment an object does, and the EC2
//! calls behind the shared sync (`crate::tags::sync::<Ec2>`: DeleteTags, then CreateTags, for
//! exactly the difference). Live tags come with every describe answer (`crate::tags::from_sdk`).

use crate::error::classify;
use crate::tags::{to_sdk, TagWrite};
use crate::AwsContext;
use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use engine::{ProviderError, Tags};

crate::tags::sdk_tag!(Tag, optional);

/// The EC2 tag API (CreateTags / DeleteTags by resource id).
pub struct Ec2;

impl TagWrite for Ec2 {
    async fn tag(cx: &AwsContext, id: &str, tags: &Tags) -> Result<(), ProviderError> {
        let call = cx.ec2().create_tags().resources(id).set_tags(to_sdk(tags)?);
        call.send().await.map_err(|e| classify("CreateTags", e))?;
        Ok(())
    }

    async fn untag(cx: &AwsContext, id: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let keys = keys.iter().map(|k| Tag::builder().key(k).build()).collect();
        cx.ec2()
            .delete_tags()
            .resources(id)
            .set_tags(Some(keys))
            .send()
            .await
            .map_err(|e| classify("DeleteTags", e))?;
        Ok(())
    }
}

/// The tag specifications for a create call: none when there are no tags (EC2 rejects an
/// empty specification).
pub fn specification(resource_type: ResourceType, tags: &Tags) -> Option<Vec<TagSpecification>> {
    let tags: Vec<Tag> = to_sdk(tags).ok()??;
    Some(vec![TagSpecification::builder().resource_type(resource_type).set_tags(Some(tags)).build()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{from_pairs as tags, from_sdk};

    #[test]
    fn no_specification_without_tags() {
        assert!(specification(ResourceType::Vpc, &Tags::new()).is_none());
        let spec = specification(ResourceType::Vpc, &tags(&[("plinth:name", "vpc")])).expect("some");
        assert_eq!(spec[0].tags().len(), 1);
        assert_eq!(spec[0].resource_type(), Some(&ResourceType::Vpc));
    }

    #[test]
    fn sdk_round_trip_leaves_aws_tags_out() {
        let t = tags(&[("Environment", "dev"), ("plinth:name", "vpc")]);
        let mut sdk: Vec<Tag> = to_sdk(&t).expect("ok").expect("some");
        sdk.push(Tag::builder().key("aws:cloudformation:stack-name").value("x").build());
        assert_eq!(from_sdk(&sdk), t);
    }
}
