//! EC2 kinds, one file per kind, and what they share: tag specifications and tag sync
//! ([`tags`]), finders by id and by `plinth:name` tag ([`find`]), CIDR checks ([`cidr`]).

pub mod cidr;
pub mod find;
pub mod tags;

mod vpc;

pub use vpc::{Vpc, VpcOutputs};

use engine::Registry;

/// Adds this service's kinds to the registry.
pub fn register(registry: &mut Registry) {
    registry.register::<Vpc>();
}
