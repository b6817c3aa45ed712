//! The audit and alerting kinds against the emulator, through the `engine::Resource` trait:
//! SNS topics (KMS, the alarm publishing policy) and subscriptions (a pending e-mail confirmation
//! is a status, never drift), a VPC flow log to a log group through a role, a CloudTrail trail
//! (multi-region, log file validation, logging), and the GuardDuty detector (its lifecycle, and
//! the refusal of a detector that is not this stack's). Every effect is read back with
//! independent SDK clients; the generic contract (find, read-when-gone, delete-again, look-alikes)
//! is the conformance suite's (`tests/tests/conformance.rs`).

use e2e::conformance::fixtures::{cloudtrail as trail_fixture, ec2 as ec2_fixture, network, sns as sns_fixture, wafv2};
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::cloudtrail::{bucket_write_statements, trail_arn, Trail};
use resources::ec2::{FlowLog, FlowLogDestinationType, FlowLogTrafficType};
use resources::guardduty::{Detector, DetectorFeature, Feature, FeatureStatus, FindingFrequency};
use resources::policy::same_policy;
use resources::sns::{alarm_publish_policy, Subscription, SubscriptionProtocol, Topic};
use sns_fixture::{ACCOUNT, KEY};

fn alarms_topic() -> Topic {
    let arn = format!("arn:aws:sns:us-east-1:{ACCOUNT}:plinth-e2e-alarms");
    Topic {
        name: "plinth-e2e-alarms".into(),
        display_name: "Alarms".into(),
        kms_master_key_id: Some(KEY.into()),
        policy: Some(alarm_publish_policy(&arn, ACCOUNT)),
        tags: engine_tags("alarms", &[]),
    }
}

#[tokio::test]
async fn a_topic_is_encrypted_and_lets_alarms_and_budgets_publish() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let topic = alarms_topic();
    assert_eq!(topic.validate(), Vec::<String>::new());
    let out = topic.create(&meta("alarms"), &cx).await.expect("create");
    assert_eq!(out.arn, format!("arn:aws:sns:us-east-1:{ACCOUNT}:plinth-e2e-alarms"));

    let sns = emu.independent().await.sns();
    let live = sns.get_topic_attributes().topic_arn(&out.arn).send().await.expect("GetTopicAttributes");
    let attrs = live.attributes().expect("attributes");
    assert_eq!(attrs.get("KmsMasterKeyId").map(String::as_str), Some(KEY));
    assert_eq!(attrs.get("DisplayName").map(String::as_str), Some("Alarms"));
    let policy = attrs.get("Policy").expect("policy");
    assert!(same_policy(policy, topic.policy.as_deref().expect("ours")), "the live policy is ours: {policy}");
    let doc: serde_json::Value = serde_json::from_str(policy).expect("policy JSON");
    let publish = doc["Statement"].as_array().expect("statements").iter().find(|s| s["Action"] == "SNS:Publish");
    let publish = publish.expect("the publish statement");
    assert_eq!(
        publish["Principal"]["Service"],
        serde_json::json!(["cloudwatch.amazonaws.com", "budgets.amazonaws.com"])
    );
    assert_eq!(publish["Condition"]["StringEquals"]["aws:SourceAccount"], ACCOUNT);

    let read = topic.read(&out, &cx).await.expect("read").expect("the topic exists");
    assert_eq!(read.inputs, topic, "read gives the program's shape back");

    // Back to AWS's default policy: the live policy is the default one and reads as None.
    let plain = Topic { policy: None, ..topic.clone() };
    plain.update(&topic, &out, &cx).await.expect("remove the policy");
    let live = sns.get_topic_attributes().topic_arn(&out.arn).send().await.expect("GetTopicAttributes");
    let policy = live.attributes().and_then(|a| a.get("Policy")).expect("policy").clone();
    assert!(same_policy(&policy, &resources::sns::default_policy(&out.arn, ACCOUNT)), "{policy}");
    assert_eq!(plain.read(&out, &cx).await.expect("read").expect("exists").inputs, plain);

    plain.delete(&out, &cx).await.expect("delete");
    let gone = sns.get_topic_attributes().topic_arn(&out.arn).send().await;
    assert!(gone.is_err(), "the topic is gone");
}

