"""Options of the SR-IOV backend (``[sriov_nic]``, names as Neutron's NIC switch agent)."""

from __future__ import annotations

from dataclasses import dataclass

from oslo_config import cfg

from ml2core.exceptions import ConfigError

__all__ = ["SriovSettings", "list_opts", "load", "register_opts"]

sriov_opts = [
    cfg.ListOpt(
        "physical_device_mappings",
        default=[],
        help="<physical_network>:<PF network device> pairs; a physical network may list several PFs.",
    ),
    cfg.ListOpt(
        "exclude_devices",
        default=[],
        help="<PF device>:<VF PCI address>[;<VF PCI address>...] entries: VFs ml2core must not use.",
    ),
    cfg.StrOpt("sysfs_root", default="/sys", help="Where sysfs is mounted (tests point it at a fake tree)."),
    cfg.StrOpt("netns", help="Network namespace of the PF devices. Unset: the agent's own."),
    cfg.StrOpt(
        "state_dir",
        default="/var/lib/ml2core/sriov",
        help="Directory of the file recording which VFs ml2core configured (VFs carry no mark "
        "of their own); only those are ever reset.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the backend's options on ``conf`` (idempotent)."""
    conf.register_opts(sriov_opts, group="sriov_nic")


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The options, for ``oslo-config-generator``."""
    return [("sriov_nic", list(sriov_opts))]


@dataclass(frozen=True)
class SriovSettings:
    """The parsed options."""

    device_mappings: dict[str, tuple[str, ...]]
    exclude: dict[str, frozenset[str]]
    sysfs_root: str
    netns: str | None
    state_dir: str


def load(conf: cfg.ConfigOpts) -> SriovSettings:
    """Read the registered options; raises ConfigError on a malformed value."""
    group = conf.sriov_nic
    mappings: dict[str, list[str]] = {}
    for entry in group.physical_device_mappings:
        physnet, sep, device = entry.strip().partition(":")
        if not sep or not physnet.strip() or not device.strip():
            raise ConfigError(
                option="[sriov_nic] physical_device_mappings",
                entry=entry,
                reason="expected <physical_network>:<device>",
            )
        mappings.setdefault(physnet.strip(), []).append(device.strip())
    exclude: dict[str, set[str]] = {}
    for entry in group.exclude_devices:
        device, sep, addresses = entry.strip().partition(":")
        if not sep or not device.strip():
            raise ConfigError(
                option="[sriov_nic] exclude_devices",
                entry=entry,
                reason="expected <device>:<VF PCI address>[;...]",
            )
        exclude.setdefault(device.strip(), set()).update(a.strip() for a in addresses.split(";") if a.strip())
    return SriovSettings(
        device_mappings={k: tuple(v) for k, v in mappings.items()},
        exclude={k: frozenset(v) for k, v in exclude.items()},
        sysfs_root=group.sysfs_root,
        netns=group.netns or None,
        state_dir=group.state_dir,
    )
