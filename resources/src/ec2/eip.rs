//! `aws:ec2:Eip`: an Elastic IP address in the VPC domain. Only its tags change in place.

use super::find::{find_address, missing, single, tag_filters, tagged_as};
use super::tags;
use crate::error::{classify, ok_if_not_found};
use crate::AwsContext;
use aws_sdk_ec2::types::{Address, DomainType, ResourceType};
use engine::{Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Eip {
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EipOutputs {
    pub allocation_id: String,
    pub public_ip: String,
}

impl Resource for Eip {
    const KIND: &'static str = "aws:ec2:Eip";
    const SERVICE: &'static str = "ec2";
    type Outputs = EipOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &EipOutputs) -> String {
        outputs.allocation_id.clone()
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<EipOutputs, ProviderError> {
        let out = cx
            .ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .set_tag_specifications(tags::specification(ResourceType::ElasticIp, &self.tags))
            .send()
            .await
            .map_err(|e| classify("AllocateAddress", e))?;
        Ok(EipOutputs {
            allocation_id: out.allocation_id().ok_or_else(|| missing("AllocateAddress allocation id"))?.to_string(),
            public_ip: out.public_ip().ok_or_else(|| missing("AllocateAddress public ip"))?.to_string(),
        })
    }

    async fn read(&self, out: &EipOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(address) = find_address(cx, &out.allocation_id).await? else { return Ok(None) };
        let outputs = outputs_of(&address)?;
        Ok(Some(Observed { inputs: Eip { tags: tags::from_sdk(address.tags()) }, outputs }))
    }

    async fn update(&self, old: &Self, out: &EipOutputs, cx: &AwsContext) -> Result<EipOutputs, ProviderError> {
        tags::sync(cx, &out.allocation_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &EipOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.ec2.release_address().allocation_id(&out.allocation_id).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("ReleaseAddress", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<EipOutputs>, ProviderError> {
        let out = cx
            .ec2
            .describe_addresses()
            .set_filters(Some(tag_filters(meta)))
            .send()
            .await
            .map_err(|e| classify("DescribeAddresses", e))?;
        let mut found = Vec::new();
        for address in out.addresses().iter().filter(|a| tagged_as(a.tags(), meta)) {
            let outputs = outputs_of(address)?;
            found.push((outputs.allocation_id.clone(), outputs));
        }
        single(Self::KIND, meta, found)
    }
}

fn outputs_of(address: &Address) -> Result<EipOutputs, ProviderError> {
    Ok(EipOutputs {
        allocation_id: address.allocation_id().ok_or_else(|| missing("address allocation id"))?.to_string(),
        public_ip: address.public_ip().ok_or_else(|| missing("address public ip"))?.to_string(),
    })
}