#[tokio::test]
async fn a_topic_name_held_out_of_band_is_neither_adopted_nor_taken_over() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let sns = emu.independent().await.sns();
    let foreign = sns.create_topic().name("plinth-e2e-alarms").send().await.expect("create topic");
    let foreign = foreign.topic_arn().expect("arn").to_string();

    let topic = alarms_topic();
    let found = topic.find(&meta("alarms"), &cx).await.expect_err("a look-alike is refused");
    assert_eq!(found.class, ErrorClass::NotOwned, "{}", found.message);
    assert!(found.message.contains(&foreign), "{}", found.message);
    let created = topic.create(&meta("alarms"), &cx).await.expect_err("CreateTopic answers the other topic");
    assert!(matches!(created.class, ErrorClass::Invalid | ErrorClass::NotOwned), "{created:?}");
    let tags = sns.list_tags_for_resource().resource_arn(&foreign).send().await.expect("ListTagsForResource");
    assert!(tags.tags().is_empty(), "the foreign topic keeps its (no) tags");
}

#[tokio::test]
async fn a_pending_email_subscription_is_a_status_not_drift() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let topic = Topic { policy: None, kms_master_key_id: None, ..alarms_topic() };
    let topic_out = topic.create(&meta("alarms"), &cx).await.expect("create topic");
    let sub = Subscription {
        topic_arn: topic_out.arn.as_str().into(),
        protocol: SubscriptionProtocol::Email,
        endpoint: "oncall@example.com".into(),
    };
    assert_eq!(sub.validate(), Vec::<String>::new());
    let out = sub.create(&meta("oncall"), &cx).await.expect("subscribe");
    assert!(out.pending_confirmation, "an e-mail endpoint must confirm first: {out:?}");
    assert!(out.arn.starts_with(&format!("{}:", topic_out.arn)), "the real ARN, not a placeholder: {}", out.arn);

    let sns = emu.independent().await.sns();
    let attrs = sns.get_subscription_attributes().subscription_arn(&out.arn).send().await.expect("attributes");
    let attrs = attrs.attributes().expect("attributes").clone();
    assert_eq!(attrs.get("PendingConfirmation").map(String::as_str), Some("true"));
    assert_eq!(attrs.get("Endpoint").map(String::as_str), Some("oncall@example.com"));

    let read = sub.read(&out, &cx).await.expect("read").expect("the subscription exists");
    assert_eq!(read.inputs, sub, "pending is no drift");
    assert!(read.outputs.pending_confirmation);
    let found = sub.find(&meta("oncall"), &cx).await.expect("find").expect("adopted through the topic");
    assert!(found.pending_confirmation);
    let again = sub.read(&found, &cx).await.expect("read found").expect("exists");
    assert_eq!(again.inputs, sub);

    // AWS cannot unsubscribe it: delete forgets it (as Terraform does); AWS removes it with its topic.
    sub.delete(&out, &cx).await.expect("a pending subscription is forgotten, not an error");
    assert!(sns.get_subscription_attributes().subscription_arn(&out.arn).send().await.is_ok(), "still there");

    // Deleting the topic deletes its subscriptions; then the subscription's delete is done.
    topic.delete(&topic_out, &cx).await.expect("delete topic");
    assert!(sns.get_subscription_attributes().subscription_arn(&out.arn).send().await.is_err(), "gone");
    sub.delete(&out, &cx).await.expect("gone is deleted");
    assert!(sub.read(&out, &cx).await.expect("read").is_none());
}

#[tokio::test]
async fn a_subscription_on_another_stacks_topic_is_not_adopted() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let topic = sns_fixture::topic_arn(&emu, "plinth-e2e-theirs", "someone-else", "alarms").await;
    let sub = Subscription {
        topic_arn: topic.as_str().into(),
        protocol: SubscriptionProtocol::Sqs,
        endpoint: format!("arn:aws:sqs:us-east-1:{ACCOUNT}:alerts").into(),
    };
    let sns = emu.independent().await.sns();
    let call = sns.subscribe().topic_arn(&topic).protocol("sqs").endpoint(sub.endpoint.as_str());
    call.send().await.expect("subscribe out of band");
    let refused = sub.find(&meta("alerts"), &cx).await.expect_err("their topic, their subscription");
    assert_eq!(refused.class, ErrorClass::NotOwned);
    assert!(refused.message.contains(&topic) && refused.message.contains("someone-else"), "{}", refused.message);
}

