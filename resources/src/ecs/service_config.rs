//! The nested inputs of `aws:ecs:Service` (capacity provider strategy, awsvpc network, load
//! balancers, deployment strategy), their validation, and their mapping to and from the SDK's
//! types. Kept apart from the kind so each mapping is one short function with its own test.
//!
//! # Guarantees
//! * `from_sdk` of what `to_sdk` built gives the input back (tested per type), so a service
//!   that did not drift reads equal to its program.
//! * A read never fills in what the cloud did not say: a service without a deployment
//!   configuration is an error ([`Deployment::from_sdk`]), not the program's value.

use crate::error::build_error;
use crate::kit::enums::aws_enum;
use crate::kit::observed_ids;
use aws_sdk_ecs::types as sdk;
use engine::{ErrorClass, Input, ProviderError};
use serde::{Deserialize, Serialize};


aws_enum! {
    /// Which tags ECS copies onto the service's tasks.
    pub enum PropagateTags: sdk::PropagateTags { Service = "SERVICE", TaskDefinition = "TASK_DEFINITION", None = "NONE" }
}


/// The awsvpc network of the service's tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Network {
    /// A set: order does not matter (read keeps the program's order when the sets are equal).
    pub subnets: Vec<Input<String>>,
    /// A set, like `subnets`.
    pub security_groups: Vec<Input<String>>,
    pub assign_public_ip: bool,
}

/// A target group the service registers its tasks with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadBalancer {
    pub target_group_arn: Input<String>,
    /// The container (in the task definition) that receives the traffic.
    pub container_name: String,
    pub container_port: u16,
}

/// How a new task definition (or network, load balancer, ...) is rolled out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy")]
pub enum Deployment {
    /// ECS rolling update, `deploymentConfiguration.strategy` ROLLING.
    #[serde(rename = "ROLLING")]
    Rolling {
        min_healthy_percent: u32,
        max_percent: u32,
        /// The deployment circuit breaker, enabled with rollback (false: disabled).
        circuit_breaker_rollback: bool,
    },
    /// ECS-native blue/green (`strategy` BLUE_GREEN): the service's one load balancer gets an
    /// `advancedConfiguration` with these ARNs.
    #[serde(rename = "BLUE_GREEN")]
    BlueGreen {
        bake_time_minutes: u32,
        test_listener_rule_arn: Input<String>,
        production_listener_rule_arn: Input<String>,
        alternate_target_group_arn: Input<String>,
        /// The role ECS assumes to move the listener rules.
        role_arn: Input<String>,
    },
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment::Rolling { min_healthy_percent: 100, max_percent: 200, circuit_breaker_rollback: true }
    }
}

fn values(ids: &[Input<String>]) -> Vec<String> {
    ids.iter().map(|i| i.value().clone()).collect()
}

fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("DescribeServices answered a service without {what}"))
}

impl Network {
    pub fn to_sdk(&self) -> Result<sdk::NetworkConfiguration, ProviderError> {
        let ip = if self.assign_public_ip { sdk::AssignPublicIp::Enabled } else { sdk::AssignPublicIp::Disabled };
        let vpc = sdk::AwsVpcConfiguration::builder()
            .set_subnets(Some(values(&self.subnets)))
            .set_security_groups(Some(values(&self.security_groups)))
            .assign_public_ip(ip)
            .build()
            .map_err(|e| build_error("network configuration", e))?;
        Ok(sdk::NetworkConfiguration::builder().awsvpc_configuration(vpc).build())
    }

    /// The live network in input form, the program's order kept for equal sets.
    pub fn observed(&self, live: Option<&sdk::NetworkConfiguration>) -> Result<Self, ProviderError> {
        let vpc = live.and_then(|n| n.awsvpc_configuration()).ok_or_else(|| missing("an awsvpc configuration"))?;
        Ok(Network {
            subnets: observed_ids(&self.subnets, vpc.subnets().to_vec()),
            security_groups: observed_ids(&self.security_groups, vpc.security_groups().to_vec()),
            assign_public_ip: vpc.assign_public_ip() == Some(&sdk::AssignPublicIp::Enabled),
        })
    }

