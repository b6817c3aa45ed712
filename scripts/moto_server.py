#!/usr/bin/env python3
"""Plinth's moto launcher: moto's server main, plus fixes where moto 5.2.x and AWS disagree in
ways that break Plinth: GetBucketVersioning's XML root (below), the missing DeleteCacheSubnetGroup,
the missing Budgets operations (updates, subscribers, tags), bucket tags at creation, EC2 ClientToken idempotency, and replication groups that never finish deleting (see the functions for each).

Usage (same arguments as `moto_server`): moto_server.py -H 127.0.0.1 -p 4566
Set PLINTH_EXIT_WITH_PARENT=<parent pid> to make the server exit when that parent dies (test harness).

The bug (moto 5.2.x): moto serializes S3 responses from botocore's service model and picks the XML
root element from the output shape's `resultWrapper`, falling back to `<{Operation}Response>`.
botocore's S3 model carries no `resultWrapper`s, so moto ships its own additions in
`moto/s3/2006-03-01/service-2.moto-extras.json.gz` (e.g. GetBucketTagging -> `Tagging`).
`GetBucketVersioningOutput` is missing from those additions, so GetBucketVersioning answers

    <GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/">...

where S3 (and aws-sdk-s3's parser, which checks the root) expects

    <VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">...

The fix adds the missing `resultWrapper` to the S3 model as moto loads it, i.e. the same mechanism
moto uses for every other S3 root. Nothing else changes. (GetBucketAccelerateConfiguration has the
same gap, `AccelerateConfiguration`; Plinth does not call it, so it is left alone.)
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

import moto.core.utils as moto_utils
from moto.server import main as moto_main

import moto_patches

# Output shape -> the XML root S3 really answers with.
MISSING_S3_ROOTS = {
    "GetBucketVersioningOutput": "VersioningConfiguration",
}

_original_load_service_model = moto_utils._load_service_model


def _load_service_model(service_name: str, model_name: str) -> dict[str, Any]:
    model = _original_load_service_model(service_name, model_name)
    if service_name == "s3" and model_name == "service-2":
        for shape, root in MISSING_S3_ROOTS.items():
            model["shapes"][shape].setdefault("resultWrapper", root)
    return model


def patch() -> None:
    """Installs the fix; fails loudly if moto's internals moved (the pinned range is 5.2.x)."""
    if moto_utils.get_service_model.cache_info().currsize:  # type: ignore[attr-defined]
        moto_utils.get_service_model.cache_clear()  # type: ignore[attr-defined]
    moto_utils._load_service_model = _load_service_model
    s3 = moto_utils.get_service_model("s3")
    output = s3.operation_model("GetBucketVersioning").output_shape
    assert output is not None
    root = output.serialization.get("resultWrapper")
    if root != "VersioningConfiguration":
        sys.exit(f"moto_server.py: GetBucketVersioning patch did not apply (root {root!r})")


def add_delete_cache_subnet_group() -> None:
    """moto 5.2.x has no DeleteCacheSubnetGroup (it answers 500), so nothing that uses a cache
    subnet group could ever be destroyed. This adds the operation to the emulator, with AWS's
    errors: CacheSubnetGroupNotFoundFault for an unknown name, CacheSubnetGroupInUse while a
    replication group or cluster that is not being deleted still uses it. (moto leaves deleted
    groups in `deleting` forever; AWS frees the subnet group once they are gone.)"""
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

        def __init__(self, name: str):
            super().__init__(f"Cache subnet group {name} is currently in use.")

    def users_of(backend: ElastiCacheBackend, name: str) -> list[str]:
        groups = [
            g_id for g_id, g in backend.replication_groups.items()
            if getattr(g, "cache_subnet_group_name", None) == name and getattr(g, "status", "") != "deleting"
        ]
        clusters = [
            c_id for c_id, c in backend.cache_clusters.items()
            if getattr(c, "cache_subnet_group_name", None) == name
            and getattr(c, "cache_cluster_status", "") != "deleting"
        ]
        return groups + clusters

    def delete_cache_subnet_group(backend: ElastiCacheBackend, name: str) -> None:
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        if users_of(backend, name):
            raise CacheSubnetGroupInUse(name)
        del backend.cache_subnet_groups[name]

    def respond(self: ElastiCacheResponse) -> EmptyResult:
        delete_cache_subnet_group(self.elasticache_backend, self._get_param("CacheSubnetGroupName"))
        return EmptyResult()

    if hasattr(ElastiCacheResponse, "delete_cache_subnet_group"):
        return  # a newer moto implements it
    ElastiCacheBackend.delete_cache_subnet_group = delete_cache_subnet_group  # type: ignore[attr-defined]
    ElastiCacheResponse.delete_cache_subnet_group = respond  # type: ignore[attr-defined]


