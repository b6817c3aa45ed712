"""S3: moto evaluates a bucket policy's statements for DeleteObjects without their conditions, so
the TLS-only statement every Plinth bucket carries (Deny s3:* when `aws:SecureTransport` is
"false") denies every DeleteObjects, and a forced bucket delete cannot empty the bucket. AWS
applies that statement only to requests made over plain HTTP; the AWS SDK always reaches AWS over
TLS. The emulator is served over plain HTTP only because it runs on this machine, so its requests
stand for TLS requests: statements conditioned on `aws:SecureTransport` = "false" are left out of
the evaluation (every other statement is evaluated as moto does)."""

from __future__ import annotations

import json
import sys
from typing import Any


def only_for_plain_http(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    for operator in ("Bool", "StringEquals"):
        value = (condition.get(operator) or {}).get("aws:SecureTransport")
        if value is not None and str(value).lower() in ("false", "['false']"):
            return True
    return False


def apply() -> None:
    try:
        from moto.iam.access_control import IAMPolicy, PermissionResult
        from moto.s3.models import FakeBucket
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/s3_secure_transport.py: {e}")

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode())
        statements = doc.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        doc["Statement"] = [s for s in statements if not only_for_plain_http(s)]
        if not doc["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission
