"""The exported names are the contract: pin them."""

from __future__ import annotations

import ml2core
import ml2core.api
import ml2core.exceptions


def test_ml2core_all_is_pinned() -> None:
    assert sorted(ml2core.__all__) == ["Context", "LocalHostClient", "Ml2Plugin", "__version__"]


def test_ml2core_api_all_is_pinned() -> None:
    assert sorted(ml2core.api.__all__) == sorted(
        [
            "BOUND_DRIVER",
            "BOUND_SEGMENT",
            "ID",
            "MAX_BINDING_LEVELS",
            "MTU",
            "NETWORK_ID",
            "NETWORK_TYPE",
            "PHYSICAL_NETWORK",
            "SEGMENTATION_ID",
            "AgentMechanismDriverBase",
            "DataplaneBackend",
            "ExtensionDriver",
            "HostClient",
            "IdRange",
            "MechanismDriver",
            "NetworkContext",
            "PortContext",
            "Segment",
            "SegmentTypeDriver",
            "SimpleAgentMechanismDriverBase",
            "SubnetContext",
            "TypeDriver",
            "allocations",
            "ranges",
        ]
    )
    for name in ml2core.api.__all__:
        assert hasattr(ml2core.api, name), name


def test_exception_tree_matches_contract() -> None:
    e = ml2core.exceptions
    for leaf in ("NetworkNotFound", "SubnetNotFound", "PortNotFound", "SegmentNotFound", "AgentNotFound"):
        assert issubclass(getattr(e, leaf), e.NotFound)
    for leaf in (
        "VlanIdInUse",
        "TunnelIdInUse",
        "FlatNetworkInUse",
        "NetworkInUse",
        "IpAddressInUse",
        "MacAddressInUse",
    ):
        assert issubclass(getattr(e, leaf), e.InUse)
    assert issubclass(e.InUse, e.Conflict)
    assert issubclass(e.NoNetworkAvailable, e.ResourceExhausted)
    assert issubclass(e.IpAddressGenerationFailure, e.ResourceExhausted)
    assert issubclass(e.RetryableError, e.DatabaseError)
    for name in e.__all__:
        assert issubclass(getattr(e, name), e.Ml2CoreError)
    # Every exception class is drawn in the module docstring.
    for name in e.__all__:
        assert name in (e.__doc__ or ""), name


def test_exception_message_names_field_and_reason() -> None:
    exc = ml2core.exceptions.InvalidInput(field="mtu", reason="too big")
    assert str(exc) == "Invalid input for mtu: too big"
    assert exc.field == "mtu"
    assert ml2core.exceptions.ConfigError(option="[ml2] x", entry="y", reason="z").field == "[ml2] x"
