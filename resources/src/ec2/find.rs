//! EC2 finders, one for every EC2 kind: an object by id ([`by_id`]: `None` when it is gone,
//! whatever shape "gone" takes) and the object this stack created under a logical name
//! ([`owned`]: both `plinth:*` tags, exactly one), and many objects by id in one describe
//! ([`by_ids`], [`read_batch`]: how refresh batches every EC2 kind). EC2 objects have no unique name, so a
//! look-alike without the tags is simply not found. Each object type says how it is described
//! ([`Ec2Object`]).

use crate::error::{classify, none_if_not_found};
use crate::AwsContext;
use aws_sdk_ec2::types::{Filter, NatGatewayState, Tag};
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, NAME_TAG, STACK_TAG};
use std::collections::BTreeMap;
use std::future::Future;

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the EC2 response has no {what}"))
}

/// An EC2 object type that has an id and tags and is described by ids or by filters.
pub trait Ec2Object: Sized + Send {
    fn id(&self) -> Option<&str>;
    fn tags(&self) -> &[Tag];
    /// False for an object that is as good as gone (a NAT gateway `deleted`, `deleting`, `failed`).
    fn live(&self) -> bool {
        true
    }
    /// One Describe call (pages followed where the operation pages) with `ids` (if any) and
    /// `filters`.
    fn describe(
        cx: &AwsContext,
        ids: Option<Vec<String>>,
        filters: Vec<Filter>,
    ) -> impl Future<Output = Result<Vec<Self>, ProviderError>> + Send;
}

/// Implements [`Ec2Object`]: the SDK type, its Describe operation's name and builder method, the
/// builder's id-list and filter setters, the answer's list and the object's id accessor.
macro_rules! ec2_object {
    ($ty:ident, $op:literal, $describe:ident, $ids:ident, $filters:ident, $list:ident, $id:ident) => {
        impl Ec2Object for aws_sdk_ec2::types::$ty {
            fn id(&self) -> Option<&str> {
                self.$id()
            }
            fn tags(&self) -> &[Tag] {
                self.tags()
            }
            async fn describe(
                cx: &AwsContext,
                ids: Option<Vec<String>>,
                filters: Vec<Filter>,
            ) -> Result<Vec<Self>, ProviderError> {
                let call = cx.ec2().$describe().$ids(ids);
                let call = if filters.is_empty() { call } else { call.$filters(Some(filters)) };
                let out = call.send().await.map_err(|e| classify($op, e))?;
                Ok(out.$list().to_vec())
            }
        }
    };
}

ec2_object!(Vpc, "DescribeVpcs", describe_vpcs, set_vpc_ids, set_filters, vpcs, vpc_id);
ec2_object!(Subnet, "DescribeSubnets", describe_subnets, set_subnet_ids, set_filters, subnets, subnet_id);
ec2_object!(
    InternetGateway,
    "DescribeInternetGateways",
    describe_internet_gateways,
    set_internet_gateway_ids,
    set_filters,
    internet_gateways,
    internet_gateway_id
);
ec2_object!(
    Address,
    "DescribeAddresses",
    describe_addresses,
    set_allocation_ids,
    set_filters,
    addresses,
    allocation_id
);
ec2_object!(
    RouteTable,
    "DescribeRouteTables",
    describe_route_tables,
    set_route_table_ids,
    set_filters,
    route_tables,
    route_table_id
);
ec2_object!(
    SecurityGroup,
    "DescribeSecurityGroups",
    describe_security_groups,
    set_group_ids,
    set_filters,
    security_groups,
    group_id
);

ec2_object!(FlowLog, "DescribeFlowLogs", describe_flow_logs, set_flow_log_ids, set_filter, flow_logs, flow_log_id);
ec2_object!(
    NetworkAcl,
    "DescribeNetworkAcls",
    describe_network_acls,
    set_network_acl_ids,
    set_filters,
    network_acls,
    network_acl_id
);

