"""RDS: moto 5.2.5 has no DescribePendingMaintenanceActions (it answers 500), which `plinth health`
reads for each DB instance. This adds it with AWS's semantics for an emulator that never
schedules maintenance: every known resource has no pending action, so the answer is an empty
`PendingMaintenanceActions` list; a `ResourceIdentifier` that names no DB instance or cluster
ARN is ResourceNotFoundFault; filters other than `db-instance-id` / `db-cluster-id` are
InvalidParameterValue, as in AWS."""

from __future__ import annotations

import sys


def apply() -> None:
    try:
        from moto.core.responses import ActionResult
        from moto.rds.exceptions import InvalidParameterValue, RDSClientError
        from moto.rds.responses import RDSResponse
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/rds_maintenance.py: {e}")

    class ResourceNotFoundFault(RDSClientError):
        def __init__(self, arn: str) -> None:
            super().__init__("ResourceNotFoundFault", f"The specified resource {arn} does not exist.")

    def describe_pending_maintenance_actions(self: RDSResponse) -> ActionResult:
        for f in self.params.get("Filters", []) or []:
            if f.get("Name") not in ("db-instance-id", "db-cluster-id"):
                raise InvalidParameterValue(f"Unrecognized filter name: {f.get('Name')}")
        arn = self.params.get("ResourceIdentifier")
        if arn:
            known = [db.arn for db in self.backend.databases.values()]
            known += [getattr(c, "db_cluster_arn", None) or c.arn for c in self.backend.clusters.values()]
            if arn not in known:
                raise ResourceNotFoundFault(arn)
        return ActionResult({"PendingMaintenanceActions": []})

    name = "describe_pending_maintenance_actions"
    if hasattr(RDSResponse, name):
        sys.exit(f"moto_patches/rds.py: moto now has RDSResponse.{name}; remove this patch")
    setattr(RDSResponse, name, describe_pending_maintenance_actions)