def finish_replication_group_deletions() -> None:
    """moto 5.2.x marks a deleted replication group `deleting` and keeps it forever, so its id
    can never be reused (local up → destroy → up fails). AWS answers the delete with `deleting`
    and removes the group minutes later. Here the delete answers the same, and the deletion
    completes before the next call that looks at replication groups (describe or create), as if
    those minutes had passed."""
    from moto.elasticache.models import ElastiCacheBackend

    original_describe = ElastiCacheBackend.describe_replication_groups
    original_create = ElastiCacheBackend.create_replication_group

    def finish(backend: ElastiCacheBackend) -> None:
        for group_id in [g for g, group in backend.replication_groups.items() if group.status == "deleting"]:
            del backend.replication_groups[group_id]

    def describe(self: ElastiCacheBackend, *args: Any, **kwargs: Any) -> Any:
        finish(self)
        return original_describe(self, *args, **kwargs)

    def create(self: ElastiCacheBackend, *args: Any, **kwargs: Any) -> Any:
        finish(self)
        return original_create(self, *args, **kwargs)

    ElastiCacheBackend.describe_replication_groups = describe  # type: ignore[method-assign]
    ElastiCacheBackend.create_replication_group = create  # type: ignore[method-assign]


def complete_budgets() -> None:
    """moto 5.2.x implements only Create/Describe/Delete of budgets and notifications: everything
    else answers 500, so a budget can neither be updated nor read back (its subscribers), and it
    cannot carry tags, which is how Plinth proves a budget is its own. This adds, with AWS's
    semantics and errors (NotFoundException for an unknown budget or notification,
    DuplicateRecordException for an existing one): ResourceTags on CreateBudget, ListTagsForResource /
    TagResource / UntagResource on `arn:aws:budgets::ACCOUNT:budget/NAME`, UpdateBudget,
    UpdateNotification, DescribeSubscribersForNotification, CreateSubscriber, DeleteSubscriber and
    UpdateSubscriber. Notifications are matched by their key fields as AWS does (type, comparison,
    threshold, threshold type)."""
    import json as _json

    from moto.budgets.exceptions import DuplicateRecordException, NotFoundException
    from moto.budgets.models import Budget, BudgetsBackend
    from moto.budgets.responses import BudgetsResponse

    if hasattr(BudgetsResponse, "describe_subscribers_for_notification"):
        return  # a newer moto implements them

    def key(n: dict[str, Any]) -> tuple[Any, ...]:
        return (n.get("NotificationType"), n.get("ComparisonOperator"), float(n.get("Threshold", 0)),
                n.get("ThresholdType", "PERCENTAGE"))

    def budget(backend: BudgetsBackend, account: str, name: str) -> Budget:
        if name not in backend.budgets[account]:
            raise NotFoundException(f"Unable to get budget: {name} - the budget doesn't exist.")
        return backend.budgets[account][name]

    def notification(b: Budget, wanted: dict[str, Any]) -> Any:
        for n in b.notifications:
            if key(n.details) == key(wanted):
                return n
        raise NotFoundException("Unable to find the notification - the notification doesn't exist.")

    def parse_arn(arn: str) -> tuple[str, str]:
        # arn:aws:budgets::123456789012:budget/name
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "budgets" or not parts[5].startswith("budget/"):
            raise NotFoundException(f"Unable to find the resource {arn}")
        return parts[4], parts[5][len("budget/"):]

    tags: dict[tuple[str, str], dict[str, str]] = {}
    original_create = BudgetsResponse.create_budget
    original_delete = BudgetsBackend.delete_budget

    def create_budget(self: BudgetsResponse) -> str:
        answer = original_create(self)
        name = self._get_param("Budget")["BudgetName"]
        tags[(self._get_param("AccountId"), name)] = {
            t["Key"]: t["Value"] for t in self._get_param("ResourceTags", []) or []}
        return answer

    def delete_budget(backend: BudgetsBackend, account_id: str, budget_name: str) -> None:
        original_delete(backend, account_id=account_id, budget_name=budget_name)
        tags.pop((account_id, budget_name), None)

    def tags_of(self: BudgetsResponse) -> dict[str, str]:
        account, name = parse_arn(self._get_param("ResourceARN"))
        budget(self.backend, account, name)
        return tags.setdefault((account, name), {})

    def list_tags_for_resource(self: BudgetsResponse) -> str:
        found = tags_of(self)
        return _json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(found.items())]})

    def tag_resource(self: BudgetsResponse) -> str:
        tags_of(self).update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags", [])})
        return "{}"

    def untag_resource(self: BudgetsResponse) -> str:
        found = tags_of(self)
        for k in self._get_param("ResourceTagKeys", []):
            found.pop(k, None)
        return "{}"

    def update_budget(self: BudgetsResponse) -> str:
        new = self._get_param("NewBudget")
        b = budget(self.backend, self._get_param("AccountId"), new["BudgetName"])
        kept = {k: b.budget[k] for k in ("TimePeriod",) if k in b.budget and k not in new}
        b.budget = {**new, **kept, "LastUpdatedTime": time.time()}
        return "{}"

    def update_notification(self: BudgetsResponse) -> str:
        b = budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"))
        old = notification(b, self._get_param("OldNotification"))
        new = self._get_param("NewNotification")
        if key(new) != key(old.details) and any(key(n.details) == key(new) for n in b.notifications):
            raise DuplicateRecordException("notification", key(new))
        old.details = new
        return "{}"

    def subscribers_of(self: BudgetsResponse) -> list[dict[str, Any]]:
        b = budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"))
        n = notification(b, self._get_param("Notification"))
        if not isinstance(n.subscribers, list):
            n.subscribers = list(n.subscribers or [])
        return n.subscribers

    def describe_subscribers_for_notification(self: BudgetsResponse) -> str:
        return _json.dumps({"Subscribers": subscribers_of(self), "NextToken": None})

    def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return (a.get("SubscriptionType"), a.get("Address")) == (b.get("SubscriptionType"), b.get("Address"))

    def create_subscriber(self: BudgetsResponse) -> str:
        subs, new = subscribers_of(self), self._get_param("Subscriber")
        if any(same(s, new) for s in subs):
            raise DuplicateRecordException("subscriber", new.get("Address"))
        subs.append(new)
        return "{}"

    def delete_subscriber(self: BudgetsResponse) -> str:
        subs, gone = subscribers_of(self), self._get_param("Subscriber")
        if not any(same(s, gone) for s in subs):
            raise NotFoundException("Unable to find the subscriber - the subscriber doesn't exist.")
        subs[:] = [s for s in subs if not same(s, gone)]
        return "{}"

    def update_subscriber(self: BudgetsResponse) -> str:
        subs, old, new = subscribers_of(self), self._get_param("OldSubscriber"), self._get_param("NewSubscriber")
        if not any(same(s, old) for s in subs):
            raise NotFoundException("Unable to find the subscriber - the subscriber doesn't exist.")
        subs[:] = [new if same(s, old) else s for s in subs]
        return "{}"

    BudgetsBackend.delete_budget = delete_budget  # type: ignore[method-assign]
    for fn in (create_budget, list_tags_for_resource, tag_resource, untag_resource, update_budget,
               update_notification, describe_subscribers_for_notification, create_subscriber,
               delete_subscriber, update_subscriber):
        setattr(BudgetsResponse, fn.__name__, fn)


