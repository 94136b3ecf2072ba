"""A real deadlock between two controllers is retried, and both calls succeed.

Two plugins (two engines, as two controllers) update two networks at once;
the ``lockorder`` test driver's ``update_network_precommit`` locks two other
network rows with ``SELECT … FOR UPDATE`` in opposite orders, meeting at a
barrier between the two locks. The database picks a victim (InnoDB at once,
PostgreSQL after ``deadlock_timeout``); ml2core retries the victim's whole
operation in a fresh transaction (the contract's "Retries") and both calls
end successfully with their changes. Also when the deadlock strikes inside
a savepoint (``begin_nested``), where InnoDB rolls back the whole
transaction and the savepoint with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from ml2core_testdrivers.reliability import LOCK_PLAN  # type: ignore[import-untyped]

from ml2core import Context
from tests.reliability.conftest import Figures, assert_consistent

pytestmark = pytest.mark.db_server

ADMIN = Context.admin()
ROUNDS = 3
GROUPS: dict[str, dict[str, Any]] = {
    "ml2": {"project_network_types": ["vxlan"], "mechanism_drivers": ["lockorder"]},
    "ml2_type_vxlan": {"vni_ranges": ["100:199"]},
}


@pytest.fixture(autouse=True)
def _plan() -> Iterator[None]:
    LOCK_PLAN.reset()
    yield
    LOCK_PLAN.reset()


@pytest.mark.parametrize("savepoint", [False, True], ids=["plain", "in-savepoint"])
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_deadlock_between_two_controllers_is_retried_and_both_succeed(
    backend: str,
    savepoint: bool,
    server_database: Any,
    plugins: Any,
    caplog: pytest.LogCaptureFixture,
    figures: Figures,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ml2core.db.errors")
    url = server_database(backend)
    first, second = plugins(url, **GROUPS), plugins(url, **GROUPS)
    anchor_a = first.create_network(ADMIN, {"name": "anchor-a"})["id"]
    anchor_b = first.create_network(ADMIN, {"name": "anchor-b"})["id"]
    retried = 0
    for round_ in range(ROUNDS):
        LOCK_PLAN.reset(savepoint=savepoint)
        one = first.create_network(ADMIN, {"name": f"deadlock-{round_}-ab"})
        two = first.create_network(ADMIN, {"name": f"deadlock-{round_}-ba"})
        LOCK_PLAN.order[one["name"]] = (anchor_a, anchor_b)
        LOCK_PLAN.order[two["name"]] = (anchor_b, anchor_a)
        results: dict[str, Any] = {}

        def update(plugin: Any, net: dict[str, Any], results: dict[str, Any] = results) -> None:
            try:
                results[net["name"]] = plugin.update_network(ADMIN, net["id"], {"admin_state_up": False})
            except BaseException as exc:
                results[net["name"]] = exc

        threads = [
            threading.Thread(target=update, args=(first, one)),
            threading.Thread(target=update, args=(second, two)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads)
        assert LOCK_PLAN.errors == []
        for net in (one, two):
            result = results[net["name"]]
            assert isinstance(result, dict), repr(result)
            assert result["admin_state_up"] is False
            assert second.get_network(ADMIN, net["id"])["admin_state_up"] is False
        # Exactly one of the two was the victim and ran a second attempt.
        assert sorted(LOCK_PLAN.attempts.values()) == [1, 2]
        retried += 1
    assert caplog.text.count("retrying update_network") == ROUNDS
    if not savepoint:  # inside a savepoint, InnoDB's deadlock surfaces as the lost savepoint
        assert caplog.text.lower().count("deadlock") >= ROUNDS
    assert_consistent(first)
    where = " inside a savepoint" if savepoint else ""
    figures(
        f"deadlock {backend}{where}: {retried} real deadlocks between two controllers, "
        "each retried, all succeeded"
    )
