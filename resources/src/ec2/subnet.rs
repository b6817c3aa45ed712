//! `aws:ec2:Subnet`: a subnet in a VPC. VPC, CIDR block and availability zone force a
//! replacement; public-IP-on-launch and tags change in place.

use super::check;
use super::find::{for_import, missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags;
use crate::wait::until_visible;
use crate::AwsContext;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Subnet {
    pub vpc_id: Input<String>,
    pub cidr_block: String,
    /// Empty lets AWS choose; the chosen zone is in the outputs.
    pub availability_zone: String,
    pub map_public_ip_on_launch: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubnetOutputs {
    pub subnet_id: String,
    pub availability_zone: String,
}

impl Resource for Subnet {
    const KIND: &'static str = "aws:ec2:Subnet";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["vpc_id", "cidr_block", "availability_zone"];
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = SubnetOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &SubnetOutputs) -> String {
        outputs.subnet_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("vpc_id", &self.vpc_id);
        problems.extend(check::cidr_block("cidr_block", &self.cidr_block));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<SubnetOutputs, ProviderError> {
        let zone = Some(self.availability_zone.clone()).filter(|z| !z.is_empty());
        let out = cx
            .ec2()
            .create_subnet()
            .vpc_id(self.vpc_id.as_str())
            .cidr_block(&self.cidr_block)
            .set_availability_zone(zone)
            .set_tag_specifications(specification(ResourceType::Subnet, &self.tags))
            .customize()
            .config_override(no_retry!(aws_sdk_ec2))
            .send()
            .await
            .map_err(|e| classify("CreateSubnet", e))?;
        let subnet = out.subnet().ok_or_else(|| missing("CreateSubnet subnet"))?;
        let outputs = outputs_of(subnet)?;
        if self.map_public_ip_on_launch {
            // The subnet may not be visible to other calls yet (EC2 is eventually consistent).
            let what = format!("subnet {}", outputs.subnet_id);
            until_visible(&what, || set_public_ip(cx, &outputs.subnet_id, true)).await?;
        }
        Ok(outputs)
    }

    super::find::reads_by_id!(aws_sdk_ec2::types::Subnet, subnet_id);

    async fn update(&self, old: &Self, out: &SubnetOutputs, cx: &AwsContext) -> Result<SubnetOutputs, ProviderError> {
        if self.map_public_ip_on_launch != old.map_public_ip_on_launch {
            set_public_ip(cx, &out.subnet_id, self.map_public_ip_on_launch).await?;
        }
        tags::sync::<Ec2>(cx, &out.subnet_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &SubnetOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.ec2().delete_subnet().subnet_id(&out.subnet_id).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteSubnet", e)))
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<SubnetOutputs, ProviderError> {
        let found = for_import::<aws_sdk_ec2::types::Subnet>(Self::KIND, cx, id).await?;
        outputs_of(&found)
    }

    async fn write_tags(out: &SubnetOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Ec2>(cx, &out.subnet_id, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<SubnetOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::Subnet>(Self::KIND, meta, cx).await?;
        found.as_ref().map(outputs_of).transpose()
    }
}

fn outputs_of(subnet: &aws_sdk_ec2::types::Subnet) -> Result<SubnetOutputs, ProviderError> {
    Ok(SubnetOutputs {
        subnet_id: subnet.subnet_id().ok_or_else(|| missing("subnet id"))?.to_string(),
        availability_zone: subnet.availability_zone().ok_or_else(|| missing("subnet availability zone"))?.to_string(),
    })
}

async fn set_public_ip(cx: &AwsContext, subnet_id: &str, on: bool) -> Result<(), ProviderError> {
    cx.ec2()
        .modify_subnet_attribute()
        .subnet_id(subnet_id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(on).build())
        .send()
        .await
        .map_err(|e| classify("ModifySubnetAttribute", e))?;
    Ok(())
}

impl Subnet {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(
        &self,
        _out: &SubnetOutputs,
        subnet: aws_sdk_ec2::types::Subnet,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let outputs = outputs_of(&subnet)?;
        let mut seen = self.clone();
        seen.vpc_id = Input::Value(subnet.vpc_id().ok_or_else(|| missing("subnet vpc id"))?.to_string());
        seen.cidr_block = subnet.cidr_block().ok_or_else(|| missing("subnet cidr block"))?.to_string();
        // A zone left empty was AWS's choice: reading it back must not look like a change.
        if !self.availability_zone.is_empty() {
            seen.availability_zone = outputs.availability_zone.clone();
        }
        seen.map_public_ip_on_launch = subnet.map_public_ip_on_launch().unwrap_or(false);
        seen.tags = tags::from_sdk(subnet.tags());
        Ok(Some(Observed { inputs: seen, outputs }))
    }
}

crate::kit::kind!(Subnet);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_is_checked_and_references_are_not() {
        let vpc_ref = Input::Ref(engine::input::Reference { resource: "vpc".into(), key: 0 });
        let ok = Subnet { vpc_id: vpc_ref, cidr_block: "10.0.1.0/24".into(), ..Default::default() };
        assert!(ok.validate().is_empty());
        let bad = Subnet { vpc_id: "".into(), cidr_block: "10.0.1.0/24x".into(), ..Default::default() };
        assert_eq!(bad.validate(), ["vpc_id must not be empty", "cidr_block `10.0.1.0/24x` is not a valid IPv4 CIDR"]);
    }
}
