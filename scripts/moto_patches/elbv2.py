"""ELBv2: DeleteLoadBalancer refuses a load balancer with deletion protection on.

moto 5.2.5 deletes it anyway; AWS answers `OperationNotPermitted` ("Load balancer '<arn>' cannot
be deleted because deletion protection is enabled") and keeps it. The patch adds AWS's refusal
(raised as moto's own ELB error class: moto's serializer finds the service by the exception's
module) and changes nothing else (a load balancer that does not exist still deletes as a no-op, as on AWS).
"""

from __future__ import annotations

import sys

from moto.elbv2.exceptions import ELBClientError

try:
    from moto.elbv2.models import ELBv2Backend
except ImportError as e:  # pragma: no cover - moto moved
    sys.exit(f"moto_patches.elbv2: moto's ELBv2 backend moved: {e}")

_original_delete = ELBv2Backend.delete_load_balancer


def _delete_load_balancer(self: ELBv2Backend, arn: str) -> None:
    balancer = self.load_balancers.get(arn)
    if balancer is not None and balancer.attrs.get("deletion_protection.enabled") == "true":
        raise ELBClientError(
            "OperationNotPermitted",
            f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled",
        )
    _original_delete(self, arn)


def apply() -> None:
    """Installs the refusal; fails loudly if moto's internals moved."""
    if not hasattr(ELBv2Backend, "delete_load_balancer"):
        sys.exit("moto_patches.elbv2: ELBv2Backend.delete_load_balancer is gone")
    ELBv2Backend.delete_load_balancer = _delete_load_balancer  # type: ignore[method-assign]
