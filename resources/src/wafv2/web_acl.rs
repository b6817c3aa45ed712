//! `aws:wafv2:WebAcl`: a regional web ACL made of AWS managed rule groups and an optional
//! per-IP rate limit, with CloudWatch metrics and sampled requests on for the ACL and each rule.
//! The name is unique per region, so a rename deletes first; everything else changes in place
//! by rewriting the whole ACL under a fresh lock token.
//!
//! Emulator gaps (moto 5.2.5): UpdateWebACL with an empty rule list keeps the old rules, and
//! without a description keeps the old one (AWS replaces both); ListResourcesForWebACL answers
//! 500 (not called here: association with the ALB is another kind's job).

use super::rules::{self, AclDefault, ManagedRuleGroup, RateLimit};
use super::tags::Waf;
use super::{find_by_name, find_web_acl, missing, with_lock_token, SCOPE};
use crate::error::{classify, ok_if_not_found};
use crate::kit::adopt;
use crate::kit::retry::no_retry;
use crate::tags;
use crate::AwsContext;
use aws_sdk_wafv2::types::{AllowAction, BlockAction, DefaultAction};
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use serde::{Deserialize, Serialize};

/// A regional WAF web ACL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebAcl {
    /// Unique per region; 1 to 128 letters, digits, `_` or `-`.
    pub name: String,
    /// Empty for none.
    pub description: String,
    /// What happens to a request no rule decided on: "allow" or "block".
    pub default_action: AclDefault,
    pub managed_rule_groups: Vec<ManagedRuleGroup>,
    pub rate_limit: Option<RateLimit>,
    /// The CloudWatch metric name of the ACL; each rule's metric is `<metric_name>-<rule name>`.
    pub metric_name: String,
    /// Read-only: names of live rules Plinth does not model (added outside the program). Always
    /// empty in a program, so such rules show as drift, and an update removes them.
    pub unmanaged_rules: Vec<String>,
    pub tags: Tags,
}

impl Default for WebAcl {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            default_action: AclDefault::Allow,
            managed_rule_groups: Vec::new(),
            rate_limit: None,
            metric_name: String::new(),
            unmanaged_rules: Vec::new(),
            tags: Tags::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebAclOutputs {
    pub id: String,
    /// What a load balancer association needs.
    pub arn: String,
    pub name: String,
    /// The token of the last write Plinth saw (every write needs the current one; Plinth always
    /// fetches a fresh token before writing).
    pub lock_token: String,
}

impl Resource for WebAcl {
    const KIND: &'static str = "aws:wafv2:WebAcl";
    const SERVICE: &'static str = "wafv2";
    const REPLACE_FIELDS: &'static [&'static str] = &["name"];
    const DELETE_BEFORE_REPLACE: bool = true;
    const PRICED: bool = true;
    type Outputs = WebAclOutputs;
    type Context = AwsContext;

    /// The ACL, each rule (managed groups, the rate limit, rules added outside) and requests.
    fn monthly_cost(&self, _related: &engine::cost::Related<'_>) -> Result<engine::cost::Estimate, String> {
        let t = crate::prices::table();
        let rules =
            self.managed_rule_groups.len() + usize::from(self.rate_limit.is_some()) + self.unmanaged_rules.len();
        let requests = t.assumed.waf_million_requests_per_month;
        let items = vec![
            engine::cost::CostItem::new("web ACL", 1.0, "ACLs", t.wafv2.web_acl_month),
            engine::cost::CostItem::new("rules", rules as f64, "rules", t.wafv2.rule_month),
            engine::cost::CostItem::new("requests", requests, "million requests", t.wafv2.million_requests),
        ];
        let assumptions = vec![
            format!("{requests} million requests a month"),
            "AWS managed rule groups at the rule price (paid groups such as Bot Control cost more)".to_string(),
        ];
        Ok(crate::prices::estimate(items, assumptions))
    }

