"""S3: PutBucketLogging's check of the target bucket's policy, as AWS reads a policy (moto 5.2.x).

With Object Ownership `BucketOwnerEnforced` (ACLs disabled) the only way to let server access
logs in is the target bucket's policy: an Allow statement for the service principal
`logging.s3.amazonaws.com` with `s3:PutObject` on the target (conditions such as aws:SourceAccount
and aws:SourceArn narrow it). moto looks for that statement but reads a policy only in one shape:
a statement whose `Principal` is the string `"*"` (every TLS-only Deny statement has one) makes it
fail with an internal error (500), and a `Principal.Service`, `Action` or `Resource` given as a list
(as AWS allows) is not recognised, so a valid policy is refused with InvalidTargetBucketForLogging.
The patch reads strings and lists alike, matches `s3:PutObject` also through `s3:*` / `*`, and
accepts a resource whose wildcards cover the log objects under the target prefix (`bucket/*`,
`bucket/<prefix>*`, `bucket/s3/*` for prefix `s3/x/`); Deny statements
are skipped as before. The ACL route (log-delivery group grants) is unchanged.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
import sys
from typing import Any

try:
    from moto.s3.models import FakeBucket
    from moto.s3.utils import LOGGING_SERVICE_PRINCIPAL
except ImportError as e:  # pragma: no cover - moto moved
    sys.exit(f"moto_patches.s3_logging: moto's S3 models moved: {e}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _grants_logging(stmt: dict[str, Any], bucket_arn: str, prefix: str) -> bool:
    if stmt.get("Effect") != "Allow":
        return False
    principal = stmt.get("Principal")
    services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
    if LOGGING_SERVICE_PRINCIPAL not in services:
        return False
    if not any(a in ("s3:PutObject", "s3:*", "*") for a in _as_list(stmt.get("Action"))):
        return False
    # A log object's ARN under the prefix, matched against the resource patterns as IAM does.
    log_object = f"{bucket_arn}/{prefix}2026-01-01-00-00-00-0123456789ABCDEF"
    resources = _as_list(stmt.get("Resource"))
    return any(r == bucket_arn or fnmatchcase(log_object, r) for r in resources if isinstance(r, str))


def _log_permissions_enabled_policy(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
    if not target_bucket.policy:
        return False
    document = json.loads(target_bucket.policy.decode())
    bucket_arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
    statements = _as_list(document.get("Statement"))
    return any(_grants_logging(s, bucket_arn, target_prefix or "") for s in statements if isinstance(s, dict))


def apply() -> None:
    """Installs the policy reading; fails loudly if moto's internals moved."""
    if not isinstance(FakeBucket.__dict__.get("_log_permissions_enabled_policy"), staticmethod):
        sys.exit("moto_patches.s3_logging: FakeBucket._log_permissions_enabled_policy is no longer a staticmethod")
    FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)  # type: ignore[method-assign]
