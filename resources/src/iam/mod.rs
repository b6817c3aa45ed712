//! iam kinds.

use engine::Registry;

/// Adds this service's kinds to the registry.
pub fn register(_registry: &mut Registry) {}
