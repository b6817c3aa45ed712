use super::*;
use crate::input::Input;
use crate::resource::{Meta, Observed, ProviderError, Resource, Tags};
use crate::Stack;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A taggable test kind with a size, and a reference to something else.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Box_ {
    #[serde(default)]
    size: u32,
    #[serde(default)]
    inside: Option<Input<String>>,
    #[serde(default)]
    tags: Tags,
}

impl Resource for Box_ {
    const KIND: &'static str = "test:Box";
    const SERVICE: &'static str = "test";
    type Outputs = Value;
    type Context = ();
    fn cloud_id(_: &Value) -> String {
        "id".into()
    }
    async fn create(&self, _: &Meta, _: &()) -> Result<Value, ProviderError> {
        Ok(json!({ "id": "box" }))
    }
    async fn read(&self, out: &Value, _: &()) -> Result<Option<Observed<Self>>, ProviderError> {
        Ok(Some(Observed { inputs: self.clone(), outputs: out.clone() }))
    }
    async fn update(&self, _: &Self, out: &Value, _: &()) -> Result<Value, ProviderError> {
        Ok(out.clone())
    }
    async fn delete(&self, _: &Value, _: &()) -> Result<(), ProviderError> {
        Ok(())
    }
    async fn find(&self, _: &Meta, _: &()) -> Result<Option<Value>, ProviderError> {
        Ok(None)
    }
}

/// A program's own rule: boxes stay small; says which box is inside which.
struct SmallBoxes;

impl PolicyRule for SmallBoxes {
    fn id(&self) -> &'static str {
        "small-boxes"
    }
    fn severity(&self) -> Severity {
        Severity::Advisory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        match r.field("size") {
            Fact::Known(v) if v.as_u64().is_some_and(|s| s > 10) => {
                let users: Vec<&str> = r.used_by().iter().map(|(n, _)| *n).collect();
                vec![format!("size is {v}, above 10 (holds {users:?})")]
            }
            _ => vec![],
        }
    }
}

fn registry() -> Registry {
    Registry::new().with::<Box_>()
}

fn tags_rule() -> RequiredTags {
    RequiredTags::new("cost-tags", Severity::Mandatory, &["CostCenter", "Project"])
}

fn stack(cost_center: &str) -> Stack {
    let mut stack = Stack::new("test");
    stack.default_tag("Project", "p").default_tag("CostCenter", cost_center);
    let outer = stack.add("outer", Box_ { size: 12, ..Default::default() });
    stack.add(
        "inner",
        Box_ { size: 1, inside: Some(outer.output(|o: &Value| o["id"].to_string())), ..Default::default() },
    );
    stack
}

#[test]
fn required_tags_pass_when_the_default_tags_carry_them() {
    let rules = Rules::new([Arc::new(tags_rule()) as Arc<dyn PolicyRule>]);
    assert_eq!(check_program(&stack("eng"), &registry(), &rules).unwrap(), vec![]);
}

#[test]
fn required_tags_name_the_missing_or_empty_key_on_each_resource() {
    let rules = Rules::new([Arc::new(tags_rule()) as Arc<dyn PolicyRule>]);
    let findings = check_program(&stack(" "), &registry(), &rules).unwrap();
    let names: Vec<&str> = findings.iter().map(|f| f.resource.as_str()).collect();
    assert_eq!(names, ["inner", "outer"]);
    assert!(findings.iter().all(|f| f.rule == "cost-tags" && f.severity == Severity::Mandatory));
    assert!(findings[0].message.contains("tags lack CostCenter"), "{}", findings[0].message);
}

#[test]
fn required_tags_are_silent_on_kinds_that_cannot_be_tagged() {
    let mut stack = Stack::new("test");
    stack.add("data", crate::core::Data::default());
    let rules = Rules::new([Arc::new(tags_rule()) as Arc<dyn PolicyRule>]);
    assert_eq!(check_program(&stack, &crate::core::registry(), &rules).unwrap(), vec![]);
}

