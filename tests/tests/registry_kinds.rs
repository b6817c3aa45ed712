//! What is special about the registry and edge kinds (`aws:ecr:Repository`, `aws:logs:LogGroup`,
//! `aws:acm:Certificate`, `aws:wafv2:WebAclAssociation`, `aws:wafv2:LoggingConfiguration`), each
//! checked with an independent SDK client: the lifecycle policy ECR really holds, a repository
//! with images and `force_delete`, retention in CloudWatch Logs, an issued certificate and its DNS
//! records, a web ACL on a real (emulated) load balancer, WAF logging. The generic contract is
//! the conformance suite's (`tests/tests/conformance.rs`).

use e2e::conformance::fixtures::wafv2::{load_balancer, log_group_arn, web_acl_arn};
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::acm::Certificate;
use resources::ecr::{Lifecycle, Repository};
use resources::logs::LogGroup;
use resources::wafv2::{LoggingConfiguration, RedactedField, WebAclAssociation};
use serde_json::Value;

fn repository(name: &str) -> Repository {
    Repository { name: name.into(), tags: engine_tags("images", &[]), ..Default::default() }
}

/// The rule of the live policy selecting images with `tag_status`.
fn rule<'a>(policy: &'a Value, tag_status: &str) -> &'a Value {
    let rules = policy["rules"].as_array().expect("rules");
    rules.iter().find(|r| r["selection"]["tagStatus"] == tag_status).unwrap_or_else(|| panic!("no {tag_status} rule"))
}

#[tokio::test]
async fn the_lifecycle_policy_in_ecr_keeps_n_tagged_images_and_expires_untagged_ones_after_d_days() {
    let emu = Emulator::start();
    let (cx, ecr) = (emu.context().await, emu.independent().await.ecr());
    let repo =
        Repository { lifecycle: Some(Lifecycle { keep_last: 5, untagged_expire_days: 3 }), ..repository("team/api") };
    let out = repo.create(&meta("images"), &cx).await.expect("create");

    let live = ecr.get_lifecycle_policy().repository_name("team/api").send().await.expect("get policy");
    let policy: Value = serde_json::from_str(live.lifecycle_policy_text().expect("text")).expect("policy JSON");
    assert_eq!(policy["rules"].as_array().map(Vec::len), Some(2), "{policy}");
    let tagged = rule(&policy, "tagged");
    assert_eq!(
        (&tagged["selection"]["countType"], &tagged["selection"]["countNumber"], &tagged["action"]["type"]),
        (&Value::from("imageCountMoreThan"), &Value::from(5), &Value::from("expire"))
    );
    let untagged = rule(&policy, "untagged");
    assert_eq!(
        (
            &untagged["selection"]["countType"],
            &untagged["selection"]["countUnit"],
            &untagged["selection"]["countNumber"]
        ),
        (&Value::from("sinceImagePushed"), &Value::from("days"), &Value::from(3))
    );
    assert_eq!(untagged["action"]["type"], "expire");

    // A policy written out of band that the kind cannot express shows as drift, and an update puts ours back.
    let foreign = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;
    ecr.put_lifecycle_policy().repository_name("team/api").lifecycle_policy_text(foreign).send().await.expect("put");
    let seen = repo.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(seen.lifecycle, None);
    assert!(seen.unmanaged_lifecycle_policy.as_deref().is_some_and(|p| p.contains("\"any\"")), "{seen:?}");
    repo.update(&seen, &out, &cx).await.expect("update");
    let again = repo.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!((again.lifecycle, again.unmanaged_lifecycle_policy), (repo.lifecycle, None));
}

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,"digest":"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"}]}"#;

