"""Neutron's default policy, as far as ml2core's resources need it.

- Only an admin sets ``provider:*``, ``segments``, ``binding:host_id``,
  ``binding:profile``, ``shared``, another project's ``project_id``, and
  manages agents and segment ranges.
- Only an admin sees ``provider:*``, ``segments`` and the ``binding:*``
  attributes other than ``binding:vnic_type``.
- A project sees its own resources and shared networks (and their subnets);
  what it cannot see is NotFound; what it sees but does not own is
  NotAuthorized to change.
- A network's owner also sees, and may delete, the other projects' ports
  and subnets on it, and may update those subnets (not those ports).
- On a network it does not own (a shared one), a project may create ports
  but not choose their MAC, their IP addresses or a ``network:*`` device
  owner (:data:`RULES`, Neutron's ``neutron/conf/policies/port.py``).

:data:`RULES` is the table, rule by rule; the docs' policy page shows it
beside Neutron's default policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ml2core.context import Context
from ml2core.exceptions import InvalidInput, NotAuthorized

#: The owner of resources an admin context without a project creates: no
#: project. A ``Context`` cannot carry an empty project ID, so no project
#: name confers ownership of them (before ``e0003_admin_owner`` this was
#: ``"admin"``, which ``Context("admin")`` owned).
ADMIN_PROJECT = ""

ADMIN_ONLY_WRITE = frozenset(
    {
        "provider:network_type",
        "provider:physical_network",
        "provider:segmentation_id",
        "segments",
        "binding:host_id",
        "binding:profile",
        "shared",
    }
)
ADMIN_ONLY_READ = frozenset(
    {
        "provider:network_type",
        "provider:physical_network",
        "provider:segmentation_id",
        "segments",
        "binding:host_id",
        "binding:profile",
        "binding:vif_type",
        "binding:vif_details",
    }
)


#: Who a rule lets through: an admin, the resource's owner, the owner of the
#: resource's network, anyone who sees the network because it is shared.
Caller = Literal["admin", "owner", "network_owner", "shared"]


@dataclass(frozen=True)
class Rule:
    """One row of the policy: who may set or change ``attribute`` of ``resource``.

    ``attribute`` ``"*"`` is the operation on the resource as a whole;
    ``when`` says which values the rule covers (``"network:*"``: device
    owners starting with ``network:``). ``neutron`` names Neutron's rule.
    """

    resource: str
    attribute: str
    operations: tuple[str, ...]
    allowed: tuple[Caller, ...]
    neutron: str
    when: str = ""


_CU = ("create", "update")
_NET: tuple[Caller, ...] = ("admin", "network_owner")

#: ml2core's default policy, rule by rule (Neutron 2024.1 defaults, without
#: the reader/member/service roles: an admin context is Neutron's admin or
#: service, any other context a member of its project).
RULES: tuple[Rule, ...] = (
    Rule("network", "*", ("get",), ("admin", "owner", "shared"), "get_network"),
    Rule("network", "*", ("update", "delete"), ("admin", "owner"), "update_network / delete_network"),
    Rule("network", "shared", _CU, ("admin",), "create_network:shared / update_network:shared"),
    Rule("network", "provider:*", _CU, ("admin",), "create_network:provider:* / update_network:provider:*"),
    Rule("network", "segments", _CU, ("admin",), "create_network:segments / update_network:segments"),
    Rule("network", "project_id", ("create",), ("admin",), "another project's project_id: admin"),
    Rule("subnet", "*", ("get",), ("admin", "owner", "network_owner", "shared"), "get_subnet"),
    Rule("subnet", "*", ("create",), _NET, "create_subnet"),
    Rule(
        "subnet",
        "*",
        ("update", "delete"),
        ("admin", "owner", "network_owner"),
        "update_subnet / delete_subnet",
    ),
    Rule("port", "*", ("get",), ("admin", "owner", "network_owner"), "get_port"),
    Rule("port", "*", ("create",), ("admin", "network_owner", "shared"), "create_port (network visible)"),
    Rule("port", "*", ("update",), ("admin", "owner"), "update_port"),
    Rule("port", "*", ("delete",), ("admin", "owner", "network_owner"), "delete_port"),
    Rule(
        "port", "device_owner", _CU, _NET, "create_port:device_owner / update_port:device_owner", "network:*"
    ),
    Rule("port", "mac_address", _CU, _NET, "create_port:mac_address / update_port:mac_address"),
    Rule("port", "fixed_ips:subnet_id", _CU, (*_NET, "shared"), "create_port:fixed_ips:subnet_id / update_…"),
    Rule("port", "fixed_ips:ip_address", _CU, _NET, "create_port:fixed_ips:ip_address / update_…"),
    Rule("port", "port_security_enabled", _CU, _NET, "create_port:port_security_enabled / update_…"),
    Rule("port", "allowed_address_pairs", _CU, _NET, "create_port:allowed_address_pairs / update_…"),
    Rule("port", "binding:host_id", _CU, ("admin",), "create_port:binding:host_id / update_…"),
    Rule("port", "binding:profile", _CU, ("admin",), "create_port:binding:profile / update_…"),
    Rule(
        "port", "binding:vnic_type", _CU, ("admin", "owner", "network_owner", "shared"), "…:binding:vnic_type"
    ),
    Rule("port", "binding:vif_type", ("get",), ("admin",), "get_port:binding:vif_type"),
    Rule("port", "binding:vif_details", ("get",), ("admin",), "get_port:binding:vif_details"),
    Rule("port", "binding:host_id", ("get",), ("admin",), "get_port:binding:host_id"),
    Rule("port", "binding:profile", ("get",), ("admin",), "get_port:binding:profile"),
)


def callers(ctx: Context, *, owner: str | None = None, network_owner: str, shared: bool) -> set[Caller]:
    """What ``ctx`` is to a resource: the roles :data:`RULES` names."""
    roles: set[Caller] = set()
    if ctx.is_admin:
        roles.add("admin")
    if ctx.project_id is not None:
        if owner is not None and owner == ctx.project_id:
            roles.add("owner")
        if network_owner == ctx.project_id:
            roles.add("network_owner")
    if shared:
        roles.add("shared")
    return roles


def _port_attributes(data: dict[str, Any], requests: Sequence[Any] | None) -> list[str]:
    """The attributes of a port request that :data:`RULES` restricts."""
    present: list[str] = [
        key for key in ("mac_address", "port_security_enabled", "allowed_address_pairs") if key in data
    ]
    owner = data.get("device_owner")
    if isinstance(owner, str) and owner.startswith("network:"):
        present.append("device_owner")
    if requests:
        if any(getattr(r, "subnet_id", None) is not None for r in requests):
            present.append("fixed_ips:subnet_id")
        if any(getattr(r, "ip_address", None) is not None for r in requests):
            present.append("fixed_ips:ip_address")
    return present


def check_port(
    ctx: Context,
    operation: str,
    data: dict[str, Any],
    requests: Sequence[Any] | None,
    *,
    owner: str | None,
    network_owner: str,
    shared: bool,
) -> None:
    """NotAuthorized, naming the attribute, for what :data:`RULES` forbids ``ctx`` on a port.

    Called inside the port's transaction once its network is loaded, before
    any address or MAC is looked at, so a refusal never says whether
    another project uses them.
    """
    roles = callers(ctx, owner=owner, network_owner=network_owner, shared=shared)
    wanted = {"*", *_port_attributes(data, requests)}
    for rule in RULES:
        if rule.resource != "port" or operation not in rule.operations or rule.attribute not in wanted:
            continue
        if roles.isdisjoint(rule.allowed):
            if rule.attribute == "*":
                raise NotAuthorized(action=f"{operation} port", reason="the port belongs to another project")
            field = rule.attribute.split(":")[0] if rule.attribute.startswith("fixed_ips") else rule.attribute
            what = {
                "device_owner": "set a network:* device owner",
                "fixed_ips:ip_address": "choose IP addresses",
                "fixed_ips:subnet_id": "choose subnets",
            }.get(rule.attribute, f"set {rule.attribute}")
            raise NotAuthorized(
                action=f"{what} on a port", reason="only an admin or the network's owner may", field=field
            )


def check_admin_attributes(
    ctx: Context, data: dict[str, Any], keys: Iterable[str] = ADMIN_ONLY_WRITE
) -> None:
    """NotAuthorized if a non-admin sets an admin-only attribute."""
    if ctx.is_admin:
        return
    for key in sorted(keys):
        if key in data:
            if key == "shared" and data[key] is False:
                continue
            raise NotAuthorized(action=f"set {key}", reason="only an admin may set this attribute", field=key)


def require_admin(ctx: Context, action: str) -> None:
    if not ctx.is_admin:
        raise NotAuthorized(action=action, reason="admin only")


def project_for_create(ctx: Context, data: dict[str, Any]) -> str:
    """The owning project of a new resource: the caller's, or (admins) the one given."""
    given = data.get("project_id", data.get("tenant_id"))
    if "project_id" in data and "tenant_id" in data and data["project_id"] != data["tenant_id"]:
        raise InvalidInput(field="tenant_id", reason="differs from project_id")
    if given is not None:
        if not isinstance(given, str) or not 0 < len(given) <= 255:
            raise InvalidInput(field="project_id", reason="must be a string of 1 to 255 characters")
        if not ctx.is_admin and given != ctx.project_id:
            raise NotAuthorized(
                action="create a resource for another project", reason="admin only", field="project_id"
            )
        return given
    if ctx.project_id is None and ctx.is_admin:
        return ADMIN_PROJECT
    if ctx.project_id is None:
        raise InvalidInput(field="project_id", reason="the context has no project; give project_id")
    return ctx.project_id


def strip_admin_view(ctx: Context, item: dict[str, Any]) -> dict[str, Any]:
    """Remove what a non-admin may not see."""
    if ctx.is_admin:
        return item
    return {k: v for k, v in item.items() if k not in ADMIN_ONLY_READ}


def check_owner(
    ctx: Context, owner: str, action: str, field: str | None = None, *, network_owner: str | None = None
) -> None:
    """NotAuthorized if a non-admin changes a resource it sees but does not own.

    ``field`` names the input that pointed at that resource, when the call
    is not about the resource as a whole (a subnet's ``network_id``).
    ``network_owner``, when given, is allowed too (Neutron's
    ``ADMIN_OR_NET_OWNER`` rules).
    """
    if ctx.is_admin or owner == ctx.project_id:
        return
    if network_owner is not None and network_owner == ctx.project_id:
        return
    raise NotAuthorized(action=action, reason="the resource belongs to another project", field=field)
