//! GuardDuty kinds: the account's detector in a region ([`Detector`]), and what it shares: the
//! tag API ([`tags`], by detector ARN) and the finder (ListDetectors: there is at most one).

pub mod tags;

mod detector;

pub use aws_sdk_guardduty as sdk;
pub use detector::{Detector, DetectorFeature, DetectorOutputs, Feature, FeatureStatus, FindingFrequency};

use crate::error::classify;
use crate::AwsContext;
use engine::{ErrorClass, ProviderError};

crate::service_client!(guardduty, aws_sdk_guardduty);

/// A response field the cloud should always send but did not.
pub fn missing(what: &str) -> ProviderError {
    ProviderError::new(ErrorClass::Other, format!("the GuardDuty response has no {what}"))
}

/// GuardDuty answers an unknown detector id with BadRequestException ("... the input detectorId
/// is not owned by the current account"), not with a not-found code: that one is NotFound.
pub fn reclassify(e: ProviderError) -> ProviderError {
    let unknown = e.message.contains("detectorId is not owned by the current account");
    if unknown {
        ProviderError { class: ErrorClass::NotFound, ..e }
    } else if e.message.contains("BadRequestException") {
        ProviderError { class: ErrorClass::Invalid, ..e }
    } else {
        e
    }
}

/// The ids of the account's detectors in this region (at most one; ListDetectors, paged).
pub async fn detector_ids(cx: &AwsContext) -> Result<Vec<String>, ProviderError> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = cx.guardduty().list_detectors().set_next_token(token.clone()).send().await;
        let out = out.map_err(|e| classify("ListDetectors", e))?;
        ids.extend(out.detector_ids().iter().cloned());
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(ids),
        }
    }
}

/// `arn:aws:guardduty:<region>:<account>:detector/<id>`: what the tag API names.
pub fn detector_arn(region: &str, account_id: &str, detector_id: &str) -> String {
    format!("arn:aws:guardduty:{region}:{account_id}:detector/{detector_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_detector_is_not_found_and_other_bad_requests_are_invalid() {
        let unknown = ProviderError::new(
            ErrorClass::Other,
            "GetDetector: BadRequestException: The request is rejected because the input detectorId is not owned by \
             the current account.",
        );
        assert_eq!(reclassify(unknown).class, ErrorClass::NotFound);
        let bad =
            ProviderError::new(ErrorClass::Other, "CreateDetector: BadRequestException: a detector already exists");
        assert_eq!(reclassify(bad).class, ErrorClass::Invalid);
        assert_eq!(detector_arn("us-east-1", "1", "d"), "arn:aws:guardduty:us-east-1:1:detector/d");
    }
}
