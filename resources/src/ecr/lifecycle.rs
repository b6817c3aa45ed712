//! The typed ECR lifecycle policy: keep the last N tagged images, expire untagged ones after D
//! days. [`Lifecycle::render`] writes the policy JSON PutLifecyclePolicy takes;
//! [`Lifecycle::parse`] reads GetLifecyclePolicy's JSON back into the typed form.
//!
//! # Guarantees
//! * `parse(render(l)) == Some(l)` for every valid `l`.
//! * `parse` returns `None` for any policy that is not exactly what `render` writes for some
//!   values (other rules, other selections, other actions, extra fields): such a policy cannot be
//!   expressed by the kind, and the repository reports it as drift (`unmanaged_lifecycle_policy`)
//!   instead of hiding it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What a repository's lifecycle policy does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lifecycle {
    /// Tagged images beyond the newest `keep_last` are expired (at least 1).
    pub keep_last: u32,
    /// Untagged images are expired this many days after they were pushed (at least 1).
    pub untagged_expire_days: u32,
}

impl Lifecycle {
    /// Problems with the values, each naming the field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.keep_last < 1 {
            problems.push("lifecycle.keep_last must be at least 1 (ECR's countNumber minimum)".to_string());
        }
        if self.untagged_expire_days < 1 {
            problems.push("lifecycle.untagged_expire_days must be at least 1 (ECR's countNumber minimum)".to_string());
        }
        problems
    }

    /// The policy as ECR's lifecycle policy JSON: rule 1 expires untagged images pushed more than
    /// `untagged_expire_days` days ago, rule 2 expires tagged images beyond the newest `keep_last`.
    pub fn policy(&self) -> Value {
        json!({
            "rules": [
                {
                    "rulePriority": 1,
                    "description": format!("Expire untagged images after {} days", self.untagged_expire_days),
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": self.untagged_expire_days,
                    },
                    "action": { "type": "expire" },
                },
                {
                    "rulePriority": 2,
                    "description": format!("Keep the last {} tagged images", self.keep_last),
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": self.keep_last,
                    },
                    "action": { "type": "expire" },
                },
            ]
        })
    }

    /// [`Lifecycle::policy`] as the text PutLifecyclePolicy sends.
    pub fn render(&self) -> String {
        self.policy().to_string()
    }

    /// The typed form of a live policy, or `None` when the kind cannot express it.
    pub fn parse(text: &str) -> Option<Lifecycle> {
        let live: Value = serde_json::from_str(text).ok()?;
        let rules = live.get("rules")?.as_array()?;
        let count = |status: &str| {
            rules
                .iter()
                .find(|r| r.pointer("/selection/tagStatus").and_then(Value::as_str) == Some(status))
                .and_then(|r| r.pointer("/selection/countNumber"))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let candidate = Lifecycle { keep_last: count("tagged")?, untagged_expire_days: count("untagged")? };
        (candidate.policy() == live).then_some(candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_policy_keeps_n_tagged_and_expires_untagged_after_d_days() {
        let policy = Lifecycle { keep_last: 10, untagged_expire_days: 7 }.policy();
        let rules = policy["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["selection"]["tagStatus"], "untagged");
        assert_eq!(rules[0]["selection"]["countType"], "sinceImagePushed");
        assert_eq!(rules[0]["selection"]["countNumber"], 7);
        assert_eq!(rules[1]["selection"]["tagStatus"], "tagged");
        assert_eq!(rules[1]["selection"]["countType"], "imageCountMoreThan");
        assert_eq!(rules[1]["selection"]["countNumber"], 10);
        assert!(rules.iter().all(|r| r["action"]["type"] == "expire"));
    }

    #[test]
    fn parse_reads_back_what_render_wrote_whatever_the_spacing() {
        let l = Lifecycle { keep_last: 3, untagged_expire_days: 14 };
        assert_eq!(Lifecycle::parse(&l.render()), Some(l));
        let pretty = serde_json::to_string_pretty(&l.policy()).expect("json");
        assert_eq!(Lifecycle::parse(&pretty), Some(l));
    }

    #[test]
    fn a_policy_the_kind_cannot_express_is_not_read_as_one() {
        let l = Lifecycle { keep_last: 3, untagged_expire_days: 14 };
        let mut extra = l.policy();
        extra["rules"].as_array_mut().expect("rules").push(json!({
            "rulePriority": 3,
            "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100 },
            "action": { "type": "expire" },
        }));
        assert_eq!(Lifecycle::parse(&extra.to_string()), None);
        let mut prefixed = l.policy();
        prefixed["rules"][1]["selection"]["tagPatternList"] = json!(["release-*"]);
        assert_eq!(Lifecycle::parse(&prefixed.to_string()), None);
        assert_eq!(Lifecycle::parse("not json"), None);
        assert_eq!(Lifecycle::parse(r#"{"rules":[]}"#), None);
    }

    #[test]
    fn zero_counts_are_refused_naming_the_field() {
        let problems = Lifecycle { keep_last: 0, untagged_expire_days: 0 }.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("lifecycle.keep_last"));
        assert!(problems[1].starts_with("lifecycle.untagged_expire_days"));
    }
}
