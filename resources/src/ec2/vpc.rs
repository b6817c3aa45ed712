//! `aws:ec2:Vpc`: a VPC with its DNS attributes. The CIDR block forces a replacement; DNS flags
//! and tags change in place.

use super::check;
use super::find::{by_id, for_import, missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags;
use crate::wait::until_visible;
use crate::AwsContext;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};
use engine::{Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Vpc {
    pub cidr_block: String,
    /// Amazon-provided DNS resolution (on by default, as in AWS).
    pub enable_dns_support: bool,
    /// DNS hostnames for instances with public IPs (off by default, as in AWS).
    pub enable_dns_hostnames: bool,
    pub tags: Tags,
}

impl Default for Vpc {
    fn default() -> Self {
        Self { cidr_block: String::new(), enable_dns_support: true, enable_dns_hostnames: false, tags: Tags::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcOutputs {
    pub vpc_id: String,
}

impl Resource for Vpc {
    const KIND: &'static str = "aws:ec2:Vpc";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["cidr_block"];
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = VpcOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &VpcOutputs) -> String {
        outputs.vpc_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        check::cidr_block("cidr_block", &self.cidr_block)
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<VpcOutputs, ProviderError> {
        let out = cx
            .ec2()
            .create_vpc()
            .cidr_block(&self.cidr_block)
            .set_tag_specifications(specification(ResourceType::Vpc, &self.tags))
            .customize()
            .config_override(no_retry!(aws_sdk_ec2))
            .send()
            .await
            .map_err(|e| classify("CreateVpc", e))?;
        let vpc_id = out.vpc().and_then(|v| v.vpc_id()).ok_or_else(|| missing("CreateVpc vpc id"))?.to_string();
        // A new VPC has DNS support on and hostnames off: only differences need a call.
        // The VPC may not be visible to other calls yet (EC2 is eventually consistent).
        let what = format!("VPC {vpc_id}");
        if !self.enable_dns_support {
            until_visible(&what, || set_attribute(cx, &vpc_id, VpcAttributeName::EnableDnsSupport, false)).await?;
        }
        if self.enable_dns_hostnames {
            until_visible(&what, || set_attribute(cx, &vpc_id, VpcAttributeName::EnableDnsHostnames, true)).await?;
        }
        Ok(VpcOutputs { vpc_id })
    }

    async fn read(&self, out: &VpcOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        match by_id::<aws_sdk_ec2::types::Vpc>(cx, &out.vpc_id).await? {
            Some(vpc) => self.observed(out, vpc, cx).await,
            None => Ok(None),
        }
    }

    /// One DescribeVpcs for the batch; each VPC's two attributes (one call each, EC2 has no
    /// batch form) concurrently.
    async fn read_batch(
        batch: Vec<(Self, VpcOutputs)>,
        cx: &AwsContext,
    ) -> Vec<Result<Option<Observed<Self>>, ProviderError>> {
        super::find::read_batch(&batch, cx, |out| out.vpc_id.as_str(), |r, out, vpc| r.observed(out, vpc, cx)).await
    }

    async fn update(&self, old: &Self, out: &VpcOutputs, cx: &AwsContext) -> Result<VpcOutputs, ProviderError> {
        // Hostnames need DNS support: turn support on before hostnames, hostnames off before support.
        if self.enable_dns_support && !old.enable_dns_support {
            set_attribute(cx, &out.vpc_id, VpcAttributeName::EnableDnsSupport, true).await?;
        }
        if self.enable_dns_hostnames != old.enable_dns_hostnames {
            set_attribute(cx, &out.vpc_id, VpcAttributeName::EnableDnsHostnames, self.enable_dns_hostnames).await?;
        }
        if !self.enable_dns_support && old.enable_dns_support {
            set_attribute(cx, &out.vpc_id, VpcAttributeName::EnableDnsSupport, false).await?;
        }
        tags::sync::<Ec2>(cx, &out.vpc_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &VpcOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.ec2().delete_vpc().vpc_id(&out.vpc_id).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteVpc", e)))
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<VpcOutputs, ProviderError> {
        let found = for_import::<aws_sdk_ec2::types::Vpc>(Self::KIND, cx, id).await?;
        Ok(VpcOutputs { vpc_id: found.vpc_id().ok_or_else(|| missing("VPC id"))?.to_string() })
    }

    async fn write_tags(out: &VpcOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Ec2>(cx, &out.vpc_id, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<VpcOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::Vpc>(Self::KIND, meta, cx).await?;
        found.map(|v| Ok(VpcOutputs { vpc_id: v.vpc_id().ok_or_else(|| missing("VPC id"))?.to_string() })).transpose()
    }
}

/// ModifyVpcAttribute takes one attribute per call.
async fn set_attribute(cx: &AwsContext, vpc_id: &str, name: VpcAttributeName, on: bool) -> Result<(), ProviderError> {
    let value = AttributeBooleanValue::builder().value(on).build();
    let call = cx.ec2().modify_vpc_attribute().vpc_id(vpc_id);
    let call = match name {
        VpcAttributeName::EnableDnsHostnames => call.enable_dns_hostnames(value),
        _ => call.enable_dns_support(value),
    };
    call.send().await.map_err(|e| classify("ModifyVpcAttribute", e))?;
    Ok(())
}

async fn get_attribute(cx: &AwsContext, vpc_id: &str, name: VpcAttributeName) -> Result<bool, ProviderError> {
    let out = cx
        .ec2()
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(|e| classify("DescribeVpcAttribute", e))?;
    let value = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    value.and_then(|v| v.value()).ok_or_else(|| missing(&format!("VPC attribute {}", name.as_str())))
}

impl Vpc {
    /// What the cloud has, from the VPC as described and its DNS attributes.
    async fn observed(
        &self,
        out: &VpcOutputs,
        vpc: aws_sdk_ec2::types::Vpc,
        cx: &AwsContext,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let mut seen = self.clone();
        seen.cidr_block = vpc.cidr_block().ok_or_else(|| missing("VPC cidr block"))?.to_string();
        seen.tags = tags::from_sdk(vpc.tags());
        (seen.enable_dns_support, seen.enable_dns_hostnames) = futures::try_join!(
            get_attribute(cx, &out.vpc_id, VpcAttributeName::EnableDnsSupport),
            get_attribute(cx, &out.vpc_id, VpcAttributeName::EnableDnsHostnames),
        )?;
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }
}

crate::kit::kind!(Vpc);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_aws() {
        let vpc: Vpc = serde_json::from_value(serde_json::json!({ "cidr_block": "10.0.0.0/16" })).expect("decodes");
        assert!(vpc.enable_dns_support);
        assert!(!vpc.enable_dns_hostnames);
        assert!(vpc.validate().is_empty());
    }

    #[test]
    fn bad_cidr_is_named() {
        let vpc = Vpc { cidr_block: "10.0.0.0/33".into(), ..Default::default() };
        assert_eq!(vpc.validate(), ["cidr_block `10.0.0.0/33` is not a valid IPv4 CIDR"]);
    }
}
