"""Conformance suites: the driver contract as pytest tests a vendor inherits in one line.

::

    from ml2core.testing import MechanismDriverConformance, TypeDriverConformance

    class TestMyDriverConformance(MechanismDriverConformance):
        driver_name = "my_driver"

    class TestMyTypeConformance(TypeDriverConformance):
        driver_name = "my_type"

Each suite runs its checks on a real ``Ml2Plugin`` on a SQLite file in
``tmp_path`` and on :class:`~ml2core.testing.FakePortContext` scenarios;
each ``test_*`` method calls one public ``check_*`` method, which raises
``AssertionError`` saying what the driver did wrong (call them directly to
run one check on your own set-up). Needs pytest.
"""

from __future__ import annotations

from ml2core.testing.conformance.mechanism import (
    FOREIGN_NETWORK_TYPE,
    BindingScenario,
    MechanismDriverConformance,
)
from ml2core.testing.conformance.type_driver import TypeDriverConformance

__all__ = [
    "FOREIGN_NETWORK_TYPE",
    "BindingScenario",
    "MechanismDriverConformance",
    "TypeDriverConformance",
]