#[tokio::test]
async fn a_repository_holding_an_image_is_deleted_only_with_force_delete() {
    let emu = Emulator::start();
    let (cx, ecr) = (emu.context().await, emu.independent().await.ecr());
    let repo = repository("team/web");
    let out = repo.create(&meta("images"), &cx).await.expect("create");
    let pushed = ecr.put_image().repository_name("team/web").image_manifest(MANIFEST).image_tag("v1").send().await;
    pushed.expect("put image");

    let err = repo.delete(&out, &cx).await.expect_err("a repository with images is kept");
    assert_eq!(err.class, ErrorClass::Conflict);
    assert!(err.message.contains("`team/web`") && err.message.contains("force_delete"), "{}", err.message);
    let still = ecr.describe_images().repository_name("team/web").send().await.expect("the repository is still there");
    assert_eq!(still.image_details().len(), 1, "its image too");

    let forced = Repository { force_delete: true, ..repo };
    forced.delete(&out, &cx).await.expect("deleted with its images");
    let gone = ecr.describe_repositories().repository_names("team/web").send().await;
    assert!(gone.is_err_and(|e| e.as_service_error().is_some_and(|s| s.is_repository_not_found_exception())));
    forced.delete(&out, &cx).await.expect("deleting again is fine");
}

#[tokio::test]
async fn a_log_groups_retention_reaches_cloudwatch_logs() {
    let emu = Emulator::start();
    let (cx, logs) = (emu.context().await, emu.independent().await.logs());
    let group = LogGroup {
        name: "/plinth/e2e/api".into(),
        retention_days: 14,
        tags: engine_tags("logs", &[]),
        ..Default::default()
    };
    let out = group.create(&meta("logs"), &cx).await.expect("create");
    assert!(out.arn.ends_with(":log-group:/plinth/e2e/api"), "no trailing :* in {}", out.arn);

    let retention = || async {
        let live = logs.describe_log_groups().log_group_name_prefix("/plinth/e2e/api").send().await.expect("describe");
        live.log_groups().first().and_then(|g| g.retention_in_days())
    };
    assert_eq!(retention().await, Some(14));
    let longer = LogGroup { retention_days: 90, ..group.clone() };
    longer.update(&group, &out, &cx).await.expect("update");
    assert_eq!(retention().await, Some(90));
    let tags = logs.list_tags_for_resource().resource_arn(&out.arn).send().await.expect("tags by the output ARN");
    assert_eq!(tags.tags().and_then(|t| t.get("plinth:name")).map(String::as_str), Some("logs"));
}

