//! The one implementation of a subnet group kind: a named set of subnets a database
//! (`aws:rds:DbSubnetGroup`) or a cache (`aws:elasticache:CacheSubnetGroup`) may place nodes in.
//! The name is unique in the account and region, so it forces a replacement that deletes first;
//! description and subnets change in place, tags by ARN. Each service spells its calls in its own
//! kind file ([`SubnetGroupApi`]); everything else (validation, read in input shape, ownership on
//! adoption, tag sync) is here once.

use crate::error::ok_if_not_found;
use crate::kit::{adopt, observed_ids};
use crate::tags::{self, TagRead, TagWrite};
use crate::AwsContext;
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::marker::PhantomData;

/// A subnet group of the service `A` ([`SubnetGroupApi`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubnetGroup<A> {
    /// Unique in the account and region; the service stores it lower case, so only lower case
    /// is accepted (an upper-case name would read back different and diff forever).
    pub name: String,
    /// Required by both services.
    pub description: String,
    /// Subnets of one VPC, a set: order does not matter.
    pub subnet_ids: Vec<Input<String>>,
    pub tags: Tags,
    #[serde(skip)]
    pub service: PhantomData<A>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubnetGroupOutputs {
    pub name: String,
    pub arn: String,
}

/// A subnet group as the service describes it.
pub struct LiveSubnetGroup {
    pub name: String,
    pub arn: String,
    pub description: String,
    pub subnet_ids: Vec<String>,
}

/// What differs between the services: their calls, their names and their rules.
pub trait SubnetGroupApi: Clone + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    const KIND: &'static str;
    const SERVICE: &'static str;
    /// The object's name in messages ("DB subnet group").
    const NOUN: &'static str;
    /// The service's tag API, by ARN.
    type TagApi: TagRead + TagWrite;
    /// Problems the service adds to the shared ones (its own name rules, subnet count).
    fn problems(group: &SubnetGroup<Self>) -> Vec<String>;
    /// Creates the group with its tags, without the SDK's retries (a create is not idempotent).
    fn create(
        cx: &AwsContext,
        group: &SubnetGroup<Self>,
    ) -> impl Future<Output = Result<LiveSubnetGroup, ProviderError>> + Send;
    /// The group, or `None` when it is gone.
    fn describe(
        cx: &AwsContext,
        name: &str,
    ) -> impl Future<Output = Result<Option<LiveSubnetGroup>, ProviderError>> + Send;
    /// Sets the description and subnets of an existing group.
    fn modify(cx: &AwsContext, group: &SubnetGroup<Self>) -> impl Future<Output = Result<(), ProviderError>> + Send;
    /// Deletes the group (a NotFound error is fine: the caller treats it as done).
    fn delete(cx: &AwsContext, name: &str) -> impl Future<Output = Result<(), ProviderError>> + Send;
}

impl<A> SubnetGroup<A> {
    /// The subnet ids, sorted: the set the API is given and compared on.
    pub fn subnet_id_values(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.subnet_ids.iter().map(|s| s.value().clone()).collect();
        ids.sort();
        ids
    }

    fn shared_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.description.trim().is_empty() {
            problems.push("description must not be empty (the service requires one)".to_string());
        }
        for id in self.subnet_ids.iter().filter_map(Input::known) {
            if !id.starts_with("subnet-") {
                problems.push(format!("subnet_ids entry `{id}` is not a subnet id (subnet-...)"));
            }
        }
        problems
    }
}

fn outputs(live: &LiveSubnetGroup) -> SubnetGroupOutputs {
    SubnetGroupOutputs { name: live.name.clone(), arn: live.arn.clone() }
}

impl<A: SubnetGroupApi> Resource for SubnetGroup<A> {
    const KIND: &'static str = A::KIND;
    const SERVICE: &'static str = A::SERVICE;
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = SubnetGroupOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &SubnetGroupOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = A::problems(self);
        problems.extend(self.shared_problems());
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<SubnetGroupOutputs, ProviderError> {
        Ok(outputs(&A::create(cx, self).await?))
    }

    async fn read(&self, out: &SubnetGroupOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = A::describe(cx, &out.name).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.name = live.name.clone();
        seen.description = live.description.clone();
        seen.subnet_ids = observed_ids(&self.subnet_ids, live.subnet_ids.clone());
        seen.tags = tags::read::<A::TagApi>(cx, &live.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs(&live) }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &SubnetGroupOutputs,
        cx: &AwsContext,
    ) -> Result<SubnetGroupOutputs, ProviderError> {
        if self.description != old.description || self.subnet_id_values() != old.subnet_id_values() {
            A::modify(cx, self).await?;
        }
        tags::sync::<A::TagApi>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &SubnetGroupOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        ok_if_not_found(A::delete(cx, &out.name).await)
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<SubnetGroupOutputs>, ProviderError> {
        let Some(live) = A::describe(cx, &self.name).await? else { return Ok(None) };
        let live_tags = tags::read::<A::TagApi>(cx, &live.arn).await?;
        adopt(&format!("{} {}", A::NOUN, self.name), &live_tags, meta, outputs(&live))
    }
}
