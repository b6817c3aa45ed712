//! What a Fargate task definition may be: Fargate's CPU / memory combinations, family and
//! container names, images pinned by tag or digest, secrets referenced by ARN only, health check
//! and log options within AWS's limits, dependencies on containers of the same task. No I/O;
//! every problem names its field (`containers[1].secrets[0].value_from`).

use super::container::{AwsLogs, Condition, Container, HealthCheck};
use std::collections::BTreeSet;

/// Fargate's task sizes (Linux): CPU units and the memory (MiB) each allows, from `min` to `max`
/// in steps of `step`.
const FARGATE_SIZES: &[(u32, u32, u32, u32)] = &[
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Why `cpu` / `memory` is not a Fargate size, naming both fields and what `cpu` allows.
pub fn size_problem(cpu: u32, memory: u32) -> Option<String> {
    let Some(&(_, min, max, step)) = FARGATE_SIZES.iter().find(|(c, ..)| *c == cpu) else {
        let valid: Vec<String> = FARGATE_SIZES.iter().map(|(c, ..)| c.to_string()).collect();
        return Some(format!("cpu {cpu} is not a Fargate size: one of {}", valid.join(", ")));
    };
    if memory < min || memory > max || !(memory - min).is_multiple_of(step) {
        let allowed =
            if cpu == 256 { "512, 1024 or 2048".to_string() } else { format!("{min} to {max} in steps of {step}") };
        return Some(format!("memory {memory} MiB does not go with cpu {cpu}: Fargate allows {allowed} MiB"));
    }
    None
}

/// An IAM role ARN (`arn:aws:iam::<account>:role/<name>`).
pub fn is_role_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let fields: Vec<&str> = parts.by_ref().collect();
    matches!(fields.as_slice(), ["arn", p, "iam", "", account, resource]
        if (*p == "aws" || p.starts_with("aws-"))
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

/// Problems with the task's containers, each naming its field (`containers[i]...`).
pub fn problems(containers: &[Container]) -> Vec<String> {
    let mut problems = Vec::new();
    if containers.is_empty() {
        problems.push("containers: a task definition needs at least one container".to_string());
    } else if !containers.iter().any(|c| c.essential) {
        problems.push("containers: at least one container must be essential".to_string());
    }
    let mut names = BTreeSet::new();
    for (i, c) in containers.iter().enumerate() {
        let field = format!("containers[{i}]");
        if !names.insert(c.name.as_str()) {
            problems.push(format!("{field}.name `{}` is used by another container", c.name));
        }
        problems.extend(c.problems(&field, containers));
    }
    problems
}

impl Container {
    fn problems(&self, field: &str, all: &[Container]) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_name(&self.name, 255) {
            problems.push(format!("{field}.name `{}` must be 1 to 255 letters, digits, `-` or `_`", self.name));
        }
        if let Some(image) = self.image.known() {
            if let Some(p) = image_problem(image) {
                problems.push(format!("{field}.image `{image}` {p}"));
            }
        }
        if self.cpu.is_some_and(|c| c > 10 * 1024) {
            problems.push(format!("{field}.cpu: at most 10240 units"));
        }
        if self.memory_reservation == Some(0) {
            problems.push(format!("{field}.memory_reservation: at least 1 MiB (or none)"));
        }
        problems.extend(self.port_problems(field));
        problems.extend(self.variable_problems(field));
        if let Some(check) = &self.health_check {
            problems.extend(check.problems(&format!("{field}.health_check")));
        }
        if let Some(log) = &self.log {
            problems.extend(log.problems(&format!("{field}.log")));
        }
        problems.extend(self.dependency_problems(field, all));
        problems
    }

    fn port_problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, p) in self.port_mappings.iter().enumerate() {
            let f = format!("{field}.port_mappings[{i}]");
            if p.container_port == 0 {
                problems.push(format!("{f}.container_port: 0 is not a port (1-65535)"));
            }
            if !seen.insert((p.container_port, p.protocol)) {
                problems.push(format!("{f}: {}/{} is mapped twice", p.container_port, p.protocol));
            }
            if let Some(name) = &p.name {
                let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
                if name.is_empty() || name.len() > 64 || !name.chars().all(ok) || name.starts_with('-') {
                    problems.push(format!("{f}.name `{name}` must be 1 to 64 lowercase letters, digits or `-`"));
                }
            }
        }
        problems
    }

    fn variable_problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for key in self.environment.keys().filter(|k| k.is_empty()) {
            problems.push(format!("{field}.environment: a variable name is empty (`{key}`)"));
        }
        let mut names = BTreeSet::new();
        for (i, s) in self.secrets.iter().enumerate() {
            let f = format!("{field}.secrets[{i}]");
            if s.name.is_empty() {
                problems.push(format!("{f}.name is empty"));
            } else if self.environment.contains_key(&s.name) || !names.insert(s.name.as_str()) {
                problems.push(format!("{f}.name `{}` is also set elsewhere in the environment", s.name));
            }
            if let Some(value_from) = s.value_from.known() {
                if !is_secret_reference(value_from) {
                    problems.push(format!(
                        "{f}.value_from must be the ARN of a Secrets Manager secret \
                         (arn:aws:secretsmanager:…:secret:…) or an SSM parameter \
                         (arn:aws:ssm:…:parameter/…), never a value"
                    ));
                }
            }
        }
        problems
    }

    fn dependency_problems(&self, field: &str, all: &[Container]) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, d) in self.depends_on.iter().enumerate() {
            let f = format!("{field}.depends_on[{i}].container_name `{}`", d.container_name);
            match all.iter().find(|c| c.name == d.container_name) {
                None => problems.push(format!("{f} is not a container of this task")),
                Some(c) if c.name == self.name => problems.push(format!("{f}: a container cannot wait for itself")),
                Some(c) if d.condition == Condition::Healthy && c.health_check.is_none() => {
                    problems.push(format!("{f}: HEALTHY needs a health_check on that container"))
                }
                Some(_) => {}
            }
        }
        problems
    }
}