def tag_buckets_at_creation() -> None:
    """moto 5.2.x ignores the `Tags` of CreateBucket's CreateBucketConfiguration, which AWS applies
    atomically with the bucket (so a bucket is never seen untagged, even by a crash right after
    the create). Here a CreateBucket that creates the bucket applies them the same way; a create
    of an existing bucket leaves its tags alone, as AWS does."""
    import xmltodict
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_put

    def creation_tags(body: Any) -> dict[str, str] | None:
        try:
            conf = xmltodict.parse(body)["CreateBucketConfiguration"]
        except Exception:
            return None
        tags = (conf or {}).get("Tags") or {}
        items = tags.get("Tag", []) if isinstance(tags, dict) else []
        items = [items] if isinstance(items, dict) else items
        return {t["Key"]: t.get("Value") or "" for t in items} or None

    def put(self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        existed = bucket_name in self.backend.buckets
        answer = original(self, request, bucket_name, querystring)
        if not existed and self.body and bucket_name in self.backend.buckets:
            tags = creation_tags(self.body)
            if tags:
                self.backend.put_bucket_tagging(bucket_name, tags)
        return answer

    S3Response._bucket_response_put = put  # type: ignore[method-assign]


def honour_ec2_client_tokens() -> None:
    """moto 5.2.x ignores the ClientToken of CreateRouteTable and CreateNatGateway, so a retry of a
    call whose reply was lost creates a second object. In AWS a repeated ClientToken with the same
    parameters answers with the object the first call created (and IdempotentParameterMismatch
    with other parameters). This gives the emulator those semantics, per account and region."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.nat_gateways import NatGateways
    from moto.ec2.responses.route_tables import RouteTables

    class IdempotentParameterMismatch(EC2ClientError):
        def __init__(self, token: str):
            super().__init__("IdempotentParameterMismatch",
                             f"The client token {token} was already used with different parameters.")

    seen: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}

    def idempotent(method: Any, params: tuple[str, ...], find: Any) -> Any:
        def wrapped(self: Any) -> Any:
            token = self._get_param("ClientToken")
            if not token:
                return method(self)
            key = (method.__name__, self.current_account, self.region, token)
            sent = tuple(repr(self._get_param(p)) for p in params)
            if key in seen:
                first, object_id = seen[key]
                if first != sent:
                    raise IdempotentParameterMismatch(token)
                found = find(self.ec2_backend, object_id)
                if found is not None:
                    return found
            answer = method(self)
            seen[key] = (sent, answer.result[next(iter(answer.result))].id)
            return answer
        return wrapped

    from moto.core.responses import ActionResult

    RouteTables.create_route_table = idempotent(  # type: ignore[method-assign]
        RouteTables.create_route_table, ("VpcId", "TagSpecifications"),
        lambda backend, i: ActionResult({"RouteTable": backend.route_tables[i]}) if i in backend.route_tables else None)
    NatGateways.create_nat_gateway = idempotent(  # type: ignore[method-assign]
        NatGateways.create_nat_gateway, ("SubnetId", "AllocationId", "ConnectivityType", "TagSpecifications"),
        lambda backend, i: ActionResult({"NatGateway": backend.nat_gateways[i]}) if i in backend.nat_gateways else None)


def exit_with_parent() -> None:
    """With PLINTH_EXIT_WITH_PARENT=<pid>, exits as soon as our parent is no longer <pid>.

    A test harness kills its server on drop, but a test process killed by a signal (a timeout)
    never drops anything; without this its server would outlive it. The harness passes its own
    pid so that a parent dying before this check starts is still noticed (we get reparented).
    """
    expected = os.environ.get("PLINTH_EXIT_WITH_PARENT")
    if not expected:
        return
    parent = int(expected)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


if __name__ == "__main__":
    patch()
    add_delete_cache_subnet_group()
    finish_replication_group_deletions()
    complete_budgets()
    tag_buckets_at_creation()
    honour_ec2_client_tokens()
    moto_patches.apply_all()
    exit_with_parent()
    moto_main(sys.argv[1:])