impl Ec2Object for aws_sdk_ec2::types::NatGateway {
    fn id(&self) -> Option<&str> {
        self.nat_gateway_id()
    }
    fn tags(&self) -> &[Tag] {
        self.tags()
    }
    fn live(&self) -> bool {
        matches!(self.state(), Some(NatGatewayState::Pending | NatGatewayState::Available))
    }
    async fn describe(
        cx: &AwsContext,
        ids: Option<Vec<String>>,
        filters: Vec<Filter>,
    ) -> Result<Vec<Self>, ProviderError> {
        let call = cx.ec2().describe_nat_gateways().set_nat_gateway_ids(ids);
        let call = if filters.is_empty() { call } else { call.set_filter(Some(filters)) };
        let out = call.send().await.map_err(|e| classify("DescribeNatGateways", e))?;
        Ok(out.nat_gateways().to_vec())
    }
}

/// The object with this id in any state, or `None` when it is gone (an error code such as
/// `InvalidVpcID.NotFound`, or an empty list, which is how the emulator answers for some types).
pub async fn by_id<T: Ec2Object>(cx: &AwsContext, id: &str) -> Result<Option<T>, ProviderError> {
    let found = none_if_not_found(T::describe(cx, Some(vec![id.to_string()]), Vec::new()).await)?;
    Ok(found.and_then(|all| all.into_iter().find(|o| o.id() == Some(id))))
}

/// The most ids one batched describe names ([`by_ids`]): EC2 documents no limit for id lists,
/// but bounds filters at 200 values; 100 stays well inside both.
pub const EC2_READ_BATCH: usize = 100;

/// The objects with these ids, each as [`by_id`] would answer, in the order of `ids`: one
/// describe naming them all. EC2 fails the whole call when one id is gone
/// (`InvalidVpcID.NotFound` and the like); then, as on any failure of the batch call, each id
/// is described on its own, so one member's absence or error is never the others'.
pub async fn by_ids<T: Ec2Object>(cx: &AwsContext, ids: &[&str]) -> Vec<Result<Option<T>, ProviderError>> {
    let wanted = Some(ids.iter().map(|i| i.to_string()).collect());
    let Ok(found) = T::describe(cx, wanted, Vec::new()).await else {
        return futures::future::join_all(ids.iter().map(|id| by_id::<T>(cx, id))).await;
    };
    let mut found: BTreeMap<String, T> = found.into_iter().filter_map(|o| Some((o.id()?.to_string(), o))).collect();
    ids.iter().map(|id| Ok(found.remove(*id))).collect()
}

/// `read` and `read_batch` of an EC2 kind whose read is [`by_id`] of the id in the outputs
/// field `$id` followed by the kind's own
/// `fn observed(&self, out, found: $ty) -> Result<Option<Observed<Self>>, ProviderError>`:
/// written once here instead of in every kind.
macro_rules! reads_by_id {
    ($ty:ty, $id:ident) => {
        async fn read(
            &self,
            out: &Self::Outputs,
            cx: &crate::AwsContext,
        ) -> Result<Option<engine::Observed<Self>>, engine::ProviderError> {
            match super::find::by_id::<$ty>(cx, &out.$id).await? {
                Some(found) => self.observed(out, found),
                None => Ok(None),
            }
        }

        /// One describe for the whole batch ([`super::find::read_batch`]).
        async fn read_batch(
            batch: Vec<(Self, Self::Outputs)>,
            cx: &crate::AwsContext,
        ) -> Vec<Result<Option<engine::Observed<Self>>, engine::ProviderError>> {
            let observe = |r: &Self, out: &Self::Outputs, found: $ty| std::future::ready(r.observed(out, found));
            super::find::read_batch(&batch, cx, |out| out.$id.as_str(), observe).await
        }
    };
}
pub(crate) use reads_by_id;

