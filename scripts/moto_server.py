#!/usr/bin/env python3
"""Plinth's moto launcher: moto's server main, plus fixes where moto 5.2.x and AWS disagree in
ways that break Plinth: GetBucketVersioning's XML root (below), the missing DeleteCacheSubnetGroup,
and replication groups that never finish deleting (see the functions for each).

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
    exit_with_parent()
    moto_main(sys.argv[1:])
