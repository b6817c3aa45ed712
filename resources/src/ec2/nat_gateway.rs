//! `aws:ec2:NatGateway`: a public NAT gateway in a subnet with an Elastic IP. Subnet and
//! allocation force a replacement; tags change in place. Create waits for `available` and
//! delete for `deleted`, each with a named timeout (real AWS takes minutes for both).
//!
//! "Gone" has three shapes here: an error code (`NatGatewayNotFound`), an empty list (the
//! emulator), or the gateway in state `deleted` (it stays listed for about an hour). A `failed`
//! gateway never works and is deleted by AWS itself, so it counts as gone too.

use super::check;
use super::find::{by_id, missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::tags;
use crate::wait::{wait_for, Poll};
use crate::AwsContext;
use aws_sdk_ec2::types::{NatGatewayState, ResourceType};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a NAT gateway may take to become `available`.
pub const NAT_CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long a NAT gateway may take to become `deleted`.
pub const NAT_DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Time between two polls of a NAT gateway's state.
pub const NAT_POLL_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NatGateway {
    pub subnet_id: Input<String>,
    pub allocation_id: Input<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGatewayOutputs {
    pub nat_gateway_id: String,
}

impl Resource for NatGateway {
    const KIND: &'static str = "aws:ec2:NatGateway";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["subnet_id", "allocation_id"];
    const PRICED: bool = true;
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = NatGatewayOutputs;
    type Context = AwsContext;

    /// An hour charge all month and the data it processes (assumed: `assumed.nat_gb_per_month`).
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let gb = t.assumed.nat_gb_per_month;
        let items = vec![
            engine::cost::CostItem::new("NAT gateway", t.hours(), "hours", t.ec2.nat_gateway_hour),
            engine::cost::CostItem::new("data processed", gb, "GB", t.ec2.nat_gateway_gb),
        ];
        Ok(crate::prices::estimate(items, vec![format!("{gb} GB a month through the NAT gateway")]))
    }

    fn cloud_id(outputs: &NatGatewayOutputs) -> String {
        outputs.nat_gateway_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("subnet_id", &self.subnet_id);
        problems.extend(check::required("allocation_id", &self.allocation_id));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<NatGatewayOutputs, ProviderError> {
        let out = cx
            .ec2()
            .create_nat_gateway()
            .subnet_id(self.subnet_id.as_str())
            .allocation_id(self.allocation_id.as_str())
            .set_tag_specifications(specification(ResourceType::Natgateway, &self.tags))
            .send()
            .await
            .map_err(|e| classify("CreateNatGateway", e))?;
        let id = out
            .nat_gateway()
            .and_then(|n| n.nat_gateway_id())
            .ok_or_else(|| missing("CreateNatGateway gateway id"))?
            .to_string();
        wait_available(cx, &id).await?;
        Ok(NatGatewayOutputs { nat_gateway_id: id })
    }

    super::find::reads_by_id!(aws_sdk_ec2::types::NatGateway, nat_gateway_id);

    async fn update(
        &self,
        old: &Self,
        out: &NatGatewayOutputs,
        cx: &AwsContext,
    ) -> Result<NatGatewayOutputs, ProviderError> {
        tags::sync::<Ec2>(cx, &out.nat_gateway_id, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &NatGatewayOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let id = &out.nat_gateway_id;
        // Look first: a gateway already `deleted` needs no call (and the emulator answers a
        // delete of an unknown id with a 500, not a NotFound code).
        match by_id::<aws_sdk_ec2::types::NatGateway>(cx, id).await? {
            None => return Ok(()),
            Some(nat) if nat.state() == Some(&NatGatewayState::Deleted) => return Ok(()),
            Some(_) => {}
        }
        let result = cx.ec2().delete_nat_gateway().nat_gateway_id(id).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteNatGateway", e)))?;
        wait_deleted(cx, id).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<NatGatewayOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::NatGateway>(Self::KIND, meta, cx).await?;
        found
            .map(|n| {
                Ok(NatGatewayOutputs {
                    nat_gateway_id: n.nat_gateway_id().ok_or_else(|| missing("NAT gateway id"))?.to_string(),
                })
            })
            .transpose()
    }
}

/// What one poll of a gateway that should become `available` means.
fn creation_poll(nat: Option<&aws_sdk_ec2::types::NatGateway>) -> Poll<()> {
    let Some(nat) = nat else { return Poll::Failed("the gateway disappeared".to_string()) };
    match nat.state() {
        Some(NatGatewayState::Available) => Poll::Ready(()),
        Some(NatGatewayState::Pending) | None => Poll::Pending(state_name(nat)),
        Some(_) => Poll::Failed(format!(
            "state `{}`: {}",
            state_name(nat),
            nat.failure_message().unwrap_or("no failure message")
        )),
    }
}

/// What one poll of a gateway that should become `deleted` means.
fn deletion_poll(nat: Option<&aws_sdk_ec2::types::NatGateway>) -> Poll<()> {
    match nat.map(|n| (n.state(), n)) {
        None | Some((Some(NatGatewayState::Deleted), _)) => Poll::Ready(()),
        Some((_, n)) => Poll::Pending(state_name(n)),
    }
}

fn state_name(nat: &aws_sdk_ec2::types::NatGateway) -> String {
    nat.state().map(|s| s.as_str().to_string()).unwrap_or_else(|| "unknown".to_string())
}

async fn wait_available(cx: &AwsContext, id: &str) -> Result<(), ProviderError> {
    let what = format!("NAT gateway {id} to become available");
    wait_for(&what, NAT_CREATE_TIMEOUT, NAT_POLL_INTERVAL, || async {
        Ok(creation_poll(by_id::<aws_sdk_ec2::types::NatGateway>(cx, id).await?.as_ref()))
    })
    .await
}

async fn wait_deleted(cx: &AwsContext, id: &str) -> Result<(), ProviderError> {
    let what = format!("NAT gateway {id} to be deleted");
    wait_for(&what, NAT_DELETE_TIMEOUT, NAT_POLL_INTERVAL, || async {
        Ok(deletion_poll(by_id::<aws_sdk_ec2::types::NatGateway>(cx, id).await?.as_ref()))
    })
    .await
}

impl NatGateway {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(
        &self,
        out: &NatGatewayOutputs,
        nat: aws_sdk_ec2::types::NatGateway,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        if matches!(nat.state(), Some(NatGatewayState::Deleted | NatGatewayState::Failed)) {
            return Ok(None);
        }
        let mut seen = self.clone();
        seen.subnet_id = Input::Value(nat.subnet_id().ok_or_else(|| missing("NAT gateway subnet id"))?.to_string());
        if let Some(allocation) = nat.nat_gateway_addresses().iter().find_map(|a| a.allocation_id()) {
            seen.allocation_id = Input::Value(allocation.to_string());
        }
        seen.tags = tags::from_sdk(nat.tags());
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }
}

crate::kit::kind!(NatGateway);

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::NatGateway as Sdk;
    use engine::ErrorClass;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn nat(state: NatGatewayState) -> Sdk {
        Sdk::builder().nat_gateway_id("nat-1").state(state).failure_message("Subnet has no route").build()
    }

    #[test]
    fn polls_map_states() {
        assert_eq!(creation_poll(Some(&nat(NatGatewayState::Pending))), Poll::Pending("pending".into()));
        assert_eq!(creation_poll(Some(&nat(NatGatewayState::Available))), Poll::Ready(()));
        assert!(
            matches!(creation_poll(Some(&nat(NatGatewayState::Failed))), Poll::Failed(m) if m.contains("no route"))
        );
        assert!(matches!(creation_poll(None), Poll::Failed(_)));
        assert_eq!(deletion_poll(Some(&nat(NatGatewayState::Deleting))), Poll::Pending("deleting".into()));
        assert_eq!(deletion_poll(Some(&nat(NatGatewayState::Deleted))), Poll::Ready(()));
        assert_eq!(deletion_poll(None), Poll::Ready(()));
    }

    /// The creation waiter over a fake gateway that stays `pending` for a while.
    #[tokio::test(start_paused = true)]
    async fn creation_waits_through_pending() {
        let polls = AtomicUsize::new(0);
        let started = tokio::time::Instant::now();
        wait_for("NAT gateway nat-1 to become available", NAT_CREATE_TIMEOUT, NAT_POLL_INTERVAL, || async {
            let n = polls.fetch_add(1, Ordering::SeqCst);
            let state = if n < 20 { NatGatewayState::Pending } else { NatGatewayState::Available };
            Ok(creation_poll(Some(&nat(state))))
        })
        .await
        .expect("available after 20 polls");
        assert_eq!(started.elapsed(), NAT_POLL_INTERVAL * 20);
    }

    #[tokio::test(start_paused = true)]
    async fn deletion_stuck_in_deleting_times_out() {
        let err = wait_for("NAT gateway nat-1 to be deleted", NAT_DELETE_TIMEOUT, NAT_POLL_INTERVAL, || async {
            Ok(deletion_poll(Some(&nat(NatGatewayState::Deleting))))
        })
        .await
        .expect_err("times out");
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(err.message.contains("nat-1 to be deleted") && err.message.contains("`deleting`"), "{}", err.message);
    }
}