    /// The subnets and groups as sets: what an update compares.
    pub fn same_as(&self, other: &Network) -> bool {
        let sorted = |ids: &[Input<String>]| {
            let mut v = values(ids);
            v.sort();
            v
        };
        self.assign_public_ip == other.assign_public_ip
            && sorted(&self.subnets) == sorted(&other.subnets)
            && sorted(&self.security_groups) == sorted(&other.security_groups)
    }

    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.subnets.is_empty() {
            problems.push("network.subnets must name at least one subnet (Fargate tasks use awsvpc)".into());
        }
        if self.subnets.len() > 16 {
            problems.push(format!("network.subnets names {} subnets; ECS takes at most 16", self.subnets.len()));
        }
        if self.security_groups.len() > 5 {
            problems.push(format!("network.security_groups names {}; ECS takes at most 5", self.security_groups.len()));
        }
        for id in self.subnets.iter().filter_map(Input::known).filter(|s| !s.starts_with("subnet-")) {
            problems.push(format!("network.subnets entry `{id}` is not a subnet id (subnet-...)"));
        }
        for id in self.security_groups.iter().filter_map(Input::known).filter(|s| !s.starts_with("sg-")) {
            problems.push(format!("network.security_groups entry `{id}` is not a security group id (sg-...)"));
        }
        problems
    }
}

impl LoadBalancer {
    /// The SDK entry; `advanced` is the blue/green configuration of the service's load balancer.
    pub fn to_sdk(&self, advanced: Option<sdk::AdvancedConfiguration>) -> sdk::LoadBalancer {
        sdk::LoadBalancer::builder()
            .target_group_arn(self.target_group_arn.as_str())
            .container_name(&self.container_name)
            .container_port(i32::from(self.container_port))
            .set_advanced_configuration(advanced)
            .build()
    }

    pub fn from_sdk(live: &sdk::LoadBalancer) -> Self {
        LoadBalancer {
            target_group_arn: Input::Value(live.target_group_arn().unwrap_or_default().to_string()),
            container_name: live.container_name().unwrap_or_default().to_string(),
            container_port: live.container_port().and_then(|p| u16::try_from(p).ok()).unwrap_or_default(),
        }
    }

    pub fn problems(i: usize, lb: &LoadBalancer) -> Vec<String> {
        let mut problems = Vec::new();
        if lb.target_group_arn.known().is_some_and(|a| !a.contains(":targetgroup/")) {
            let arn = lb.target_group_arn.as_str();
            problems.push(format!("load_balancers[{i}].target_group_arn `{arn}` is not a target group ARN"));
        }
        if lb.container_name.is_empty() {
            problems.push(format!("load_balancers[{i}].container_name must name a container of the task definition"));
        }
        if lb.container_port == 0 {
            problems.push(format!("load_balancers[{i}].container_port must be 1..=65535"));
        }
        problems
    }
}

impl Deployment {
    /// The service's deployment configuration.
    pub fn to_sdk(&self) -> sdk::DeploymentConfiguration {
        match self {
            Deployment::Rolling { min_healthy_percent, max_percent, circuit_breaker_rollback } => {
                let on = *circuit_breaker_rollback;
                let breaker = sdk::DeploymentCircuitBreaker::builder().enable(on).rollback(on).build();
                sdk::DeploymentConfiguration::builder()
                    .strategy(sdk::DeploymentStrategy::Rolling)
                    .minimum_healthy_percent(*min_healthy_percent as i32)
                    .maximum_percent(*max_percent as i32)
                    .deployment_circuit_breaker(breaker)
                    .build()
            }
            Deployment::BlueGreen { bake_time_minutes, .. } => sdk::DeploymentConfiguration::builder()
                .strategy(sdk::DeploymentStrategy::BlueGreen)
                .bake_time_in_minutes(*bake_time_minutes as i32)
                .build(),
        }
    }

