"""A range update or delete never strands an ID a concurrent allocation is taking from it.

On SQLite writers are serialized, so only the servers can interleave. The
test holds an allocation in flight (an uncommitted row of another
transaction makes its claim wait), then changes the range from a second
thread: that change must wait for the allocation and then see it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ml2core import Context, Ml2Plugin
from ml2core.exceptions import SegmentRangeInUse
from tests.conftest import SERVER_PARAMS, PluginFactory
from tests.db.segments.conftest import DbView, conf

ADMIN = Context.admin()
pytestmark = pytest.mark.parametrize("backend", SERVER_PARAMS, indirect=True)


def waiting(view: DbView) -> int:
    """How many statements of other sessions are stuck right now (waiting for a lock)."""
    if view.engine.dialect.name == "postgresql":
        query = "SELECT COUNT(*) FROM pg_locks WHERE NOT granted"
    else:
        # A locking read waiting for a row lock shows as a running query here
        # (innodb_trx does not always list it).
        query = (
            "SELECT COUNT(*) FROM information_schema.processlist "
            "WHERE command = 'Query' AND id <> CONNECTION_ID() AND info LIKE '%ml2core_%'"
        )
    with view.engine.connect() as conn:
        return int(conn.execute(sa.text(query)).scalar_one())


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


class InThread:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as exc:  # inspected by the test
            self.error = exc

    def done(self) -> bool:
        return not self.thread.is_alive()


@pytest.fixture
def blocker(view: DbView) -> Iterator[sa.Connection]:
    """A transaction holding an uncommitted allocation row of VNI 5000."""
    conn = view.engine.connect()
    trans = conn.begin()
    conn.execute(
        sa.text(
            "INSERT INTO ml2core_segment_allocations (network_type, physical_network, segmentation_id) "
            "VALUES ('vxlan', '', 5000)"
        )
    )
    yield conn
    if trans.is_active:
        trans.rollback()
    conn.close()


def _allocation_in_flight(plugin: Ml2Plugin, view: DbView) -> InThread:
    create = InThread(lambda: plugin.create_network(Context("p1"), {}))
    assert wait_until(lambda: waiting(view) >= 1), "the allocation never reached its claim"
    return create


def _plugin(make_plugin: PluginFactory) -> tuple[Ml2Plugin, str]:
    plugin = make_plugin(**conf(ml2={"project_network_types": ["vxlan"]}, ml2_type_vxlan={"vni_ranges": []}))
    body = {"network_type": "vxlan", "minimum": 5000, "maximum": 5000, "shared": False, "project_id": "p1"}
    return plugin, plugin.create_network_segment_range(ADMIN, body)["id"]


def test_delete_waits_for_an_allocation_from_the_range(
    make_plugin: PluginFactory, view: DbView, blocker: sa.Connection
) -> None:
    plugin, range_id = _plugin(make_plugin)
    create = _allocation_in_flight(plugin, view)
    delete = InThread(lambda: plugin.delete_network_segment_range(ADMIN, range_id))
    wait_until(lambda: delete.done() or waiting(view) >= 2)
    blocker.rollback()  # the allocation's claim of 5000 now goes through
    create.thread.join(30)
    delete.thread.join(30)
    assert create.error is None
    assert isinstance(delete.error, SegmentRangeInUse)
    assert plugin.get_network_segment_range(ADMIN, range_id)["used"] == {5000: "p1"}


def test_shrink_waits_for_an_allocation_from_the_range(
    make_plugin: PluginFactory, view: DbView, blocker: sa.Connection
) -> None:
    plugin, range_id = _plugin(make_plugin)
    create = _allocation_in_flight(plugin, view)
    moved = {"minimum": 5001, "maximum": 5001}
    update = InThread(lambda: plugin.update_network_segment_range(ADMIN, range_id, moved))
    wait_until(lambda: update.done() or waiting(view) >= 2)
    blocker.rollback()
    create.thread.join(30)
    update.thread.join(30)
    assert create.error is None
    assert isinstance(update.error, SegmentRangeInUse)
