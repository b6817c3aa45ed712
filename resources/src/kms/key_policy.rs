//! Key policies Plinth writes for its keys, as JSON text for [`super::Key::policy`].

use serde_json::{json, Value};

/// The key policy of a key AWS services encrypt with on this account's behalf (an SNS topic
/// CloudWatch alarms and AWS Budgets publish to): the account root administers the key
/// (`kms:*`, so IAM policies of the account decide who else may use it, and the key can never be
/// locked out), and each of `services` (service principals such as `cloudwatch.amazonaws.com`)
/// may `kms:Decrypt` and `kms:GenerateDataKey*`, only when acting for `account`
/// (`aws:SourceAccount`), so another account's alarm cannot use the key. With no services the
/// policy is the administration statement alone. The partition is `aws`.
pub fn publish_key_policy(account: &str, services: &[&str]) -> String {
    let mut statements = vec![json!({
        "Sid": "AccountAdministersTheKey",
        "Effect": "Allow",
        "Principal": { "AWS": format!("arn:aws:iam::{account}:root") },
        "Action": "kms:*",
        "Resource": "*",
    })];
    if !services.is_empty() {
        statements.push(json!({
            "Sid": "ServicesPublishForThisAccount",
            "Effect": "Allow",
            "Principal": { "Service": services },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:SourceAccount": account } },
        }));
    }
    let policy: Value = json!({ "Version": "2012-10-17", "Statement": statements });
    policy.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_administers_and_the_services_publish_for_this_account_only() {
        let text = publish_key_policy("123456789012", &["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]);
        let policy: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(policy["Version"], "2012-10-17");
        let statements = policy["Statement"].as_array().expect("statements");
        assert_eq!(statements.len(), 2);
        let admin = &statements[0];
        assert_eq!(admin["Principal"]["AWS"], "arn:aws:iam::123456789012:root");
        assert_eq!(
            (&admin["Effect"], &admin["Action"], &admin["Resource"]),
            (&json!("Allow"), &json!("kms:*"), &json!("*"))
        );
        let publish = &statements[1];
        assert_eq!(publish["Principal"]["Service"], json!(["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]));
        assert_eq!(publish["Action"], json!(["kms:Decrypt", "kms:GenerateDataKey*"]));
        assert_eq!(publish["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012");
        assert!(crate::policy::same_policy(&text, &text.replace(' ', "")));
    }

    #[test]
    fn no_services_leaves_the_administration_statement_alone() {
        let policy: Value = serde_json::from_str(&publish_key_policy("123456789012", &[])).expect("JSON");
        assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(1));
    }
}
