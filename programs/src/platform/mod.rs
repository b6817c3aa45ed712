//! The platform program: one function for every environment. It declares the network, the
//! security groups, the buckets, the IAM roles, the data tier (PostgreSQL, Redis), secrets and
//! configuration, the WAF and the budget of the API, orchestrator and web front end.

mod config;
mod data;
mod guard;
mod iam;
mod network;
mod security;
mod storage;

use crate::env::Env;
use engine::Stack;

pub use config::LLM_PROVIDERS;
pub use iam::ECS_TASK_EXECUTION_POLICY;
pub use network::Network;

/// Declares the whole platform for `env`.
pub fn platform(stack: &mut Stack, env: &Env) {
    for (k, v) in env.default_tags() {
        stack.default_tag(k, v);
    }
    let network = network::declare(stack, env);
    let groups = security::declare(stack, env, &network);
    let buckets = storage::declare(stack, env);
    iam::declare(stack, env, &buckets);
    let data = data::declare(stack, env, &network, &groups);
    config::declare(stack, env, &buckets, &data);
    guard::declare(stack, env);
}
