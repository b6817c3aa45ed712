//! `aws:acm:Certificate`: a public TLS certificate issued by ACM and validated by DNS.
//!
//! The domain, the subject alternative names and the key algorithm cannot change: a change
//! replaces the certificate create-first (the ARN changes; listeners are repointed to the new one
//! before the old one is deleted). Tags change in place.
//!
//! `create` requests the certificate and waits until it is ISSUED ([`CERT_ISSUE_TIMEOUT`]); the
//! DNS validation records are in the outputs and, when the wait fails, in the error.
//!
//! # Guarantees
//! * No duplicate certificate for a lost reply: RequestCertificate carries a fresh idempotency
//!   token (`kit::token`), so the SDK's retries of the call answer with the first certificate; a
//!   reply lost for good is resolved by `find`. (A token derived from the resource would answer a
//!   destroy-and-recreate within ACM's hour with the deleted certificate.)
//! * `find` adopts only a certificate for this domain whose tags prove `plinth:stack` and
//!   `plinth:name` (ACM names are not unique: several are a Conflict, never a guess).
//! * Delete retries while the certificate is still in use (ResourceInUseException, a Conflict)
//!   for at most [`CERT_DELETE_TIMEOUT`](super::wait::CERT_DELETE_TIMEOUT).
//!
//! Emulator gaps (moto 5.2.5): every requested certificate is RSA_2048 whatever KeyAlgorithm
//! says; DeleteCertificate never answers ResourceInUseException; certificates are issued after
//! MOTO_ACM_VALIDATION_WAIT seconds, made 0 by `scripts/moto_patches/acm.py`.

use super::tags::Acm;
use super::wait::{until_issued, CertState, CERT_ISSUE_TIMEOUT};
use super::{describe, missing, sdk};
use crate::error::classify;
use crate::kit::enums::aws_enum;
use crate::tags;
use crate::AwsContext;
use engine::{ErrorClass, Meta, Observed, ProviderError, Resource, Tags};
use sdk::types::{CertificateDetail, Filters, ValidationMethod};
use serde::{Deserialize, Serialize};

aws_enum! {
    /// The certificate's key (the algorithms RequestCertificate offers).
    pub enum KeyAlgorithm: sdk::types::KeyAlgorithm {
        Rsa2048 = "RSA_2048",
        EcPrime256v1 = "EC_prime256v1",
        EcSecp384r1 = "EC_secp384r1",
    }
}

/// A DNS-validated public certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Certificate {
    /// The certificate's subject (`example.com` or `*.example.com`).
    pub domain_name: String,
    /// Further names the certificate covers (a set; not repeating `domain_name`).
    pub subject_alternative_names: Vec<String>,
    /// Default `RSA_2048`.
    pub key_algorithm: KeyAlgorithm,
    pub tags: Tags,
}

/// A DNS record ACM checks to validate a domain of the certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValidationRecord {
    pub name: String,
    /// The record type (`CNAME`).
    #[serde(rename = "type")]
    pub record_type: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateOutputs {
    /// What HTTPS listeners name.
    pub arn: String,
    pub domain_name: String,
    /// ACM's status (ISSUED after a successful create).
    pub status: String,
    /// The DNS records that validate the certificate's domains (one per distinct record).
    pub validation_records: Vec<ValidationRecord>,
}

