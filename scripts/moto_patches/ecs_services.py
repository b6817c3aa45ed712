"""ECS services with AWS's semantics where moto 5.2.5 differs in ways that break Plinth's
`aws:ecs:Service` (which waits for deployments by id):

* CreateService drops deploymentConfiguration, healthCheckGracePeriodSeconds,
  capacityProviderStrategy (and then records launch type EC2) and enableExecuteCommand: here they
  are kept, as AWS does (a strategy means no launch type).
* CreateService ignores clientToken and silently replaces an ACTIVE service of the same name:
  here a repeated token answers the service the first call created, and another create of an
  ACTIVE name is InvalidParameterException "Creation of service was not idempotent.", as in AWS.
* UpdateService never starts a deployment: here a change of task definition, network, load
  balancers, capacity provider strategy or platform version (or forceNewDeployment) starts a new
  PRIMARY deployment IN_PROGRESS (the previous one becomes ACTIVE); a desired count alone scales
  the PRIMARY one.
* Deployments never finish (running count 0 unless MOTO_ECS_SERVICE_RUNNING): here tasks "start"
  between calls: every DescribeServices first brings each IN_PROGRESS PRIMARY deployment to its
  desired count, COMPLETED, removes the deployments it replaced, and records the steady-state
  event, as AWS does once the new tasks are healthy.

Not added: real tasks (ListTasks does not filter by serviceName), failing deployments, the
ServiceDeployments APIs.
"""

from __future__ import annotations

import sys
from typing import Any

_KEPT = {
    "deploymentConfiguration": "deployment_configuration",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "capacityProviderStrategy": "capacity_provider_strategy",
    "enableExecuteCommand": "enable_execute_command",
}
_STARTS_DEPLOYMENT = ("taskDefinition", "networkConfiguration", "loadBalancers", "capacityProviderStrategy",
                      "platformVersion")


def apply() -> None:
    try:
        from moto.core.utils import utcnow
        from moto.ecs.exceptions import InvalidParameterException
        from moto.ecs.models import EC2ContainerServiceBackend, Service
        from moto.ecs.responses import EC2ContainerServiceResponse
        from moto.moto_api._internal import mock_random
    except ImportError as e:  # moto's internals moved
        sys.exit(f"moto_patches/ecs_services.py: {e}")
    for name in ("create_service", "update_service", "describe_services"):
        if not hasattr(EC2ContainerServiceResponse, name) or not hasattr(EC2ContainerServiceBackend, name):
            sys.exit(f"moto_patches/ecs_services.py: moto has no {name} to patch")

    tokens: dict[tuple[str, str, str], Service] = {}
    original_create = EC2ContainerServiceResponse.create_service
    original_update = EC2ContainerServiceResponse.update_service
    original_describe = EC2ContainerServiceBackend.describe_services

    def existing(backend: EC2ContainerServiceBackend, cluster: str, name: str) -> Service | None:
        found = backend.services.get(f"{backend._get_cluster(cluster).name}:{name}")
        return found if found is not None and found.status == "ACTIVE" else None

    def create_service(self: EC2ContainerServiceResponse) -> Any:
        from moto.core.responses import ActionResult

        backend = self.ecs_backend
        token = self._get_param("clientToken")
        key = (backend.account_id, backend.region_name, token or "")
        if token and key in tokens and tokens[key].status == "ACTIVE":
            return ActionResult({"service": tokens[key]})
        if existing(backend, self._get_param("cluster", "default"), self._get_param("serviceName")):
            raise InvalidParameterException("Creation of service was not idempotent.")
        answer = original_create(self)
        service = answer.result["service"]
        for param, attribute in _KEPT.items():
            value = self._get_param(param)
            if value is not None:
                setattr(service, attribute, value)
        if self._get_param("capacityProviderStrategy") and not self._get_param("launchType"):
            service.launch_type = None
            for deployment in service.deployments:
                deployment["launchType"] = None
                deployment["capacityProviderStrategy"] = self._get_param("capacityProviderStrategy")
        if token:
            tokens[key] = service
        return answer

    def new_deployment(service: Service) -> None:
        for deployment in service.deployments:
            deployment["status"] = "ACTIVE"
        deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
        now = utcnow()
        service.deployments.insert(0, {
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": service.task_definition,
            "desiredCount": service.desired_count,
            "pendingCount": service.desired_count,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": now,
            "updatedAt": now,
            "launchType": service.launch_type,
            "capacityProviderStrategy": getattr(service, "capacity_provider_strategy", None),
            "networkConfiguration": service.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
        })

    def update_service(self: EC2ContainerServiceResponse) -> Any:
        answer = original_update(self)
        service = answer.result["service"]
        if service.deployment_controller.get("type") != "ECS":
            return answer
        if any(self._get_param(p) is not None for p in _STARTS_DEPLOYMENT) or self._get_param("forceNewDeployment"):
            new_deployment(service)
        elif self._get_param("desiredCount") is not None and service.deployments:
            primary = service.deployments[0]
            primary["desiredCount"] = service.desired_count
            if primary.get("runningCount", 0) != service.desired_count:
                primary["rolloutState"] = "IN_PROGRESS"
        return answer

    def advance(service: Service) -> None:
        primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
        if primary is None or primary.get("rolloutState") != "IN_PROGRESS":
            return
        primary.update({
            "runningCount": service.desired_count,
            "desiredCount": service.desired_count,
            "pendingCount": 0,
            "rolloutState": "COMPLETED",
            "rolloutStateReason": f"ECS deployment {primary['id']} completed.",
            "updatedAt": utcnow(),
        })
        service.deployments[:] = [primary]
        service.running_count = service.desired_count
        service.pending_count = 0
        service.events.insert(0, {
            "id": str(mock_random.uuid4()),
            "createdAt": utcnow(),
            "message": f"(service {service.name}) has reached a steady state.",
        })

    def describe_services(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
        services, failures = original_describe(self, *args, **kwargs)
        for service in services:
            if service.status == "ACTIVE":
                advance(service)
        return services, failures

    EC2ContainerServiceResponse.create_service = create_service  # type: ignore[method-assign]
    EC2ContainerServiceResponse.update_service = update_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.describe_services = describe_services  # type: ignore[method-assign]