/// `Resource::read_batch` of an EC2 kind whose read is a describe by id (`id` of the outputs)
/// followed by `observe` of the object found: one [`by_ids`] for the batch, then every member's
/// `observe` concurrently. A member whose object is gone is `None`, as its `read` says.
pub async fn read_batch<'a, R, T, F, Fut>(
    batch: &'a [(R, R::Outputs)],
    cx: &'a AwsContext,
    id: impl Fn(&R::Outputs) -> &str,
    observe: F,
) -> Vec<Result<Option<Observed<R>>, ProviderError>>
where
    R: Resource,
    T: Ec2Object,
    F: Fn(&'a R, &'a R::Outputs, T) -> Fut,
    Fut: Future<Output = Result<Option<Observed<R>>, ProviderError>> + 'a,
{
    let ids: Vec<&str> = batch.iter().map(|(_, out)| id(out)).collect();
    let found = by_ids::<T>(cx, &ids).await;
    let reads = batch.iter().zip(found).map(|((r, out), found)| {
        let observed = found.map(|o| o.map(|o| observe(r, out, o)));
        async move {
            match observed? {
                Some(observing) => observing.await,
                None => Ok(None),
            }
        }
    });
    futures::future::join_all(reads).await
}

/// The object with this id, or `NotFound` naming `kind` and `id`: what EC2 kinds' `import_outputs`
/// read (a describe of one type by id also proves the id is of that type).
pub async fn for_import<T: Ec2Object>(kind: &str, cx: &AwsContext, id: &str) -> Result<T, ProviderError> {
    crate::kit::import::found(kind, id, by_id::<T>(cx, id).await?)
}

/// The one live object of this type that carries both `plinth:stack` and `plinth:name` of
/// `meta`: how every EC2 kind's `find` adopts. The tags are checked on every result too, since
/// some describe calls ignore tag filters in the emulator (moto's DescribeNatGateways). The
/// object a create-first replacement replaces ([`Meta::replacing`]) is not a candidate.
pub async fn owned<T: Ec2Object>(kind: &str, meta: &Meta, cx: &AwsContext) -> Result<Option<T>, ProviderError> {
    let all = T::describe(cx, None, tag_filters(meta)).await?;
    let candidate = |o: &T| o.live() && o.id().is_some() && o.id() != meta.replacing.as_deref();
    let owned = all.into_iter().filter(|o| candidate(o) && engine::owned_by(&crate::tags::from_sdk(o.tags()), meta));
    single(kind, meta, owned.map(|o| (o.id().unwrap_or("(no id)").to_string(), o)).collect())
}

/// Describe filters for the objects tagged with this resource's name and stack.
pub fn tag_filters(meta: &Meta) -> Vec<Filter> {
    vec![
        Filter::builder().name(format!("tag:{NAME_TAG}")).values(&meta.name).build(),
        Filter::builder().name(format!("tag:{STACK_TAG}")).values(&meta.stack).build(),
    ]
}

/// The single object among `found` (already filtered to this name), `None` if there is none, and
/// a Conflict when several claim the same name: adopting one of them would be a guess.
pub fn single<T>(kind: &str, meta: &Meta, mut found: Vec<(String, T)>) -> Result<Option<T>, ProviderError> {
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop().map(|(_, v)| v)),
        _ => {
            let ids: Vec<String> = found.into_iter().map(|(id, _)| id).collect();
            let message = format!(
                "{kind}: several objects are tagged {NAME_TAG}={} {STACK_TAG}={}: {}",
                meta.name,
                meta.stack,
                ids.join(", ")
            );
            Err(ProviderError::new(ErrorClass::Conflict, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta::new("vpc", "dev")
    }

    #[test]
    fn filters_name_both_tags() {
        let f = tag_filters(&meta());
        assert_eq!(f[0].name(), Some("tag:plinth:name"));
        assert_eq!(f[0].values(), ["vpc".to_string()]);
        assert_eq!(f[1].name(), Some("tag:plinth:stack"));
        assert_eq!(f[1].values(), ["dev".to_string()]);
    }

    #[test]
    fn several_matches_are_a_conflict() {
        let found = vec![("vpc-1".to_string(), 1), ("vpc-2".to_string(), 2)];
        let err = single("aws:ec2:Vpc", &meta(), found).expect_err("conflict");
        assert_eq!(err.class, ErrorClass::Conflict);
        assert!(err.message.contains("vpc-1, vpc-2"));
        assert_eq!(single::<i32>("k", &meta(), vec![]).expect("ok"), None);
    }
}
