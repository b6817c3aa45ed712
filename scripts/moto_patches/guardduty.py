"""GuardDuty: moto 5.2.5 makes a second detector in a region where the account already has one,
ignores CreateDetector's clientToken, and has no tag API. This gives them AWS's semantics:

* CreateDetector where a detector exists: BadRequestException ("The request is rejected because
  a detector already exists for the current account."), unless the request repeats the
  clientToken of the call that made it: then that detector's id again (idempotent retry).
* TagResource, UntagResource and ListTagsForResource on `arn:...:detector/<id>` (the tags
  GetDetector reports); an unknown detector is BadRequestException, as AWS answers it."""

from __future__ import annotations

import json
import sys
from urllib.parse import unquote


def apply() -> None:
    try:
        from moto.guardduty import urls
        from moto.guardduty.exceptions import DetectorNotFoundException, GuardDutyException
        from moto.guardduty.models import GuardDutyBackend
        from moto.guardduty.responses import GuardDutyResponse
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/guardduty.py: {e}")
    for name in ("tag_resource", "untag_resource", "list_tags_for_resource"):
        if hasattr(GuardDutyResponse, name):
            sys.exit(f"moto_patches/guardduty.py: moto now has GuardDutyResponse.{name}; remove this patch")

    class DetectorAlreadyExists(GuardDutyException):
        code = 400

        def __init__(self) -> None:
            super().__init__(
                "BadRequestException",
                "The request is rejected because a detector already exists for the current account.",
            )

        def get_headers(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return [("X-Amzn-ErrorType", "BadRequestException")]

    tokens: dict[tuple[str, str, str], str] = {}
    original_create = GuardDutyResponse.create_detector

    def create_detector(self: GuardDutyResponse) -> str:
        backend = self.guardduty_backend
        key = (self.current_account, self.region, self._get_param("clientToken") or "")
        known = tokens.get(key)
        if key[2] and known in backend.detectors:
            return json.dumps({"detectorId": known})
        if backend.detectors:
            raise DetectorAlreadyExists()
        answer = original_create(self)
        if key[2]:
            tokens[key] = json.loads(answer)["detectorId"]
        return answer

    def detector_of(self: GuardDutyResponse):  # type: ignore[no-untyped-def]
        arn = unquote(self.path.split("/tags/", 1)[-1])
        detector_id = arn.split(":detector/", 1)[-1] if ":detector/" in arn else None
        if detector_id is None or detector_id not in self.guardduty_backend.detectors:
            raise DetectorNotFoundException()
        return self.guardduty_backend.detectors[detector_id]

    def tag_resource(self: GuardDutyResponse) -> str:
        detector_of(self).tags.update(self._get_param("tags") or {})
        return "{}"

    def untag_resource(self: GuardDutyResponse) -> str:
        detector = detector_of(self)
        for key in self.querystring.get("tagKeys", []):
            detector.tags.pop(key, None)
        return "{}"

    def list_tags_for_resource(self: GuardDutyResponse) -> str:
        return json.dumps({"tags": detector_of(self).tags})

    if not hasattr(GuardDutyBackend, "create_detector"):
        sys.exit("moto_patches/guardduty.py: GuardDutyBackend.create_detector is gone; update this patch")
    GuardDutyResponse.create_detector = create_detector
    GuardDutyResponse.tag_resource = tag_resource
    GuardDutyResponse.untag_resource = untag_resource
    GuardDutyResponse.list_tags_for_resource = list_tags_for_resource
    urls.url_paths["{0}/tags/(?P<resource_arn>.+)$"] = GuardDutyResponse.dispatch
