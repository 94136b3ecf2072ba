"""Stopping cleanly: SIGTERM / SIGINT ask the agent to stop after the pass in progress."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any

__all__ = ["StopOnSignal"]


class StopOnSignal:
    """While entered, SIGTERM and SIGINT set :attr:`event` (and :attr:`received`) instead of killing.

    The agent finishes its current pass, closes its backend and exits 0.
    A second signal raises ``KeyboardInterrupt`` in the main thread: stop
    now (the host is left as the pass left it; the next agent's first
    sync repairs it). Once :meth:`closing` is called (the agent is closing
    its connections anyway), signals change nothing: the exit code stays
    what it would have been. Processes forked while it is active (pyroute2's
    namespace helpers) keep the default behaviour. Enter from the main
    thread only (Python delivers signals there).
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.event = threading.Event()
        #: The first signal received, if any.
        self.received: int | None = None
        self._pid = os.getpid()
        self._previous: dict[int, Any] = {}
        self._closing = False

    def closing(self) -> None:
        """From now on a signal is only noted: the process is closing and exits as planned."""
        self._closing = True
        self.event.set()

    def __enter__(self) -> StopOnSignal:
        self._pid = os.getpid()
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self._pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if self._closing:
            if self.received is None:
                self.received = signum
            return
        if self.event.is_set():
            raise KeyboardInterrupt
        self.received = signum
        self.event.set()