#[tokio::test]
async fn a_flow_log_records_rejected_traffic_to_a_log_group_through_a_role() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let net = network(&emu, 80, &[], &[]).await;
    let group = wafv2::log_group_arn(&emu, "/plinth/e2e/vpc-flow").await;
    let role = ec2_fixture::flow_logs_role(&emu, "plinth-e2e-flow-logs").await;
    let flow = FlowLog {
        vpc_id: net.vpc_id.as_str().into(),
        traffic_type: FlowLogTrafficType::Reject,
        destination_type: FlowLogDestinationType::CloudWatchLogs,
        destination: group.as_str().into(),
        deliver_logs_permission_arn: Some(role.as_str().into()),
        max_aggregation_interval: 60,
        tags: engine_tags("vpc-flow", &[]),
    };
    assert_eq!(flow.validate(), Vec::<String>::new());
    let out = flow.create(&meta("vpc-flow"), &cx).await.expect("create");

    let ec2 = emu.ec2().await;
    let live = ec2.describe_flow_logs().flow_log_ids(&out.flow_log_id).send().await.expect("DescribeFlowLogs");
    let live = live.flow_logs().first().expect("the flow log").clone();
    assert_eq!(live.resource_id(), Some(net.vpc_id.as_str()));
    assert_eq!(live.traffic_type().map(|t| t.as_str()), Some("REJECT"));
    assert_eq!(live.log_destination_type().map(|t| t.as_str()), Some("cloud-watch-logs"));
    assert_eq!(live.log_destination(), Some(group.as_str()));
    assert_eq!(live.deliver_logs_permission_arn(), Some(role.as_str()));
    assert_eq!(live.max_aggregation_interval(), Some(60));
    let tags = resources::tags::from_sdk(live.tags());
    assert_eq!(tags.get("plinth:name").map(String::as_str), Some("vpc-flow"), "tagged at creation: {tags:?}");

    assert_eq!(flow.read(&out, &cx).await.expect("read").expect("exists").inputs, flow);
    assert_eq!(flow.find(&meta("vpc-flow"), &cx).await.expect("find"), Some(out.clone()));
    flow.delete(&out, &cx).await.expect("delete");
    let left = ec2.describe_flow_logs().flow_log_ids(&out.flow_log_id).send().await.expect("DescribeFlowLogs");
    assert!(left.flow_logs().is_empty(), "the flow log is gone");
    flow.delete(&out, &cx).await.expect("delete again");
}

