//! What is special about `aws:wafv2:WebAcl`: rules and visibility as an independent client sees
//! them, lock tokens (stale ones in the outputs do not matter), a taken name. The generic contract
//! (create → read → find → update → delete, tags, ownership) is the conformance suite's
//! (`tests/tests/conformance.rs`).
//!
//! Emulator gap (moto 5.2.5), stated in its own test: UpdateWebACL with an empty rule list keeps
//! the old rules (AWS replaces them with none).

use e2e::{engine_tags, meta, Emulator};
use engine::Resource;
use resources::wafv2::{AclDefault, ManagedRuleGroup, RateAction, RateLimit, WebAcl, WebAclOutputs, SCOPE};
use resources::AwsContext;

const NAME: &str = "plinth-e2e-web";

fn group(name: &str, priority: i32) -> ManagedRuleGroup {
    ManagedRuleGroup { name: name.into(), vendor: "AWS".into(), priority, override_to_count: false }
}

fn acl() -> WebAcl {
    WebAcl {
        name: NAME.into(),
        description: "Plinth e2e web ACL".into(),
        default_action: AclDefault::Allow,
        managed_rule_groups: vec![
            group("AWSManagedRulesCommonRuleSet", 10),
            group("AWSManagedRulesKnownBadInputsRuleSet", 20),
        ],
        rate_limit: Some(RateLimit { name: "per-ip".into(), limit: 2000, priority: 1, action: RateAction::Block }),
        metric_name: "plinth-e2e-web".into(),
        tags: engine_tags("waf", &[]),
        ..Default::default()
    }
}

fn updated_acl() -> WebAcl {
    WebAcl {
        description: "Plinth e2e web ACL, tightened".into(),
        default_action: AclDefault::Block,
        managed_rule_groups: vec![ManagedRuleGroup {
            override_to_count: true,
            ..group("AWSManagedRulesCommonRuleSet", 10)
        }],
        rate_limit: Some(RateLimit { name: "per-ip".into(), limit: 500, priority: 1, action: RateAction::Block }),
        ..acl()
    }
}

async fn read(acl: &WebAcl, out: &WebAclOutputs, cx: &AwsContext) -> Option<WebAcl> {
    acl.read(out, cx).await.expect("read").map(|o| {
        assert_eq!((&o.outputs.id, &o.outputs.arn, &o.outputs.name), (&out.id, &out.arn, &out.name));
        assert!(!o.outputs.lock_token.is_empty(), "read reports the current lock token");
        o.inputs
    })
}

#[tokio::test]
async fn web_acl_rules_reach_waf_and_lock_tokens_are_fetched_fresh() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let a = acl();
    assert_eq!(a.validate(), Vec::<String>::new());

    let out = a.create(&meta("waf"), &cx).await.expect("create");
    assert_eq!(out.name, NAME);
    assert!(out.arn.starts_with("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/plinth-e2e-web/"), "{}", out.arn);
    assert!(out.arn.ends_with(&out.id));
    assert!(!out.lock_token.is_empty());
    assert_eq!(read(&a, &out, &cx).await, Some(a.clone()), "read right after create equals the inputs");

    let b = updated_acl();
    let out2 = b.update(&a, &out, &cx).await.expect("update");
    assert_eq!((&out2.id, &out2.arn), (&out.id, &out.arn), "updated in place");
    assert_ne!(out2.lock_token, out.lock_token, "the write moved the lock token on");
    assert_eq!(read(&b, &out2, &cx).await, Some(b.clone()), "read after update equals the new inputs");
    check_updated_independently(&emu, &out2).await;

    // A stale token in the outputs does not matter: every write fetches a fresh one.
    let c = WebAcl {
        rate_limit: Some(RateLimit { name: "per-ip".into(), limit: 600, priority: 1, action: RateAction::Count }),
        tags: engine_tags("waf", &[]),
        ..b.clone()
    };
    let out3 = c.update(&b, &out, &cx).await.expect("update given the outputs of an older write");
    assert_eq!(read(&c, &out3, &cx).await, Some(c.clone()));

    // Deleting with a stale token in the outputs works too: delete fetches a fresh one.
    c.delete(&out, &cx).await.expect("delete");
    assert_eq!(read(&c, &out3, &cx).await, None);
}