#[test]
fn a_program_rule_registered_on_the_stack_sees_inputs_and_dependents() {
    let mut s = stack("eng");
    s.policy_rule(SmallBoxes);
    let findings = check_program(&s, &registry(), &Rules::of(&registry(), &s)).unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].resource, "outer");
    assert_eq!(findings[0].severity, Severity::Advisory);
    assert_eq!(findings[0].message, "size is 12, above 10 (holds [\"inner\"])");
}

#[test]
fn registry_rules_come_first_and_findings_sort_mandatory_first() {
    let mut s = stack(" ");
    s.policy_rule(SmallBoxes);
    let reg = registry().with_rule(tags_rule());
    let findings = check_program(&s, &reg, &Rules::of(&reg, &s)).unwrap();
    let order: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule.as_str(), f.resource.as_str())).collect();
    assert_eq!(order, [("cost-tags", "inner"), ("cost-tags", "outer"), ("small-boxes", "outer")]);
    assert_eq!(refusals(&findings).len(), 2);
    assert_eq!(
        refusals(&findings)[0],
        "policy cost-tags (mandatory): `inner` (test:Box): tags lack CostCenter (required on every taggable resource)"
    );
}

#[test]
fn deletes_are_not_checked() {
    let mut s = Stack::new("test");
    s.policy_rule(SmallBoxes);
    let row = state::ResourceRow {
        name: "gone".into(),
        kind: "test:Box".into(),
        cloud_id: "id".into(),
        inputs: json!({ "size": 99, "tags": {} }),
        outputs: json!({ "id": "box" }),
        dependencies: vec![],
        options: json!({}),
        references: None,
        created_at: String::new(),
        updated_at: String::new(),
    };
    let graph = crate::graph::validate(&s).unwrap();
    let plan = crate::plan::plan(&s, &graph, &[row], &registry());
    assert_eq!(plan.steps[0].action, Action::Delete);
    assert_eq!(evaluate(&plan, &registry(), &Rules::of(&registry(), &s)), vec![]);
}

#[test]
fn unknown_values_are_facts_apply_will_know() {
    assert_eq!(fact(Some(&crate::input::unknown("x"))), Fact::Unknown);
    assert_eq!(fact(Some(&Value::Null)), Fact::Missing);
    assert_eq!(fact(None), Fact::Missing);
    assert_eq!(fact(Some(&json!(false))), Fact::Known(&json!(false)));
}

fn sample() -> Vec<Finding> {
    let mut s = stack(" ");
    s.policy_rule(SmallBoxes);
    let reg = registry().with_rule(tags_rule());
    check_program(&s, &reg, &Rules::of(&reg, &s)).unwrap()
}

#[test]
fn text_and_markdown_render_every_finding() {
    insta::assert_snapshot!("policy_text", text(&sample(), false));
    insta::assert_snapshot!("policy_markdown", markdown(&sample()));
    assert_eq!(text(&[], false), "Policy: every rule passed.\n");
}

#[test]
fn json_counts_and_keeps_every_field() {
    let out = json(&sample());
    assert_eq!(out["passed"], json!(false));
    assert_eq!(out["mandatory"], json!(2));
    assert_eq!(out["advisory"], json!(1));
    assert_eq!(out["findings"][2]["rule"], json!("small-boxes"));
    assert_eq!(out["findings"][2]["severity"], json!("advisory"));
    assert_eq!(out["findings"][2]["resource"], json!("outer"));
}

#[test]
fn a_waived_rule_still_reports_but_as_advisory_with_its_reason_and_refuses_nothing() {
    let mut s = stack(" ");
    let reg = registry().with_rule(tags_rule());
    s.waive_policy("cost-tags", "a sandbox");
    let findings = check_program(&s, &reg, &Rules::of(&reg, &s)).unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings.iter().all(|f| f.severity == Severity::Advisory && f.rule == "cost-tags"), "{findings:?}");
    assert!(findings[0].message.ends_with("(waived: a sandbox)"), "{}", findings[0].message);
    assert!(refusals(&findings).is_empty());
}
