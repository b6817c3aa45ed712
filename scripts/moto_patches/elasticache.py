"""ElastiCache replication groups and Redis AUTH, where moto 5.2.x and AWS disagree.

- CreateReplicationGroup: AWS refuses an AuthToken without TransitEncryptionEnabled, and a token
  that is not 16-128 printable ASCII characters without `@`, `"` or `/` (InvalidParameterValue);
  moto accepts both.
- ModifyReplicationGroup: moto ignores AuthToken and AuthTokenUpdateStrategy. AWS's semantics,
  added here: the token needs transit encryption on the group; ROTATE (the default) sets a new
  token and keeps the previous one valid beside it (AUTH goes on if it was off); SET is allowed only
  after a ROTATE and leaves only the new token; DELETE is allowed only while moving to RBAC
  (UserGroupIdsToAdd) and turns AUTH off. Each change sets AuthTokenEnabled and
  AuthTokenLastModifiedDate, which is all DescribeReplicationGroups reports: the tokens themselves
  are kept on the group object under a name no response shape has, and never returned.
"""

from __future__ import annotations

import sys
from typing import Any

TOKENS = "_plinth_auth_tokens"
ROTATED = "_plinth_auth_rotated"


def token_problem(token: str) -> str | None:
    if not 16 <= len(token) <= 128:
        return "must be between 16 and 128 characters"
    if any(not (33 <= ord(c) <= 126) or c in '@"/' for c in token):
        return "must contain only printable ASCII characters other than @, \" and /"
    return None


def apply() -> None:
    try:
        from moto.core.utils import utcnow
        from moto.elasticache.exceptions import (
            InvalidParameterCombinationException,
            InvalidParameterValueException,
            ReplicationGroupNotFound,
        )
        from moto.elasticache.models import ElastiCacheBackend
        from moto.elasticache.responses import ElastiCacheResponse
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/elasticache.py: {e}")
    if not hasattr(ElastiCacheResponse, "modify_replication_group"):
        sys.exit("moto_patches/elasticache.py: ElastiCacheResponse.modify_replication_group is gone")

    def check_token(token: str) -> None:
        problem = token_problem(token)
        if problem:
            raise InvalidParameterValueException(f"Invalid AuthToken provided: the token {problem}.")

    original_create = ElastiCacheBackend.create_replication_group
    original_modify = ElastiCacheResponse.modify_replication_group

    def create(self: ElastiCacheBackend, *args: Any, **kwargs: Any) -> Any:
        token = kwargs.get("auth_token")
        if token:
            if not kwargs.get("transit_encryption_enabled"):
                raise InvalidParameterValueException(
                    "The AUTH token is only supported when encryption-in-transit is enabled."
                )
            check_token(token)
        group = original_create(self, *args, **kwargs)
        setattr(group, TOKENS, [token] if token else [])
        setattr(group, ROTATED, False)
        return group

    def modify(self: ElastiCacheResponse) -> Any:
        group_id = self._get_param("ReplicationGroupId")
        token = self._get_param("AuthToken")
        strategy = (self._get_param("AuthTokenUpdateStrategy") or ("ROTATE" if token else "")).upper()
        group = self.elasticache_backend.replication_groups.get(group_id)
        if group is None:
            raise ReplicationGroupNotFound(group_id)
        if strategy:
            change_token(group, token, strategy, bool(self._get_param("UserGroupIdsToAdd")))
        return original_modify(self)

    def change_token(group: Any, token: str | None, strategy: str, to_rbac: bool) -> None:
        tokens: list[str] = getattr(group, TOKENS, [])
        if strategy in ("ROTATE", "SET"):
            if not token:
                raise InvalidParameterCombinationException(f"AuthTokenUpdateStrategy {strategy} needs an AuthToken.")
            if not group.transit_encryption_enabled:
                raise InvalidParameterCombinationException(
                    "The AUTH token can only be set when encryption-in-transit is enabled."
                )
            check_token(token)
        if strategy == "ROTATE":
            tokens = (tokens[-1:] + [token]) if tokens else [token]
            setattr(group, ROTATED, True)
        elif strategy == "SET":
            if not getattr(group, ROTATED, False):
                raise InvalidParameterValueException("AuthTokenUpdateStrategy SET is allowed only after ROTATE.")
            tokens = [token]
            setattr(group, ROTATED, False)
        elif strategy == "DELETE":
            if not to_rbac:
                raise InvalidParameterValueException(
                    "AuthTokenUpdateStrategy DELETE is allowed only when migrating to RBAC (UserGroupIdsToAdd)."
                )
            tokens = []
        else:
            raise InvalidParameterValueException(f"Invalid AuthTokenUpdateStrategy {strategy}.")
        setattr(group, TOKENS, tokens)
        group.auth_token_enabled = bool(tokens)
        group.auth_token_last_modified_date = utcnow() if tokens else None

    ElastiCacheBackend.create_replication_group = create  # type: ignore[method-assign]
    ElastiCacheResponse.modify_replication_group = modify  # type: ignore[method-assign]
