"""CloudWatch Logs: moto 5.2.x has no AssociateKmsKey or DisassociateKmsKey (it answers 500), so a
log group's KMS key could never change in place. This adds both operations with AWS's semantics:
the group is named by `logGroupName` (or `resourceIdentifier`, its name or ARN), an unknown group
is ResourceNotFoundException, AssociateKmsKey sets the key DescribeLogGroups reports as
`kmsKeyId`, DisassociateKmsKey removes it (no key is fine: AWS answers 200 too)."""

from __future__ import annotations

import sys


def apply() -> None:
    try:
        from moto.logs.exceptions import ResourceNotFoundException
        from moto.logs.responses import LogsResponse
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/logs.py: {e}")

    def group_of(response: LogsResponse):  # type: ignore[no-untyped-def]
        name = response._get_param("logGroupName") or response._get_param("resourceIdentifier") or ""
        if name.startswith("arn:"):
            name = name.split(":log-group:", 1)[-1].removesuffix(":*")
        group = response.logs_backend.groups.get(name)
        if group is None:
            raise ResourceNotFoundException()
        return group

    def associate_kms_key(self: LogsResponse) -> str:
        group_of(self).kms_key_id = self._get_param("kmsKeyId")
        return ""

    def disassociate_kms_key(self: LogsResponse) -> str:
        group_of(self).kms_key_id = None
        return ""

    for name, method in (("associate_kms_key", associate_kms_key), ("disassociate_kms_key", disassociate_kms_key)):
        if hasattr(LogsResponse, name):
            sys.exit(f"moto_patches/logs.py: moto now has LogsResponse.{name}; remove this patch")
        setattr(LogsResponse, name, method)
