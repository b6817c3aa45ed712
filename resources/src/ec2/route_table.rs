//! `aws:ec2:RouteTable`: a route table, its routes and its subnet associations. The VPC forces a
//! replacement; routes, associations and tags are diffed against what the cloud has and changed
//! in place (CreateRoute / ReplaceRoute / DeleteRoute, Associate / DisassociateRouteTable).
//! The `local` route AWS adds, and routes it propagates, are not the program's and never read.

use super::check;
use super::find::{by_id, for_import, missing, owned};
use super::tags::{specification, Ec2};
use crate::error::{classify, ok_if_not_found};
use crate::tags;
use crate::wait::until_visible;
use crate::AwsContext;
use aws_sdk_ec2::types::{ResourceType, RouteOrigin, RouteTable as SdkTable};
use engine::{Input, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteTable {
    pub vpc_id: Input<String>,
    pub routes: Vec<Route>,
    /// Subnets associated with this table.
    pub subnet_ids: Vec<Input<String>>,
    pub tags: Tags,
}

/// One route; exactly one target is set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Route {
    pub destination_cidr_block: String,
    pub gateway_id: Option<Input<String>>,
    pub nat_gateway_id: Option<Input<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTableOutputs {
    pub route_table_id: String,
    /// Subnet id → association id.
    pub associations: BTreeMap<String, String>,
}

/// Where a route sends traffic, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Gateway(String),
    Nat(String),
}

impl Route {
    fn target(&self) -> Option<Target> {
        match (&self.gateway_id, &self.nat_gateway_id) {
            (Some(g), None) => Some(Target::Gateway(g.value().clone())),
            (None, Some(n)) => Some(Target::Nat(n.value().clone())),
            _ => None,
        }
    }

    fn to(destination: &str, target: &Target) -> Route {
        let mut route = Route { destination_cidr_block: destination.to_string(), ..Default::default() };
        match target {
            Target::Gateway(g) => route.gateway_id = Some(Input::Value(g.clone())),
            Target::Nat(n) => route.nat_gateway_id = Some(Input::Value(n.clone())),
        }
        route
    }
}

