use super::*;

#[test]
fn fargate_sizes_are_accepted_and_others_name_both_fields() {
    for (cpu, memory) in [(256, 512), (256, 2048), (512, 4096), (1024, 3072), (2048, 16384), (4096, 30720)] {
        assert_eq!(size_problem(cpu, memory), None, "{cpu}/{memory}");
    }
    let p = size_problem(256, 4096).expect("too much memory for 0.25 vCPU");
    assert_eq!(p, "memory 4096 MiB does not go with cpu 256: Fargate allows 512, 1024 or 2048 MiB");
    let p = size_problem(1024, 2500).expect("not a 1 GiB step");
    assert_eq!(p, "memory 2500 MiB does not go with cpu 1024: Fargate allows 2048 to 8192 in steps of 1024 MiB");
    assert!(size_problem(4096, 31744).is_some(), "30 GiB is the most for 4 vCPU");
    let p = size_problem(300, 512).expect("not a size");
    assert!(p.starts_with("cpu 300 is not a Fargate size: one of 256, 512,"), "{p}");
}

#[test]
fn secrets_are_references_never_values() {
    let ok = [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/plinth/dev/api-key",
        "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x",
    ];
    for arn in ok {
        assert!(is_secret_reference(arn), "{arn}");
    }
    let bad = [
        "hunter2",
        "/plinth/dev/api-key",
        "arn:aws:ssm:eu-west-1:123456789012:document/x",
        "arn:aws:secretsmanager:eu-west-1:1234:secret:x",
        "arn:aws:s3:::bucket/key",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:",
    ];
    for value in bad {
        assert!(!is_secret_reference(value), "{value}");
    }
}

#[test]
fn images_need_a_tag_or_a_digest() {
    let digest = format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:{}", "a".repeat(64));
    for image in
        ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2", "localhost:5000/web:v1", "nginx:1.27", &digest]
    {
        assert_eq!(image_problem(image), None, "{image}");
    }
    for image in ["", "nginx", "localhost:5000/web", "web:", "web@sha256:abc", "web: 1"] {
        assert!(image_problem(image).is_some(), "{image}");
    }
}

#[test]
fn role_arns_are_iam_roles() {
    assert!(is_role_arn("arn:aws:iam::123456789012:role/web-task"));
    assert!(is_role_arn("arn:aws:iam::123456789012:role/service-role/web"));
    assert!(!is_role_arn("arn:aws:iam::123456789012:user/alice"));
    assert!(!is_role_arn("web-task"));
    assert!(!is_role_arn("arn:aws:iam:eu-west-1:123456789012:role/x"));
}

#[test]
fn health_check_limits_and_shape() {
    let check =
        HealthCheck { command: vec!["CMD-SHELL".into(), "curl -f localhost/health".into()], ..HealthCheck::default() };
    assert!(check.problems("h").is_empty(), "{:?}", check.problems("h"));
    let bad = HealthCheck { command: vec!["curl".into()], interval: 1, retries: 11, ..HealthCheck::default() };
    let problems = bad.problems("containers[0].health_check");
    assert!(problems[0].starts_with("containers[0].health_check.command must be"), "{problems:?}");
    assert!(problems.iter().any(|p| p == "containers[0].health_check.interval 1 is outside 5..=300"), "{problems:?}");
    assert!(problems.iter().any(|p| p == "containers[0].health_check.retries 11 is outside 1..=10"), "{problems:?}");
}
