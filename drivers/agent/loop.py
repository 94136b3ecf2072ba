"""The agent: report this host's state, fetch its ports, sync the backend, report port statuses.

One thread does everything (netlink namespace helpers fork, and a fork
beside a heartbeat thread could inherit a held lock). State reports are
therefore made between passes whenever ``report_interval`` has elapsed,
and at the start of a pass; a pass takes well under a second for
hundreds of ports, far below ``agent_down_time``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from oslo_config import cfg

from drivers.agent import config, profiles, state
from ml2core.api import HostClient
from ml2core.dataplane import DataplaneBackend, PortInfo, SyncReport
from ml2core.exceptions import Ml2CoreError, PortNotFound

__all__ = ["Agent", "PassResult", "one_line"]

LOG = logging.getLogger(__name__)


def one_line(exc: BaseException) -> str:
    """An exception as one log line (database drivers' messages span several)."""
    text = " ".join(str(exc).split())
    return text if isinstance(exc, Ml2CoreError) else f"{type(exc).__name__}: {text}"


@dataclass
class PassResult:
    """What one pass did."""

    #: Ports bound to this host (``get_host_ports``).
    ports: int = 0
    #: The backend's report (changes applied, per-port status and errors, ports removed).
    sync: SyncReport = field(default_factory=SyncReport)
    #: Statuses sent to the plugin (only those that changed).
    status_updates: dict[str, str] = field(default_factory=dict)
    #: Status updates the plugin refused (port gone, database error): sent again next pass.
    failed_updates: dict[str, str] = field(default_factory=dict)
    #: Why the state report of this pass failed, if it did (the pass went on).
    report_error: str | None = None
    #: Seconds the pass took, and of those the backend's sync.
    duration: float = 0.0
    sync_duration: float = 0.0

    @property
    def ok(self) -> bool:
        """The state report and every status update went through (port errors aside)."""
        return self.report_error is None and not self.failed_updates


class Agent:
    """A host agent on one backend, talking to the plugin only through a ``HostClient``.

    ``conf`` is the agent's ``ConfigOpts`` (parsed; ``[agent]`` is
    registered here, the backend registers its own groups). ``backend``
    defaults to a new one of ``[agent] backend`` (entry point); when
    given, it keeps a ``conf`` it already has. Construction raises
    ``ConfigError`` / ``DriverNotFound`` / ``DriverLoadError`` and touches
    nothing; :meth:`start` initializes the backend. Use as a context
    manager or call :meth:`close`. Not thread-safe: one caller at a time.
    """

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        client: HostClient,
        backend: DataplaneBackend | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        config.register_opts(conf)
        self.conf = conf
        self.settings = config.load(conf)
        self.client = client
        self.backend = backend if backend is not None else profiles.load_backend(self.settings.backend)
        if getattr(self.backend, "conf", None) is None:
            self.backend.conf = conf
        self.profile = profiles.profile_for(self.backend)
        self._clock = clock
        self._started = False
        self._closed = False
        self._first_report_done = False
        self._next_report = 0.0
        self._devices = 0
        self._errors: dict[str, str] = {}
        #: Consecutive failed passes and state reports (they set the back-off).
        self._failed_passes = 0
        self._failed_reports = 0

    # -- life cycle -------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The host this agent serves (``[agent] host``)."""
        return self.settings.host

    @property
    def agent_type(self) -> str:
        """The agent type it reports (by backend: ``Open vSwitch agent`` ...)."""
        return self.profile.agent_type

    def start(self) -> None:
        """Initialize the backend (idempotent).

        Blocks for the backend's probes and connections. Changes nothing
        that is already right on the host. Raises ``ConfigError`` for the
        backend's malformed options, ``DataplaneError`` when the dataplane
        cannot be reached.
        """
        if not self._started:
            self.backend.initialize()
            self._started = True
            LOG.info(
                "ml2core-agent for host %s: %s backend, reporting as %s",
                self.host,
                self.backend.name,
                self.agent_type,
            )

    def close(self) -> None:
        """Close the backend's connections (also after a failed :meth:`start`); the dataplane stays."""
        if not self._closed:
            self._closed = True
            self._started = False
            self.backend.close()

    def __enter__(self) -> Agent:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- state report -----------------------------------------------------------------

    def build_state(self) -> dict[str, Any]:
        """The state report as it would be sent now (``start_flag`` until one went through)."""
        self.start()
        description = self.backend.describe()
        types, left_out = profiles.tunnel_types(self.settings.tunnel_types, description)
        return state.build_state(
            host=self.host,
            agent_type=self.agent_type,
            backend_configurations=self.profile.configurations(self.backend.conf, self.backend),
            description=description,
            tunnel_types=types,
            tunneling_ip=self.profile.tunneling_ip(self.backend.conf),
            left_out=left_out,
            devices=self._devices,
            start_flag=not self._first_report_done,
        )

    def report_state(self) -> dict[str, Any]:
        """Send the state report now; returns the plugin's agent record.

        May block on the plugin. Raises what the client raises
        (``ml2core.exceptions`` errors); the next report is then due at
        once.
        """
        self._next_report = self._clock()
        report = self.build_state()
        agent = self.client.report_state(report)
        if not self._first_report_done:
            self._first_report_done = True
            for name, reason in report["configurations"]["dataplane"]["unavailable"].items():
                LOG.info("%s not offered on this host: %s", name, reason)
        self._next_report = self._clock() + self.settings.report_interval
        return agent

    def _report_if_due(self) -> str | None:
        if self._first_report_done and self._clock() < self._next_report:
            return None
        try:
            self.report_state()
        except Ml2CoreError as exc:
            self._failed_reports += 1
            retry = self._backoff(self._failed_reports)
            self._next_report = self._clock() + retry
            LOG.warning("state report failed (retried in %.1f s): %s", retry, one_line(exc))
            return str(exc)
        self._failed_reports = 0
        return None

    def _backoff(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row.

        ``polling_interval`` doubled each time, at most ``report_interval``:
        a database outage costs one line per try, not a flood.
        """
        base = float(self.settings.polling_interval)
        growth = float(2 ** max(0, min(failures - 1, 32)))
        return min(max(base, float(self.settings.report_interval)), base * growth)

    # -- one pass ---------------------------------------------------------------------

    def run_once(self) -> PassResult:
        """One pass: report state if due, fetch the host's ports, sync, send changed statuses.

        Blocks on the plugin and the dataplane. A failed state report or
        status update is logged and recorded in the result (and retried
        next pass); a port the backend cannot realize is ``DOWN`` with its
        reason logged once. Raises when the ports cannot be fetched or the
        backend cannot sync at all (``Ml2CoreError``, ``DataplaneError``):
        the host keeps its current state.
        """
        started = self._clock()
        self.start()
        result = PassResult(report_error=self._report_if_due())
        infos: list[PortInfo] = self.client.get_host_ports(self.host, self.agent_type)
        result.ports = len(infos)
        synced = self._clock()
        result.sync = self.backend.sync(infos)
        result.sync_duration = self._clock() - synced
        self._devices = len(infos)
        self._log_errors(result.sync)
        for port_id, status in state.status_updates(infos, result.sync).items():
            try:
                self.client.update_port_status(port_id, status, self.host)
            except PortNotFound:
                LOG.debug("port %s was deleted before its status %s could be recorded", port_id, status)
                continue
            except Ml2CoreError as exc:
                LOG.warning("could not record port %s %s (retried next pass): %s", port_id, status, exc)
                result.failed_updates[port_id] = status
                continue
            result.status_updates[port_id] = status
        result.duration = self._clock() - started
        busy = result.sync.changes or result.status_updates or result.sync.removed or result.failed_updates
        LOG.log(
            logging.INFO if busy else logging.DEBUG,
            "pass done: %d ports, %d changes, %d removed, %d status updates, %d errors "
            "in %.3f s (sync %.3f s)",
            result.ports,
            result.sync.changes,
            len(result.sync.removed),
            len(result.status_updates),
            len(result.sync.errors),
            result.duration,
            result.sync_duration,
        )
        return result

    def _log_errors(self, report: SyncReport) -> None:
        """Log each port error once when it appears or changes, and its recovery."""
        for port_id, reason in sorted(report.errors.items()):
            if self._errors.get(port_id) != reason:
                LOG.warning("port %s cannot be realized: %s", port_id, reason)
        for port_id in sorted(set(self._errors) - set(report.errors)):
            if port_id in report.port_status:
                LOG.info("port %s is realized again", port_id)
        self._errors = dict(report.errors)

    # -- the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Pass every ``polling_interval`` until ``stop`` is set; report state between passes when due.

        A failing pass is logged (one line) and retried after a back-off
        that doubles from ``polling_interval`` up to ``report_interval``
        while failures last. Returns
        after the pass in progress when ``stop`` is set (a signal handler
        may set it). Blocks for as long as it runs; raises only what
        :meth:`start` raises.
        """
        self.start()
        interval = self.settings.polling_interval
        next_pass = self._clock()
        while not stop.is_set():
            now = self._clock()
            if now >= next_pass:
                delay = interval
                try:
                    self.run_once()
                    self._failed_passes = 0
                except Exception as exc:
                    self._failed_passes += 1
                    delay = self._backoff(self._failed_passes)
                    # One line per failure; the traceback only with --debug.
                    LOG.warning("pass failed; retrying in %.1f s: %s", delay, one_line(exc))
                    LOG.debug("pass failure", exc_info=True)
                next_pass = max(now + delay, self._clock())
            elif self._first_report_done and now >= self._next_report:
                self._report_if_due()
            wake = min(next_pass, self._next_report) if self._first_report_done else next_pass
            stop.wait(max(0.0, wake - self._clock()))
