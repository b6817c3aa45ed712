"""RDS DB instances: where moto 5.2.x accepts what AWS refuses, or forgets what AWS keeps.

- Parameter group family against engine version (CreateDBInstance, ModifyDBInstance): AWS refuses a
  group whose family serves another major (`postgres16` with `15.7`, or with moto's default
  `9.3.3` when no version is given) with InvalidParameterCombination; moto accepts any pairing.
- Enhanced monitoring: AWS accepts MonitoringInterval 0, 1, 5, 10, 15, 30 or 60 only
  (InvalidParameterValue otherwise), and on ModifyDBInstance an interval above 0 needs a
  MonitoringRoleArn, given now or already on the instance (InvalidParameterCombination); moto
  checks neither on modify and not the values at all.
- CloudWatch Logs exports: the types must be the engine's (for postgres: postgresql, upgrade;
  InvalidParameterCombination otherwise). CloudwatchLogsExportConfiguration on modify is set
  arithmetic in AWS: enabling an enabled type or disabling a disabled one changes nothing; moto
  appends duplicates and fails (HTTP 500) on a type that is not enabled.
- Performance Insights: moto drops EnablePerformanceInsights and
  PerformanceInsightsRetentionPeriod; AWS reports them as PerformanceInsightsEnabled and
  PerformanceInsightsRetentionPeriod (7 days unless told otherwise).
"""

from __future__ import annotations

import sys
from typing import Any

MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
LOG_TYPES = {"postgres": {"postgresql", "upgrade"}}


def apply() -> None:
    try:
        from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue
        from moto.rds.models import DBInstance, RDSBackend
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/rds.py: {e}")
    for name in ("create_db_instance", "modify_db_instance"):
        if not hasattr(RDSBackend, name):
            sys.exit(f"moto_patches/rds.py: RDSBackend.{name} is gone; update this patch")
    if not hasattr(DBInstance, "update") or not hasattr(DBInstance, "default_engine_versions"):
        sys.exit("moto_patches/rds.py: DBInstance.update / default_engine_versions are gone; update this patch")

    def check_family(backend: RDSBackend, engine: str, version: str, group_name: str | None) -> None:
        group = backend.db_parameter_groups.get(group_name) if group_name else None
        family = getattr(group, "family", None) or ""
        if not family.startswith(engine):
            return
        major = family[len(engine):]
        if version != major and not version.startswith(f"{major}."):
            raise InvalidParameterCombination(
                f"The parameter group {group_name} with DBParameterGroupFamily {family} can't be used for this "
                f"instance. Use a parameter group with DBParameterGroupFamily {engine}{version_major(version)}."
            )

    def check_interval(kwargs: dict[str, Any]) -> None:
        interval = kwargs.get("monitoring_interval")
        if interval is not None and int(interval) not in MONITORING_INTERVALS:
            raise InvalidParameterValue(
                f"Invalid value {interval} for MonitoringInterval. Valid values are 0, 1, 5, 10, 15, 30, 60."
            )

    def check_log_types(engine: str, types: list[str]) -> None:
        known = LOG_TYPES.get(engine)
        bad = sorted(set(types) - known) if known is not None else []
        if bad:
            raise InvalidParameterCombination(f"You cannot use the log types {', '.join(bad)} with engine {engine}.")

    original_create = RDSBackend.create_db_instance
    original_modify = RDSBackend.modify_db_instance
    original_init = DBInstance.__init__
    original_update = DBInstance.update

    def create(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        engine = db_kwargs.get("engine") or ""
        check_interval(db_kwargs)
        check_log_types(engine, db_kwargs.get("enable_cloudwatch_logs_exports") or [])
        version = db_kwargs.get("engine_version") or DBInstance.default_engine_versions.get(engine, "")
        check_family(self, engine, version, db_kwargs.get("db_parameter_group_name"))
        return original_create(self, db_kwargs)

    def modify(self: RDSBackend, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        database = self.describe_db_instances(db_instance_identifier)[0]
        check_interval(db_kwargs)
        interval = int(db_kwargs.get("monitoring_interval") or 0)
        if interval > 0 and not (db_kwargs.get("monitoring_role_arn") or database.monitoring_role_arn):
            raise InvalidParameterCombination(
                "A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0."
            )
        logs = db_kwargs.get("cloudwatch_logs_export_configuration") or {}
        check_log_types(database.engine, list(logs.get("EnableLogTypes") or []))
        version = db_kwargs.get("engine_version") or database.engine_version
        group = db_kwargs.get("db_parameter_group_name") or database.db_parameter_group_name
        check_family(self, database.engine, version, group)
        return original_modify(self, db_instance_identifier, db_kwargs)

    def init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.enabled_cloudwatch_logs_exports = list(dict.fromkeys(self.enabled_cloudwatch_logs_exports))
        set_performance_insights(self, kwargs, creating=True)

    def update(self: DBInstance, *args: Any, **db_kwargs: Any) -> None:
        logs = db_kwargs.pop("cloudwatch_logs_export_configuration", None) or {}
        performance = {k: db_kwargs.pop(k) for k in list(db_kwargs) if k.startswith("performance_insights_")}
        performance["enable_performance_insights"] = db_kwargs.pop("enable_performance_insights", None)
        original_update(self, *args, **db_kwargs)
        disable = set(logs.get("DisableLogTypes") or [])
        kept = [t for t in self.enabled_cloudwatch_logs_exports if t not in disable]
        self.enabled_cloudwatch_logs_exports = list(dict.fromkeys(kept + list(logs.get("EnableLogTypes") or [])))
        set_performance_insights(self, performance, creating=False)

    RDSBackend.create_db_instance = create  # type: ignore[method-assign]
    RDSBackend.modify_db_instance = modify  # type: ignore[method-assign]
    DBInstance.__init__ = init  # type: ignore[method-assign]
    DBInstance.update = update  # type: ignore[method-assign]


def version_major(version: str) -> str:
    """`16.4` → `16`; before PostgreSQL 10 (and for MySQL) the major has two parts: `9.6.22` → `9.6`."""
    parts = version.split(".")
    if len(parts) > 1 and parts[0].isdigit() and int(parts[0]) < 10:
        return ".".join(parts[:2])
    return parts[0]


def set_performance_insights(db: Any, kwargs: dict[str, Any], creating: bool) -> None:
    enabled = kwargs.get("enable_performance_insights")
    if enabled is None and creating:
        enabled = False
    if enabled is not None:
        db.performance_insights_enabled = str(enabled).lower() == "true"
    retention = kwargs.get("performance_insights_retention_period")
    if getattr(db, "performance_insights_enabled", False):
        if retention is not None:
            db.performance_insights_retention_period = int(retention)
        elif getattr(db, "performance_insights_retention_period", None) is None:
            db.performance_insights_retention_period = 7
    else:
        db.performance_insights_retention_period = None
