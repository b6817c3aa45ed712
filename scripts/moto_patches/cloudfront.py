"""CloudFront: where moto 5.2.5 and AWS disagree in ways Plinth's kinds depend on.

* Origins forget `OriginAccessControlId` (GetDistributionConfig answers without it): kept.
* DeleteDistribution deletes an enabled distribution; AWS refuses with DistributionNotDisabled
  until it is disabled (Enabled=false) and deployed. Here an enabled one is refused too.
* ETags never change and IfMatch is not compared: every UpdateDistribution and
  UpdateOriginAccessControl now gives a new ETag, and Update/Delete of distributions and origin
  access controls with an IfMatch that is not the current ETag fail with PreconditionFailed.
* Origin access controls: names are unique per account (OriginAccessControlAlreadyExists);
  deleting an unknown one is NoSuchOriginAccessControl (moto: a 500); deleting one a
  distribution still uses is OriginAccessControlInUse.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.cloudfront.exceptions import CloudFrontException, NoSuchDistribution, NoSuchOriginAccessControl


class DistributionNotDisabled(CloudFrontException):
    def __init__(self) -> None:
        super().__init__("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")


class PreconditionFailed(CloudFrontException):
    def __init__(self) -> None:
        super().__init__("PreconditionFailed", "The precondition in one or more of the request fields evaluated to false.")


class OriginAccessControlAlreadyExists(CloudFrontException):
    def __init__(self, name: str) -> None:
        super().__init__("OriginAccessControlAlreadyExists", f"An origin access control named {name} already exists.")


class OriginAccessControlInUse(CloudFrontException):
    def __init__(self) -> None:
        super().__init__("OriginAccessControlInUse", "The origin access control is in use.")


def _check_if_match(if_match: Any, etag: str) -> None:
    if if_match != etag:
        raise PreconditionFailed()


def _uses_control(backend: Any, control_id: str) -> bool:
    for dist in backend.distributions.values():
        for origin in dist.distribution_config.Origins["Items"]:
            if getattr(origin, "origin_access_control_id", "") == control_id:
                return True
    return False


def apply() -> None:
    from moto.cloudfront import models
    from moto.cloudfront.models import CloudFrontBackend as B

    for name in ("delete_distribution", "update_distribution", "create_origin_access_control",
                 "update_origin_access_control", "delete_origin_access_control"):
        if not hasattr(B, name):
            sys.exit(f"moto_patches/cloudfront.py: moto no longer has CloudFrontBackend.{name}")

    original_origin_init = models.Origin.__init__

    def origin_init(self: Any, origin: dict[str, Any]) -> None:
        original_origin_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    original_update = B.update_distribution

    def update_distribution(self: B, dist_config: dict[str, Any], _id: str, if_match: Any) -> Any:
        dist = self.distributions.get(_id)
        if dist is None:
            raise NoSuchDistribution
        _check_if_match(if_match, dist.etag)
        result = original_update(self, dist_config, _id, if_match)
        dist.etag = models.random_id()
        return result[0], result[1], dist.etag

    def delete_distribution(self: B, distribution_id: str, if_match: Any) -> None:
        dist = self.distributions.get(distribution_id)
        if dist is None:
            raise NoSuchDistribution
        _check_if_match(if_match, dist.etag)
        if str(dist.distribution_config.Enabled).lower() == "true":
            raise DistributionNotDisabled()
        del self.distributions[distribution_id]

    original_create_oac = B.create_origin_access_control

    def create_origin_access_control(self: B, config_dict: dict[str, str]) -> Any:
        name = config_dict.get("Name")
        if any(c.name == name for c in self.origin_access_controls.values()):
            raise OriginAccessControlAlreadyExists(str(name))
        return original_create_oac(self, config_dict)

    original_update_oac = B.update_origin_access_control

    def update_origin_access_control(self: B, control_id: str, config: dict[str, str]) -> Any:
        control = self.get_origin_access_control(control_id)
        name = config.get("Name")
        if any(c.name == name and c.id != control_id for c in self.origin_access_controls.values()):
            raise OriginAccessControlAlreadyExists(str(name))
        control = original_update_oac(self, control_id, config)
        control.etag = models.random_id()
        return control

    def delete_origin_access_control(self: B, control_id: str) -> None:
        if control_id not in self.origin_access_controls:
            raise NoSuchOriginAccessControl
        if _uses_control(self, control_id):
            raise OriginAccessControlInUse()
        self.origin_access_controls.pop(control_id)

    from moto.cloudfront.responses import CloudFrontResponse as R
    from moto.core.responses import EmptyResult

    def respond_update_oac(self: R) -> Any:
        control = self.backend.get_origin_access_control(self._get_param("Id"))
        _check_if_match(self._get_param("IfMatch"), control.etag)
        return original_respond_update_oac(self)

    def respond_delete_oac(self: R) -> Any:
        control_id = self._get_param("Id")
        control = self.backend.get_origin_access_control(control_id)
        _check_if_match(self._get_param("IfMatch"), control.etag)
        self.backend.delete_origin_access_control(control_id)
        return EmptyResult()

    original_respond_update_oac = R.update_origin_access_control

    models.Origin.__init__ = origin_init
    B.update_distribution = update_distribution
    B.delete_distribution = delete_distribution
    B.create_origin_access_control = create_origin_access_control
    B.update_origin_access_control = update_origin_access_control
    B.delete_origin_access_control = delete_origin_access_control
    R.update_origin_access_control = respond_update_oac
    R.delete_origin_access_control = respond_delete_oac
