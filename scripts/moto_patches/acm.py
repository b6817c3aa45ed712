"""ACM: moto issues a requested (DNS-validated) certificate once it is older than
MOTO_ACM_VALIDATION_WAIT seconds (default 60), read once into `moto.settings` when moto is
imported and compared at every DescribeCertificate. Plinth's certificate kind waits for ISSUED on
create, so the emulator's default is made 0 (issued at the first look after the request) unless
the environment sets MOTO_ACM_VALIDATION_WAIT itself (the waiting itself is unit-tested against
fakes). Nothing else changes."""

from __future__ import annotations

import os
import sys


def apply() -> None:
    from moto import settings

    if not hasattr(settings, "ACM_VALIDATION_WAIT"):
        sys.exit("moto_patches/acm.py: moto.settings.ACM_VALIDATION_WAIT is gone; update this patch")
    settings.ACM_VALIDATION_WAIT = int(os.environ.get("MOTO_ACM_VALIDATION_WAIT", "0"))
