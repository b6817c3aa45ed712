"""EC2: a VPC's default security group and default network ACL as AWS makes and removes them (moto 5.2.x).

AWS gives every new VPC a default security group with two rules: inbound all traffic from the
group itself (a rule referencing its own id) and outbound all traffic to 0.0.0.0/0. moto makes the
group with the outbound rule only; the patch adds the self-referencing inbound rule, so revoking
"every rule" of a default group (CIS 5.4 / FSBP EC2.2) is tested against what AWS really has.

AWS deletes a VPC's default network ACL with the VPC; moto deletes the default security group but
keeps the default ACL (and its tags) forever. The patch removes the default ACL once moto has
deleted the VPC. Non-default ACLs are left as they are.
"""

from __future__ import annotations

import sys

try:
    from moto.ec2.models.vpcs import VPCBackend
except ImportError as e:  # pragma: no cover - moto moved
    sys.exit(f"moto_patches.ec2_defaults: moto's VPC backend moved: {e}")

_original_create = VPCBackend.create_vpc
_original_delete = VPCBackend.delete_vpc


def _create_vpc(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    vpc = _original_create(self, *args, **kwargs)
    group = self.get_default_security_group(vpc.id)
    if group is not None and not group.ingress_rules:
        self.authorize_security_group_ingress(
            group_name_or_id=group.id,
            ip_protocol="-1",
            from_port=None,
            to_port=None,
            ip_ranges=[],
            source_groups=[{"GroupId": group.id}],
            vpc_id=vpc.id,
        )
    return vpc


def _delete_vpc(self, vpc_id: str):  # type: ignore[no-untyped-def]
    vpc = _original_delete(self, vpc_id)
    defaults = [acl.id for acl in self.network_acls.values() if acl.vpc_id == vpc_id and acl.default]
    for acl_id in defaults:
        self.network_acls.pop(acl_id, None)
    return vpc


def apply() -> None:
    """Installs both; fails loudly if moto's internals moved."""
    for name in ("create_vpc", "delete_vpc"):
        if not hasattr(VPCBackend, name):
            sys.exit(f"moto_patches.ec2_defaults: VPCBackend.{name} is gone")
    from moto.ec2.models.security_groups import SecurityGroupBackend

    for name in ("get_default_security_group", "authorize_security_group_ingress"):
        if not hasattr(SecurityGroupBackend, name):
            sys.exit(f"moto_patches.ec2_defaults: SecurityGroupBackend.{name} is gone")
    VPCBackend.create_vpc = _create_vpc  # type: ignore[method-assign]
    VPCBackend.delete_vpc = _delete_vpc  # type: ignore[method-assign]
