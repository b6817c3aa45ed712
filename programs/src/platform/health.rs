//! What `plinth health` needs beyond the graph: the public endpoint it probes (`/health` and
//! `/health/detailed` through the load balancer: the certificate's domain over HTTPS where there
//! is one, else the load balancer's DNS name over HTTP), depending on the load balancer and the
//! routed services; and the cache under the services that use it at run time (they find it
//! through the `config/redis-endpoint` parameter, which no input references), so a failing
//! cache marks them degraded, and `up` creates it before them.

use super::data::Data;
use super::edge::Edge;
use super::services::Deployed;
use crate::env::Env;
use engine::{Input, Named, Stack};

/// The endpoint's component name in the report.
pub const PUBLIC_ENDPOINT: &str = "public-endpoint";
/// The services that use the cache.
const CACHE_USERS: [&str; 2] = ["api", "orchestrator"];

pub fn declare(stack: &mut Stack, env: &Env, edge: &Edge, data: &Data, deployed: &[Deployed]) {
    for d in deployed.iter().filter(|d| CACHE_USERS.contains(&d.service)) {
        d.handle.clone().depends_on(&data.cache);
    }
    let url = match env.compute.certificate_domain {
        Some(domain) => Input::Value(format!("https://{domain}")),
        None => edge.load_balancer.output(|o| format!("http://{}", o.dns_name)),
    };
    let routed = deployed.iter().filter(|d| edge.routes.iter().any(|r| r.service == d.service));
    let mut needs: Vec<&dyn Named> = vec![&edge.load_balancer];
    needs.extend(routed.map(|d| &d.handle as &dyn Named));
    stack.endpoint(PUBLIC_ENDPOINT, url, &["/health", "/health/detailed"], &needs);
}
