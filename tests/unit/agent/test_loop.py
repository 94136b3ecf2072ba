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

    with caplog.at_level(logging.WARNING, logger="drivers.agent"):
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


class _FakeStop:
    """A stop event for :meth:`Agent.run` on a fake clock: records each wait, stops after ``waits``."""

    def __init__(self, now: list[float], waits: int) -> None:
        self.now = now
        self.limit = waits
        self.waits: list[float] = []

    def is_set(self) -> bool:
        return len(self.waits) >= self.limit

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(round(timeout or 0.0, 6))
        self.now[0] += timeout or 0.0
        return self.is_set()


class _OutageClient(FakeClient):
    """Every call fails as a database outage does until ``up`` is set."""

    def __init__(self) -> None:
        super().__init__([port_info("a")])
        self.up = False
        self.calls = 0

    def _check(self) -> None:
        self.calls += 1
        if not self.up:
            raise DatabaseError(
                operation="get_host_ports",
                reason='OperationalError: connection failed: connection to server at "127.0.0.1", '
                "port 5432 failed: Connection refused\n\tIs the server running on that host?",
            )

    def report_state(self, state: dict[str, Any]) -> dict[str, Any]:
        self._check()
        return super().report_state(state)

    def get_host_ports(self, host: str, agent_type: str | None = None) -> list[dict[str, Any]]:
        self._check()
        return super().get_host_ports(host, agent_type)


def test_a_database_outage_is_one_warning_line_per_failure_with_exponential_backoff(
    make_agent: MakeAgent, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    agent, _ = make_agent(polling_interval=0.5, report_interval=4)
    client = _OutageClient()
    agent = Agent(agent.conf, client, agent.backend, clock=lambda: now[0])
    stop = _FakeStop(now, waits=7)

    with caplog.at_level(logging.DEBUG, logger="drivers.agent"):
        agent.run(stop)  # type: ignore[arg-type]

    # 0.5 s doubled per failed pass, at most report_interval.
    assert stop.waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    # Each pass: the state report fails, then fetching the ports fails; one line each.
    assert len(warnings) == 2 * 7
    for record in warnings:
        assert record.exc_info is None and "\n" not in record.getMessage()
        assert "Connection refused Is the server running" in record.getMessage()
    tracebacks = [r for r in caplog.records if r.exc_info is not None]
    assert tracebacks and all(r.levelno == logging.DEBUG for r in tracebacks)


def test_the_backoff_ends_when_the_database_is_back(make_agent: MakeAgent) -> None:
    now = [0.0]
    agent, _ = make_agent(polling_interval=0.5, report_interval=4)
    client = _OutageClient()
    agent = Agent(agent.conf, client, agent.backend, clock=lambda: now[0])

    agent.run(_FakeStop(now, waits=4))  # type: ignore[arg-type]
    client.up = True
    stop = _FakeStop(now, waits=3)
    agent.run(stop)  # type: ignore[arg-type]

    assert stop.waits[-2:] == [0.5, 0.5]
    assert client.reports and client.reports[0]["start_flag"] is True