    /// The `advancedConfiguration` of the service's load balancer (blue/green only).
    pub fn advanced(&self) -> Option<sdk::AdvancedConfiguration> {
        let Deployment::BlueGreen {
            test_listener_rule_arn,
            production_listener_rule_arn,
            alternate_target_group_arn,
            role_arn,
            ..
        } = self
        else {
            return None;
        };
        Some(
            sdk::AdvancedConfiguration::builder()
                .alternate_target_group_arn(alternate_target_group_arn.as_str())
                .production_listener_rule(production_listener_rule_arn.as_str())
                .test_listener_rule(test_listener_rule_arn.as_str())
                .role_arn(role_arn.as_str())
                .build(),
        )
    }

    /// The live strategy: the deployment configuration, and for blue/green the advanced
    /// configuration of the first load balancer.
    pub fn from_sdk(
        config: Option<&sdk::DeploymentConfiguration>,
        load_balancers: &[sdk::LoadBalancer],
    ) -> Result<Self, ProviderError> {
        let config = config.ok_or_else(|| missing("a deployment configuration"))?;
        match config.strategy() {
            None | Some(sdk::DeploymentStrategy::Rolling) => {
                let breaker = config.deployment_circuit_breaker();
                Ok(Deployment::Rolling {
                    min_healthy_percent: config.minimum_healthy_percent().unwrap_or_default().max(0) as u32,
                    max_percent: config.maximum_percent().unwrap_or_default().max(0) as u32,
                    circuit_breaker_rollback: breaker.is_some_and(|b| b.enable() && b.rollback()),
                })
            }
            Some(sdk::DeploymentStrategy::BlueGreen) => {
                let advanced = load_balancers.first().and_then(|l| l.advanced_configuration());
                let arn = |f: fn(&sdk::AdvancedConfiguration) -> Option<&str>| {
                    Input::Value(advanced.and_then(f).unwrap_or_default().to_string())
                };
                Ok(Deployment::BlueGreen {
                    bake_time_minutes: config.bake_time_in_minutes().unwrap_or_default().max(0) as u32,
                    test_listener_rule_arn: arn(|a| a.test_listener_rule()),
                    production_listener_rule_arn: arn(|a| a.production_listener_rule()),
                    alternate_target_group_arn: arn(|a| a.alternate_target_group_arn()),
                    role_arn: arn(|a| a.role_arn()),
                })
            }
            Some(other) => {
                let message = format!("the service deploys with strategy {other}, which Plinth does not model");
                Err(ProviderError::new(ErrorClass::Other, message))
            }
        }
    }

