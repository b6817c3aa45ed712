"""Application Auto Scaling: what moto 5.2.5 lacks or answers differently from AWS.

* Tags. moto has no ListTagsForResource / TagResource / UntagResource and drops the `Tags` of
  RegisterScalableTarget. Added with AWS's semantics: tags belong to a scalable target's ARN;
  RegisterScalableTarget applies its `Tags` only when it creates the target (AWS: "to tag an
  existing scalable target, use TagResource"); an unknown ARN is ResourceNotFoundException;
  deregistering a target drops its tags.
* Missing objects. AWS answers ObjectNotFoundException for DeregisterScalableTarget,
  DeleteScalingPolicy and DeleteScheduledAction on something that does not exist (moto: a
  ValidationException, or silence for scheduled actions), and for PutScalingPolicy /
  PutScheduledAction on a target that is not registered (moto accepts them).
* PutScalingPolicy on an existing policy updates it in place: AWS keeps its PolicyARN (moto
  made a new one, and left the old policy's alarms behind; here the old alarms are removed and
  the updated policy's own alarms answered).
* Deregistering a target deletes its scaling policies and scheduled actions (AWS does; moto
  keeps them).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.core.exceptions import JsonRESTError


class ObjectNotFound(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("ObjectNotFoundException", message)


class ResourceNotFound(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("ResourceNotFoundException", message)


def _tags(backend: Any) -> dict[str, dict[str, str]]:
    if not hasattr(backend, "plinth_tags"):
        backend.plinth_tags = {}
    return backend.plinth_tags


def _target_by_arn(backend: Any, arn: str) -> Any:
    for by_id in backend.targets.values():
        for target in by_id.values():
            if target.arn == arn:
                return target
    raise ResourceNotFound(f"No scalable target found for ARN {arn}")


def _target(backend: Any, namespace: str, resource_id: str, dimension: str) -> Any:
    target = backend.targets.get(dimension, {}).get(resource_id)
    if target is None or target.service_namespace != namespace:
        raise ObjectNotFound(
            f"No scalable target registered for service namespace: {namespace}, "
            f"resource ID: {resource_id}, scalable dimension: {dimension}"
        )
    return target


def _params(response: Any) -> dict[str, Any]:
    return json.loads(response.body or "{}")


def apply() -> None:
    from moto.applicationautoscaling.models import FakeApplicationAutoscalingPolicy
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as R

    for name in ("register_scalable_target", "deregister_scalable_target", "put_scaling_policy",
                 "delete_scaling_policy", "put_scheduled_action", "delete_scheduled_action"):
        if not hasattr(R, name):
            sys.exit(f"moto_patches/appautoscaling.py: moto no longer has {name}")
    if hasattr(R, "list_tags_for_resource"):
        sys.exit("moto_patches/appautoscaling.py: moto implements tags now; revisit this patch")

    original_register = R.register_scalable_target
    original_deregister = R.deregister_scalable_target
    original_put_policy = R.put_scaling_policy
    original_put_action = R.put_scheduled_action

    def register_scalable_target(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        existed = p.get("ResourceId") in backend.targets.get(p.get("ScalableDimension"), {})
        answer = original_register(self)
        if not existed and p.get("Tags"):
            arn = json.loads(answer)["ScalableTargetARN"]
            _tags(backend)[arn] = dict(p["Tags"])
        return answer

    def deregister_scalable_target(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        ns, rid, dim = p.get("ServiceNamespace"), p.get("ResourceId"), p.get("ScalableDimension")
        target = _target(backend, ns, rid, dim)
        answer = original_deregister(self)
        _tags(backend).pop(target.arn, None)
        backend.policies = {
            k: v for k, v in backend.policies.items()
            if not (v.service_namespace == ns and v.resource_id == rid and v.scalable_dimension == dim)
        }
        backend.scheduled_actions = [
            a for a in backend.scheduled_actions
            if not (a.service_namespace == ns and a.resource_id == rid and a.scalable_dimension == dim)
        ]
        return answer

    def put_scaling_policy(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        _target(backend, p.get("ServiceNamespace"), p.get("ResourceId"), p.get("ScalableDimension"))
        key = FakeApplicationAutoscalingPolicy.formulate_key(
            p.get("ServiceNamespace"), p.get("ResourceId"), p.get("ScalableDimension"), p.get("PolicyName")
        )
        old = backend.policies.get(key)
        answer = original_put_policy(self)
        if old is None:
            return answer
        new = backend.policies[key]
        old.delete_alarms(backend.account_id, backend.region_name)
        new.policy_arn = old.policy_arn
        body = json.loads(answer)
        body["PolicyARN"] = old.policy_arn
        return json.dumps(body)

    def delete_scaling_policy(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        key = FakeApplicationAutoscalingPolicy.formulate_key(
            p.get("ServiceNamespace"), p.get("ResourceId"), p.get("ScalableDimension"), p.get("PolicyName")
        )
        policy = backend.policies.get(key)
        if policy is None:
            raise ObjectNotFound(f"No scaling policy found for policy name: {p.get('PolicyName')}")
        policy.delete_alarms(backend.account_id, backend.region_name)
        del backend.policies[key]
        return json.dumps({})

    def put_scheduled_action(self: R) -> str:
        p = _params(self)
        _target(self.applicationautoscaling_backend, p.get("ServiceNamespace"), p.get("ResourceId"),
                p.get("ScalableDimension"))
        return original_put_action(self)

    def delete_scheduled_action(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        match = [
            a for a in backend.scheduled_actions
            if a.service_namespace == p.get("ServiceNamespace")
            and a.scheduled_action_name == p.get("ScheduledActionName")
            and a.resource_id == p.get("ResourceId")
            and a.scalable_dimension == p.get("ScalableDimension")
        ]
        if not match:
            raise ObjectNotFound(f"No scheduled action found for name: {p.get('ScheduledActionName')}")
        backend.scheduled_actions = [a for a in backend.scheduled_actions if a not in match]
        return json.dumps({})

    def list_tags_for_resource(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        target = _target_by_arn(backend, p.get("ResourceARN", ""))
        return json.dumps({"Tags": dict(_tags(backend).get(target.arn, {}))})

    def tag_resource(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        target = _target_by_arn(backend, p.get("ResourceARN", ""))
        _tags(backend).setdefault(target.arn, {}).update(p.get("Tags") or {})
        return json.dumps({})

    def untag_resource(self: R) -> str:
        p = _params(self)
        backend = self.applicationautoscaling_backend
        target = _target_by_arn(backend, p.get("ResourceARN", ""))
        live = _tags(backend).setdefault(target.arn, {})
        for key in p.get("TagKeys") or []:
            live.pop(key, None)
        return json.dumps({})

    R.register_scalable_target = register_scalable_target
    R.deregister_scalable_target = deregister_scalable_target
    R.put_scaling_policy = put_scaling_policy
    R.delete_scaling_policy = delete_scaling_policy
    R.put_scheduled_action = put_scheduled_action
    R.delete_scheduled_action = delete_scheduled_action
    R.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    R.tag_resource = tag_resource  # type: ignore[attr-defined]
    R.untag_resource = untag_resource  # type: ignore[attr-defined]