#[tokio::test]
async fn a_certificate_is_issued_on_create_with_its_validation_records_and_requested_once() {
    let emu = Emulator::start();
    let (cx, acm) = (emu.context().await, emu.independent().await.acm());
    let cert = Certificate {
        domain_name: "app.plinth.example".into(),
        subject_alternative_names: vec!["www.plinth.example".into()],
        tags: engine_tags("tls", &[]),
        ..Default::default()
    };
    let out = cert.create(&meta("tls"), &cx).await.expect("create");
    assert_eq!(out.status, "ISSUED");

    let live = acm.describe_certificate().certificate_arn(&out.arn).send().await.expect("describe");
    let live = live.certificate().expect("certificate");
    assert_eq!(live.status().map(|s| s.as_str()), Some("ISSUED"));
    let mut records: Vec<(String, String, String)> = live
        .domain_validation_options()
        .iter()
        .filter_map(|d| d.resource_record())
        .map(|r| (r.name().to_string(), r.r#type().as_str().to_string(), r.value().to_string()))
        .collect();
    records.sort();
    records.dedup();
    let outputs: Vec<(String, String, String)> =
        out.validation_records.iter().map(|r| (r.name.clone(), r.record_type.clone(), r.value.clone())).collect();
    assert!(!outputs.is_empty(), "the outputs carry the DNS records to publish");
    assert_eq!(outputs, records);
    for domain in ["app.plinth.example.", "www.plinth.example."] {
        assert!(
            outputs.iter().any(|(name, kind, _)| name.ends_with(domain) && kind == "CNAME"),
            "{domain}: {outputs:?}"
        );
    }

    // After a lost reply the engine asks `find`, which adopts the certificate by its tags.
    assert_eq!(cert.find(&meta("tls"), &cx).await.expect("find").map(|o| o.arn), Some(out.arn.clone()));
    let all = acm.list_certificates().send().await.expect("list");
    assert_eq!(all.certificate_summary_list().len(), 1, "one certificate");
}

#[tokio::test]
async fn a_web_acl_is_associated_with_a_load_balancer_and_disassociated_on_delete() {
    let emu = Emulator::start();
    let (cx, waf) = (emu.context().await, emu.independent().await.wafv2());
    let acl = web_acl_arn(&emu, "plinth-e2e-edge").await;
    let lb = load_balancer(&emu, 62, "plinth-e2e-edge").await;
    let association = WebAclAssociation { web_acl_arn: acl.as_str().into(), resource_arn: lb.as_str().into() };
    let live_acl = || async {
        let out = waf.get_web_acl_for_resource().resource_arn(&lb).send().await.expect("GetWebACLForResource");
        out.web_acl().map(|a| a.arn().to_string())
    };

    let out = association.create(&meta("edge"), &cx).await.expect("associate");
    assert_eq!(live_acl().await.as_deref(), Some(acl.as_str()));
    assert_eq!(association.find(&meta("edge"), &cx).await.expect("find"), Some(out.clone()));

    association.delete(&out, &cx).await.expect("disassociate");
    assert_eq!(live_acl().await, None, "no web ACL is left on the load balancer");
    association.delete(&out, &cx).await.expect("deleting again is fine");
    assert_eq!(association.read(&out, &cx).await.expect("read"), None);

    // Another web ACL on the load balancer is not ours: find refuses it and delete leaves it.
    let other = web_acl_arn(&emu, "plinth-e2e-other").await;
    let call = waf.associate_web_acl().web_acl_arn(&other).resource_arn(&lb).send().await;
    call.expect("associate the other ACL out of band");
    let err = association.find(&meta("edge"), &cx).await.expect_err("refused");
    assert_eq!(err.class, ErrorClass::NotOwned);
    assert!(err.message.contains(&other), "{}", err.message);
    association.delete(&out, &cx).await.expect("nothing of ours to delete");
    assert_eq!(live_acl().await.as_deref(), Some(other.as_str()), "the other ACL stays");
}

#[tokio::test]
async fn waf_logging_reaches_waf_with_its_redacted_headers() {
    let emu = Emulator::start();
    let (cx, waf) = (emu.context().await, emu.independent().await.wafv2());
    let acl = web_acl_arn(&emu, "plinth-e2e-logged").await;
    let group = log_group_arn(&emu, "aws-waf-logs-plinth-e2e").await;
    let logging = LoggingConfiguration {
        web_acl_arn: acl.as_str().into(),
        log_destination_arn: group.as_str().into(),
        redacted_fields: vec![RedactedField::Header("authorization".into()), RedactedField::Header("cookie".into())],
    };
    assert!(logging.validate().is_empty(), "{:?}", logging.validate());
    let out = logging.create(&meta("waf-logs"), &cx).await.expect("put");

    let live = waf.get_logging_configuration().resource_arn(&acl).send().await.expect("get");
    let live = live.logging_configuration().expect("configuration");
    assert_eq!(live.log_destination_configs(), std::slice::from_ref(&group));
    let mut headers: Vec<&str> =
        live.redacted_fields().iter().filter_map(|f| f.single_header()).map(|h| h.name()).collect();
    headers.sort_unstable();
    assert_eq!(headers, ["authorization", "cookie"]);

    logging.delete(&out, &cx).await.expect("delete");
    let gone = waf.get_logging_configuration().resource_arn(&acl).send().await;
    assert!(gone.is_err_and(|e| e.as_service_error().is_some_and(|s| s.is_waf_nonexistent_item_exception())));
}
