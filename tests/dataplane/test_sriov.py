"""The SR-IOV backend without SR-IOV hardware.

This machine has no SR-IOV NIC and its kernel has neither CONFIG_PCI_IOV
nor netdevsim (no ``/sys/bus/pci/devices/*/sriov_totalvfs``), so no VF can
be configured for real. What can be tested for real is tested: discovery
on a fake sysfs tree laid out as the kernel lays it out, the exact
rtnetlink requests the backend builds (encoded and decoded again, not
sent), and the kernel's refusal when they are sent to a device without
VFs. The sync logic runs against a recording transport standing in for
the missing hardware. A read-only discovery test runs where real PFs exist.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from drivers.sriov import SriovBackend
from drivers.sriov.sysfs import discover, read_pf
from drivers.sriov.vf import VfConfig, VfNetlink, build_vf_request, parse_vf_configs
from ml2core import constants
from ml2core.exceptions import DataplaneError
from ml2core.testing.config import make_conf
from ml2core.testing.hosts import HostLab, sriov_unavailable

pytestmark = pytest.mark.dataplane

PF_ADDRESS = "0000:06:00.0"


def fake_sysfs(root: Path, pf: str = "eth5", vfs: int = 4, pf_address: str = PF_ADDRESS) -> Path:
    """A sysfs tree: PF ``pf`` with ``vfs`` VFs (0000:06:00.2, .3 ...), linked as the kernel links them."""
    bus, _, fn = pf_address.rpartition(":")
    pci = root / "devices" / "pci0000:00"
    pf_dir = pci / pf_address
    (pf_dir / "net" / pf).mkdir(parents=True)
    (pf_dir / "sriov_totalvfs").write_text(f"{vfs}\n")
    (pf_dir / "sriov_numvfs").write_text(f"{vfs}\n")
    for n in range(vfs):
        vf_address = f"{bus}:{fn.split('.')[0]}.{n + 2}"
        (pci / vf_address / "net" / f"{pf}v{n}").mkdir(parents=True)
        (pf_dir / f"virtfn{n}").symlink_to(f"../{vf_address}")
    (root / "class" / "net").mkdir(parents=True, exist_ok=True)
    (root / "class" / "net" / pf).symlink_to(f"../../devices/pci0000:00/{pf_address}/net/{pf}")
    (pf_dir / "net" / pf / "device").symlink_to("../../../" + pf_address)
    return root


def plain_nic(root: Path, name: str = "eth0") -> None:
    """A NIC without SR-IOV (like this machine's virtio_net)."""
    dev = root / "devices" / "pci0000:00" / "0000:00:03.0"
    (dev / "net" / name).mkdir(parents=True)
    (root / "class" / "net").mkdir(parents=True, exist_ok=True)
    (root / "class" / "net" / name).symlink_to(f"../../devices/pci0000:00/0000:00:03.0/net/{name}")
    (dev / "net" / name / "device").symlink_to("../../../0000:00:03.0")


class RecordingVfNetlink(VfNetlink):
    """Stands in for SR-IOV hardware: keeps VF settings in memory and records each request sent."""

    def __init__(self, pf_indexes: dict[str, int]) -> None:
        super().__init__(None)
        self.pf_indexes = pf_indexes
        self.vfs: dict[int, dict[int, VfConfig]] = {i: {} for i in pf_indexes.values()}
        self.sent: list[Any] = []

    def pf_index(self, name: str) -> int:
        if name not in self.pf_indexes:
            raise DataplaneError(operation=f"look up {name}", reason="no such network device")
        return self.pf_indexes[name]

    def read(self, pf_index: int) -> dict[int, VfConfig]:
        return dict(self.vfs[pf_index])

    def apply(self, pf_index: int, configs: list[VfConfig]) -> None:
        from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

        for config in configs:
            msg = build_vf_request(pf_index, config)
            msg.encode()
            decoded = ifinfmsg(bytes(msg.data))
            decoded.decode()
            self.sent.append(decoded)
            self.vfs[pf_index].update(parse_vf_configs(decoded))


def port_info(
    pci_slot: str = "0000:06:00.3",
    *,
    port_id: str = "11111111-2222-3333-4444-555555555555",
    vlan: int | None = 100,
    admin_state_up: bool = True,
    vnic_type: str = "direct",
    physnet: str = "physnet1",
) -> dict[str, Any]:
    return {
        "port": {
            "id": port_id,
            "network_id": "net",
            "mac_address": "FA:16:3E:AA:BB:CC",
            "admin_state_up": admin_state_up,
            "binding:vnic_type": vnic_type,
            "binding:profile": {"pci_slot": pci_slot, "physical_network": physnet},
        },
        "network": {"id": "net", "mtu": 1500},
        "segment": {
            "network_type": "vlan" if vlan is not None else "flat",
            "physical_network": physnet,
            "segmentation_id": vlan,
        },
    }


@pytest.fixture
def sriov(tmp_path: Path) -> tuple[SriovBackend, RecordingVfNetlink]:
    sysfs = fake_sysfs(tmp_path / "sys")
    transport = RecordingVfNetlink({"eth5": 7})
    backend = SriovBackend(
        make_conf(sriov_nic={"physical_device_mappings": ["physnet1:eth5"]}),
        sysfs_root=str(sysfs),
        state_dir=str(tmp_path / "state"),
        transport=transport,
    )
    backend.initialize()
    return backend, transport


# -- discovery ------------------------------------------------------------


def test_discovery_finds_the_pf_and_its_vfs_with_pci_addresses_and_netdevs(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path, vfs=3)

    pf = read_pf(str(sysfs), "eth5")

    assert (pf.pci_address, pf.total_vfs, pf.num_vfs) == (PF_ADDRESS, 3, 3)
    assert [(vf.index, vf.pci_address, vf.netdev) for vf in pf.vfs] == [
        (0, "0000:06:00.2", "eth5v0"),
        (1, "0000:06:00.3", "eth5v1"),
        (2, "0000:06:00.4", "eth5v2"),
    ]


def test_discovery_says_why_a_device_is_not_an_sriov_pf(tmp_path: Path) -> None:
    plain_nic(tmp_path, "eth0")

    found, problems = discover(str(tmp_path), ["eth0", "eth9"])

    assert found == {}
    assert "not SR-IOV capable" in problems["eth0"] and "sriov_totalvfs" in problems["eth0"]
    assert "not found" in problems["eth9"]


def test_describe_names_the_missing_sriov_device(tmp_path: Path) -> None:
    plain_nic(tmp_path / "sys", "eth0")
    backend = SriovBackend(
        make_conf(sriov_nic={"physical_device_mappings": ["physnet1:eth0"]}),
        sysfs_root=str(tmp_path / "sys"),
        state_dir=str(tmp_path / "state"),
        transport=RecordingVfNetlink({}),
    )
    backend.initialize()

    description = backend.describe()

    assert description.network_types == frozenset()
    assert "sriov_totalvfs" in description.unavailable["vlan"]


def test_real_sysfs_discovery_lists_the_vfs_of_real_pfs() -> None:
    reason = sriov_unavailable()
    if reason:
        pytest.skip(reason)
    devices = "/sys/class/net"
    names = [n for n in os.listdir(devices) if os.path.exists(f"{devices}/{n}/device/sriov_totalvfs")]

    found, _ = discover("/sys", names)

    assert found and all(len(pf.vfs) == pf.num_vfs for pf in found.values())


# -- the netlink requests -------------------------------------------------


def test_vf_request_is_an_rtm_newlink_on_the_pf_with_mac_vlan_spoofchk_and_link_state() -> None:
    from pyroute2.netlink import NLM_F_ACK, NLM_F_REQUEST
    from pyroute2.netlink.rtnl import RTM_NEWLINK
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

    msg = build_vf_request(
        7, VfConfig(vf=3, mac="fa:16:3e:aa:bb:cc", vlan=100, spoofchk=True, link_state="enable")
    )
    msg.encode()
    wire = ifinfmsg(bytes(msg.data))
    wire.decode()

    assert wire["header"]["type"] == RTM_NEWLINK
    assert wire["header"]["flags"] == NLM_F_REQUEST | NLM_F_ACK
    assert wire["index"] == 7
    (info,) = wire.get_attr("IFLA_VFINFO_LIST").get_attrs("IFLA_VF_INFO")
    assert info.get_attr("IFLA_VF_MAC") == {"vf": 3, "mac": "fa:16:3e:aa:bb:cc"}
    assert info.get_attr("IFLA_VF_VLAN") == {"vf": 3, "vlan": 100, "qos": 0}
    assert info.get_attr("IFLA_VF_SPOOFCHK") == {"vf": 3, "spoofchk": 1}
    assert info.get_attr("IFLA_VF_LINK_STATE") == {"vf": 3, "link_state": 1}


def test_vf_settings_read_back_from_a_link_message_equal_those_sent() -> None:
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

    config = VfConfig(vf=1, mac="fa:16:3e:00:00:01", vlan=0, spoofchk=False, link_state="disable")
    msg = build_vf_request(2, config)
    msg.encode()
    decoded = ifinfmsg(bytes(msg.data))
    decoded.decode()

    assert parse_vf_configs(decoded) == {1: config}


def test_kernel_refuses_vf_settings_on_a_device_without_vfs(host_lab: HostLab) -> None:
    host = host_lab.host()
    host.ip("link", "add", "pf0", "type", "veth", "peer", "name", "pf1")
    transport = VfNetlink(host.name)
    host_lab.defer(transport.close)
    index = transport.pf_index("pf0")

    with pytest.raises(DataplaneError, match="not supported"):
        transport.apply(index, [VfConfig(0, "fa:16:3e:00:00:01", 100, True, "enable")])


# -- sync -----------------------------------------------------------------


def test_sync_gives_the_ports_vf_its_mac_vlan_spoofchk_and_link_state(
    sriov: tuple[SriovBackend, RecordingVfNetlink],
) -> None:
    backend, transport = sriov

    report = backend.sync([port_info()])

    assert report.port_status == {"11111111-2222-3333-4444-555555555555": "ACTIVE"}
    assert transport.vfs[7] == {1: VfConfig(1, "fa:16:3e:aa:bb:cc", 100, True, "enable")}


def test_second_sync_with_the_same_ports_changes_nothing(
    sriov: tuple[SriovBackend, RecordingVfNetlink],
) -> None:
    backend, transport = sriov
    backend.sync([port_info()])
    sent = len(transport.sent)

    report = backend.sync([port_info()])

    assert report.changes == 0 and len(transport.sent) == sent


def test_vf_of_a_port_no_longer_listed_is_reset(sriov: tuple[SriovBackend, RecordingVfNetlink]) -> None:
    backend, transport = sriov
    backend.sync([port_info()])

    report = backend.sync([])

    assert report.removed == ["11111111-2222-3333-4444-555555555555"]
    assert transport.vfs[7][1] == VfConfig.reset(1)


def test_vf_ml2core_did_not_configure_is_never_reset(sriov: tuple[SriovBackend, RecordingVfNetlink]) -> None:
    backend, transport = sriov
    foreign = VfConfig(0, "02:00:00:00:00:99", 42, False, "enable")
    transport.vfs[7][0] = foreign

    backend.sync([port_info()])
    backend.sync([])

    assert transport.vfs[7][0] == foreign


def test_a_restarted_backend_still_resets_the_vfs_it_configured(
    sriov: tuple[SriovBackend, RecordingVfNetlink], tmp_path: Path
) -> None:
    backend, transport = sriov
    backend.sync([port_info()])
    restarted = SriovBackend(
        backend.conf, sysfs_root=str(tmp_path / "sys"), state_dir=str(tmp_path / "state"), transport=transport
    )
    restarted.initialize()

    restarted.sync([])

    assert transport.vfs[7][1] == VfConfig.reset(1)


def test_vf_configured_by_a_sync_that_crashed_is_reset_by_the_next(
    sriov: tuple[SriovBackend, RecordingVfNetlink], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, transport = sriov
    real_apply = transport.apply

    def apply_then_crash(pf_index: int, configs: list[VfConfig]) -> None:
        real_apply(pf_index, configs)
        raise RuntimeError("agent killed right after configuring the VF")

    monkeypatch.setattr(transport, "apply", apply_then_crash)
    with pytest.raises(RuntimeError):
        backend.sync([port_info()])
    monkeypatch.undo()
    restarted = SriovBackend(
        backend.conf, sysfs_root=str(tmp_path / "sys"), state_dir=str(tmp_path / "state"), transport=transport
    )
    restarted.initialize()

    report = restarted.sync([])

    assert report.removed == ["11111111-2222-3333-4444-555555555555"]
    assert transport.vfs[7][1] == VfConfig.reset(1)


def test_admin_down_port_is_down_with_its_vf_link_disabled(
    sriov: tuple[SriovBackend, RecordingVfNetlink],
) -> None:
    backend, transport = sriov

    report = backend.sync([port_info(admin_state_up=False)])

    assert report.port_status == {"11111111-2222-3333-4444-555555555555": "DOWN"}
    assert transport.vfs[7][1].link_state == "disable"


def test_flat_network_vf_gets_no_vlan(sriov: tuple[SriovBackend, RecordingVfNetlink]) -> None:
    backend, transport = sriov

    backend.sync([port_info(vlan=None)])

    assert transport.vfs[7][1].vlan == 0


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"pci_slot": "0000:09:00.1"}, "no VF 0000:09:00.1"),
        ({"physnet": "physnet9"}, "physnet9"),
        ({"vnic_type": "normal"}, "vnic type normal"),
    ],
)
def test_port_that_cannot_get_a_vf_is_down_with_the_reason(
    sriov: tuple[SriovBackend, RecordingVfNetlink], kwargs: dict[str, Any], reason: str
) -> None:
    backend, transport = sriov
    info = port_info(**kwargs)

    report = backend.sync([info])

    assert report.port_status == {info["port"]["id"]: "DOWN"}
    assert reason in report.errors[info["port"]["id"]]
    assert transport.sent == []


def test_unplug_resets_the_ports_vf(sriov: tuple[SriovBackend, RecordingVfNetlink]) -> None:
    backend, transport = sriov
    backend.plug(port_info())

    backend.unplug("11111111-2222-3333-4444-555555555555")

    assert transport.vfs[7][1] == VfConfig.reset(1)


def test_describe_offers_direct_and_macvtap_on_flat_and_vlan(
    sriov: tuple[SriovBackend, RecordingVfNetlink],
) -> None:
    backend, _ = sriov

    description = backend.describe()

    assert description.network_types == {constants.TYPE_FLAT, constants.TYPE_VLAN}
    assert description.vnic_types == {constants.VNIC_DIRECT, constants.VNIC_MACVTAP}