impl HealthCheck {
    fn problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        match self.command.first().map(String::as_str) {
            Some("CMD" | "CMD-SHELL") if self.command.len() > 1 => {}
            _ => problems.push(format!(
                "{field}.command must be [\"CMD\", exe, args..] or [\"CMD-SHELL\", \"command\"], not {:?}",
                self.command
            )),
        }
        for (name, value, min, max) in [
            ("interval", self.interval, 5, 300),
            ("timeout", self.timeout, 2, 120),
            ("retries", self.retries, 1, 10),
            ("start_period", self.start_period, 0, 300),
        ] {
            if !(min..=max).contains(&value) {
                problems.push(format!("{field}.{name} {value} is outside {min}..={max}"));
            }
        }
        if self.timeout >= self.interval {
            problems.push(format!("{field}.timeout {} must be shorter than the interval", self.timeout));
        }
        problems
    }
}

impl AwsLogs {
    fn problems(&self, field: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.group.known().is_some_and(|g| g.is_empty() || g.len() > 512) {
            problems.push(format!("{field}.group must be a log group name (1 to 512 characters)"));
        }
        let region_ok =
            |r: &str| !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok(&self.region) {
            problems.push(format!("{field}.region `{}` is not a region name (e.g. eu-west-1)", self.region));
        }
        if self.stream_prefix.is_empty() || self.stream_prefix.contains(':') || self.stream_prefix.contains('*') {
            problems
                .push(format!("{field}.stream_prefix `{}` must be non-empty, without `:` or `*`", self.stream_prefix));
        }
        problems
    }
}

/// 1 to `max` letters, digits, `-` or `_`.
pub fn is_name(name: &str, max: usize) -> bool {
    !name.is_empty() && name.len() <= max && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Why `image` is not `<repository>:<tag>` or `<repository>@sha256:<digest>`, if it is not.
fn image_problem(image: &str) -> Option<&'static str> {
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return Some("must be a repository URI with a tag or digest, without spaces");
    }
    if let Some((repository, digest)) = image.split_once('@') {
        let hex = digest.strip_prefix("sha256:").unwrap_or_default();
        let digest_ok = hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit());
        return (!digest_ok || repository.is_empty()).then_some("must end in @sha256:<64 hex digits>");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag_ok =
        |t: &str| !t.is_empty() && t.len() <= 128 && t.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    match last.split_once(':') {
        Some((repository, tag)) if !repository.is_empty() && tag_ok(tag) => None,
        _ => Some("needs a tag (`:<tag>`) or a digest (`@sha256:<digest>`): an untagged image is not reproducible"),
    }
}

/// An ARN's partition, region and account look like AWS's.
fn arn_parts<'a>(arn: &'a str, service: &str) -> Option<&'a str> {
    let mut parts = arn.splitn(6, ':');
    let (scheme, partition) = (parts.next()?, parts.next()?);
    let (svc, region, account, resource) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let partition_ok = partition == "aws" || partition.starts_with("aws-");
    let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    (scheme == "arn" && partition_ok && svc == service && !region.is_empty() && account_ok).then_some(resource)
}

/// A Secrets Manager secret ARN or an SSM parameter ARN.
pub fn is_secret_reference(value_from: &str) -> bool {
    let secret = arn_parts(value_from, "secretsmanager")
        .and_then(|r| r.strip_prefix("secret:"))
        .is_some_and(|name| !name.is_empty());
    let parameter =
        arn_parts(value_from, "ssm").and_then(|r| r.strip_prefix("parameter/")).is_some_and(|name| !name.is_empty());
    secret || parameter
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
