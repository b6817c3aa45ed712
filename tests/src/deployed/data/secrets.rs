//! Secrets: the database's master password is managed by RDS (a Secrets Manager secret RDS owns
//! and rotates); SecretsManager.1 (automatic rotation) is reported honestly for every secret of the
//! stack, so it passes only when all of them rotate; a secret that does not rotate must say how it
//! is rotated instead (a `Rotation` or `plinth:rotation` tag, or a description that mentions
//! rotation).

use super::AREA;
use crate::deployed::target::Target;
use crate::deployed::{blocked, discover, error_text, Check};
use aws_sdk_secretsmanager::types::SecretListEntry;
use aws_sdk_secretsmanager::Client;

/// One secret: its name, whether it rotates, who owns it and how its rotation is documented.
struct Secret {
    name: String,
    rotating: bool,
    owner: Option<String>,
    documented: Option<String>,
}

fn documented(entry: &SecretListEntry) -> Option<String> {
    let tag = entry
        .tags()
        .iter()
        .find(|t| matches!(t.key(), Some("Rotation") | Some("plinth:rotation")))
        .and_then(|t| t.value().map(str::to_string));
    let description = entry.description().filter(|d| d.to_lowercase().contains("rotat")).map(str::to_string);
    tag.or(description)
}

fn from_entry(entry: &SecretListEntry) -> Secret {
    Secret {
        name: entry.name().unwrap_or_default().to_string(),
        rotating: entry.rotation_enabled() == Some(true),
        owner: entry.owning_service().map(str::to_string),
        documented: documented(entry),
    }
}

async fn stack_secrets(t: &Target, client: &Client) -> Result<Vec<Secret>, String> {
    let pages: Vec<_> = client
        .list_secrets()
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| format!("ListSecrets: {}", error_text(e)))?;
    let all: Vec<SecretListEntry> = pages.iter().flat_map(|p| p.secret_list().iter().cloned()).collect();
    let tagged = all.iter().filter(|s| t.owns(s.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))));
    Ok(tagged.map(from_entry).collect())
}

pub async fn checks(t: &Target) -> Vec<Check> {
    let client = Client::new(t.sdk());
    let mut managed = Check::new(AREA, None, "DB master passwords are managed by RDS (ManageMasterUserPassword)");
    let mut rotation = Check::new(AREA, Some("SecretsManager.1"), "every secret of the stack rotates automatically");
    let mut documented = Check::new(AREA, None, "every secret that does not rotate documents how it is rotated");
    let (dbs, tagged) = tokio::join!(discover::db_instances(t), stack_secrets(t, &client));
    let (dbs, mut secrets) = match (dbs, tagged) {
        (Ok(dbs), Ok(secrets)) => (dbs, secrets),
        (Err(reason), _) | (_, Err(reason)) => {
            return [managed, rotation, documented].into_iter().map(|c| blocked(AREA, c.control, &c.what, &reason)).collect()
        }
    };
    for db in &dbs {
        let id = db.db_instance_identifier().unwrap_or_default();
        let Some(arn) = db.master_user_secret().and_then(|s| s.secret_arn()) else {
            managed.expect(id, false, "no MasterUserSecret: the password is not managed by RDS");
            continue;
        };
        match client.describe_secret().secret_id(arn).send().await {
            Ok(secret) => {
                let owner = secret.owning_service().map(str::to_string);
                managed.expect(id, owner.as_deref() == Some("rds"), format!("master secret {arn} is owned by {owner:?}, not rds"));
                secrets.push(Secret {
                    name: secret.name().unwrap_or(arn).to_string(),
                    rotating: secret.rotation_enabled() == Some(true),
                    owner,
                    documented: None,
                });
            }
            Err(e) => {
                managed.call_failed(id, &format!("DescribeSecret {arn}"), e);
            }
        }
    }
    for secret in &secrets {
        let owner = secret.owner.as_deref().map(|o| format!(" (owned by {o})")).unwrap_or_default();
        let how = secret.documented.as_deref().map(|d| format!("; documented: {d}")).unwrap_or_default();
        rotation.expect(format!("{}{owner}", secret.name), secret.rotating, format!("automatic rotation is off{how}"));
        if !secret.rotating {
            documented.expect(&secret.name, secret.documented.is_some(), "does not rotate and says nowhere how it is rotated");
        }
    }
    if documented.examined == 0 && !secrets.is_empty() {
        documented.not_required("not required: every secret rotates");
    }
    vec![managed, rotation, documented]
}
