"""CloudWatch Logs: moto 5.2.x has no AssociateKmsKey or DisassociateKmsKey (it answers 500), so a
log group's KMS key could never change in place. This adds both operations with AWS's semantics:
the group is named by `logGroupName` (or `resourceIdentifier`, its name or ARN), an unknown group
is ResourceNotFoundException, AssociateKmsKey sets the key DescribeLogGroups reports as
`kmsKeyId`, DisassociateKmsKey removes it (no key is fine: AWS answers 200 too).

Metric filters (moto 5.2.x): PutMetricFilter appends a second filter of the same name instead of
replacing the group's filter of that name, and accepts a log group that does not exist;
DeleteMetricFilter of an unknown filter answers 200. AWS replaces in place (the call is an upsert)
and answers ResourceNotFoundException for an unknown group (put) or filter (delete);
`patch_metric_filters` gives moto those semantics."""

from __future__ import annotations

import sys


def apply() -> None:
    add_kms_key_operations()
    patch_metric_filters()


def add_kms_key_operations() -> None:
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


def patch_metric_filters() -> None:
    try:
        from moto.logs.exceptions import ResourceNotFoundException
        from moto.logs.models import LogsBackend
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/logs.py: {e}")
    original_put = LogsBackend.put_metric_filter
    if not hasattr(LogsBackend, "delete_metric_filter"):
        sys.exit("moto_patches/logs.py: LogsBackend.delete_metric_filter moved")

    def same(f: dict, filter_name: str | None, log_group_name: str | None) -> bool:  # type: ignore[type-arg]
        return f["filterName"] == filter_name and f["logGroupName"] == log_group_name

    def put_metric_filter(self, filter_name, filter_pattern, log_group_name, metric_transformations):  # type: ignore[no-untyped-def]
        if log_group_name not in self.groups:
            raise ResourceNotFoundException()
        kept = [f for f in self.filters.metric_filters if not same(f, filter_name, log_group_name)]
        self.filters.metric_filters = kept
        return original_put(self, filter_name, filter_pattern, log_group_name, metric_transformations)

    def delete_metric_filter(self, filter_name=None, log_group_name=None):  # type: ignore[no-untyped-def]
        if log_group_name not in self.groups:
            raise ResourceNotFoundException()
        if not any(same(f, filter_name, log_group_name) for f in self.filters.metric_filters):
            raise ResourceNotFoundException("The specified metric filter does not exist.")
        kept = [f for f in self.filters.metric_filters if not same(f, filter_name, log_group_name)]
        self.filters.metric_filters = kept

    LogsBackend.put_metric_filter = put_metric_filter  # type: ignore[method-assign]
    LogsBackend.delete_metric_filter = delete_metric_filter  # type: ignore[method-assign]
