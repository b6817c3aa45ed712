//! Releases: which image each service runs, per environment, as data a release process changes
//! without touching code. `programs/releases/<env>.json` names a tag or a digest per service;
//! promoting a build from staging to prod is copying its digest from one file to the other.
//!
//! # Guarantees
//! * A release file that is missing, malformed, names an unknown service, lacks one, or gives
//!   an invalid tag or digest is refused before any cloud call, naming the file and the entry.
//!
//! # Assumptions
//! * The files live in `programs/releases/` of this checkout; `PLINTH_RELEASES_DIR` points
//!   elsewhere (a CI job that writes its own).

use crate::env::Env;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The services of the platform, in the order they are declared.
pub const SERVICES: [&str; 3] = ["api", "orchestrator", "web"];

/// One service's image within its repository: a tag or (preferred for promotion) a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum ImageRef {
    Tag(String),
    Digest(String),
}

impl ImageRef {
    /// The image reference for `repository_uri`: `uri:tag` or `uri@sha256:…`.
    pub fn on(&self, repository_uri: &str) -> String {
        match self {
            ImageRef::Tag(tag) => format!("{repository_uri}:{tag}"),
            ImageRef::Digest(digest) => format!("{repository_uri}@{digest}"),
        }
    }

    fn problem(&self) -> Option<String> {
        match self {
            ImageRef::Tag(t) => {
                let ok = !t.is_empty()
                    && t.len() <= 128
                    && t.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                    && !t.starts_with(['.', '-']);
                (!ok).then(|| format!("tag `{t}` is not a valid image tag (1-128 of A-Z a-z 0-9 _ . -)"))
            }
            ImageRef::Digest(d) => {
                let hex = d.strip_prefix("sha256:").unwrap_or("");
                let ok = hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
                (!ok).then(|| format!("digest `{d}` is not sha256: followed by 64 lowercase hex digits"))
            }
        }
    }
}

/// What every service of one environment runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub images: BTreeMap<String, ImageRef>,
}

impl Release {
    /// The image of `service` (one of [`SERVICES`]; a release always names all of them).
    pub fn image(&self, service: &str) -> &ImageRef {
        &self.images[service]
    }

    /// The release as its file's JSON (`{"api": {"tag": "…"}, …}`): what `up` records in the
    /// state's history and `releases show ID --release-file` prints back.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.images).unwrap_or(serde_json::Value::Null)
    }

    /// The same image tag for every service (tests, and the shape of `local.json`).
    pub fn tagged(tag: &str) -> Release {
        Release { images: SERVICES.iter().map(|s| (s.to_string(), ImageRef::Tag(tag.into()))).collect() }
    }
}

/// A release file that cannot be used, with the file it came from.
#[derive(Debug, thiserror::Error)]
#[error("release file {}: {problem}", path.display())]
pub struct ReleaseError {
    pub path: PathBuf,
    pub problem: String,
}

/// The directory release files are read from.
pub fn releases_dir() -> PathBuf {
    std::env::var_os("PLINTH_RELEASES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("releases"))
}

/// Reads `<releases_dir>/<env>.json`.
pub fn load(env: &Env) -> Result<Release, ReleaseError> {
    let path = releases_dir().join(format!("{}.json", env.name));
    let fail = |problem: String| ReleaseError { path: path.clone(), problem };
    let text = std::fs::read_to_string(&path).map_err(|e| fail(e.to_string()))?;
    parse(&text).map_err(fail)
}

/// A release from its JSON text; the problem as a sentence naming the entry.
pub fn parse(text: &str) -> Result<Release, String> {
    let images: BTreeMap<String, ImageRef> =
        serde_json::from_str(text).map_err(|e| format!("not a release ({{\"api\": {{\"tag\": \"…\"}}, …}}): {e}"))?;
    let mut problems: Vec<String> = Vec::new();
    for name in images.keys().filter(|k| !SERVICES.contains(&k.as_str())) {
        problems.push(format!("`{name}` is not a service (expected {})", SERVICES.join(", ")));
    }
    for name in SERVICES.iter().filter(|s| !images.contains_key(**s)) {
        problems.push(format!("`{name}` has no image"));
    }
    for (name, image) in &images {
        if let Some(p) = image.problem() {
            problems.push(format!("`{name}`: {p}"));
        }
    }
    if problems.is_empty() {
        Ok(Release { images })
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_names_a_tag_or_a_digest_per_service() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let text = format!(
            r#"{{"api": {{"digest": "{digest}"}}, "orchestrator": {{"tag": "1.2.3"}}, "web": {{"tag": "1.2.3"}}}}"#
        );
        let release = parse(&text).expect("valid");
        assert_eq!(release.image("api").on("1.dkr.ecr/x"), format!("1.dkr.ecr/x@{digest}"));
        assert_eq!(release.image("web").on("1.dkr.ecr/x"), "1.dkr.ecr/x:1.2.3");
    }

    #[test]
    fn a_bad_release_names_every_entry_at_fault() {
        let text = r#"{"api": {"tag": "bad tag"}, "web": {"digest": "sha256:xyz"}, "worker": {"tag": "1"}}"#;
        let problem = parse(text).expect_err("invalid");
        assert!(problem.contains("`worker` is not a service"), "{problem}");
        assert!(problem.contains("`orchestrator` has no image"), "{problem}");
        assert!(problem.contains("`api`: tag `bad tag`"), "{problem}");
        assert!(problem.contains("`web`: digest `sha256:xyz`"), "{problem}");
        assert!(parse(r#"{"api": {"tag": "1", "digest": "x"}}"#).is_err(), "both a tag and a digest");
    }

    #[test]
    fn a_release_written_back_as_json_parses_as_the_same_release() {
        let digest = format!("sha256:{}", "b".repeat(64));
        let text =
            format!(r#"{{"api": {{"digest": "{digest}"}}, "orchestrator": {{"tag": "7"}}, "web": {{"tag": "7"}}}}"#);
        let release = parse(&text).unwrap();
        assert_eq!(release.to_json()["api"], serde_json::json!({ "digest": digest }));
        assert_eq!(parse(&serde_json::to_string_pretty(&release.to_json()).unwrap()), Ok(release));
    }

    #[test]
    fn every_environment_has_a_valid_release_file() {
        for env in [crate::env::local(), crate::env::dev(), crate::env::staging(), crate::env::prod()] {
            load(&env).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
