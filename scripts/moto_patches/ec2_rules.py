"""EC2 security group rules as AWS reports them (moto 5.2.x).

DescribeSecurityGroupRules (and the SecurityGroupRules that AuthorizeSecurityGroupIngress/Egress
answer with) report every rule's `Description`, whatever its target. moto keeps the description
of a rule that references another security group in the rule's group pair (where
DescribeSecurityGroups reads it, and where UpdateSecurityGroupRuleDescriptions* writes it) but
reads `Description` only from the CIDR range, so a group-referencing rule always answered without
its description. This reads it from the group pair too; CIDR rules are unchanged.

A rule's identity in AWS is its direction, protocol, ports and target; the description is not
part of it (authorizing the same group rule with another description is InvalidPermission.Duplicate,
and UpdateSecurityGroupRuleDescriptions* finds the rule whatever its old description). moto
compared group pairs with their description, so a group-referencing rule's description could
never be updated (the request matched no rule and moto answered success, changing nothing) and a
second copy with another description was accepted. Rule equality now leaves the description of
the group pair out.

Not patched (Plinth does not use them): ModifySecurityGroupRules writes a group-referencing
rule's description into the CIDR range, and UpdateSecurityGroupRuleDescriptions* ignores the
`SecurityGroupRuleDescriptions` (by rule id) form of the request.
"""

from __future__ import annotations

import copy
import sys


def apply() -> None:
    from moto.ec2.models.security_groups import SecurityGroupRule

    original = SecurityGroupRule.__dict__.get("description")
    if not isinstance(original, property):
        sys.exit("moto_patches/ec2_rules.py: SecurityGroupRule.description is no longer a property")

    def description(self: SecurityGroupRule) -> str | None:
        own = original.fget(self)  # type: ignore[union-attr]
        if own is not None:
            return own
        return (self.source_group or {}).get("Description")

    SecurityGroupRule.description = property(description)  # type: ignore[method-assign,assignment]

    original_eq = SecurityGroupRule.__eq__

    def without_description(rule: SecurityGroupRule) -> SecurityGroupRule:
        plain = copy.copy(rule)
        plain.source_group = {k: v for k, v in (rule.source_group or {}).items() if k != "Description"}
        return plain

    def eq(self: SecurityGroupRule, other: object) -> bool:
        if not isinstance(other, SecurityGroupRule):
            return NotImplemented  # type: ignore[return-value]
        return original_eq(without_description(self), without_description(other))

    SecurityGroupRule.__eq__ = eq  # type: ignore[method-assign,assignment]