    fn cloud_id(outputs: &WebAclOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !rules::is_entity_name(&self.name) {
            problems.push(format!("name `{}` must be 1 to 128 letters, digits, `_` or `-`", self.name));
        }
        if let Some(p) = description_problem(&self.description) {
            problems.push(format!("description `{}` {p}", self.description));
        }
        if let Some(p) = rules::metric_name_problem(&self.metric_name) {
            problems.push(format!("metric_name `{}` {p}", self.metric_name));
        }
        if !self.unmanaged_rules.is_empty() {
            problems.push(format!("unmanaged_rules is read-only (found {:?}): leave it empty", self.unmanaged_rules));
        }
        problems.extend(rules::problems(&self.managed_rule_groups, self.rate_limit.as_ref(), &self.metric_name));
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<WebAclOutputs, ProviderError> {
        let call = cx
            .wafv2()
            .create_web_acl()
            .name(&self.name)
            .scope(SCOPE)
            .default_action(self.sdk_default_action())
            .set_description(self.sdk_description())
            .set_rules(Some(self.sdk_rules()?))
            .visibility_config(rules::visibility(&self.metric_name)?)
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.customize().config_override(no_retry!(aws_sdk_wafv2)).send().await;
        let out = out.map_err(|e| classify("CreateWebACL", e))?;
        let summary = out.summary().ok_or_else(|| missing("CreateWebACL summary"))?;
        let field = |v: Option<&str>, what: &str| v.map(str::to_string).ok_or_else(|| missing(what));
        Ok(WebAclOutputs {
            id: field(summary.id(), "CreateWebACL id")?,
            arn: field(summary.arn(), "CreateWebACL ARN")?,
            name: self.name.clone(),
            lock_token: field(summary.lock_token(), "CreateWebACL lock token")?,
        })
    }

    async fn read(&self, out: &WebAclOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some((acl, lock_token)) = find_web_acl(cx, &out.name, &out.id).await? else { return Ok(None) };
        let live = rules::from_sdk(acl.rules());
        let mut seen = self.clone();
        seen.name = acl.name().to_string();
        seen.description = acl.description().unwrap_or_default().to_string();
        seen.default_action = observed_default_action(acl.default_action()).ok_or_else(|| missing("default action"))?;
        seen.metric_name = acl.visibility_config().map(|v| v.metric_name().to_string()).unwrap_or_default();
        seen.managed_rule_groups = rules::align_groups(&self.managed_rule_groups, live.managed_rule_groups);
        seen.rate_limit = live.rate_limit;
        seen.unmanaged_rules = live.unmanaged;
        seen.tags = tags::read::<Waf>(cx, acl.arn()).await?;
        let outputs = WebAclOutputs { lock_token, ..out.clone() };
        Ok(Some(Observed { inputs: seen, outputs }))
    }

    async fn update(&self, old: &Self, out: &WebAclOutputs, cx: &AwsContext) -> Result<WebAclOutputs, ProviderError> {
        let mut outputs = out.clone();
        if self.acl_differs(old) {
            let rules = self.sdk_rules()?;
            let visibility = rules::visibility(&self.metric_name)?;
            let write = |token: String| {
                let call = cx
                    .wafv2()
                    .update_web_acl()
                    .name(&out.name)
                    .id(&out.id)
                    .scope(SCOPE)
                    .lock_token(token)
                    .default_action(self.sdk_default_action())
                    .set_description(self.sdk_description())
                    .set_rules(Some(rules.clone()))
                    .visibility_config(visibility.clone());
                async move { call.send().await.map_err(|e| classify("UpdateWebACL", e)) }
            };
            let written = with_lock_token(|| fresh_token(cx, out), write).await?;
            let written = written.ok_or_else(|| gone(out))?;
            outputs.lock_token =
                written.next_lock_token().ok_or_else(|| missing("UpdateWebACL next lock token"))?.to_string();
        }
        tags::sync::<Waf>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(outputs)
    }

    async fn delete(&self, out: &WebAclOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        let remove = |token: String| {
            let call = cx.wafv2().delete_web_acl().name(&out.name).id(&out.id).scope(SCOPE).lock_token(token);
            async move { call.send().await.map(|_| ()).map_err(|e| classify("DeleteWebACL", e)) }
        };
        ok_if_not_found(with_lock_token(|| fresh_token(cx, out), remove).await.map(|_| ()))
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<WebAclOutputs>, ProviderError> {
        let Some(summary) = find_by_name(cx, &self.name).await? else { return Ok(None) };
        let (Some(id), Some(arn)) = (summary.id(), summary.arn()) else { return Err(missing("ListWebACLs id or ARN")) };
        // The name is unique per region; the tags say whether this stack made it.
        let live_tags = tags::read::<Waf>(cx, arn).await?;
        let found = WebAclOutputs {
            id: id.to_string(),
            arn: arn.to_string(),
            name: self.name.clone(),
            lock_token: summary.lock_token().unwrap_or_default().to_string(),
        };
        adopt(&format!("web ACL {}", self.name), &live_tags, meta, found)
    }
}

impl WebAcl {
    fn sdk_default_action(&self) -> DefaultAction {
        match self.default_action {
            AclDefault::Block => DefaultAction::builder().block(BlockAction::builder().build()).build(),
            AclDefault::Allow => DefaultAction::builder().allow(AllowAction::builder().build()).build(),
        }
    }

    fn sdk_description(&self) -> Option<String> {
        Some(self.description.clone()).filter(|d| !d.is_empty())
    }

    fn sdk_rules(&self) -> Result<Vec<aws_sdk_wafv2::types::Rule>, ProviderError> {
        rules::to_sdk(&self.managed_rule_groups, self.rate_limit.as_ref(), &self.metric_name)
    }

    /// Whether anything UpdateWebACL writes differs (tags have their own calls).
    fn acl_differs(&self, old: &Self) -> bool {
        let bare = |w: &Self| Self { tags: Tags::new(), ..w.clone() };
        bare(self) != bare(old)
    }
}

async fn fresh_token(cx: &AwsContext, out: &WebAclOutputs) -> Result<Option<String>, ProviderError> {
    Ok(find_web_acl(cx, &out.name, &out.id).await?.map(|(_, token)| token))
}

fn gone(out: &WebAclOutputs) -> ProviderError {
    ProviderError::new(ErrorClass::NotFound, format!("web ACL {} ({}) no longer exists", out.name, out.id))
}

/// The live default action; `None` if the answer has neither (AWS always sends one).
fn observed_default_action(action: Option<&DefaultAction>) -> Option<AclDefault> {
    match action {
        Some(a) if a.block().is_some() => Some(AclDefault::Block),
        Some(a) if a.allow().is_some() => Some(AclDefault::Allow),
        _ => None,
    }
}

/// WAF's description rule: at most 256 characters of word characters, whitespace and
/// `+=:#@/-,.`, not starting or ending with whitespace.
fn description_problem(description: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_+=:#@/-,.".contains(c);
    if description.chars().count() > 256 {
        Some("is longer than 256 characters")
    } else if !description.chars().all(allowed) {
        Some("may contain only letters, digits, spaces and _+=:#@/-,.")
    } else if description.trim() != description {
        Some("must not start or end with whitespace")
    } else {
        None
    }
}

crate::kit::kind!(WebAcl, unordered: ["managed_rule_groups" by ["name"], "unmanaged_rules"]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wafv2::RateAction;

    fn acl() -> WebAcl {
        WebAcl {
            name: "web".into(),
            metric_name: "web".into(),
            managed_rule_groups: vec![ManagedRuleGroup {
                name: "AWSManagedRulesCommonRuleSet".into(),
                priority: 1,
                ..Default::default()
            }],
            rate_limit: Some(RateLimit { name: "per-ip".into(), limit: 2000, priority: 2, action: RateAction::Block }),
            ..Default::default()
        }
    }

    #[test]
    fn a_typical_acl_is_valid() {
        assert_eq!(acl().validate(), Vec::<String>::new());
    }

    #[test]
    fn problems_name_field_and_value() {
        let bad = WebAcl { name: "my acl".into(), metric_name: "a.b".into(), description: " x".into(), ..acl() };
        let problems = bad.validate();
        assert!(problems.iter().any(|p| p.starts_with("name `my acl`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("metric_name `a.b`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("description ` x`")), "{problems:?}");
    }

    #[test]
    fn actions_keep_their_aws_spelling_and_a_typo_does_not_decode() {
        let json = serde_json::to_value(WebAcl { default_action: AclDefault::Block, ..acl() }).unwrap();
        assert_eq!(
            (&json["default_action"], &json["rate_limit"]["action"]),
            (&serde_json::json!("block"), &serde_json::json!("block"))
        );
        let old: WebAcl = serde_json::from_value(json).expect("state written with strings still reads");
        assert_eq!(old.default_action, AclDefault::Block);
        let typo = serde_json::from_value::<WebAcl>(serde_json::json!({ "name": "web", "default_action": "deny" }));
        assert!(typo.unwrap_err().to_string().contains("deny"));
    }

    #[test]
    fn tag_only_changes_do_not_rewrite_the_acl() {
        let mut tagged = acl();
        tagged.tags.insert("k".into(), "v".into());
        assert!(!tagged.acl_differs(&acl()));
        let mut limited = acl();
        limited.rate_limit = None;
        assert!(limited.acl_differs(&acl()));
    }

    #[test]
    fn defaults_decode_from_json() {
        let acl: WebAcl = serde_json::from_value(serde_json::json!({
            "name": "web", "metric_name": "web",
            "managed_rule_groups": [{ "name": "AWSManagedRulesKnownBadInputsRuleSet", "priority": 3 }],
        }))
        .expect("decodes");
        assert_eq!(acl.default_action, AclDefault::Allow);
        assert_eq!(acl.managed_rule_groups[0].vendor, "AWS");
        assert!(!acl.managed_rule_groups[0].override_to_count);
    }
}