impl Resource for Certificate {
    const KIND: &'static str = "aws:acm:Certificate";
    const SERVICE: &'static str = "acm";
    const REPLACE_FIELDS: &'static [&'static str] = &["domain_name", "subject_alternative_names", "key_algorithm"];
    type Outputs = CertificateOutputs;
    type Context = AwsContext;

    fn cloud_id(outputs: &CertificateOutputs) -> String {
        outputs.arn.clone()
    }

    fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(p) = domain_problem(&self.domain_name) {
            problems.push(format!("domain_name `{}` {p}", self.domain_name));
        }
        for san in &self.subject_alternative_names {
            if san == &self.domain_name {
                problems.push(format!("subject_alternative_names repeats domain_name `{san}`: leave it out"));
            } else if let Some(p) = domain_problem(san) {
                problems.push(format!("subject_alternative_names entry `{san}` {p}"));
            }
        }
        let mut unique = self.subject_alternative_names.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != self.subject_alternative_names.len() {
            problems.push("subject_alternative_names has duplicates".to_string());
        }
        if self.subject_alternative_names.len() > 99 {
            problems.push("subject_alternative_names: ACM allows at most 100 names with domain_name".to_string());
        }
        problems
    }

    async fn create(&self, _meta: &Meta, cx: &AwsContext) -> Result<CertificateOutputs, ProviderError> {
        let call = cx
            .acm()
            .request_certificate()
            .domain_name(&self.domain_name)
            .set_subject_alternative_names(Some(self.subject_alternative_names.clone()).filter(|s| !s.is_empty()))
            .validation_method(ValidationMethod::Dns)
            .key_algorithm(self.key_algorithm.to_sdk())
            .idempotency_token(crate::kit::token::fresh(32)?)
            .set_tags(tags::to_sdk(&self.tags)?);
        let out = call.send().await.map_err(|e| classify("RequestCertificate", e))?;
        let arn = out.certificate_arn().ok_or_else(|| missing("RequestCertificate ARN"))?.to_string();
        until_issued(&arn, CERT_ISSUE_TIMEOUT, || look(cx, &arn)).await?;
        let live = describe(cx, &arn).await?.ok_or_else(|| missing("certificate after it was issued"))?;
        outputs(&arn, &live)
    }

    async fn read(&self, out: &CertificateOutputs, cx: &AwsContext) -> Result<Option<Observed<Self>>, ProviderError> {
        let Some(live) = describe(cx, &out.arn).await? else { return Ok(None) };
        let mut seen = self.clone();
        seen.domain_name = live.domain_name().unwrap_or_default().to_string();
        seen.subject_alternative_names = self.observed_sans(&live);
        if let Some(algorithm) = live.key_algorithm() {
            seen.key_algorithm = KeyAlgorithm::from_sdk(algorithm).ok_or_else(|| {
                let message =
                    format!("certificate {} has key algorithm `{algorithm}`, which Plinth does not model", out.arn);
                ProviderError::new(ErrorClass::Other, message)
            })?;
        }
        seen.tags = tags::read::<Acm>(cx, &out.arn).await?;
        Ok(Some(Observed { inputs: seen, outputs: outputs(&out.arn, &live)? }))
    }

    async fn update(
        &self,
        old: &Self,
        out: &CertificateOutputs,
        cx: &AwsContext,
    ) -> Result<CertificateOutputs, ProviderError> {
        tags::sync::<Acm>(cx, &out.arn, &old.tags, &self.tags).await?;
        Ok(out.clone())
    }

    async fn delete(&self, out: &CertificateOutputs, cx: &AwsContext) -> Result<(), ProviderError> {
        super::wait::delete_when_released(&out.arn, super::wait::CERT_DELETE_TIMEOUT, || async {
            let deleted = cx.acm().delete_certificate().certificate_arn(&out.arn).send().await;
            deleted.map(|_| ()).map_err(|e| classify("DeleteCertificate", e))
        })
        .await
    }

    async fn find(&self, meta: &Meta, cx: &AwsContext) -> Result<Option<CertificateOutputs>, ProviderError> {
        let mut owned = Vec::new();
        for arn in self.candidates(cx).await? {
            if meta.replacing.as_deref() == Some(arn.as_str()) {
                continue;
            }
            let live_tags = tags::read::<Acm>(cx, &arn).await?;
            if engine::owned_by(&live_tags, meta) {
                owned.push(arn);
            }
        }
        let arn = match owned.as_slice() {
            [] => return Ok(None),
            [one] => one.clone(),
            many => {
                let message = format!(
                    "{} certificates for {} carry this resource's tags: {many:?}",
                    many.len(),
                    self.domain_name
                );
                return Err(ProviderError::new(ErrorClass::Conflict, message));
            }
        };
        let Some(live) = describe(cx, &arn).await? else { return Ok(None) };
        Ok(Some(outputs(&arn, &live)?))
    }
}

impl Certificate {
    /// The live SANs without the domain itself (ACM lists it first), in the program's order when
    /// the sets are equal, sorted otherwise.
    fn observed_sans(&self, live: &CertificateDetail) -> Vec<String> {
        let domain = live.domain_name().unwrap_or_default();
        let mut names: Vec<String> =
            live.subject_alternative_names().iter().filter(|n| n.as_str() != domain).cloned().collect();
        names.sort();
        let mut wanted = self.subject_alternative_names.clone();
        wanted.sort();
        if names == wanted {
            self.subject_alternative_names.clone()
        } else {
            names
        }
    }

