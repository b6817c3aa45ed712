//! `aws:cloudwatch:Dashboard`: a CloudWatch dashboard of typed widgets (metric graphs, text,
//! alarm states) on the 24-column grid.
//!
//! The inputs hold the widgets as a map keyed by a stable id the program chooses
//! (`widgets: BTreeMap<String, Widget>`), not as the body's array: the engine diffs objects field
//! by field, so changing one widget is one change at `widgets.<id>.…`, and adding or removing one
//! is one change at `widgets.<id>`. The body CloudWatch stores is written from them
//! canonically and read back into the same typed form (`widgets` module), so a body the cloud
//! answers with another key order, spacing or number spelling reads as no change.
//!
//! The name is unique in the account: a rename deletes first. PutDashboard replaces the whole
//! body, so every widget change is in place.
//!
//! # Ownership
//! Dashboards are not taggable (CloudWatch tags only alarms and Contributor Insights rules;
//! PutDashboard takes no tags), and a name prefix proves nothing. Every body Plinth writes ends
//! with a marker widget: a one-line text widget `Managed by Plinth [plinth:stack=<stack>
//! plinth:name=<name> plinth:widgets=…]` (`widgets` module docs). `find` reads the dashboard of
//! that name and adopts it only when the marker proves both `plinth:stack` and `plinth:name`
//! (through `kit::adopt`, as tags would); a dashboard without the marker, or with another
//! stack's or name's, is `Err(NotOwned)`. Create refuses (AlreadyExists) a dashboard of that
//! name that already exists, rather than overwriting it through PutDashboard's upsert. An update
//! keeps the live marker's owner and refuses (NotOwned) a dashboard whose marker was removed.
//! Programs may not write `[plinth:` in a text widget (validate).

use super::missing;
use super::widgets::{body, parse_body, widget_problems, Marker, Widget};
use crate::error::{absent_if, classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::AwsContext;
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many widgets on a dashboard (AWS's limit), the marker included.
pub const MAX_WIDGETS: usize = 500;

/// A dashboard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dashboard {
    /// 1 to 255 letters, digits, `-` or `_`; unique in the account.
    pub name: String,
    /// The widgets by a stable id (letters, digits, `-`, `_`); the body lists them in id order.
    pub widgets: BTreeMap<String, Widget>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardOutputs {
    pub name: String,
    pub arn: String,
}

impl Resource for Dashboard {
    const KIND: &'static str = "aws:cloudwatch:Dashboard";
    const SERVICE: &'static str = "cloudwatch";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const PRICED: bool = true;
    type Outputs = DashboardOutputs;
    type Context = AwsContext;

    /// One dashboard (the account's free ones are not subtracted).
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let cw = &crate::prices::table().cloudwatch;
        let item = engine::cost::CostItem::new("dashboard", 1.0, "dashboards", cw.dashboard_month);
        Ok(crate::prices::estimate(vec![item], vec!["the account's 3 free dashboards not subtracted".to_string()]))
    }

    fn cloud_id(outputs: &DashboardOutputs) -> String {
        outputs.name.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.name.is_empty() || self.name.len() > 255 || !self.name.chars().all(allowed) {
            problems.push(format!("name `{}` must be 1 to 255 letters, digits, `-` or `_`", self.name));
        }
        if self.widgets.len() >= MAX_WIDGETS {
            problems.push(format!(
                "widgets has {}; at most {} (one place is Plinth's marker)",
                self.widgets.len(),
                MAX_WIDGETS - 1
            ));
        }
        for (id, widget) in &self.widgets {
            problems.extend(widget_problems(id, widget));
        }
        problems
    }

    async fn create(&self, meta: &Meta, cx: &AwsContext) -> Result<DashboardOutputs, ProviderError> {
        if let Some(live) = get(cx, &self.name).await? {
            let message = format!("dashboard {} already exists ({})", self.name, live.arn);
            return Err(ProviderError::new(ErrorClass::AlreadyExists, message));
        }
        let call = cx.cloudwatch().put_dashboard().dashboard_name(&self.name);
        let call = call.dashboard_body(body(&self.widgets, &meta.stack, &meta.name));
        let sent = call.customize().config_override(no_retry!(aws_sdk_cloudwatch)).send().await;
        sent.map_err(|e| classify("PutDashboard", e))?;
        Ok(DashboardOutputs { name: self.name.clone(), arn: super::dashboard_arn(cx, &self.name).await? })
    }

    async fn read(&self, out: &DashboardOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = get(cx, &out.name).await? else { return Ok(None) };
        let seen = Dashboard { name: self.name.clone(), widgets: live.widgets };
        Ok(Some(Observed { inputs: seen, outputs: DashboardOutputs { name: out.name.clone(), arn: live.arn } }))
    }

    async fn update(
        &self,
        _old: &Self,
        out: &DashboardOutputs,
        cx: &AwsContext,
    ) -> Result<DashboardOutputs, ProviderError> {
        let live = get(cx, &out.name).await?;
        let Some(marker) = live.and_then(|l| l.marker) else {
            let message =
                format!("dashboard {} is gone or no longer carries Plinth's marker widget: not changed", out.name);
            return Err(ProviderError::new(ErrorClass::NotOwned, message));
        };
        let call = cx.cloudwatch().put_dashboard().dashboard_name(&out.name);
        let call = call.dashboard_body(body(&self.widgets, &marker.stack, &marker.name));
        call.send().await.map_err(|e| classify("PutDashboard", e))?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &DashboardOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let call = cx.cloudwatch().delete_dashboards().dashboard_names(&out.name);
        ok_if_not_found(call.send().await.map(|_| ()).map_err(|e| classify("DeleteDashboards", e)))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<DashboardOutputs>, ProviderError> {
        let Some(live) = get(cx, &self.name).await? else { return Ok(None) };
        let proof: Tags = live
            .marker
            .map(|m| [(engine::STACK_TAG.to_string(), m.stack), (engine::NAME_TAG.to_string(), m.name)].into())
            .unwrap_or_default();
        let found = DashboardOutputs { name: self.name.clone(), arn: live.arn.clone() };
        adopt(&format!("dashboard {} ({}; ownership from its marker widget)", self.name, live.arn), &proof, meta, found)
    }
}

/// A live dashboard in the typed form.
struct Live {
    arn: String,
    widgets: BTreeMap<String, Widget>,
    marker: Option<Marker>,
}

/// GetDashboard, parsed; `None` when there is no dashboard of that name.
async fn get(cx: &AwsContext, name: &str) -> Result<Option<Live>, ProviderError> {
    let out = cx.cloudwatch().get_dashboard().dashboard_name(name).send().await;
    let Some(out) = absent_if("GetDashboard", out, |e| e.is_dashboard_not_found_error())? else { return Ok(None) };
    let arn = out.dashboard_arn().ok_or_else(|| missing("DashboardArn"))?.to_string();
    let text = out.dashboard_body().ok_or_else(|| missing("DashboardBody"))?;
    let (widgets, marker) =
        parse_body(text).map_err(|e| ProviderError::new(ErrorClass::Other, format!("dashboard {name}: {e}")))?;
    Ok(Some(Live { arn, widgets, marker }))
}

crate::kit::kind!(Dashboard);

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
