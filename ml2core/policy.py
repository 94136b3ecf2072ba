"""Neutron's default policy, as far as ml2core's resources need it.

- Only an admin sets ``provider:*``, ``segments``, ``binding:host_id``,
  ``binding:profile``, ``shared``, another project's ``project_id``, and
  manages agents and segment ranges.
- Only an admin sees ``provider:*``, ``segments`` and the ``binding:*``
  attributes other than ``binding:vnic_type``.
- A project sees its own resources and shared networks (and their subnets);
  what it cannot see is NotFound; what it sees but does not own is
  NotAuthorized to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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


def check_owner(ctx: Context, owner: str, action: str, field: str | None = None) -> None:
    """NotAuthorized if a non-admin changes a resource it sees but does not own.

    ``field`` names the input that pointed at that resource, when the call
    is not about the resource as a whole (a subnet's ``network_id``).
    """
    if not ctx.is_admin and owner != ctx.project_id:
        raise NotAuthorized(action=action, reason="the resource belongs to another project", field=field)