/// What a user would check in the console, through a client the engine does not share.
async fn check_updated_independently(emu: &Emulator, out: &WebAclOutputs) {
    let waf = emu.independent().await.wafv2();
    let got = waf.get_web_acl().name(NAME).id(&out.id).scope(SCOPE).send().await.expect("GetWebACL");
    assert_eq!(got.lock_token(), Some(out.lock_token.as_str()));
    let live = got.web_acl().expect("web ACL");
    assert_eq!(live.description(), Some("Plinth e2e web ACL, tightened"));
    assert!(live.default_action().and_then(|d| d.block()).is_some(), "default action is block");
    let visibility = live.visibility_config().expect("ACL visibility");
    assert!(visibility.cloud_watch_metrics_enabled() && visibility.sampled_requests_enabled());
    assert_eq!(visibility.metric_name(), "plinth-e2e-web");

    let rules = live.rules();
    assert_eq!(rules.len(), 2, "{rules:?}");
    let common = rules.iter().find(|r| r.name() == "AWSManagedRulesCommonRuleSet").expect("common rule set");
    assert!(common.override_action().and_then(|o| o.count()).is_some(), "overridden to count");
    let statement = common.statement().and_then(|s| s.managed_rule_group_statement()).expect("managed group");
    assert_eq!(statement.vendor_name(), "AWS");
    let rate = rules.iter().find(|r| r.name() == "per-ip").expect("rate rule");
    assert_eq!(rate.statement().and_then(|s| s.rate_based_statement()).map(|r| r.limit()), Some(500));
    assert!(rate.action().and_then(|a| a.block()).is_some());
    let rule_visibility = rate.visibility_config().expect("rule visibility");
    assert!(rule_visibility.cloud_watch_metrics_enabled() && rule_visibility.sampled_requests_enabled());
    assert_eq!(rule_visibility.metric_name(), "plinth-e2e-web-per-ip");
    assert!(!rules.iter().any(|r| r.name() == "AWSManagedRulesKnownBadInputsRuleSet"), "removed group is gone");
}

/// (That `find` refuses the other ACL is the conformance suite's.)
#[tokio::test]
async fn creating_an_acl_whose_name_is_taken_is_already_exists() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let foreign = WebAcl { tags: engine_tags("someone-else", &[]), ..acl() };
    let out = foreign.create(&meta("someone-else"), &cx).await.expect("create");
    let err = acl().create(&meta("waf"), &cx).await.expect_err("the name is taken");
    assert_eq!(err.class, engine::ErrorClass::AlreadyExists, "{err}");
    foreign.delete(&out, &cx).await.expect("delete");
}

/// moto 5.2.5 gap: UpdateWebACL with `"Rules": []` leaves the old rules in place (moto treats
/// an empty list as "not given"); AWS would remove them. Plinth sends the empty list; the read
/// shows what moto kept, which is how a user would see the drift.
#[tokio::test]
async fn moto_keeps_rules_when_updated_to_none() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let a = acl();
    let out = a.create(&meta("waf"), &cx).await.expect("create");
    let bare = WebAcl { managed_rule_groups: vec![], rate_limit: None, ..a.clone() };
    let out2 = bare.update(&a, &out, &cx).await.expect("update to no rules");
    let seen = read(&bare, &out2, &cx).await.expect("still there");
    assert_eq!(seen.managed_rule_groups, a.managed_rule_groups, "moto kept the managed groups");
    assert_eq!(seen.rate_limit, a.rate_limit, "moto kept the rate limit");
    bare.delete(&out2, &cx).await.expect("delete");
}
