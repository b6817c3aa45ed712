//! Encryption at rest and in transit, where the kind lets the program turn it off.

use super::must_be_true;
use crate::elasticache::ReplicationGroup;
use crate::rds::DbInstance;
use crate::s3::Bucket;
use crate::sns::Topic;
use engine::policy::{Fact, Severity};
use engine::{PlannedResource, PolicyRule, Resource};

/// Data at rest is encrypted.
pub struct EncryptionAtRest;

impl PolicyRule for EncryptionAtRest {
    fn id(&self) -> &'static str {
        "encryption-at-rest"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        let problem = match r.kind {
            Bucket::KIND => match r.field("encryption") {
                Fact::Missing => Some(
                    "encryption is not declared: declare the bucket's default encryption (SSE-S3 or SSE-KMS) \
                     so the plan states it"
                        .to_string(),
                ),
                _ => None,
            },
            DbInstance::KIND => must_be_true(r, "storage_encrypted", "the database's storage is not encrypted"),
            ReplicationGroup::KIND => {
                must_be_true(r, "at_rest_encryption", "the cache's data at rest is not encrypted")
            }
            Topic::KIND => match r.field("kms_master_key_id") {
                Fact::Missing => Some("kms_master_key_id is not set: SNS keeps messages unencrypted".to_string()),
                _ => None,
            },
            _ => None,
        };
        problem.into_iter().collect()
    }
}

/// Data in transit is encrypted where the kind has a switch for it.
pub struct EncryptionInTransit;

impl PolicyRule for EncryptionInTransit {
    fn id(&self) -> &'static str {
        "encryption-in-transit"
    }
    fn severity(&self) -> Severity {
        Severity::Mandatory
    }
    fn check(&self, r: &PlannedResource<'_>) -> Vec<String> {
        match r.kind {
            ReplicationGroup::KIND => {
                must_be_true(r, "transit_encryption", "clients reach the cache without TLS").into_iter().collect()
            }
            _ => vec![],
        }
    }
}
