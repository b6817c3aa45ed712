//! Reading parameters in batches, for refresh: metadata for many names in one
//! DescribeParameters (a `Name` filter with every name, pages followed), values for up to ten
//! in one GetParameters, and each parameter's tags (one ListTagsForResource per name: SSM has
//! no batch tag read), all three at the same time.

use super::tags::Ssm;
use super::{classify, missing};
use crate::AwsContext;
use aws_sdk_ssm::types::{Parameter as SdkParameter, ParameterMetadata, ParameterStringFilter};
use engine::{ProviderError, Tags};
use futures::future::join_all;
use std::collections::BTreeMap;

/// The most names one GetParameters takes (AWS's limit); also the batch size of the parameter
/// kinds, inside DescribeParameters' 50 filter values.
pub const PARAMETER_READ_BATCH: usize = 10;

/// What a batched read knows of one parameter: its metadata, its GetParameters answer (for
/// the kinds that read it) and its tags.
pub struct LiveParameter {
    pub metadata: ParameterMetadata,
    pub parameter: Option<SdkParameter>,
    pub tags: Tags,
}

/// The metadata of the parameters `names` (never their values), each `None` when it does not
/// exist, in the order of `names`: one DescribeParameters, every page followed (AWS may answer
/// a filtered page with no match and a NextToken).
pub async fn find_parameters(cx: &AwsContext, names: &[&str]) -> Result<Vec<Option<ParameterMetadata>>, ProviderError> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .set_values(Some(names.iter().map(|n| n.to_string()).collect()))
        .build()
        .map_err(|e| crate::error::build_error("parameter filter", e))?;
    let mut pages = cx.ssm().describe_parameters().parameter_filters(filter).into_paginator().send();
    let mut found: BTreeMap<String, ParameterMetadata> = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeParameters", e))?;
        found.extend(page.parameters().iter().filter_map(|p| Some((p.name()?.to_string(), p.clone()))));
    }
    Ok(names.iter().map(|n| found.remove(*n)).collect())
}

/// GetParameters of `names` (at most [`PARAMETER_READ_BATCH`]) without decryption (a
/// SecureString's value comes back encrypted and is dropped at once by the caller), each `None`
/// when it does not exist (AWS lists those as invalid parameters), in the order of `names`.
async fn get_parameters(cx: &AwsContext, names: &[&str]) -> Result<Vec<Option<SdkParameter>>, ProviderError> {
    let call = cx.ssm().get_parameters().set_names(Some(names.iter().map(|n| n.to_string()).collect()));
    let out = call.with_decryption(false).send().await.map_err(|e| classify("GetParameters", e))?;
    let mut found: BTreeMap<String, SdkParameter> =
        out.parameters().iter().filter_map(|p| Some((p.name()?.to_string(), p.clone()))).collect();
    Ok(names.iter().map(|n| found.remove(*n)).collect())
}

/// Every parameter of `names` as a batch reads it, `None` when it does not exist, in order:
/// DescribeParameters, GetParameters (only `with_values`) and the tag reads all at once. A
/// parameter that exists is read in full or is its own error (its tag read failing); a failed
/// DescribeParameters or GetParameters is a failure of the whole call, every member's error.
pub async fn read_parameters(
    cx: &AwsContext,
    names: &[&str],
    with_values: bool,
) -> Vec<Result<Option<LiveParameter>, ProviderError>> {
    let tag_reads = join_all(names.iter().map(|n| crate::tags::read::<Ssm>(cx, n)));
    let values = async {
        match with_values {
            true => get_parameters(cx, names).await.map(Some),
            false => Ok(None),
        }
    };
    let (metadata, values, tags) = futures::join!(find_parameters(cx, names), values, tag_reads);
    let (metadata, values) = match (metadata, values) {
        (Ok(m), Ok(v)) => (m, v),
        (Err(e), _) | (_, Err(e)) => {
            return names.iter().map(|_| Err(ProviderError::new(e.class, e.message.clone()))).collect()
        }
    };
    let mut values = values;
    metadata
        .into_iter()
        .zip(tags)
        .enumerate()
        .map(|(i, (metadata, tags))| {
            let parameter = values.as_mut().map(|v| v[i].take());
            match (metadata, parameter) {
                (None, _) | (_, Some(None)) => Ok(None),
                (Some(metadata), parameter) => {
                    Ok(Some(LiveParameter { metadata, parameter: parameter.flatten(), tags: tags? }))
                }
            }
        })
        .collect()
}

/// The GetParameters answer of a parameter read `with_values`.
pub fn value_of(live: &LiveParameter) -> Result<&SdkParameter, ProviderError> {
    live.parameter.as_ref().ok_or_else(|| missing("GetParameters parameter"))
}
