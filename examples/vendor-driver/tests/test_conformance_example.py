"""Both drivers pass ml2core's conformance suites: one line each."""

from __future__ import annotations

from ml2core.testing import MechanismDriverConformance, TypeDriverConformance


class TestExampleTorConformance(MechanismDriverConformance):
    driver_name = "example_tor"


class TestExampleLabelConformance(TypeDriverConformance):
    driver_name = "example_label"
