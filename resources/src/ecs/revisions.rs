//! The revisions of a task definition family: listing the ACTIVE ones newest first, describing
//! one with its tags, deregistering one idempotently, and deciding which of a resource's own
//! revisions to keep ([`to_prune`]).
//!
//! # Guarantees
//! * [`to_prune`] only ever names revisions whose tags carry both `plinth:stack` and
//!   `plinth:name` of the resource, never the current one, and keeps the newest `keep` of them.
//! * [`deregister`] of a revision that is already INACTIVE or gone is `Ok`.
//!
//! # Assumptions
//! * AWS answers DescribeTaskDefinition for a revision it does not know with `ClientException`
//!   "Unable to describe task definition" (ECS models no not-found error for it); INACTIVE
//!   revisions stay describable.

use super::tags::Ecs;
use crate::error::classify;
use crate::tags;
use crate::AwsContext;
use aws_sdk_ecs::types::{SortOrder, TaskDefinition, TaskDefinitionField, TaskDefinitionStatus};
use engine::{ErrorClass, Meta, ProviderError, Tags};

/// One ACTIVE revision of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub arn: String,
    pub number: i32,
}

/// `family` and revision number of a task definition ARN (`…:task-definition/<family>:<n>`).
pub fn parse_arn(arn: &str) -> Option<(&str, i32)> {
    let (_, tail) = arn.rsplit_once(":task-definition/")?;
    let (family, number) = tail.rsplit_once(':')?;
    Some((family, number.parse().ok()?))
}

/// The ACTIVE revisions of `family`, newest first.
pub async fn active(cx: &AwsContext, family: &str) -> Result<Vec<Revision>, ProviderError> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let call = cx
            .ecs()
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(SortOrder::Desc)
            .set_next_token(token.clone());
        let out = call.send().await.map_err(|e| classify("ListTaskDefinitions", e))?;
        for arn in out.task_definition_arns() {
            // familyPrefix is the whole family in AWS; checked anyway.
            if let Some((_, number)) = parse_arn(arn).filter(|(f, _)| *f == family) {
                found.push(Revision { arn: arn.clone(), number });
            }
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.number));
    Ok(found)
}

/// The revision `arn` and its user tags (without `aws:` keys), or `None` when AWS does not know it.
pub async fn describe(cx: &AwsContext, arn: &str) -> Result<Option<(TaskDefinition, Tags)>, ProviderError> {
    let call = cx.ecs().describe_task_definition().task_definition(arn).include(TaskDefinitionField::Tags);
    let out = match call.send().await {
        Ok(out) => out,
        Err(e) => {
            let err = classify("DescribeTaskDefinition", e);
            return if is_unknown_revision(&err) { Ok(None) } else { Err(err) };
        }
    };
    let definition = out.task_definition().cloned().ok_or_else(|| missing("DescribeTaskDefinition task definition"))?;
    Ok(Some((definition, tags::from_sdk(out.tags()))))
}

/// ECS's answer for a revision it does not know (a ClientException, not a modeled not-found).
fn is_unknown_revision(err: &ProviderError) -> bool {
    err.is_not_found()
        || (err.class == ErrorClass::Invalid && err.message.contains("Unable to describe task definition"))
}

/// Whether `definition` is ACTIVE (INACTIVE and DELETE_IN_PROGRESS revisions count as gone).
pub fn is_active(definition: &TaskDefinition) -> bool {
    definition.status() == Some(&TaskDefinitionStatus::Active)
}