    /// ARNs of certificates for this domain and key algorithm (ListCertificates lists only
    /// RSA_2048 ones unless asked for others).
    async fn candidates(&self, cx: &AwsContext) -> Result<Vec<String>, ProviderError> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let filters = Filters::builder().key_types(self.key_algorithm.to_sdk()).build();
            let call = cx.acm().list_certificates().includes(filters).set_next_token(token.clone());
            let out = call.send().await.map_err(|e| classify("ListCertificates", e))?;
            let page = out.certificate_summary_list();
            let matching = page.iter().filter(|c| c.domain_name() == Some(self.domain_name.as_str()));
            found.extend(matching.filter_map(|c| c.certificate_arn().map(str::to_string)));
            match out.next_token() {
                Some(next) if !next.is_empty() && !page.is_empty() => token = Some(next.to_string()),
                _ => return Ok(found),
            }
        }
    }
}

/// One look for the waiter.
async fn look(cx: &AwsContext, arn: &str) -> Result<Option<CertState>, ProviderError> {
    Ok(describe(cx, arn).await?.map(|live| CertState {
        status: live.status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "unknown".to_string()),
        failure_reason: live.failure_reason().map(|r| r.as_str().to_string()),
        records: validation_records(&live),
    }))
}

/// The distinct DNS validation records (a wildcard and its apex share one), sorted.
fn validation_records(live: &CertificateDetail) -> Vec<ValidationRecord> {
    let mut records: Vec<ValidationRecord> = live
        .domain_validation_options()
        .iter()
        .filter_map(|d| d.resource_record())
        .map(|r| ValidationRecord {
            name: r.name().to_string(),
            record_type: r.r#type().as_str().to_string(),
            value: r.value().to_string(),
        })
        .collect();
    records.sort();
    records.dedup();
    records
}

fn outputs(arn: &str, live: &CertificateDetail) -> Result<CertificateOutputs, ProviderError> {
    Ok(CertificateOutputs {
        arn: arn.to_string(),
        domain_name: live.domain_name().ok_or_else(|| missing("certificate domain name"))?.to_string(),
        status: live.status().ok_or_else(|| missing("certificate status"))?.as_str().to_string(),
        validation_records: validation_records(live),
    })
}

/// A DNS name ACM can issue for: 1 to 253 characters, labels of letters, digits and `-`, an
/// optional leading `*.` wildcard.
fn domain_problem(name: &str) -> Option<&'static str> {
    let bare = name.strip_prefix("*.").unwrap_or(name);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if name.is_empty() || name.len() > 253 {
        Some("must be 1 to 253 characters long")
    } else if !bare.contains('.') || !bare.split('.').all(label_ok) {
        Some("is not a DNS name (labels of letters, digits and `-`, an optional leading `*.`)")
    } else {
        None
    }
}

crate::kit::kind!(Certificate, unordered: ["subject_alternative_names"]);

#[cfg(test)]
mod tests {
    use super::*;

    fn cert() -> Certificate {
        Certificate {
            domain_name: "app.example.com".into(),
            subject_alternative_names: vec!["www.example.com".into(), "*.app.example.com".into()],
            ..Default::default()
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(cert().validate().is_empty(), "{:?}", cert().validate());
        let bad = Certificate {
            domain_name: "localhost".into(),
            subject_alternative_names: vec!["localhost".into(), "a b.com".into(), "x.com".into(), "x.com".into()],
            ..Default::default()
        };
        let problems = bad.validate();
        assert!(problems[0].starts_with("domain_name `localhost`"), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("repeats domain_name")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("subject_alternative_names entry `a b.com`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("duplicates")), "{problems:?}");
    }

    #[test]
    fn key_algorithms_keep_the_aws_spelling() {
        let json =
            serde_json::to_value(Certificate { key_algorithm: KeyAlgorithm::EcPrime256v1, ..cert() }).expect("json");
        assert_eq!(json["key_algorithm"], "EC_prime256v1");
        assert_eq!(Certificate::default().key_algorithm, KeyAlgorithm::Rsa2048);
        let record =
            serde_json::to_value(ValidationRecord { record_type: "CNAME".into(), ..Default::default() }).expect("json");
        assert_eq!(record["type"], "CNAME");
    }

    #[test]
    fn live_sans_leave_out_the_domain_and_keep_the_program_order() {
        let live = CertificateDetail::builder()
            .domain_name("app.example.com")
            .subject_alternative_names("app.example.com")
            .subject_alternative_names("*.app.example.com")
            .subject_alternative_names("www.example.com")
            .build();
        assert_eq!(cert().observed_sans(&live), cert().subject_alternative_names);
        let fewer = Certificate { subject_alternative_names: vec!["www.example.com".into()], ..cert() };
        assert_eq!(fewer.observed_sans(&live), vec!["*.app.example.com".to_string(), "www.example.com".to_string()]);
    }
}
