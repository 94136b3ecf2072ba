"""The SR-IOV dataplane backend: a port's VF gets its MAC, VLAN, spoof check and link state."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from drivers.sriov import config
from drivers.sriov.state import StateFile, VfRecord
from drivers.sriov.sysfs import PhysicalFunction, discover
from drivers.sriov.vf import VfConfig, VfNetlink
from ml2core import constants
from ml2core.dataplane import BackendDescription, DataplaneBackend, PortInfo, SyncReport
from ml2core.exceptions import DataplaneError

__all__ = ["SriovBackend"]

LOG = logging.getLogger(__name__)

_VNIC_TYPES = frozenset({constants.VNIC_DIRECT, constants.VNIC_MACVTAP})


@dataclass(frozen=True)
class _Wanted:
    port_id: str
    pci_address: str
    pf: str
    config: VfConfig
    admin_state_up: bool


class SriovBackend(DataplaneBackend):
    """Configures SR-IOV virtual functions for ``direct`` / ``macvtap`` ports, as Neutron's NIC switch agent.

    The VF is the one named by the port's ``binding:profile`` ``pci_slot``
    and must belong to a PF mapped to the segment's physical network
    (``[sriov_nic] physical_device_mappings``). It gets the port's MAC, the
    segment's VLAN (0 for flat), spoof checking from
    ``port_security_enabled`` (default on) and link state ``enable`` /
    ``disable`` from ``admin_state_up``. VFs of ports no longer listed are
    reset (no MAC, VLAN 0, link down); only VFs recorded in the state file
    are ever reset.

    Construct with no arguments (entry point ``sriov``), set :attr:`conf`,
    call :meth:`initialize`. ``sysfs_root``, ``netns`` and ``state_dir``
    given here override the options; ``transport`` replaces the netlink
    transport (:class:`drivers.sriov.vf.VfNetlink`), for tests on hosts
    without SR-IOV hardware. Methods may block on sysfs and netlink and
    raise only :class:`~ml2core.exceptions.DataplaneError`.
    """

    name = "sriov"

    def __init__(
        self,
        conf: cfg.ConfigOpts | None = None,
        *,
        sysfs_root: str | None = None,
        netns: str | None = None,
        state_dir: str | None = None,
        transport: VfNetlink | None = None,
    ) -> None:
        if conf is not None:
            self.conf = conf
        self._overrides: dict[str, Any] = {
            k: v
            for k, v in (("sysfs_root", sysfs_root), ("netns", netns), ("state_dir", state_dir))
            if v is not None
        }
        self._transport = transport
        self._settings: config.SriovSettings | None = None
        self._state: StateFile | None = None
        self._pfs: dict[str, PhysicalFunction] = {}
        self._unavailable: dict[str, str] = {}
        self._known: dict[str, PortInfo] = {}

    # -- set-up ---------------------------------------------------------

    def initialize(self) -> None:
        """Register options and discover the mapped PFs and their VFs from sysfs.

        A mapped device that is missing or not SR-IOV capable is logged and
        reported by :meth:`describe`; it is not an error. Raises
        ``ConfigError`` for malformed options.
        """
        if getattr(self, "conf", None) is None:
            self.conf = cfg.ConfigOpts()
        config.register_opts(self.conf)
        settings = dataclasses.replace(config.load(self.conf), **self._overrides)
        self._settings = settings
        self._state = StateFile(settings.state_dir)
        if self._transport is None:
            self._transport = VfNetlink(settings.netns)
        self.rediscover()

    def rediscover(self) -> None:
        """Read the PFs and VFs from sysfs again (after VFs were created or removed)."""
        settings, _, _ = self._ready()
        names = sorted({pf for pfs in settings.device_mappings.values() for pf in pfs})
        self._pfs, problems = discover(settings.sysfs_root, names)
        self._unavailable = {f"device {name}": reason for name, reason in problems.items()}
        if not self._pfs:
            reason = "no SR-IOV PF: " + (
                "; ".join(f"{n}: {r}" for n, r in sorted(problems.items()))
                or "[sriov_nic] physical_device_mappings is empty"
            )
            self._unavailable[constants.TYPE_VLAN] = reason
            self._unavailable[constants.TYPE_FLAT] = reason
        for what, reason in sorted(self._unavailable.items()):
            LOG.info("sriov: %s unavailable: %s", what, reason)

    def _ready(self) -> tuple[config.SriovSettings, StateFile, VfNetlink]:
        if self._settings is None or self._state is None or self._transport is None:
            raise DataplaneError(operation="sriov", reason="initialize() was not called")
        return self._settings, self._state, self._transport

    @property
    def physical_functions(self) -> dict[str, PhysicalFunction]:
        """The PFs discovered at :meth:`initialize` / :meth:`rediscover`, by device name."""
        return dict(self._pfs)

    def describe(self) -> BackendDescription:
        """Network types (flat, vlan where a PF exists), vnic and VIF types supported here."""
        self._ready()
        types = {constants.TYPE_FLAT, constants.TYPE_VLAN} - set(self._unavailable)
        return BackendDescription(
            name=self.name,
            network_types=frozenset(types),
            vnic_types=_VNIC_TYPES,
            vif_types=frozenset({constants.VIF_TYPE_HW_VEB}),
            unavailable=dict(self._unavailable),
        )

    def close(self) -> None:
        """Close the netlink socket; VFs keep their settings."""
        if self._transport is not None:
            self._transport.close()

    # -- realizing ------------------------------------------------------

    def _wanted(self, info: PortInfo) -> _Wanted:
        """What ``info`` asks of its VF; raises ``ValueError`` with the reason it cannot be."""
        settings, _, _ = self._ready()
        port = info["port"]
        segment = info["segment"]
        vnic = port.get("binding:vnic_type", constants.VNIC_NORMAL)
        if vnic not in _VNIC_TYPES:
            raise ValueError(f"vnic type {vnic} is not handled by the SR-IOV backend")
        profile = port.get("binding:profile") or {}
        address = profile.get("pci_slot")
        if not address:
            raise ValueError("binding:profile has no pci_slot")
        net_type = segment["network_type"]
        if net_type == constants.TYPE_VLAN:
            vlan = int(segment["segmentation_id"])
        elif net_type == constants.TYPE_FLAT:
            vlan = 0
        else:
            raise ValueError(f"network type {net_type} is not supported by the SR-IOV backend")
        physnet = segment.get("physical_network") or profile.get("physical_network")
        devices = settings.device_mappings.get(str(physnet), ())
        if not devices:
            raise ValueError(f"physical network {physnet} is not in [sriov_nic] physical_device_mappings")
        for name in devices:
            pf = self._pfs.get(name)
            vf = pf.vf_by_address(address) if pf else None
            if pf is None or vf is None:
                continue
            if address in settings.exclude.get(name, frozenset()):
                raise ValueError(f"VF {address} of {name} is in [sriov_nic] exclude_devices")
            up = bool(port.get("admin_state_up", True))
            vf_config = VfConfig(
                vf=vf.index,
                mac=str(port["mac_address"]).lower(),
                vlan=vlan,
                spoofchk=bool(port.get("port_security_enabled", True)),
                link_state="enable" if up else "disable",
            )
            return _Wanted(str(port["id"]), address, name, vf_config, up)
        raise ValueError(f"no VF {address} on the PFs of physical network {physnet} ({', '.join(devices)})")

    def _apply(self, port_infos: Sequence[PortInfo], *, prune: bool) -> SyncReport:
        _, state_file, transport = self._ready()
        report = SyncReport()
        wanted: dict[str, _Wanted] = {}
        for info in port_infos:
            port_id = str((info.get("port") or {}).get("id", "?"))
            try:
                item = self._wanted(info)
            except (KeyError, TypeError, ValueError) as exc:
                report.errors[port_id] = str(exc)
                continue
            if item.pci_address in wanted:
                report.errors[port_id] = (
                    f"VF {item.pci_address} is already used by {wanted[item.pci_address].port_id}"
                )
                continue
            wanted[item.pci_address] = item
        records = state_file.load()
        stale = {a: r for a, r in records.items() if a not in wanted} if prune else {}
        # Record first: a crash after configuring must still let the next sync find the VF.
        intended = {**records, **{a: VfRecord(w.pf, w.config.vf, w.port_id) for a, w in wanted.items()}}
        if intended != records:
            state_file.save(intended)
        by_pf: dict[str, list[VfConfig]] = {}
        for item in wanted.values():
            by_pf.setdefault(item.pf, []).append(item.config)
        for record in stale.values():
            by_pf.setdefault(record.pf, []).append(VfConfig.reset(record.vf))
        failed_pfs: dict[str, str] = {}
        for pf_name, configs in sorted(by_pf.items()):
            try:
                index = transport.pf_index(pf_name)
                current = transport.read(index)
                changes = [c for c in configs if current.get(c.vf) != c]
                transport.apply(index, changes)
                report.changes += len(changes)
            except DataplaneError as exc:
                failed_pfs[pf_name] = str(exc)
        for item in wanted.values():
            if item.pf in failed_pfs:
                report.errors[item.port_id] = failed_pfs[item.pf]
            up = item.pf not in failed_pfs and item.admin_state_up
            report.port_status[item.port_id] = (
                constants.PORT_STATUS_ACTIVE if up else constants.PORT_STATUS_DOWN
            )
        for port_id in report.errors:
            report.port_status[port_id] = constants.PORT_STATUS_DOWN
        reset = {a for a, r in stale.items() if r.pf not in failed_pfs}
        report.removed = sorted(stale[a].port_id for a in reset)
        done = {a: r for a, r in intended.items() if a not in reset}
        if done != intended:
            state_file.save(done)
        return report

    def sync(self, port_infos: Sequence[PortInfo]) -> SyncReport:
        """Make the VFs match ``port_infos`` exactly.

        Per PF: one read of its VF settings and one batch of changes (none
        when they match, so a second run reports 0 changes). VFs recorded
        for ports no longer listed are reset. A port whose VF cannot be
        configured is ``DOWN`` with a reason. Raises ``DataplaneError`` when
        the state file cannot be read or written.
        """
        report = self._apply(port_infos, prune=True)
        self._known = {str(i["port"]["id"]): i for i in port_infos if isinstance(i.get("port"), dict)}
        return report

    def plug(self, port_info: PortInfo) -> None:
        """Configure one port's VF; raises ``DataplaneError`` with the reason if it cannot be."""
        report = self._apply([port_info], prune=False)
        for port_id, reason in report.errors.items():
            raise DataplaneError(operation=f"plug {port_id}", reason=reason)
        self._known[str(port_info["port"]["id"])] = port_info

    def unplug(self, port_id: str) -> None:
        """Reset the VF ml2core configured for ``port_id`` (idempotent)."""
        _, state_file, transport = self._ready()
        records = state_file.load()
        mine = {a: r for a, r in records.items() if r.port_id == port_id}
        for record in mine.values():
            index = transport.pf_index(record.pf)
            current = transport.read(index)
            reset = VfConfig.reset(record.vf)
            if current.get(record.vf) != reset:
                transport.apply(index, [reset])
        if mine:
            state_file.save({a: r for a, r in records.items() if a not in mine})
        self._known.pop(port_id, None)
