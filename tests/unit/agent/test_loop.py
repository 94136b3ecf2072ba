"""One agent pass and the loop, on a fake client and backend."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest

from drivers.agent import Agent
from ml2core.exceptions import DatabaseError, DataplaneError, PortNotFound
from tests.unit.agent.fakes import HOST, FakeBackend, FakeClient, port_info

MakeAgent = Callable[..., tuple[Agent, FakeClient]]


def test_first_pass_reports_with_start_flag_then_fetches_this_hosts_ports(make_agent: MakeAgent) -> None:
    agent, client = make_agent([port_info("a")])

    agent.run_once()

    assert [r["start_flag"] for r in client.reports] == [True]
    assert client.reports[0]["agent_type"] == "Fake agent" and client.reports[0]["host"] == HOST
    assert client.fetches == [(HOST, "Fake agent")]


def test_vendor_backend_reports_its_own_configurations_and_what_it_lacks(make_agent: MakeAgent) -> None:
    agent, client = make_agent()

    agent.run_once()

    configurations = client.reports[0]["configurations"]
    assert configurations["interface_mappings"] == {"physnet1": "eth1"}
    assert configurations["tunnel_types"] == ["vxlan"]
    assert configurations["dataplane"]["unavailable"]["gre"] == "no gre here"


def test_realized_ports_are_reported_active_once(make_agent: MakeAgent) -> None:
    agent, client = make_agent([port_info("a"), port_info("b")])

    first, second = agent.run_once(), agent.run_once()

    assert first.status_updates == {"a": "ACTIVE", "b": "ACTIVE"}
    assert second.status_updates == {} and client.updates == [("a", "ACTIVE", HOST), ("b", "ACTIVE", HOST)]


def test_admin_down_and_failed_ports_are_reported_down(make_agent: MakeAgent, backend: FakeBackend) -> None:
    agent, _client = make_agent(
        [
            port_info("up", "DOWN"),
            port_info("off", "ACTIVE", admin_state_up=False),
            port_info("bad", "ACTIVE"),
        ]
    )
    backend.errors = {"bad": "tap missing"}

    result = agent.run_once()

    assert result.status_updates == {"up": "ACTIVE", "off": "DOWN", "bad": "DOWN"}


def test_a_port_realized_later_goes_active(make_agent: MakeAgent, backend: FakeBackend) -> None:
    agent, _client = make_agent([port_info("a")])
    backend.errors = {"a": "tap missing"}
    agent.run_once()
    backend.errors = {}

    assert agent.run_once().status_updates == {"a": "ACTIVE"}


def test_port_errors_are_logged_once_until_they_change(
    make_agent: MakeAgent, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    agent, _ = make_agent([port_info("a")])
    backend.errors = {"a": "tap missing"}

    with caplog.at_level(logging.WARNING, logger="drivers.agent"):
        agent.run_once()
        agent.run_once()

    assert [r.getMessage() for r in caplog.records] == ["port a cannot be realized: tap missing"]


def test_a_failed_state_report_does_not_stop_the_pass(make_agent: MakeAgent) -> None:
    agent, client = make_agent([port_info("a")])
    client.report_error = DatabaseError(reason="database is locked")

    result = agent.run_once()

    assert result.report_error is not None and "locked" in result.report_error
    assert result.status_updates == {"a": "ACTIVE"} and not result.ok


def test_start_flag_stays_until_a_report_goes_through(make_agent: MakeAgent) -> None:
    agent, client = make_agent()
    client.report_error = DatabaseError(reason="database is locked")
    agent.run_once()
    client.report_error = None

    agent.run_once()

    assert [r["start_flag"] for r in client.reports] == [True]


def test_reports_follow_report_interval(make_agent: MakeAgent) -> None:
    now = [0.0]
    client = FakeClient()
    agent, _ = make_agent(report_interval=30)
    agent = Agent(agent.conf, client, agent.backend, clock=lambda: now[0])

    for t in (0.0, 10.0, 29.0, 31.0, 40.0):
        now[0] = t
        agent.run_once()

    assert [r["start_flag"] for r in client.reports] == [True, False]


def test_a_refused_status_update_is_recorded_and_sent_again(make_agent: MakeAgent) -> None:
    agent, client = make_agent([port_info("a"), port_info("b")])
    client.update_errors = {"a": DatabaseError(reason="lost connection")}

    first = agent.run_once()
    client.update_errors = {}
    second = agent.run_once()

    assert first.failed_updates == {"a": "ACTIVE"} and first.status_updates == {"b": "ACTIVE"}
    assert second.status_updates == {"a": "ACTIVE"}


def test_a_port_deleted_meanwhile_is_skipped_quietly(make_agent: MakeAgent) -> None:
    agent, client = make_agent([port_info("a")])
    client.update_errors = {"a": PortNotFound(port_id="a")}

    result = agent.run_once()

    assert result.ok and result.status_updates == {}


def test_a_sync_failure_raises_from_the_pass_and_sends_no_status(
    make_agent: MakeAgent, backend: FakeBackend
) -> None:
    agent, client = make_agent([port_info("a")])
    backend.fail_next = DataplaneError(operation="sync", reason="OVSDB unreachable")

    with pytest.raises(DataplaneError):
        agent.run_once()

    assert client.updates == []


def test_the_loop_logs_a_failing_pass_and_goes_on(
    make_agent: MakeAgent, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    agent, client = make_agent([port_info("a")], polling_interval=0.05)
    backend.fail_next = DataplaneError(operation="sync", reason="OVSDB unreachable")
    stop = threading.Event()
    original = backend.sync

    def sync_then_stop(infos: Any) -> Any:
        report = original(infos)
        stop.set()
        return report

    backend.sync = sync_then_stop  # type: ignore[method-assign,assignment]

    with caplog.at_level(logging.ERROR, logger="drivers.agent"):
        agent.run(stop)

    assert "pass failed" in caplog.text and "OVSDB unreachable" in caplog.text
    assert client.updates == [("a", "ACTIVE", HOST)]


def test_the_loop_returns_at_once_when_stop_is_set_while_it_waits(make_agent: MakeAgent) -> None:
    agent, _ = make_agent(polling_interval=60)
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    thread = threading.Thread(target=agent.run, args=(stop,))

    thread.start()
    thread.join(timeout=5)

    assert not thread.is_alive()


def test_start_initializes_the_backend_once_and_close_closes_it(
    make_agent: MakeAgent, backend: FakeBackend
) -> None:
    agent, _ = make_agent()

    with agent:
        agent.start()
        agent.run_once()
    agent.close()

    assert (backend.initialized, backend.closed) == (1, 1)
