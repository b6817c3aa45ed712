"""RDS: a master password RDS manages (`ManageMasterUserPassword`) lives in a Secrets Manager
secret that RDS rotates itself: AWS turns its rotation on at creation, every 7 days by default.
moto 5.2.5 creates the secret with rotation off; this turns it on with AWS's default schedule, so
SecretsManager.1 reads the same in the emulator as in AWS."""

from __future__ import annotations

import sys
from typing import Any

#: AWS's default rotation period for RDS-managed master user secrets.
RDS_ROTATION_DAYS = 7


def apply() -> None:
    try:
        import moto.rds.models as rds
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/rds_managed_secret.py: {e}")
    owner = next(
        (c for c in vars(rds).values() if isinstance(c, type) and hasattr(c, "_create_secret") and hasattr(c, "_generate_secret_name")),
        None,
    )
    if owner is None:
        sys.exit("moto_patches/rds_managed_secret.py: moto's RDS master user secret manager moved")
    original = owner._create_secret

    def _create_secret(self: Any, kms_key_id: str | None) -> Any:
        secret = original(self, kms_key_id)
        secret.rotation_requested = True  # moto reports rotation only once it was asked for
        secret.rotation_enabled = True
        secret.auto_rotate_after_days = RDS_ROTATION_DAYS
        return secret

    owner._create_secret = _create_secret