impl Resource for RouteTable {
    const KIND: &'static str = "aws:ec2:RouteTable";
    const SERVICE: &'static str = "ec2";
    const REPLACE_FIELDS: &'static [&'static str] = &["vpc_id"];
    const READ_BATCH: usize = super::find::EC2_READ_BATCH;
    type Outputs = RouteTableOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &RouteTableOutputs) -> String {
        outputs.route_table_id.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = check::required("vpc_id", &self.vpc_id);
        let mut seen = std::collections::BTreeSet::new();
        for (i, route) in self.routes.iter().enumerate() {
            let field = format!("routes[{i}].destination_cidr_block");
            if let Err(e) = check::parse_v4(&field, &route.destination_cidr_block) {
                problems.push(e);
            }
            if route.gateway_id.is_some() == route.nat_gateway_id.is_some() {
                problems.push(format!("routes[{i}] needs exactly one of gateway_id and nat_gateway_id"));
            }
            if !seen.insert(route.destination_cidr_block.as_str()) {
                problems.push(format!("routes[{i}]: destination `{}` appears twice", route.destination_cidr_block));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<RouteTableOutputs, ProviderError> {
        let out = cx
            .ec2()
            .create_route_table()
            .vpc_id(self.vpc_id.as_str())
            .set_tag_specifications(specification(ResourceType::RouteTable, &self.tags))
            .send()
            .await
            .map_err(|e| classify("CreateRouteTable", e))?;
        let id = out.route_table().and_then(|t| t.route_table_id()).ok_or_else(|| missing("CreateRouteTable id"))?;
        match self.converge(id, true, cx).await {
            Ok(outputs) => Ok(outputs),
            Err(e) => {
                // The create failed as a whole; if this cleanup fails, `find` adopts the table.
                if let Err(cleanup) = delete_table(cx, id).await {
                    tracing::warn!(table = %id, error = %cleanup, "could not remove a half-made route table");
                }
                Err(e)
            }
        }
    }

    super::find::reads_by_id!(aws_sdk_ec2::types::RouteTable, route_table_id);

    async fn update(
        &self,
        old: &Self,
        out: &RouteTableOutputs,
        cx: &AwsContext,
    ) -> Result<RouteTableOutputs, ProviderError> {
        let outputs = self.converge(&out.route_table_id, false, cx).await?;
        tags::sync::<Ec2>(cx, &out.route_table_id, &old.tags, &self.tags).await?;
        Ok(outputs)
    }

    async fn delete(&self, out: &RouteTableOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        delete_table(cx, &out.route_table_id).await
    }

    async fn import_outputs(&self, id: &str, cx: &AwsContext) -> Result<RouteTableOutputs, ProviderError> {
        let found = for_import::<aws_sdk_ec2::types::RouteTable>(Self::KIND, cx, id).await?;
        outputs_of(&found)
    }

    async fn write_tags(out: &RouteTableOutputs, old: &Tags, new: &Tags, cx: &AwsContext) -> Result<(), ProviderError> {
        tags::sync::<Ec2>(cx, &out.route_table_id, old, new).await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<RouteTableOutputs>, ProviderError> {
        let found = owned::<aws_sdk_ec2::types::RouteTable>(Self::KIND, meta, cx).await?;
        found.as_ref().map(outputs_of).transpose()
    }
}

impl RouteTable {
    /// Brings the live routes and associations of table `id` to the inputs; the new outputs.
    /// `fresh`: the table was just created.
    async fn converge(&self, id: &str, fresh: bool, cx: &AwsContext) -> Result<RouteTableOutputs, ProviderError> {
        let describe = || async { by_id::<aws_sdk_ec2::types::RouteTable>(cx, id).await?.ok_or_else(|| gone(id)) };
        let table = if fresh {
            // Right after create the table may not be visible yet (EC2 is eventually consistent).
            until_visible(&format!("route table {id}"), describe).await?
        } else {
            describe().await?
        };
        self.sync_routes(id, &routes_of(&table), cx).await?;
        let associations = self.sync_associations(id, associations_of(&table), cx).await?;
        Ok(RouteTableOutputs { route_table_id: id.to_string(), associations })
    }

    async fn sync_routes(
        &self,
        id: &str,
        live: &BTreeMap<String, Target>,
        cx: &AwsContext,
    ) -> Result<(), ProviderError> {
        let mut wanted = BTreeMap::new();
        for route in &self.routes {
            let target = route.target().ok_or_else(|| bad_route(&route.destination_cidr_block))?;
            wanted.insert(route.destination_cidr_block.clone(), target);
        }
        for (destination, target) in &wanted {
            match live.get(destination) {
                None => create_route(cx, id, destination, target).await?,
                Some(current) if current != target => replace_route(cx, id, destination, target).await?,
                Some(_) => {}
            }
        }
        for destination in live.keys().filter(|d| !wanted.contains_key(*d)) {
            let call = cx.ec2().delete_route().route_table_id(id).destination_cidr_block(destination);
            ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteRoute", e)))?;
        }
        Ok(())
    }

    async fn sync_associations(
        &self,
        id: &str,
        mut live: BTreeMap<String, String>,
        cx: &AwsContext,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let wanted: Vec<&str> = self.subnet_ids.iter().map(|s| s.as_str()).collect();
        let stale: Vec<(String, String)> =
            live.iter().filter(|(s, _)| !wanted.contains(&s.as_str())).map(|(s, a)| (s.clone(), a.clone())).collect();
        for (subnet, association) in stale {
            disassociate(cx, &association).await?;
            live.remove(&subnet);
        }
        for subnet in wanted {
            if !live.contains_key(subnet) {
                let out = cx.ec2().associate_route_table().route_table_id(id).subnet_id(subnet).send().await;
                let out = out.map_err(|e| classify("AssociateRouteTable", e))?;
                let association = out.association_id().ok_or_else(|| missing("AssociateRouteTable association id"))?;
                live.insert(subnet.to_string(), association.to_string());
            }
        }
        Ok(live)
    }
}

/// The program's routes in the table, by destination: not `local`, not propagated.
fn routes_of(table: &SdkTable) -> BTreeMap<String, Target> {
    let mut routes = BTreeMap::new();
    for route in table.routes() {
        let (Some(destination), false) = (route.destination_cidr_block(), route.gateway_id() == Some("local")) else {
            continue;
        };
        if matches!(route.origin(), Some(RouteOrigin::CreateRouteTable | RouteOrigin::EnableVgwRoutePropagation)) {
            continue;
        }
        let target = match (route.nat_gateway_id(), route.gateway_id()) {
            (Some(nat), _) => Target::Nat(nat.to_string()),
            (None, Some(gateway)) => Target::Gateway(gateway.to_string()),
            // A target this kind does not model (instance, peering, ...): visible as a route to
            // nothing, which differs from any input and so shows as drift.
            (None, None) => Target::Gateway(String::new()),
        };
        routes.insert(destination.to_string(), target);
    }
    routes
}

fn outputs_of(table: &SdkTable) -> Result<RouteTableOutputs, ProviderError> {
    let route_table_id = table.route_table_id().ok_or_else(|| missing("route table id"))?.to_string();
    Ok(RouteTableOutputs { route_table_id, associations: associations_of(table) })
}

/// Explicit subnet associations (not the main one): subnet id → association id.
fn associations_of(table: &SdkTable) -> BTreeMap<String, String> {
    table
        .associations()
        .iter()
        .filter(|a| a.main() != Some(true))
        .filter_map(|a| Some((a.subnet_id()?.to_string(), a.route_table_association_id()?.to_string())))
        .collect()
}

/// Live routes in input shape: the inputs' order for what matches, the rest sorted after.
fn observed_routes(inputs: &[Route], live: &BTreeMap<String, Target>) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::new();
    for route in inputs {
        if let Some(target) = live.get(&route.destination_cidr_block) {
            out.push(if route.target().as_ref() == Some(target) {
                route.clone()
            } else {
                Route::to(&route.destination_cidr_block, target)
            });
        }
    }
    let known: Vec<&str> = inputs.iter().map(|r| r.destination_cidr_block.as_str()).collect();
    out.extend(live.iter().filter(|(d, _)| !known.contains(&d.as_str())).map(|(d, t)| Route::to(d, t)));
    out
}

/// Associated subnets in input shape: the inputs' order for what matches, the rest sorted after.
fn observed_subnets(inputs: &[Input<String>], live: &BTreeMap<String, String>) -> Vec<Input<String>> {
    let mut out: Vec<Input<String>> = inputs.iter().filter(|s| live.contains_key(s.as_str())).cloned().collect();
    let extra = live.keys().filter(|s| !inputs.iter().any(|i| i.as_str() == s.as_str()));
    out.extend(extra.map(|s| Input::Value(s.clone())));
    out
}

async fn create_route(cx: &AwsContext, id: &str, destination: &str, target: &Target) -> Result<(), ProviderError> {
    let call = cx.ec2().create_route().route_table_id(id).destination_cidr_block(destination);
    let call = match target {
        Target::Gateway(g) => call.gateway_id(g),
        Target::Nat(n) => call.nat_gateway_id(n),
    };
    call.send().await.map_err(|e| classify("CreateRoute", e))?;
    Ok(())
}

async fn replace_route(cx: &AwsContext, id: &str, destination: &str, target: &Target) -> Result<(), ProviderError> {
    let call = cx.ec2().replace_route().route_table_id(id).destination_cidr_block(destination);
    let call = match target {
        Target::Gateway(g) => call.gateway_id(g),
        Target::Nat(n) => call.nat_gateway_id(n),
    };
    call.send().await.map_err(|e| classify("ReplaceRoute", e))?;
    Ok(())
}

async fn disassociate(cx: &AwsContext, association_id: &str) -> Result<(), ProviderError> {
    let result = cx.ec2().disassociate_route_table().association_id(association_id).send().await;
    ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DisassociateRouteTable", e)))
}

/// Disassociates every subnet (AWS refuses to delete an associated table), then deletes.
async fn delete_table(cx: &AwsContext, id: &str) -> Result<(), ProviderError> {
    let Some(table) = by_id::<aws_sdk_ec2::types::RouteTable>(cx, id).await? else { return Ok(()) };
    for association in associations_of(&table).values() {
        disassociate(cx, association).await?;
    }
    let result = cx.ec2().delete_route_table().route_table_id(id).send().await;
    ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteRouteTable", e)))
}

fn gone(id: &str) -> ProviderError {
    ProviderError::new(engine::ErrorClass::NotFound, format!("route table {id} no longer exists"))
}

fn bad_route(destination: &str) -> ProviderError {
    let message = format!("route to `{destination}` needs exactly one of gateway_id and nat_gateway_id");
    ProviderError::new(engine::ErrorClass::Invalid, message)
}

impl RouteTable {
    /// What the cloud has, from the object as described (`None` when it is as good as gone).
    fn observed(
        &self,
        out: &RouteTableOutputs,
        table: aws_sdk_ec2::types::RouteTable,
    ) -> Result<Option<Observed<Self>>, ProviderError> {
        let live_routes = routes_of(&table);
        let associations = associations_of(&table);
        let mut seen = self.clone();
        seen.vpc_id = Input::Value(table.vpc_id().ok_or_else(|| missing("route table vpc id"))?.to_string());
        seen.routes = observed_routes(&self.routes, &live_routes);
        seen.subnet_ids = observed_subnets(&self.subnet_ids, &associations);
        seen.tags = tags::from_sdk(table.tags());
        let outputs = RouteTableOutputs { route_table_id: out.route_table_id.clone(), associations };
        Ok(Some(Observed { inputs: seen, outputs }))
    }
}

crate::kit::kind!(RouteTable, unordered: ["routes" by ["destination_cidr_block"], "subnet_ids"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn igw(dest: &str, id: &str) -> Route {
        Route::to(dest, &Target::Gateway(id.into()))
    }

    #[test]
    fn validate_names_routes() {
        let table = RouteTable {
            routes: vec![
                igw("0.0.0.0/0", "igw-1"),
                Route { destination_cidr_block: "10.0.0.0/40".into(), ..Default::default() },
                igw("0.0.0.0/0", "igw-2"),
            ],
            ..Default::default()
        };
        assert_eq!(
            table.validate(),
            [
                "vpc_id must not be empty",
                "routes[1].destination_cidr_block `10.0.0.0/40` is not a valid IPv4 CIDR",
                "routes[1] needs exactly one of gateway_id and nat_gateway_id",
                "routes[2]: destination `0.0.0.0/0` appears twice",
            ]
        );
    }

    #[test]
    fn unchanged_routes_read_back_equal_and_drift_shows() {
        let inputs = vec![igw("10.1.0.0/16", "igw-1"), igw("0.0.0.0/0", "igw-1")];
        let mut live: BTreeMap<String, Target> =
            inputs.iter().map(|r| (r.destination_cidr_block.clone(), r.target().expect("target"))).collect();
        assert_eq!(observed_routes(&inputs, &live), inputs);
        live.insert("10.9.0.0/16".into(), Target::Nat("nat-1".into()));
        live.insert("0.0.0.0/0".into(), Target::Nat("nat-2".into()));
        let seen = observed_routes(&inputs, &live);
        assert_eq!(seen[1], Route::to("0.0.0.0/0", &Target::Nat("nat-2".into())));
        assert_eq!(seen[2], Route::to("10.9.0.0/16", &Target::Nat("nat-1".into())));
    }

    #[test]
    fn subnets_keep_input_order() {
        let inputs: Vec<Input<String>> = vec!["subnet-b".into(), "subnet-a".into(), "subnet-gone".into()];
        let live: BTreeMap<String, String> = [("subnet-a", "a1"), ("subnet-b", "b1"), ("subnet-c", "c1")]
            .iter()
            .map(|(s, a)| (s.to_string(), a.to_string()))
            .collect();
        let seen: Vec<String> = observed_subnets(&inputs, &live).iter().map(|s| s.as_str().to_string()).collect();
        assert_eq!(seen, ["subnet-b", "subnet-a", "subnet-c"]);
    }
}
