//! The one ownership rule: which cloud objects a resource of a stack may adopt, change or delete.
//!
//! An object belongs to resource `name` of stack `S` only if it carries **both**
//! `plinth:stack=S` and `plinth:name=name`. Every kind's `find`, recovery and every delete of an
//! object Plinth did not just create go through [`prove_owned`]; a kind whose objects cannot be
//! tagged documents what identifies it instead and says so where it skips the check.
//!
//! # Guarantees
//! * [`owned_by`] is true only when both tags are present with exactly the expected values.
//! * [`prove_owned`]'s refusal names the object and the `plinth:*` tags it really has, so a user
//!   can tell a look-alike from another stack's object.
//!
//! # Assumptions
//! * Tags were read from the cloud just before the check (never taken from state or the program).

use crate::resource::{ErrorClass, Meta, ProviderError, Tags};

/// The tag naming the stack (environment) an object belongs to.
pub const STACK_TAG: &str = "plinth:stack";
/// The tag naming the resource (its logical name in the program) an object belongs to.
pub const NAME_TAG: &str = "plinth:name";

/// True when `tags` prove the object is resource `meta.name` of stack `meta.stack`.
pub fn owned_by(tags: &Tags, meta: &Meta) -> bool {
    tags.get(STACK_TAG) == Some(&meta.stack) && tags.get(NAME_TAG) == Some(&meta.name)
}

/// `Ok(())` when `tags` prove ownership; otherwise a [`ErrorClass::NotOwned`] error naming
/// `object` (what the user would search for: an id, a name, an ARN) and the tags it carries.
pub fn prove_owned(object: &str, tags: &Tags, meta: &Meta) -> Result<(), ProviderError> {
    if owned_by(tags, meta) {
        return Ok(());
    }
    Err(ProviderError::new(ErrorClass::NotOwned, not_owned_message(object, tags, meta)))
}

/// "… is not resource `db` of stack `dev`: it has plinth:stack=staging, no plinth:name tag".
pub fn not_owned_message(object: &str, tags: &Tags, meta: &Meta) -> String {
    let has = |key: &str| match tags.get(key) {
        Some(v) => format!("{key}={v}"),
        None => format!("no {key} tag"),
    };
    format!(
        "{object} is not resource `{}` of stack `{}` (it has {}, {}); Plinth will not adopt, change or delete it",
        meta.name,
        meta.stack,
        has(STACK_TAG),
        has(NAME_TAG)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta::new("api-role", "dev")
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn both_tags_with_the_right_values_prove_ownership() {
        assert!(owned_by(&tags(&[(STACK_TAG, "dev"), (NAME_TAG, "api-role"), ("Env", "dev")]), &meta()));
        assert!(prove_owned("role api", &tags(&[(STACK_TAG, "dev"), (NAME_TAG, "api-role")]), &meta()).is_ok());
    }

    #[test]
    fn a_name_tag_alone_or_another_stack_is_refused_naming_what_it_has() {
        let err = prove_owned("role api", &tags(&[(NAME_TAG, "api-role")]), &meta()).unwrap_err();
        assert_eq!(err.class, ErrorClass::NotOwned);
        assert!(err.message.contains("role api") && err.message.contains("no plinth:stack tag"), "{}", err.message);

        let err = prove_owned("role api", &tags(&[(STACK_TAG, "prod"), (NAME_TAG, "api-role")]), &meta()).unwrap_err();
        assert!(err.message.contains("plinth:stack=prod"), "{}", err.message);
        assert!(!owned_by(&tags(&[(STACK_TAG, "dev"), (NAME_TAG, "other")]), &meta()));
        assert!(!owned_by(&Tags::new(), &meta()));
    }
}
