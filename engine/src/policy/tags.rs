//! The required-tags rule: every taggable resource carries each of the given tag keys with a
//! non-empty value (cost allocation needs them on everything that costs money). Generic: the
//! engine merges the stack's default tags into every taggable kind's `tags` input.

use super::{Fact, PlannedResource, PolicyRule, Severity};

/// Every taggable resource carries `keys`, non-empty.
pub struct RequiredTags {
    id: &'static str,
    severity: Severity,
    keys: Vec<String>,
}

impl RequiredTags {
    /// The rule `id` requiring `keys`, with `severity`.
    pub fn new(id: &'static str, severity: Severity, keys: &[&str]) -> Self {
        Self { id, severity, keys: keys.iter().map(|k| k.to_string()).collect() }
    }
}

impl PolicyRule for RequiredTags {
    fn id(&self) -> &'static str {
        self.id
    }

    fn severity(&self) -> Severity {
        self.severity
    }

    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        if !r.taggable {
            return vec![];
        }
        let tags = match r.field("tags") {
            Fact::Known(tags) => tags,
            Fact::Unknown => return vec![],
            Fact::Missing => return vec![format!("tags are missing; required: {}", self.keys.join(", "))],
        };
        let missing: Vec<&str> = self
            .keys
            .iter()
            .filter(|k| match super::fact(tags.get(k.as_str())) {
                Fact::Missing => true,
                Fact::Unknown => false,
                Fact::Known(v) => v.as_str().is_some_and(|v| v.trim().is_empty()),
            })
            .map(String::as_str)
            .collect();
        match missing.as_slice() {
            [] => vec![],
            keys => vec![format!("tags lack {} (required on every taggable resource)", keys.join(", "))],
        }
    }
}
