//! The data tier: PostgreSQL on RDS ([`rds`]), Redis on ElastiCache ([`redis`]) and the secrets
//! the platform keeps in Secrets Manager ([`secrets`]).

pub mod rds;
pub mod redis;
pub mod secrets;

use super::target::Target;
use super::Check;

const AREA: &str = "data";

pub async fn checks(t: &Target) -> Vec<Check> {
    let (mut checks, redis, secrets) = tokio::join!(rds::checks(t), redis::checks(t), secrets::checks(t));
    checks.extend(redis);
    checks.extend(secrets);
    checks
}
