"""ECR: PutImageScanningConfiguration with `scanOnPush` false never turns scanning off in moto
5.2.x. The AWS SDKs leave a false boolean out of the request (`imageScanningConfiguration: {}`),
which AWS reads as false; moto ignores an empty configuration and keeps the old one. This gives the
emulator AWS's reading: a configuration that is sent replaces the old one, a missing `scanOnPush`
being false."""

from __future__ import annotations

import sys
from typing import Any


def apply() -> None:
    from moto.ecr.models import Repository

    if not hasattr(Repository, "_update_image_scanning_configuration"):
        sys.exit("moto_patches/ecr.py: Repository._update_image_scanning_configuration is gone; update this patch")

    def update(self: Repository, image_scanning_configuration: dict[str, Any] | None) -> None:
        if image_scanning_configuration is not None:
            self.image_scanning_configuration = {"scanOnPush": bool(image_scanning_configuration.get("scanOnPush", False))}

    Repository._update_image_scanning_configuration = update  # type: ignore[method-assign]
