"""KMS: moto 5.2.x lets a key's state move where AWS refuses it. This gives the emulator AWS's
answers for the calls Plinth's key kind makes:

* ScheduleKeyDeletion of a key already pending deletion is KMSInvalidStateException (moto
  re-scheduled it), and a PendingWindowInDays outside 7 to 30 is ValidationException (moto
  answered 200 with no deletion date and left the key alone).
* EnableKey / DisableKey of a key pending deletion is KMSInvalidStateException (moto revived it:
  DisableKey made it `Disabled`, cancelling the deletion).
* EnableKeyRotation / DisableKeyRotation of a disabled key is DisabledException, of a key pending
  deletion KMSInvalidStateException (moto changed the rotation of either).
* ListKeys honours `Limit` (1 to 1000, default 100) and `Marker`, answering `Truncated` and
  `NextMarker` (moto returned every key at once).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from moto.core.exceptions import JsonRESTError


class KMSInvalidStateException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("KMSInvalidStateException", message)


class DisabledException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("DisabledException", message)


def apply() -> None:
    try:
        from moto.kms.exceptions import ValidationException
        from moto.kms.responses import KmsResponse as R
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/kms.py: {e}")
    for name in ("schedule_key_deletion", "enable_key", "disable_key", "enable_key_rotation", "disable_key_rotation",
                 "list_keys", "_validate_cmk_id"):
        if not hasattr(R, name):
            sys.exit(f"moto_patches/kms.py: KmsResponse.{name} is gone; update this patch")

    def key_of(response: R) -> Any:
        key_id = response._get_param("KeyId")
        response._validate_cmk_id(key_id)  # NotFoundException for an unknown key, as before
        backend = response.kms_backend
        return backend.keys[backend.get_key_id(key_id)]

    def refuse_pending_deletion(key: Any) -> None:
        if key.key_state == "PendingDeletion":
            raise KMSInvalidStateException(f"{key.arn} is pending deletion.")

    def guarded(original: Callable[[R], str], check: Callable[[Any], None]) -> Callable[[R], str]:
        def call(self: R) -> str:
            check(key_of(self))
            return original(self)

        return call

    def schedule_check(self: R) -> None:
        window = self._get_param("PendingWindowInDays")
        if window is not None and not 7 <= int(window) <= 30:
            raise ValidationException(
                f"1 validation error detected: Value '{window}' at 'pendingWindowInDays' failed to satisfy "
                "constraint: Member must have value between 7 and 30"
            )
        refuse_pending_deletion(key_of(self))

    original_schedule = R.schedule_key_deletion

    def schedule_key_deletion(self: R) -> str:
        schedule_check(self)
        return original_schedule(self)

    def rotation_check(key: Any) -> None:
        refuse_pending_deletion(key)
        if key.key_state == "Disabled":
            raise DisabledException(f"{key.arn} is disabled.")

    def list_keys(self: R) -> str:
        limit = int(self._get_param("Limit") or 100)
        if not 1 <= limit <= 1000:
            raise ValidationException(
                f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                "Member must have value between 1 and 1000"
            )
        keys = list(self.kms_backend.list_keys())
        start = int(self._get_param("Marker") or 0)
        page = keys[start : start + limit]
        truncated = start + limit < len(keys)
        answer: dict[str, Any] = {"Keys": [{"KeyArn": k.arn, "KeyId": k.id} for k in page], "Truncated": truncated}
        if truncated:
            answer["NextMarker"] = str(start + limit)
        return json.dumps(answer)

    R.schedule_key_deletion = schedule_key_deletion  # type: ignore[method-assign]
    R.enable_key = guarded(R.enable_key, refuse_pending_deletion)  # type: ignore[method-assign]
    R.disable_key = guarded(R.disable_key, refuse_pending_deletion)  # type: ignore[method-assign]
    R.enable_key_rotation = guarded(R.enable_key_rotation, rotation_check)  # type: ignore[method-assign]
    R.disable_key_rotation = guarded(R.disable_key_rotation, rotation_check)  # type: ignore[method-assign]
    R.list_keys = list_keys  # type: ignore[method-assign]
