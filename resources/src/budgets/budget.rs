//! `aws:budgets:Budget`: a cost budget in USD with optional cost filters, email notifications
//! and tags. The name is the budget's identity in the account, so a rename deletes first; the
//! limit, period and filters change with UpdateBudget, notifications and subscribers with their
//! own calls (see [`super::notifications`]).

use super::notifications::{self, BudgetNotification, MAX_NOTIFICATIONS};
use super::tags::Budgets;
use super::{account_id, budget_arn, find_budget, missing};
use crate::error::{build_error, classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_budgets::types::{BudgetType, Spend, TimeUnit};
use engine::{Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The only currency Plinth budgets in.
pub const UNIT: &str = "USD";

crate::kit::enums::aws_enum! {
    /// The period a budget covers.
    pub enum BudgetPeriod: TimeUnit { Monthly = "MONTHLY", Daily = "DAILY", Quarterly = "QUARTERLY", Annually = "ANNUALLY" }
}

/// A cost budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Budget {
    /// Unique in the account; at most 100 characters, no `:` or `\`.
    pub name: String,
    /// The budgeted amount in USD, a decimal such as "50" or "12.5".
    pub limit_amount: String,
    pub time_unit: BudgetPeriod,
    /// Cost filters by dimension, e.g. {"TagKeyValue": ["user:Environment$dev"]}.
    pub cost_filters: BTreeMap<String, Vec<String>>,
    pub notifications: Vec<BudgetNotification>,
    pub tags: Tags,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            name: String::new(),
            limit_amount: String::new(),
            time_unit: BudgetPeriod::Monthly,
            cost_filters: BTreeMap::new(),
            notifications: Vec::new(),
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetOutputs {
    pub name: String,
    pub account_id: String,
}

impl Resource for Budget {
    const KIND: &'static str = "aws:budgets:Budget";
    const SERVICE: &'static str = "budgets";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    type Outputs = BudgetOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &BudgetOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.is_empty() || self.name.chars().count() > 100 || self.name.contains([':', '\\']) {
            problems.push(format!("name `{}` must be 1 to 100 characters without `:` or `\\`", self.name));
        }
        if !is_positive_decimal(&self.limit_amount) {
            problems.push(format!(
                "limit_amount `{}` must be a positive decimal amount of USD, e.g. \"50\"",
                self.limit_amount
            ));
        }
        for (key, values) in &self.cost_filters {
            if key.is_empty() || values.is_empty() || values.iter().any(String::is_empty) {
                problems.push(format!("cost_filters `{key}` needs a name and at least one non-empty value"));
            }
        }
        if self.notifications.len() > MAX_NOTIFICATIONS {
            problems.push(format!(
                "notifications: {} given, AWS allows {MAX_NOTIFICATIONS} per budget",
                self.notifications.len()
            ));
        }
        for (i, n) in self.notifications.iter().enumerate() {
            problems.extend(n.problems(&format!("notifications[{i}]")));
            if self.notifications[..i].iter().any(|o| o.same_identity(n)) {
                problems.push(format!("notifications[{i}] repeats an earlier notification"));
            }
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<BudgetOutputs, ProviderError> {
        let account = account_id(cx).await?;
        let with_subscribers =
            self.notifications.iter().map(|n| n.with_subscribers()).collect::<Result<Vec<_>, _>>()?;
        let call = cx
            .budgets()
            .create_budget()
            .account_id(&account)
            .budget(self.sdk_budget()?)
            .set_notifications_with_subscribers(Some(with_subscribers))
            .set_resource_tags(tags::to_sdk(&self.tags)?);
        call.customize()
            .config_override(no_retry!(aws_sdk_budgets))
            .send()
            .await
            .map_err(|e| classify("CreateBudget", e))?;
        Ok(BudgetOutputs { name: self.name.clone(), account_id: account })
    }

    async fn read(&self, out: &BudgetOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = find_budget(cx, &out.account_id, &out.name).await? else { return Ok(None) };
        let Some(live_notifications) = notifications::read(cx, &out.account_id, &out.name).await? else {
            return Ok(None);
        };
        let live_tags = tags::read::<Budgets>(cx, &budget_arn(&cx.region, &out.account_id, &out.name)).await?;
        let seen = self.observe(&live, live_notifications, live_tags)?;
        Ok(Some(Observed { inputs: seen, outputs: out.clone() }))
    }

    async fn update(&self, old: &Self, out: &BudgetOutputs, cx: &AwsContext) -> Result<BudgetOutputs, ProviderError> {
        if self.limit_amount != old.limit_amount
            || self.time_unit != old.time_unit
            || self.cost_filters != old.cost_filters
        {
            let call = cx.budgets().update_budget().account_id(&out.account_id).new_budget(self.sdk_budget()?);
            call.send().await.map_err(|e| classify("UpdateBudget", e))?;
        }
        notifications::sync(cx, &out.account_id, &out.name, &old.notifications, &self.notifications).await?;
        tags::sync::<Budgets>(cx, &budget_arn(&cx.region, &out.account_id, &out.name), &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &BudgetOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let result = cx.budgets().delete_budget().account_id(&out.account_id).budget_name(&out.name).send().await;
        ok_if_not_found(result.map(|_| ()).map_err(|e| classify("DeleteBudget", e)))
    }

    /// By name: budget names are unique in the account and chosen in the program. (Not checked
    /// against the `plinth:name` tag: tags cannot be listed everywhere Budgets runs, e.g. moto.)
    /// The budget of this name, adopted only when its tags (Budgets supports them on the budget's
    /// ARN) prove ownership. In moto, which cannot list them, this fails rather than adopt.
    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<BudgetOutputs>, ProviderError> {
        let account = account_id(cx).await?;
        if find_budget(cx, &account, &self.name).await?.is_none() {
            return Ok(None);
        }
        let live_tags = tags::read::<Budgets>(cx, &budget_arn(&cx.region, &account, &self.name)).await?;
        adopt(
            &format!("budget {}", self.name),
            &live_tags,
            meta,
            BudgetOutputs { name: self.name.clone(), account_id: account },
        )
    }
}

impl Budget {
    /// The whole budget as CreateBudget and UpdateBudget take it. `CostFilters` is deprecated
    /// in favour of `FilterExpression` but still honoured by AWS (and the only form moto knows).
    #[allow(deprecated)]
    fn sdk_budget(&self) -> Result<aws_sdk_budgets::types::Budget, ProviderError> {
        let limit = Spend::builder()
            .amount(&self.limit_amount)
            .unit(UNIT)
            .build()
            .map_err(|e| build_error("budget limit", e))?;
        let filters: HashMap<String, Vec<String>> = self.cost_filters.clone().into_iter().collect();
        aws_sdk_budgets::types::Budget::builder()
            .budget_name(&self.name)
            .budget_limit(limit)
            .time_unit(self.time_unit.to_sdk())
            .budget_type(BudgetType::Cost)
            .set_cost_filters(Some(filters))
            .build()
            .map_err(|e| build_error("budget", e))
    }

    /// The inputs as the cloud has them, starting from the program's (`self`) so that equal
    /// amounts written differently ("50" and "50.0") and reordered lists read as no change.
    #[allow(deprecated)] // CostFilters: see `sdk_budget`
    fn observe(
        &self,
        live: &aws_sdk_budgets::types::Budget,
        live_notifications: Vec<BudgetNotification>,
        live_tags: Tags,
    ) -> Result<Self, ProviderError> {
        let limit = live.budget_limit().ok_or_else(|| missing("budget limit"))?;
        let mut seen = self.clone();
        seen.name = live.budget_name().to_string();
        if normalize_decimal(limit.amount()) != normalize_decimal(&self.limit_amount) {
            seen.limit_amount = limit.amount().to_string();
        }
        let period = live.time_unit();
        seen.time_unit = BudgetPeriod::from_sdk(period)
            .ok_or_else(|| super::missing(&format!("time unit Plinth models (it has `{}`)", period.as_str())))?;
        seen.cost_filters = live
            .cost_filters()
            .into_iter()
            .flatten()
            .map(|(k, values)| {
                let program = self.cost_filters.get(k).cloned().unwrap_or_default();
                (k.clone(), notifications::align_set(&program, values.clone()))
            })
            .collect();
        seen.notifications = notifications::align(&self.notifications, live_notifications);
        seen.tags = live_tags;
        Ok(seen)
    }
}

/// True for `([0-9]*\.)?[0-9]+` (the Budgets API's number format) with a value above zero.
fn is_positive_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or(("", s));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    !frac.is_empty() && digits(int) && digits(frac) && s.chars().any(|c| ('1'..='9').contains(&c))
}

/// A decimal without leading zeros in its integer part or trailing zeros in its fraction.
fn normalize_decimal(s: &str) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

crate::kit::kind!(Budget, unordered: ["notifications" by ["notification_type", "comparison", "threshold_percent"]]);

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            name: "dev-monthly".into(),
            limit_amount: "50".into(),
            cost_filters: [("TagKeyValue".to_string(), vec!["user:Environment$dev".to_string()])].into(),
            notifications: vec![BudgetNotification {
                subscriber_emails: vec!["ops@example.com".into()],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn amounts() {
        for good in ["50", "0.5", ".5", "12.50", "007"] {
            assert!(is_positive_decimal(good), "{good}");
        }
        for bad in ["", "0", "0.00", "-5", "5.", "1e3", "abc", "1.2.3", " 5"] {
            assert!(!is_positive_decimal(bad), "{bad}");
        }
        assert_eq!(normalize_decimal("50.0"), normalize_decimal("50"));
        assert_eq!(normalize_decimal("050.50"), "50.5");
        assert_ne!(normalize_decimal("5"), normalize_decimal("50"));
    }

    #[test]
    fn validation_names_fields() {
        assert_eq!(budget().validate(), Vec::<String>::new());
        let bad = Budget { name: "a:b".into(), limit_amount: "0".into(), ..budget() };
        let problems = bad.validate();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("name `a:b`"));
        assert!(problems[1].starts_with("limit_amount `0`"));
        // A period AWS does not have no longer compiles, nor decodes from state; old state reads.
        assert!(serde_json::from_value::<BudgetPeriod>(serde_json::json!("WEEKLY")).is_err());
        assert_eq!(serde_json::to_value(BudgetPeriod::Quarterly).expect("json"), serde_json::json!("QUARTERLY"));
        let mut twice = budget();
        twice.notifications.push(twice.notifications[0].clone());
        assert_eq!(twice.validate(), ["notifications[1] repeats an earlier notification"]);
    }

    #[test]
    #[allow(deprecated)] // CostFilters
    fn observe_keeps_equal_values_in_program_form() {
        let program = budget();
        let live = aws_sdk_budgets::types::Budget::builder()
            .budget_name("dev-monthly")
            .budget_limit(Spend::builder().amount("50.0").unit("USD").build().expect("spend"))
            .time_unit(TimeUnit::Monthly)
            .budget_type(BudgetType::Cost)
            .set_cost_filters(Some([("TagKeyValue".to_string(), vec!["user:Environment$dev".to_string()])].into()))
            .build()
            .expect("budget");
        let seen = program.observe(&live, program.notifications.clone(), Tags::new()).expect("observes");
        assert_eq!(seen, program);

        let raised = aws_sdk_budgets::types::Budget::builder()
            .budget_name("dev-monthly")
            .budget_limit(Spend::builder().amount("75").unit("USD").build().expect("spend"))
            .time_unit(TimeUnit::Monthly)
            .budget_type(BudgetType::Cost)
            .build()
            .expect("budget");
        let seen = program.observe(&raised, vec![], Tags::new()).expect("observes");
        assert_eq!(seen.limit_amount, "75");
        assert!(seen.cost_filters.is_empty());
        assert!(seen.notifications.is_empty());
    }
}