/// Deregisters `arn`; one that is INACTIVE or unknown already is `Ok`.
pub async fn deregister(cx: &AwsContext, arn: &str) -> Result<(), ProviderError> {
    match describe(cx, arn).await? {
        Some((definition, _)) if is_active(&definition) => {}
        _ => return Ok(()),
    }
    let out = cx.ecs().deregister_task_definition().task_definition(arn).send().await;
    match out.map_err(|e| classify("DeregisterTaskDefinition", e)) {
        Err(e) if is_unknown_revision(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// The resource a tag map names (`plinth:stack` and `plinth:name` both present).
pub fn owner(tags: &Tags) -> Option<Meta> {
    Some(Meta::new(tags.get(engine::NAME_TAG)?.clone(), tags.get(engine::STACK_TAG)?.clone()))
}

/// Which of `revisions` (newest first, each with whether its tags prove it is ours) to
/// deregister so that the newest `keep` of ours remain; `current` is never named.
pub fn to_prune(revisions: &[(Revision, bool)], keep: u32, current: &str) -> Vec<String> {
    let ours = revisions.iter().filter(|(_, owned)| *owned).map(|(r, _)| r);
    let keep = usize::try_from(keep).unwrap_or(usize::MAX).max(1);
    ours.skip(keep).filter(|r| r.arn != current).map(|r| r.arn.clone()).collect()
}

/// The ACTIVE revisions of `family` newest first, each with whether its live tags prove it is
/// resource `owner` (no owner: none is).
pub async fn with_ownership(
    cx: &AwsContext,
    family: &str,
    owner: Option<&Meta>,
) -> Result<Vec<(Revision, bool)>, ProviderError> {
    let mut out = Vec::new();
    for revision in active(cx, family).await? {
        let owned = match owner {
            Some(meta) => engine::owned_by(&tags::read::<Ecs>(cx, &revision.arn).await?, meta),
            None => false,
        };
        out.push((revision, owned));
    }
    Ok(out)
}

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the ECS response has no {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(n: i32) -> Revision {
        Revision { arn: format!("arn:aws:ecs:us-east-1:123456789012:task-definition/web:{n}"), number: n }
    }

    #[test]
    fn arns_give_family_and_number() {
        assert_eq!(parse_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/web-app:12"), Some(("web-app", 12)));
        assert_eq!(parse_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/web-app"), None);
        assert_eq!(parse_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/web:1"), None);
    }

    #[test]
    fn the_newest_of_ours_are_kept_and_others_never_touched() {
        // Newest first: 6 (ours, current), 5 (foreign), 4, 3 (ours), 2 (foreign), 1 (ours).
        let revisions =
            vec![(rev(6), true), (rev(5), false), (rev(4), true), (rev(3), true), (rev(2), false), (rev(1), true)];
        let current = rev(6).arn;
        assert_eq!(to_prune(&revisions, 2, &current), vec![rev(3).arn, rev(1).arn]);
        assert_eq!(to_prune(&revisions, 4, &current), Vec::<String>::new());
        assert_eq!(to_prune(&revisions, 3, &current), vec![rev(1).arn]);
        assert_eq!(to_prune(&revisions, 0, &current), vec![rev(4).arn, rev(3).arn, rev(1).arn], "keeps at least one");
    }

    #[test]
    fn the_current_revision_is_never_pruned() {
        // A newer revision of ours appeared (another run): the current one still stays.
        let revisions = vec![(rev(3), true), (rev(2), true), (rev(1), true)];
        assert_eq!(to_prune(&revisions, 1, &rev(2).arn), vec![rev(1).arn]);
    }

    #[test]
    fn owner_needs_both_plinth_tags() {
        let tags = crate::tags::from_pairs(&[("plinth:stack", "dev"), ("plinth:name", "web")]);
        assert_eq!(owner(&tags), Some(Meta::new("web", "dev")));
        assert_eq!(owner(&crate::tags::from_pairs(&[("plinth:name", "web")])), None);
    }

    #[test]
    fn unknown_revisions_are_recognised_by_ecs_message_only() {
        let unknown = ProviderError::new(
            ErrorClass::Invalid,
            "DescribeTaskDefinition: ClientException: Unable to describe task definition.",
        );
        assert!(is_unknown_revision(&unknown));
        let other = ProviderError::new(ErrorClass::Invalid, "DescribeTaskDefinition: ClientException: bad ARN");
        assert!(!is_unknown_revision(&other));
    }
}
