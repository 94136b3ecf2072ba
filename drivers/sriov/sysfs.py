"""Discovering SR-IOV physical and virtual functions from sysfs.

For a PF network device ``eth5``, the kernel exposes
``<sysfs>/class/net/eth5/device`` (a link to its PCI device) with
``sriov_totalvfs``, ``sriov_numvfs`` and one ``virtfn<N>`` link per VF
(to the VF's PCI device, whose ``net/`` holds the VF's own netdev when a
driver is bound). Only reading; nothing here changes the host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["PhysicalFunction", "VirtualFunction", "discover", "read_pf"]


@dataclass(frozen=True)
class VirtualFunction:
    """One VF: its index on the PF, PCI address and netdev (if a driver is bound)."""

    index: int
    pci_address: str
    netdev: str | None


@dataclass(frozen=True)
class PhysicalFunction:
    """A PF network device and its VFs."""

    name: str
    pci_address: str
    total_vfs: int
    num_vfs: int
    vfs: tuple[VirtualFunction, ...]

    def vf_by_address(self, pci_address: str) -> VirtualFunction | None:
        """The VF with ``pci_address``, if it belongs to this PF."""
        return next((vf for vf in self.vfs if vf.pci_address == pci_address), None)


def _read_int(path: str) -> int:
    with open(path) as handle:
        return int(handle.read().strip() or 0)


def read_pf(sysfs_root: str, name: str) -> PhysicalFunction:
    """Read PF ``name``; raises ``ValueError`` saying why it is not an SR-IOV PF."""
    device = os.path.join(sysfs_root, "class", "net", name, "device")
    if not os.path.exists(device):
        raise ValueError(f"network device {name} not found under {sysfs_root}/class/net")
    total_path = os.path.join(device, "sriov_totalvfs")
    if not os.path.exists(total_path):
        raise ValueError(f"{name} is not SR-IOV capable (no {total_path})")
    vfs: list[VirtualFunction] = []
    for entry in os.listdir(device):
        if not entry.startswith("virtfn") or not entry[6:].isdigit():
            continue
        vf_dir = os.path.join(device, entry)
        net_dir = os.path.join(vf_dir, "net")
        netdevs = sorted(os.listdir(net_dir)) if os.path.isdir(net_dir) else []
        vfs.append(
            VirtualFunction(
                index=int(entry[6:]),
                pci_address=os.path.basename(os.path.realpath(vf_dir)),
                netdev=netdevs[0] if netdevs else None,
            )
        )
    return PhysicalFunction(
        name=name,
        pci_address=os.path.basename(os.path.realpath(device)),
        total_vfs=_read_int(total_path),
        num_vfs=_read_int(os.path.join(device, "sriov_numvfs")),
        vfs=tuple(sorted(vfs, key=lambda vf: vf.index)),
    )


def discover(sysfs_root: str, names: list[str]) -> tuple[dict[str, PhysicalFunction], dict[str, str]]:
    """Read each PF in ``names``: ``(found by name, reason by name for those that are not usable)``."""
    found: dict[str, PhysicalFunction] = {}
    problems: dict[str, str] = {}
    for name in names:
        try:
            found[name] = read_pf(sysfs_root, name)
        except (OSError, ValueError) as exc:
            problems[name] = str(exc)
    return found, problems
