//! RDS tagging by ARN: tags go on at creation (every Create call takes `Tags`, from
//! `crate::tags::to_sdk`); [`Rds`] is the API behind the shared `crate::tags::{read, sync}`.

crate::tags::sdk_tag!(aws_sdk_rds::types::Tag, optional);
crate::tags::arn_tag_api!(Rds, rds);
