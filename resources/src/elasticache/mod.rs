//! ElastiCache kinds, one file per kind, and what they share: finders and the ownership check
//! ([`find`]), tag sync by ARN ([`tags`]), waiters with named timeouts and the meaning of
//! `deleting` ([`wait`]).

pub mod find;
pub mod tags;
pub mod wait;

mod replication_group;
mod replication_group_modify;
mod subnet_group;

pub use replication_group::{ReplicationGroup, ReplicationGroupOutputs};
pub use subnet_group::{CacheSubnetGroup, CacheSubnetGroupOutputs};

use engine::{Input, Registry};

/// Adds this service's kinds to the registry.
pub fn register(registry: &mut Registry) {
    registry.register::<CacheSubnetGroup>();
    registry.register::<ReplicationGroup>();
}

/// Live ids (subnets, security groups) in input shape. AWS answers in its own order: when the live
/// set equals the desired one the desired order is kept, so order alone never shows as a change.
pub(crate) fn observed_ids(desired: &[Input<String>], mut live: Vec<String>) -> Vec<Input<String>> {
    let mut wanted: Vec<String> = desired.iter().filter_map(|i| i.known().cloned()).collect();
    wanted.sort();
    live.sort();
    if wanted.len() == desired.len() && wanted == live {
        return desired.to_vec();
    }
    live.into_iter().map(Input::Value).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_set_keeps_desired_order() {
        let desired: Vec<Input<String>> = vec!["subnet-b".into(), "subnet-a".into()];
        let got = observed_ids(&desired, vec!["subnet-a".into(), "subnet-b".into()]);
        assert_eq!(got, desired);
        let got = observed_ids(&desired, vec!["subnet-c".into(), "subnet-a".into()]);
        assert_eq!(got, vec![Input::from("subnet-a"), Input::from("subnet-c")]);
    }
}
