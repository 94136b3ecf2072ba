"""VF settings as rtnetlink messages: built and parsed here, sent by :class:`VfNetlink`.

A VF is configured through its PF: one ``RTM_NEWLINK`` on the PF's index
carrying ``IFLA_VFINFO_LIST`` / ``IFLA_VF_INFO`` with ``IFLA_VF_MAC``,
``IFLA_VF_VLAN``, ``IFLA_VF_SPOOFCHK`` and ``IFLA_VF_LINK_STATE`` (what
``ip link set <pf> vf <n> mac .. vlan .. spoofchk .. state ..`` sends).
The current settings come back from ``RTM_GETLINK`` with the VF extension
mask. Building is separate from sending so it can be checked on hosts
without SR-IOV hardware.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ml2core.exceptions import DataplaneError

__all__ = [
    "LINK_STATES",
    "VfConfig",
    "VfNetlink",
    "build_vf_request",
    "parse_vf_configs",
]

#: IFLA_VF_LINK_STATE values.
LINK_STATES = {"auto": 0, "enable": 1, "disable": 2}
_LINK_STATE_NAMES = {v: k for k, v in LINK_STATES.items()}
_RTEXT_FILTER_VF = 1


@dataclass(frozen=True)
class VfConfig:
    """What ml2core sets on one VF."""

    vf: int
    mac: str
    vlan: int
    spoofchk: bool
    link_state: str

    @classmethod
    def reset(cls, vf: int) -> VfConfig:
        """The settings of a VF nobody uses: no MAC, no VLAN, down."""
        return cls(vf=vf, mac="00:00:00:00:00:00", vlan=0, spoofchk=True, link_state="disable")


def build_vf_request(pf_index: int, config: VfConfig) -> Any:
    """The ``RTM_NEWLINK`` request (a pyroute2 ``ifinfmsg``, not yet sent) applying ``config``."""
    from pyroute2.netlink import NLM_F_ACK, NLM_F_REQUEST
    from pyroute2.netlink.rtnl import RTM_NEWLINK
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

    n = config.vf
    msg = ifinfmsg()
    msg["family"] = 0
    msg["index"] = pf_index
    msg["header"]["type"] = RTM_NEWLINK
    msg["header"]["flags"] = NLM_F_REQUEST | NLM_F_ACK
    vf_attrs = [
        ("IFLA_VF_MAC", {"vf": n, "mac": config.mac}),
        ("IFLA_VF_VLAN", {"vf": n, "vlan": config.vlan, "qos": 0}),
        ("IFLA_VF_SPOOFCHK", {"vf": n, "spoofchk": 1 if config.spoofchk else 0}),
        ("IFLA_VF_LINK_STATE", {"vf": n, "link_state": LINK_STATES[config.link_state]}),
    ]
    msg["attrs"] = [("IFLA_VFINFO_LIST", {"attrs": [("IFLA_VF_INFO", {"attrs": vf_attrs})]})]
    return msg


def parse_vf_configs(link_msg: Any) -> dict[int, VfConfig]:
    """The VF settings in a decoded ``RTM_NEWLINK`` (a reply or a request)."""
    result: dict[int, VfConfig] = {}
    vf_list = link_msg.get_attr("IFLA_VFINFO_LIST")
    if vf_list is None:
        return result
    for info in vf_list.get_attrs("IFLA_VF_INFO"):
        mac = info.get_attr("IFLA_VF_MAC") or {}
        vlan = info.get_attr("IFLA_VF_VLAN") or {}
        spoof = info.get_attr("IFLA_VF_SPOOFCHK") or {}
        state = info.get_attr("IFLA_VF_LINK_STATE") or {}
        n = int(mac.get("vf", vlan.get("vf", 0)))
        result[n] = VfConfig(
            vf=n,
            mac=str(mac.get("mac", "00:00:00:00:00:00")),
            vlan=int(vlan.get("vlan", 0)),
            spoofchk=bool(spoof.get("spoofchk", 1)),
            link_state=_LINK_STATE_NAMES.get(int(state.get("link_state", 0)), "auto"),
        )
    return result


class VfNetlink:
    """Reads and writes VF settings through an rtnetlink socket in ``netns`` (opened lazily).

    Each method is one netlink round trip (``apply`` sends all its
    requests in one batch), blocks on the kernel and raises
    :class:`~ml2core.exceptions.DataplaneError`.
    """

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        self._ipr: Any = None

    def _socket(self) -> Any:
        if self._ipr is None:
            from pyroute2 import IPRoute

            try:
                self._ipr = IPRoute(netns=self.netns, flags=0, groups=0, ext_ack=True)
            except Exception as exc:
                raise DataplaneError(
                    operation="open netlink", reason=f"namespace {self.netns or '(current)'}: {exc}"
                ) from exc
        return self._ipr

    def close(self) -> None:
        """Close the socket (idempotent)."""
        if self._ipr is not None:
            try:
                self._ipr.close()
            finally:
                self._ipr = None

    def pf_index(self, name: str) -> int:
        """The interface index of PF ``name``."""
        try:
            found = self._socket().link_lookup(ifname=name)
        except Exception as exc:
            raise DataplaneError(operation=f"look up {name}", reason=str(exc)) from exc
        if not found:
            raise DataplaneError(operation=f"look up {name}", reason="no such network device")
        return int(found[0])

    def read(self, pf_index: int) -> dict[int, VfConfig]:
        """The current settings of every VF of the PF."""
        try:
            replies = self._socket().link("get", index=pf_index, ext_mask=_RTEXT_FILTER_VF)
        except Exception as exc:
            raise DataplaneError(operation=f"read VFs of PF {pf_index}", reason=str(exc)) from exc
        return parse_vf_configs(replies[0]) if replies else {}

    def apply(self, pf_index: int, configs: list[VfConfig]) -> None:
        """Apply ``configs`` to the PF's VFs in one batch."""
        if not configs:
            return
        try:
            self._socket().nlm_request_batch([build_vf_request(pf_index, c) for c in configs])
        except Exception as exc:
            reason = getattr(exc, "args", [exc])[-1] if getattr(exc, "args", None) else exc
            raise DataplaneError(operation=f"configure VFs of PF {pf_index}", reason=str(reason)) from exc
