//! Kinds built into the engine: they make no cloud call, so they need no SDK and no context
//! (`type Context = ()`; the registry hands them a unit context whatever the binary connects
//! to). Any program can use them: [`register`] adds them to a registry, and
//! `resources::registry()` starts from [`registry`].

mod data;

pub use data::{Data, DataOutputs};

use crate::registry::Registry;

/// Adds every built-in kind to `registry`.
pub fn register(registry: &mut Registry) {
    registry.register::<Data>();
}

/// A registry holding only the built-in kinds.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    register(&mut registry);
    registry
}
