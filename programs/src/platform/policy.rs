//! The platform's own policy rules, beside the built-in guard rails every program gets from
//! `resources::registry()` ([`resources::guardrails`]): registered on the stack by
//! [`super::platform`].

use engine::policy::{Fact, Severity};
use engine::{PlannedResource, PolicyRule, Resource};
use resources::ecr::Repository;

/// Image tags cannot move: a release (`releases/<env>.json`) names each service's image by tag,
/// and a tag pushed again would change what an applied release runs.
pub struct ImmutableImageTags;

impl PolicyRule for ImmutableImageTags {
    fn id(&self) -> &'static str {
        "platform-immutable-image-tags"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        if r.kind != Repository::KIND {
            return vec![];
        }
        match r.field("image_tag_mutability") {
            Fact::Known(v) if v.as_str() == Some("IMMUTABLE") => vec![],
            Fact::Unknown => vec![],
            Fact::Known(v) => {
                vec![format!("image_tag_mutability is {v}: a release names images by tag, so tags must be IMMUTABLE")]
            }
            Fact::Missing => vec!["image_tag_mutability is not set: tags must be IMMUTABLE".into()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{dev, local, prod, staging, Env};
    use crate::platform::platform;
    use crate::release::Release;
    use engine::policy::{check_program, Rules};
    use engine::{Finding, Stack};
    use resources::ecr::TagMutability;

    /// Every finding on the whole platform of `env`, planned without state or cloud calls.
    fn findings(env: &Env) -> Vec<Finding> {
        let mut stack = Stack::new(env.name);
        platform(&mut stack, env, &Release::tagged("test"));
        let registry = resources::registry();
        check_program(&stack, &registry, &Rules::of(&registry, &stack)).expect("the platform validates")
    }

    #[test]
    fn the_platform_passes_every_mandatory_rule_in_every_environment() {
        for env in [local(), dev(), staging(), prod()] {
            let found = findings(&env);
            let mandatory: Vec<String> = engine::policy::refusals(&found);
            assert_eq!(mandatory, Vec::<String>::new(), "{}", env.name);
        }
    }

    #[test]
    fn the_check_sees_the_built_in_and_the_platforms_rules() {
        // Production data in one zone breaks a built-in rule; the same data elsewhere does not.
        let mut one_zone = prod();
        one_zone.database.multi_az = false;
        let found = findings(&one_zone);
        assert!(found.iter().any(|f| f.rule == "prod-multi-az" && f.resource == "database"), "{found:?}");
        let mut stack = Stack::new("local");
        platform(&mut stack, &local(), &Release::tagged("test"));
        let rules = Rules::of(&resources::registry(), &stack);
        let ids: Vec<&str> = rules.iter().map(|r| r.id()).collect();
        assert!(ids.contains(&"encryption-at-rest") && ids.contains(&"platform-immutable-image-tags"), "{ids:?}");
    }

    #[test]
    fn mutable_image_tags_are_refused() {
        let repo = |m| Repository { name: "plinth-dev/api".into(), image_tag_mutability: m, ..Default::default() };
        let mut stack = Stack::new("dev");
        stack.add("mutable", repo(TagMutability::Mutable));
        stack.add("immutable", repo(TagMutability::Immutable));
        let rules = Rules::new([std::sync::Arc::new(ImmutableImageTags) as std::sync::Arc<dyn PolicyRule>]);
        let found = check_program(&stack, &resources::registry(), &rules).unwrap();
        let said: Vec<(&str, &str)> = found.iter().map(|f| (f.resource.as_str(), f.message.as_str())).collect();
        assert_eq!(
            said,
            [(
                "mutable",
                "image_tag_mutability is \"MUTABLE\": a release names images by tag, so tags must be IMMUTABLE"
            )]
        );
    }
}
