//! `aws:ec2:InternetGateway`: an internet gateway and its attachment to one VPC, both managed
//! here: create then attach; a new `vpc_id` moves the attachment in place; delete detaches first.

use super::find::{by_id, for_import, missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ec2::types::{AttachmentStatus, InternetGateway as SdkGateway, ResourceType};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InternetGateway {
    /// The VPC to attach to; empty leaves the gateway detached.
    pub vpc_id: Input<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGatewayOutputs {
    pub internet_gateway_id: String,
}

impl Resource for InternetGateway {
    const KIND: &'static str = "aws:ec2:InternetGateway";
    const SERVICE: &'static str = "ec2";
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = InternetGatewayOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &InternetGatewayOutputs) -> String {
        outputs.internet_gateway_id.clone()
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<InternetGatewayOutputs, ProviderError> {
        let out = cx
            .ec2()
            .create_internet_gateway()
            .set_tag_specifications(specification(ResourceType::InternetGateway, &self.tags))
            .customize()
            .config_override(no_retry!(aws_sdk_ec2))
            .send()
            .await
            .map_err(|e| classify("CreateInternetGateway", e))?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .ok_or_else(|| missing("CreateInternetGateway gateway id"))?
            .to_string();
        if !self.vpc_id.as_str().is_empty() {
            if let Err(e) = attach(cx, &id, self.vpc_id.as_str()).await {
                // Leave nothing half-made behind: the create failed as a whole. If this cleanup
                // fails too, the tagged gateway is adopted by `find` on the next run.
                if let Err(cleanup) = delete_gateway(cx, &id).await {
                    tracing::warn!(gateway = %id, error = %cleanup, "could not remove an unattached gateway");
                }
                return Err(e);
            }
        }
        Ok(InternetGatewayOutputs { internet_gateway_id: id })
    }

    super::find::reads_by_id!(aws_sdk_ec2::types::InternetGateway, internet_gateway_id);

    async fn update(
        &self,
        old: &Self,
        out: &InternetGatewayOutputs,
        cx: &AwsContext,
    ) -> Result<InternetGatewayOutputs, ProviderError> {
        let id = &out.internet_gateway_id;
        if self.vpc_id != old.vpc_id {
            let gateway = by_id::<aws_sdk_ec2::types::InternetGateway>(cx, id).await?.ok_or_else(|| gone(id))?;
            let attached = attached_vpcs(&gateway);
            for vpc in attached.iter().filter(|v| v.as_str() != self.vpc_id.as_str()) {
                detach(cx, id, vpc).await?;
            }
            if !self.vpc_id.as_str().is_empty() && !attached.iter().any(|v| v == self.vpc_id.as_str()) {
                attach(cx, id, self.vpc_id.as_str()).await?;
            }
        }
        tags::sync::<Ec2>(cx, id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &InternetGatewayOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let id = &out.internet_gateway_id;
        let Some(gateway) = by_id::<aws_sdk_ec2::types::InternetGateway>(cx, id).await? else { return Ok(()) };
        for vpc in attached_vpcs(&gateway) {
            ok_if_not_found(detach(cx, id, &vpc).await)?;
        }
        delete_gateway(cx, id).await
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<InternetGatewayOutputs, ProviderError> {
        let found = for_import::<aws_sdk_ec2::types::InternetGateway>(Self::KIND, cx, id).await?;
        let id = found.internet_gateway_id().ok_or_else(|| missing("internet gateway id"))?;
        Ok(InternetGatewayOutputs { internet_gateway_id: id.to_string() })
    }

    async fn write_tags(
        out: &InternetGatewayOutputs,
        old: &Tags,
        new: &Tags,
        cx: &AwsContext,
    ) -> Result<(), ProviderError> {
        tags::sync::<Ec2>(cx, &out.internet_gateway_id, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<InternetGatewayOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::InternetGateway>(Self::KIND, meta, cx).await?;
        found
            .map(|g| {
                Ok(InternetGatewayOutputs {
                    internet_gateway_id: g
                        .internet_gateway_id()
                        .ok_or_else(|| missing("internet gateway id"))?
                        .to_string(),
                })
            })
            .transpose()
    }
}

/// VPCs the gateway is attached to (or attaching to); detached ones do not count.
fn attached_vpcs(gateway: &SdkGateway) -> Vec<String> {
    gateway
        .attachments()
        .iter()
        .filter(|a| !matches!(a.state(), Some(AttachmentStatus::Detached | AttachmentStatus::Detaching)))
        .filter_map(|a| a.vpc_id().map(str::to_string))
        .collect()
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(engine::ErrorClass::NotFound, format!("internet gateway {id} no longer exists"))
}

/// Attaches the gateway. `Resource.AlreadyAssociated` while it is attached to `vpc_id` is
/// success: an earlier attempt of this call landed and its reply was lost (the SDK retried).
async fn attach(cx: &AwsContext, id: &str, vpc_id: &str) -> Result<(), ProviderError> {
    let call = cx.ec2().attach_internet_gateway().internet_gateway_id(id).vpc_id(vpc_id);
    let Err(error) = call.send().await.map_err(|e| classify("AttachInternetGateway", e)) else { return Ok(()) };
    if error.class != engine::ErrorClass::AlreadyExists {
        return Err(error);
    }
    match by_id::<SdkGateway>(cx, id).await? {
        Some(gateway) if attached_vpcs(&gateway).iter().any(|v| v == vpc_id) => Ok(()),
        _ => Err(error),
    }
}

async fn detach(cx: &AwsContext, id: &str, vpc_id: &str) -> Result<(), ProviderError> {
    let call = cx.ec2().detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc_id);
    call.send().await.map_err(|e| classify("DetachInternetGateway", e))?;
    Ok(())
}

async fn delete_gateway(cx: &AwsContext, id: &str) -> Result<(), ProviderError> {
    let result = cx.ec2().delete_internet_gateway().internet_gateway_id(id).send().await;
    ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteInternetGateway", e)))
}

impl InternetGateway {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(
        &self,
        out: &InternetGatewayOutputs,
        gateway: aws_sdk_ec2::types::InternetGateway,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let vpc_id = attached_vpcs(&gateway).into_iter().next().unwrap_or_default();
        let seen = InternetGateway { vpc_id: Input::Value(vpc_id), tags: tags::from_sdk(gateway.tags()) };
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }
}

crate::kit::kind!(InternetGateway);
