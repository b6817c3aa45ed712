"""CloudTrail: moto 5.2.5 lets CreateTrail overwrite a trail of the same name, and DeleteTrail
finds trails by name only, answers success for an unknown trail and keeps a deleted trail's tags
(so a trail made again under the name inherits them). This gives them AWS's semantics:

* CreateTrail for a name the region already has: TrailAlreadyExistsException.
* DeleteTrail takes the trail's name or ARN; an unknown one is TrailNotFoundException; the
  trail's tags go with it."""

from __future__ import annotations

import sys


def apply() -> None:
    try:
        from moto.cloudtrail.exceptions import TrailNotFoundException
        from moto.cloudtrail.models import CloudTrailBackend
        from moto.core.exceptions import JsonRESTError
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/cloudtrail.py: {e}")
    for name in ("create_trail", "delete_trail", "get_trail"):
        if not hasattr(CloudTrailBackend, name):
            sys.exit(f"moto_patches/cloudtrail.py: CloudTrailBackend.{name} is gone; update this patch")

    class TrailAlreadyExistsException(JsonRESTError):
        code = 400

        def __init__(self, name: str, account_id: str) -> None:
            super().__init__(
                "TrailAlreadyExistsException", f"Trail {name} already exists for customer: {account_id}"
            )

    original_create = CloudTrailBackend.create_trail

    def create_trail(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name in self.trails:
            raise TrailAlreadyExistsException(name, self.account_id)
        return original_create(self, name, *args, **kwargs)

    def delete_trail(self, name):  # type: ignore[no-untyped-def]
        trail = next((t for t in self.trails.values() if name in (t.trail_name, t.arn)), None)
        if trail is None:
            raise TrailNotFoundException(account_id=self.account_id, name=name)
        del self.trails[trail.trail_name]
        self.tagging_service.delete_all_tags_for_resource(trail.arn)

    CloudTrailBackend.create_trail = create_trail
    CloudTrailBackend.delete_trail = delete_trail
