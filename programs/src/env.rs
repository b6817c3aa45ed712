//! Per-environment data. Environments differ by data, never by code: the same `platform`
//! program runs for each of these.

use engine::Tags;

/// How the binaries reach the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The local emulator (moto); started on demand when nothing answers.
    Emulator,
    /// Real AWS through the default credential chain, region us-east-1.
    Aws,
}

/// Everything that differs between environments.
#[derive(Debug, Clone)]
pub struct Env {
    /// The stack name (`plinth:stack`, the `Environment` tag, and the name prefix).
    pub name: &'static str,
    pub target: Target,
    /// VPC CIDR; subnets are carved from it.
    pub cidr: &'static str,
    /// Availability zones used (one public and one private subnet in each).
    pub zones: &'static [&'static str],
    /// NAT gateways: 1 shares one across the zones (cheap), one per zone for availability.
    pub nat_gateways: usize,
    /// Globally unique prefix for bucket names.
    pub bucket_prefix: &'static str,
    pub cost_center: &'static str,
    /// Deletes buckets with their contents: only where the data is disposable.
    pub disposable_data: bool,
    /// Days a noncurrent report version is kept.
    pub report_version_days: i32,
}

impl Env {
    /// The stack-wide tags every taggable resource gets.
    pub fn default_tags(&self) -> Tags {
        [
            ("Environment", self.name),
            ("Project", "plinth-platform"),
            ("ManagedBy", "plinth"),
            ("CostCenter", self.cost_center),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// A name unique to this environment, e.g. `plinth-dev-api-task`.
    pub fn prefixed(&self, what: &str) -> String {
        format!("plinth-{}-{what}", self.name)
    }
}

const ZONES: &[&str] = &["us-east-1a", "us-east-1b"];

pub fn local() -> Env {
    Env {
        name: "local",
        target: Target::Emulator,
        cidr: "10.10.0.0/16",
        zones: ZONES,
        nat_gateways: 1,
        bucket_prefix: "plinth-local",
        cost_center: "engineering",
        disposable_data: true,
        report_version_days: 7,
    }
}

pub fn dev() -> Env {
    Env { name: "dev", target: Target::Aws, cidr: "10.20.0.0/16", bucket_prefix: "plinth-platform-dev", ..local() }
}

pub fn staging() -> Env {
    Env {
        name: "staging",
        cidr: "10.30.0.0/16",
        bucket_prefix: "plinth-platform-staging",
        disposable_data: false,
        report_version_days: 30,
        ..dev()
    }
}

pub fn prod() -> Env {
    Env {
        name: "prod",
        cidr: "10.40.0.0/16",
        nat_gateways: 2,
        bucket_prefix: "plinth-platform-prod",
        cost_center: "platform",
        report_version_days: 90,
        ..staging()
    }
}