#[tokio::test]
async fn a_trail_validates_log_files_in_every_region_and_logging_is_an_input() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let bucket = trail_fixture::bucket(&emu, "plinth-e2e-audit-logs").await;
    let arn = trail_arn("us-east-1", ACCOUNT, "plinth-e2e-audit");
    let statements = bucket_write_statements(&format!("arn:aws:s3:::{bucket}"), None, ACCOUNT, &arn);
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": statements }).to_string();
    emu.s3().await.put_bucket_policy().bucket(&bucket).policy(&policy).send().await.expect("bucket policy");

    let trail = Trail {
        name: "plinth-e2e-audit".into(),
        s3_bucket_name: bucket.as_str().into(),
        is_multi_region_trail: true,
        include_global_service_events: true,
        enable_log_file_validation: true,
        is_logging: true,
        tags: engine_tags("audit", &[]),
        ..Default::default()
    };
    assert_eq!(trail.validate(), Vec::<String>::new());
    let out = trail.create(&meta("audit"), &cx).await.expect("create");
    assert_eq!(out.arn, arn, "the ARN the bucket policy names");

    let ct = emu.independent().await.cloudtrail();
    let live = ct.get_trail().name(&out.name).send().await.expect("GetTrail");
    let live = live.trail().expect("trail").clone();
    assert_eq!(live.is_multi_region_trail(), Some(true));
    assert_eq!(live.log_file_validation_enabled(), Some(true));
    assert_eq!(live.include_global_service_events(), Some(true));
    assert_eq!(live.s3_bucket_name(), Some(bucket.as_str()));
    let logging = || async { ct.get_trail_status().name(&arn).send().await.expect("status").is_logging() };
    assert_eq!(logging().await, Some(true), "create started logging");
    assert_eq!(trail.read(&out, &cx).await.expect("read").expect("exists").inputs, trail);

    // Logging stopped out of band is drift on `is_logging`, and the next update starts it again.
    ct.stop_logging().name(&arn).send().await.expect("StopLogging");
    let drifted = trail.read(&out, &cx).await.expect("read").expect("exists").inputs;
    assert_eq!(drifted, Trail { is_logging: false, ..trail.clone() });
    trail.update(&drifted, &out, &cx).await.expect("start logging again");
    assert_eq!(logging().await, Some(true));

    trail.delete(&out, &cx).await.expect("delete");
    assert!(ct.get_trail().name(&out.name).send().await.is_err(), "the trail is gone");
    trail.delete(&out, &cx).await.expect("delete again");
}

fn detector() -> Detector {
    Detector {
        enable: true,
        finding_publishing_frequency: FindingFrequency::FifteenMinutes,
        features: vec![Feature { name: DetectorFeature::S3DataEvents, status: FeatureStatus::Enabled }],
        tags: engine_tags("guard", &[]),
    }
}

#[tokio::test]
async fn the_detector_lives_changes_and_goes() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let gd = emu.independent().await.guardduty();
    let d = detector();
    let out = d.create(&meta("guard"), &cx).await.expect("create");
    let live = gd.get_detector().detector_id(&out.detector_id).send().await.expect("GetDetector");
    assert_eq!(live.status().map(|s| s.as_str()), Some("ENABLED"));
    assert_eq!(live.finding_publishing_frequency().map(|f| f.as_str()), Some("FIFTEEN_MINUTES"));
    assert_eq!(live.tags().and_then(|t| t.get("plinth:name")).map(String::as_str), Some("guard"));
    assert_eq!(d.read(&out, &cx).await.expect("read").expect("exists").inputs, d);

    let off = Detector { enable: false, finding_publishing_frequency: FindingFrequency::OneHour, ..d.clone() };
    off.update(&d, &out, &cx).await.expect("update");
    let live = gd.get_detector().detector_id(&out.detector_id).send().await.expect("GetDetector");
    assert_eq!(live.status().map(|s| s.as_str()), Some("DISABLED"));
    assert_eq!(live.finding_publishing_frequency().map(|f| f.as_str()), Some("ONE_HOUR"));

    off.delete(&out, &cx).await.expect("delete");
    let left = gd.list_detectors().send().await.expect("ListDetectors");
    assert!(left.detector_ids().is_empty(), "no detector left: {:?}", left.detector_ids());
    off.delete(&out, &cx).await.expect("delete again");
}

#[tokio::test]
async fn a_detector_that_is_not_ours_is_refused_by_name() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let gd = emu.independent().await.guardduty();
    let theirs = gd.create_detector().enable(true).send().await.expect("create detector out of band");
    let theirs = theirs.detector_id().expect("id").to_string();

    let d = detector();
    let refused = d.create(&meta("guard"), &cx).await.expect_err("one detector per account and region");
    assert_eq!(refused.class, ErrorClass::NotOwned, "{}", refused.message);
    assert!(refused.message.contains(&theirs), "names the detector: {}", refused.message);
    let found = d.find(&meta("guard"), &cx).await.expect_err("find refuses it too");
    assert_eq!(found.class, ErrorClass::NotOwned);
    let live = gd.get_detector().detector_id(&theirs).send().await.expect("theirs is untouched");
    assert_eq!(live.status().map(|s| s.as_str()), Some("ENABLED"));
    assert!(live.tags().is_none_or(|t| t.is_empty()), "no tags were written on it");
}
