//! `aws:ec2:Eip`: an Elastic IP address in the VPC domain. Only its tags change in place.

use super::find::{missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags;
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
    const PRICED: bool = true;
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = EipOutputs;
    type Context = AwsContext;

    /// A public IPv4 address, charged every hour it is allocated.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let items =
            vec![engine::cost::CostItem::new("public IPv4 address", t.hours(), "hours", t.ec2.public_ipv4_hour)];
        Ok(crate::prices::estimate(items, vec![]))
    }

    fn cloud_id(outputs: &EipOutputs) -> String {
        outputs.allocation_id.clone()
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<EipOutputs, ProviderError> {
        let out = cx
            .ec2()
            .allocate_address()
            .domain(DomainType::Vpc)
            .set_tag_specifications(specification(ResourceType::ElasticIp, &self.tags))
            .customize()
            .config_override(no_retry!(aws_sdk_ec2))
            .send()
            .await
            .map_err(|e| classify("AllocateAddress", e))?;
        Ok(EipOutputs {
            allocation_id: out.allocation_id().ok_or_else(|| missing("AllocateAddress allocation id"))?.to_string(),
            public_ip: out.public_ip().ok_or_else(|| missing("AllocateAddress public ip"))?.to_string(),
        })
    }

    super::find::reads_by_id!(aws_sdk_ec2::types::Address, allocation_id);

    async fn update(&self, old: &Self, out: &EipOutputs, cx: &AwsContext) -> Result<EipOutputs, ProviderError> {
        tags::sync::<Ec2>(cx, &out.allocation_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &EipOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.ec2().release_address().allocation_id(&out.allocation_id).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("ReleaseAddress", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<EipOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::Address>(Self::KIND, meta, cx).await?;
        found.as_ref().map(outputs_of).transpose()
    }
}

fn outputs_of(address: &Address) -> Result<EipOutputs, ProviderError> {
    Ok(EipOutputs {
        allocation_id: address.allocation_id().ok_or_else(|| missing("address allocation id"))?.to_string(),
        public_ip: address.public_ip().ok_or_else(|| missing("address public ip"))?.to_string(),
    })
}

impl Eip {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(
        &self,
        _out: &EipOutputs,
        address: aws_sdk_ec2::types::Address,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let outputs = outputs_of(&address)?;
        Ok(Some(Observed { inputs: Eip { tags: tags::from_sdk(address.tags()) }, outputs }))
    }
}

crate::kit::kind!(Eip);
