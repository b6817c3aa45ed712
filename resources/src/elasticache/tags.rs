//! ElastiCache tagging by ARN: tags go on at creation (CreateCacheSubnetGroup and
//! CreateReplicationGroup take `Tags`, from `crate::tags::to_sdk`); [`ElastiCache`] is the API
//! behind the shared `crate::tags::{read, sync}`.

crate::tags::sdk_tag!(aws_sdk_elasticache::types::Tag, optional);
crate::tags::arn_tag_api!(ElastiCache, elasticache);
