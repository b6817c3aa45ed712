//! Policy documents (IAM and S3 bucket policies), compared by meaning rather than by text.
//!
//! IAM returns documents URL-encoded (`%7B%22Version%22...`), and AWS normalizes some shapes
//! (a one-element list may come back as a string, and the other way round). Kinds report the
//! program's own text when the live document means the same thing, so a read right after a
//! write shows no difference; otherwise they report the live document re-serialized.

use engine::{ErrorClass, ProviderError};
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// Parses a policy document, URL-decoding it first when it is not JSON as it stands (IAM's wire
/// format). Raw JSON is never decoded, so a literal `%` inside a raw document is kept.
pub fn decode_document(s: &str) -> Result<Value, ProviderError> {
    let direct_err = match serde_json::from_str::<Value>(s) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let decoded = percent_decode_str(s).decode_utf8().map_err(|e| invalid(s, &e.to_string()))?;
    if let Ok(v) = serde_json::from_str::<Value>(&decoded) {
        return Ok(v);
    }
    // Form encoding writes spaces as `+`; try that reading last.
    let plus = s.replace('+', " ");
    let decoded = percent_decode_str(&plus).decode_utf8().map_err(|e| invalid(s, &e.to_string()))?;
    serde_json::from_str::<Value>(&decoded).map_err(|_| invalid(s, &direct_err.to_string()))
}

fn invalid(doc: &str, why: &str) -> ProviderError {
    let head: String = doc.chars().take(80).collect();
    ProviderError::new(ErrorClass::Invalid, format!("policy document is not valid JSON ({why}): {head}"))
}

/// Whether two documents mean the same policy (see [`normalize`]). Unparsable text compares as
/// text.
pub fn same_policy(a: &str, b: &str) -> bool {
    match (decode_document(a), decode_document(b)) {
        (Ok(a), Ok(b)) => normalize(&a) == normalize(&b),
        _ => a == b,
    }
}

/// What a kind's `read` reports for a document: the program's own text when the live one means
/// the same, otherwise the live document as compact JSON (or as it came, if it cannot be parsed).
pub fn observed_document(program: &str, live: &str) -> String {
    if same_policy(program, live) {
        return program.to_string();
    }
    match decode_document(live) {
        Ok(v) => serde_json::to_string(&v).unwrap_or_else(|_| live.to_string()),
        Err(_) => live.to_string(),
    }
}

/// Canonical form: `Statement` always a list; `Action`, `NotAction`, `Resource`, `NotResource`,
/// each `Principal` / `NotPrincipal` entry and each condition value always a sorted list of
/// distinct strings; object keys sorted.
pub fn normalize(doc: &Value) -> Value {
    let mut doc = engine::diff::sorted_keys(doc);
    if let Some(obj) = doc.as_object_mut() {
        if let Some(statements) = obj.get_mut("Statement") {
            let list = match statements.take() {
                Value::Array(items) => items,
                single => vec![single],
            };
            *statements = Value::Array(list.into_iter().map(normalize_statement).collect());
        }
    }
    doc
}

fn normalize_statement(mut st: Value) -> Value {
    let Some(obj) = st.as_object_mut() else { return st };
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        if let Some(v) = obj.get_mut(key) {
            *v = string_set(v.take());
        }
    }
    for key in ["Principal", "NotPrincipal", "Condition"] {
        if let Some(v) = obj.get_mut(key) {
            *v = normalize_map_values(v.take(), key == "Condition");
        }
    }
    st
}

/// `Principal: {"Service": "x"}` → `{"Service": ["x"]}`; for `Condition`, one level deeper.
fn normalize_map_values(v: Value, nested: bool) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, inner)| {
                    let inner = if nested { normalize_map_values(inner, false) } else { string_set(inner) };
                    (k, inner)
                })
                .collect(),
        ),
        other => other, // "*" stays a string
    }
}

/// A string or a list of strings as a sorted, deduplicated list; anything else unchanged.
fn string_set(v: Value) -> Value {
    let items = match v {
        Value::String(_) | Value::Bool(_) | Value::Number(_) => vec![v],
        Value::Array(items) => items,
        other => return other,
    };
    let mut texts: Vec<String> = Vec::with_capacity(items.len());
    for item in &items {
        match item {
            Value::String(s) => texts.push(s.clone()),
            Value::Bool(b) => texts.push(b.to_string()),
            Value::Number(n) => texts.push(n.to_string()),
            _ => return Value::Array(items),
        }
    }
    texts.sort();
    texts.dedup();
    Value::Array(texts.into_iter().map(Value::String).collect())
}


#[cfg(test)]
mod tests {
    use super::*;

    const ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}"#;

    #[test]
    fn decodes_iam_wire_format() {
        // What IAM (and moto) return in GetRole's AssumeRolePolicyDocument.
        let wire = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Principal%22%3A%20%7B%22Service%22%3A%20%22ecs-tasks.amazonaws.com%22%7D%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%7D%5D%7D";
        let v = decode_document(wire).expect("decodes");
        assert_eq!(v["Statement"][0]["Principal"]["Service"], "ecs-tasks.amazonaws.com");
        assert!(same_policy(ASSUME, wire));
        assert_eq!(observed_document(ASSUME, wire), ASSUME);
    }

    #[test]
    fn raw_json_with_percent_is_not_decoded() {
        let doc = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%25/*"}}"#;
        let v = decode_document(doc).expect("parses");
        assert_eq!(v["Statement"]["Resource"], "arn:aws:s3:::b/100%25/*");
    }

    #[test]
    fn form_encoded_spaces_are_understood() {
        let wire = "%7B%22Version%22%3A+%222012-10-17%22%7D";
        assert_eq!(decode_document(wire).expect("decodes")["Version"], "2012-10-17");
    }

    #[test]
    fn single_values_equal_one_element_lists() {
        let a = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
        assert!(same_policy(a, ASSUME));
    }

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let b = r#"{ "Statement": [ { "Action": "sts:AssumeRole", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Effect": "Allow" } ], "Version": "2012-10-17" }"#;
        assert!(same_policy(ASSUME, b));
    }

    #[test]
    fn different_policies_differ() {
        let b = ASSUME.replace("ecs-tasks", "lambda");
        assert!(!same_policy(ASSUME, &b));
        let observed = observed_document(ASSUME, &b);
        assert!(observed.contains("lambda.amazonaws.com"));
        let deny = ASSUME.replace("Allow", "Deny");
        assert!(!same_policy(ASSUME, &deny));
    }

    #[test]
    fn action_order_is_irrelevant_but_content_is_not() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["*"]}]}"#;
        let c = r#"{"Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["*"]}]}"#;
        assert!(same_policy(a, b));
        assert!(!same_policy(a, c));
    }

    #[test]
    fn condition_values_normalize() {
        let a = r#"{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        let b = r#"{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}"#;
        assert!(same_policy(a, b));
    }

    #[test]
    fn principal_star_stays() {
        let a = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(same_policy(a, a));
        assert!(!same_policy(a, b));
    }

    #[test]
    fn garbage_is_an_invalid_error() {
        let err = decode_document("not json").expect_err("fails");
        assert_eq!(err.class, ErrorClass::Invalid);
        assert!(!same_policy("not json", "{}"));
    }
}
