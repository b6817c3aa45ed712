"""CloudWatch: moto 5.2.x keeps composite alarms in its model (an alarm with a `rule`, listed
under CompositeAlarms by DescribeAlarms) but has no PutCompositeAlarm handler (it answers 500),
so no composite alarm can be made. This adds the operation with AWS's semantics: an upsert by
AlarmName of the rule, description, the three action lists and ActionsEnabled (default true);
Tags apply only when the call creates the alarm (AWS ignores them when it updates one)."""

from __future__ import annotations

import sys


def apply() -> None:
    try:
        from moto.cloudwatch.responses import CloudWatchResponse
        from moto.core.responses import EmptyResult
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/cloudwatch.py: {e}")

    def put_composite_alarm(self: CloudWatchResponse) -> EmptyResult:
        name = self._get_param("AlarmName")
        backend = self.cloudwatch_backend
        existing = backend.alarms.get(name)
        backend.put_metric_alarm(
            name=name,
            namespace=None,
            metric_name=None,
            comparison_operator=None,
            evaluation_periods=None,
            period=None,
            threshold=None,
            statistic=None,
            description=self._get_param("AlarmDescription"),
            dimensions=[],
            alarm_actions=self._get_param("AlarmActions", []),
            ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            actions_enabled=self._get_bool_param("ActionsEnabled"),
            rule=self._get_param("AlarmRule"),
            tags=None if existing is not None else self._get_param("Tags", []),
        )
        return EmptyResult()

    if hasattr(CloudWatchResponse, "put_composite_alarm"):
        sys.exit("moto_patches/cloudwatch.py: moto now has CloudWatchResponse.put_composite_alarm; remove this patch")
    if not hasattr(CloudWatchResponse, "put_metric_alarm"):
        sys.exit("moto_patches/cloudwatch.py: CloudWatchResponse.put_metric_alarm moved")
    CloudWatchResponse.put_composite_alarm = put_composite_alarm  # type: ignore[attr-defined]