    pub fn problems(&self, load_balancers: usize) -> Vec<String> {
        let mut problems = Vec::new();
        match self {
            Deployment::Rolling { min_healthy_percent, max_percent, .. } => {
                if *min_healthy_percent > 100 {
                    problems.push(format!("deployment.min_healthy_percent {min_healthy_percent} is above 100"));
                }
                if *max_percent < 100 || max_percent < min_healthy_percent {
                    problems.push(format!(
                        "deployment.max_percent {max_percent} must be at least 100 and at least min_healthy_percent"
                    ));
                }
            }
            Deployment::BlueGreen { bake_time_minutes, role_arn, .. } => {
                if *bake_time_minutes > 1440 {
                    problems.push(format!("deployment.bake_time_minutes {bake_time_minutes} is above 1440"));
                }
                if load_balancers != 1 {
                    problems.push(format!(
                        "deployment BLUE_GREEN needs exactly one load balancer (its advanced configuration), \
                         the service has {load_balancers}"
                    ));
                }
                if role_arn.known().is_some_and(|a| !a.contains(":role/")) {
                    problems.push(format!("deployment.role_arn `{}` is not an IAM role ARN", role_arn.as_str()));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_round_trips_and_blue_green_reads_its_arns() {
        let rolling = Deployment::Rolling { min_healthy_percent: 50, max_percent: 200, circuit_breaker_rollback: true };
        assert_eq!(Deployment::from_sdk(Some(&rolling.to_sdk()), &[]).expect("reads"), rolling);
        let off = Deployment::Rolling { min_healthy_percent: 100, max_percent: 150, circuit_breaker_rollback: false };
        assert_eq!(Deployment::from_sdk(Some(&off.to_sdk()), &[]).expect("reads"), off);
        let bg = Deployment::BlueGreen {
            bake_time_minutes: 10,
            test_listener_rule_arn: "arn:test".into(),
            production_listener_rule_arn: "arn:prod".into(),
            alternate_target_group_arn: "arn:alt".into(),
            role_arn: "arn:aws:iam::1:role/ecs".into(),
        };
        let lb = LoadBalancer { target_group_arn: "arn:tg".into(), container_name: "web".into(), container_port: 80 };
        let live = [lb.to_sdk(bg.advanced())];
        assert_eq!(Deployment::from_sdk(Some(&bg.to_sdk()), &live).expect("reads"), bg);
        assert_eq!(LoadBalancer::from_sdk(&live[0]), lb);
        let err = Deployment::from_sdk(None, &[]).expect_err("a missing configuration is not invented");
        assert!(err.message.contains("deployment configuration"), "{}", err.message);
    }

    #[test]
    fn network_round_trips() {
        let net = Network {
            subnets: vec!["subnet-b".into(), "subnet-a".into()],
            security_groups: vec!["sg-1".into()],
            assign_public_ip: false,
        };
        let mut live = net.to_sdk().expect("builds");
        assert_eq!(net.observed(Some(&live)).expect("reads"), net);
        let vpc = sdk::AwsVpcConfiguration::builder()
            .subnets("subnet-a")
            .subnets("subnet-b")
            .assign_public_ip(sdk::AssignPublicIp::Enabled)
            .build()
            .expect("vpc");
        live = sdk::NetworkConfiguration::builder().awsvpc_configuration(vpc).build();
        let seen = net.observed(Some(&live)).expect("reads");
        assert!(seen.assign_public_ip && seen.security_groups.is_empty() && seen.subnets == net.subnets);
        assert!(!seen.same_as(&net));
    }

    #[test]
    fn problems_name_the_field() {
        let net = Network { subnets: vec!["vpc-1".into()], security_groups: vec!["x".into()], ..Default::default() };
        let p = net.problems();
        assert!(
            p.iter().any(|m| m.contains("`vpc-1` is not a subnet id")) && p.iter().any(|m| m.contains("`x`")),
            "{p:?}"
        );
        assert!(Network::default().problems().iter().any(|m| m.contains("at least one subnet")));
        let lb = LoadBalancer { target_group_arn: "tg".into(), ..Default::default() };
        assert_eq!(LoadBalancer::problems(0, &lb).len(), 3);
        let bad = Deployment::Rolling { min_healthy_percent: 150, max_percent: 90, circuit_breaker_rollback: true };
        assert_eq!(bad.problems(0).len(), 2);
        let bg = Deployment::BlueGreen {
            bake_time_minutes: 5,
            test_listener_rule_arn: "a".into(),
            production_listener_rule_arn: "b".into(),
            alternate_target_group_arn: "c".into(),
            role_arn: "d".into(),
        };
        let p = bg.problems(0);
        assert!(
            p.iter().any(|m| m.contains("exactly one load balancer")) && p.iter().any(|m| m.contains("role_arn")),
            "{p:?}"
        );
    }

    #[test]
    fn serialized_forms_are_the_aws_strings() {
        let json = serde_json::to_value(Deployment::default()).expect("json");
        assert_eq!(json["strategy"], "ROLLING");
        assert_eq!(serde_json::to_value(PropagateTags::default()).expect("json"), "SERVICE");
    }
}
