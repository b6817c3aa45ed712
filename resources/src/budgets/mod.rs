//! AWS Budgets kinds, and what they share: the account id every Budgets call needs (from STS),
//! the budget finder, the budget ARN and tags ([`tags`]), and notifications with their email
//! subscribers ([`notifications`]).
//!
//! Emulator gaps (moto 5.2.5, each answering HTTP 500): UpdateBudget, UpdateNotification,
//! DescribeSubscribersForNotification, CreateSubscriber, DeleteSubscriber, ListTagsForResource,
//! TagResource, UntagResource; DescribeNotificationsForBudget of a missing budget; and moto
//! ignores CreateBudget's ResourceTags. Plinth makes the real calls; the e2e test states each gap.

pub mod notifications;
pub mod tags;

mod budget;

pub use budget::{Budget, BudgetOutputs, BudgetPeriod};
pub use notifications::{Addressee, BudgetNotification, Comparison, NotificationType};

use crate::error::absent_if;
use crate::AwsContext;
use aws_sdk_budgets::operation::describe_budget::DescribeBudgetError;
use engine::{ErrorClass, ProviderError};

crate::service_client!(budgets, aws_sdk_budgets);

crate::error_codes!(
    "budgets",
    AlreadyExists: ["DuplicateRecordException"],
    Invalid: ["CreationLimitExceededException"],
);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the Budgets response has no {what}"))
}

/// The account the credentials belong to ([`AwsContext::account_id`]: STS GetCallerIdentity,
/// once per context). Kinds call it only on create and find; afterwards the account id travels
/// in the outputs.
pub async fn account_id(cx: &AwsContext) -> Result<String, ProviderError> {
    cx.account_id().await
}

/// The partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A budget's ARN (Budgets is global: no region in it).
pub fn budget_arn(region: &str, account_id: &str, name: &str) -> String {
    format!("arn:{}:budgets::{account_id}:budget/{name}", partition(region))
}

/// The budget, or `None` when it is gone.
pub async fn find_budget(
    cx: &AwsContext,
    account_id: &str,
    name: &str,
) -> Result<Option<aws_sdk_budgets::types::Budget>, ProviderError> {
    let out = cx.budgets().describe_budget().account_id(account_id).budget_name(name).send().await;
    let out = absent_if("DescribeBudget", out, DescribeBudgetError::is_not_found_exception)?;
    Ok(out.and_then(|o| o.budget().cloned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_has_no_region_and_follows_the_partition() {
        assert_eq!(budget_arn("us-east-1", "123456789012", "dev"), "arn:aws:budgets::123456789012:budget/dev");
        assert_eq!(budget_arn("cn-north-1", "1", "b"), "arn:aws-cn:budgets::1:budget/b");
    }
}
