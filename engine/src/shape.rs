//! What a kind says about the shape of its inputs beyond their JSON: which lists are sets (and
//! which fields identify a member), and which strings hold JSON documents. The planner and
//! refresh use it to compare (a set only reordered is no change) and to describe a change
//! structurally ([`crate::diff::Change`]); kinds declare it once, in `resources`' `kit::kind!`.
//!
//! Fields are named by *shape paths*: input field names joined with `.`, where a list's members
//! add no segment and `*` stands for any key of a map (`inline_policies.*`: every value of the
//! `inline_policies` map; `containers.port_mappings`: the port mappings of every container).
//!
//! # Guarantees
//! * A kind registered without a shape ([`Shape::NONE`]) compares exactly as before: lists by
//!   position, strings as text.
//!
//! # Assumptions
//! * A key field identifies a member within its set: two members with the same key values are
//!   the same member, changed. A member without a key field is never paired (shown as removed
//!   and added), so a misspelt key degrades to a coarser diff, never a wrong pairing.

/// A list whose order means nothing (AWS keeps a set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetField {
    /// Shape path of the list.
    pub path: &'static str,
    /// Fields of a member that identify it (a security group rule's protocol, ports and
    /// source); empty for a set of plain values, or of objects compared whole.
    pub key: &'static [&'static str],
}

impl SetField {
    /// A set of values (ids, ARNs) or of objects compared whole.
    pub const fn of_values(path: &'static str) -> SetField {
        SetField { path, key: &[] }
    }

    /// A set of objects identified by `key`.
    pub const fn keyed(path: &'static str, key: &'static [&'static str]) -> SetField {
        SetField { path, key }
    }
}

/// A kind's declared input shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    pub sets: &'static [SetField],
    /// Shape paths of strings that hold JSON documents (policies): parsed and compared by path.
    pub documents: &'static [&'static str],
}

impl Shape {
    /// No sets, no documents.
    pub const NONE: Shape = Shape { sets: &[], documents: &[] };

    /// The set declared at `path`, if any.
    pub fn set_at<S: AsRef<str>>(&self, path: &[S]) -> Option<&SetField> {
        self.sets.iter().find(|s| matches(s.path, path))
    }

    /// Whether the string at `path` holds a JSON document.
    pub fn is_document<S: AsRef<str>>(&self, path: &[S]) -> bool {
        self.documents.iter().any(|d| matches(d, path))
    }

    /// The top-level input field of every declared path (what the registry test checks).
    pub fn top_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        let top = |p: &'static str| p.split('.').next().unwrap_or(p);
        self.sets.iter().map(move |s| top(s.path)).chain(self.documents.iter().map(move |d| top(d)))
    }
}

/// Whether `pattern` (a shape path, `*` for any one segment) names `path`.
fn matches<S: AsRef<str>>(pattern: &str, path: &[S]) -> bool {
    let mut segments = pattern.split('.');
    let mut at = path.iter();
    loop {
        match (segments.next(), at.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p == "*" || p == s.as_ref() => continue,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: Shape = Shape {
        sets: &[SetField::keyed("ingress", &["protocol"]), SetField::of_values("containers.links")],
        documents: &["policy", "inline_policies.*"],
    };

    #[test]
    fn paths_match_exactly_or_through_a_wildcard() {
        assert!(SHAPE.set_at(&["ingress"]).is_some_and(|s| s.key == ["protocol"]));
        assert!(SHAPE.set_at(&["egress"]).is_none());
        assert!(SHAPE.set_at(&["containers", "links"]).is_some());
        assert!(SHAPE.set_at(&["containers"]).is_none());
        assert!(SHAPE.is_document(&["policy"]));
        assert!(SHAPE.is_document(&["inline_policies", "read-logs"]));
        assert!(!SHAPE.is_document(&["inline_policies"]));
        assert!(!SHAPE.is_document(&["inline_policies", "a", "b"]));
    }

    #[test]
    fn top_fields_name_the_input_fields() {
        let top: Vec<&str> = SHAPE.top_fields().collect();
        assert_eq!(top, vec!["ingress", "containers", "policy", "inline_policies"]);
    }
}
