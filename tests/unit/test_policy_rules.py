"""The policy page shows every row of ``ml2core.policy.RULES``."""

from __future__ import annotations

from pathlib import Path

from ml2core.policy import RULES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "policy.rst"


def test_every_rule_is_on_the_policy_page() -> None:
    text = PAGE.read_text()
    for rule in RULES:
        assert f"``{rule.neutron}``" in text, rule
        if rule.attribute != "*":
            assert f"``{rule.attribute}``" in text, rule
