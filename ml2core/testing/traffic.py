"""Traffic between test namespaces: pings (one-off, retried, continuous) and packet captures.

Each helper runs ``ping`` or ``tcpdump`` inside a namespace through ``ip
netns exec`` (iputils-ping, tcpdump; root needed) and stops what it started
also when the test fails. Re-exported by :mod:`ml2core.testing.netns`.
"""

from __future__ import annotations

import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from types import TracebackType
from typing import IO

from ml2core.testing._commands import HostError, run_command

__all__ = ["ContinuousPing", "PacketCapture", "PingResult", "ping", "wait_for_ping"]


@dataclass(frozen=True)
class PingResult:
    """Outcome of one ``ping`` run."""

    ok: bool
    transmitted: int
    received: int
    elapsed: float
    output: str

    def __bool__(self) -> bool:
        return self.ok


def ping(
    netns: str,
    address: str,
    *,
    count: int = 1,
    deadline: float = 2.0,
    interval: float = 0.2,
    size: int | None = None,
    dont_fragment: bool = False,
) -> PingResult:
    """Ping ``address`` from namespace ``netns``; blocks at most ``deadline`` s.

    ``ok`` means every one of the ``count`` echoes was answered (no
    duplicates tolerated as success: iputils exits 0 then too, so the
    counts are checked). ``size`` is the ICMP payload; with
    ``dont_fragment`` the packet must fit the path MTU (``-M do``).
    """
    argv = [
        "ip",
        "netns",
        "exec",
        netns,
        "ping",
        "-n",
        "-q",
        "-c",
        str(count),
        "-i",
        str(interval),
        "-w",
        f"{deadline:g}",
        "-W",
        f"{deadline:g}",
    ]
    if size is not None:
        argv += ["-s", str(size)]
    if dont_fragment:
        argv += ["-M", "do"]
    argv.append(address)
    start = time.monotonic()
    proc = run_command(argv, check=False, timeout=deadline + 10)
    elapsed = time.monotonic() - start
    output = proc.stdout + proc.stderr
    match = re.search(r"(\d+) packets transmitted, (\d+) received", output)
    sent, got = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    ok = proc.returncode == 0 and got >= count and "duplicates" not in output
    return PingResult(ok=ok, transmitted=sent, received=got, elapsed=elapsed, output=output)


def wait_for_ping(
    netns: str,
    address: str,
    *,
    timeout: float = 8.0,
    count: int = 1,
    size: int | None = None,
    dont_fragment: bool = False,
) -> PingResult:
    """Retry :func:`ping` until it succeeds or ``timeout`` s have passed.

    The first packets over a fresh bridge or tunnel can take about a
    second (link watch, ARP, OVS tunnel neighbour resolution). Returns the
    last result; check ``.ok``.
    """
    end = time.monotonic() + timeout
    result = ping(netns, address, count=count, deadline=1.0, size=size, dont_fragment=dont_fragment)
    while not result.ok and time.monotonic() < end:
        remaining = max(0.5, min(2.0, end - time.monotonic()))
        result = ping(netns, address, count=count, deadline=remaining, size=size, dont_fragment=dont_fragment)
    return result


class ContinuousPing:
    """A ping running for the duration of a ``with`` (e.g. across an agent restart).

    Starts ``ping -i <interval>`` from ``netns`` on ``__enter__``; on
    ``__exit__`` stops it (SIGINT, so it prints its summary) and fills
    :attr:`transmitted`, :attr:`received` and :attr:`lost`. Start it once
    the path works (see :func:`wait_for_ping`): losses then mean a
    disruption.
    """

    def __init__(self, netns: str, address: str, *, interval: float = 0.05) -> None:
        self.netns = netns
        self.address = address
        self.interval = interval
        self.transmitted = 0
        self.received = 0
        self.output = ""
        self._proc: subprocess.Popen[str] | None = None

    @property
    def lost(self) -> int:
        """Echo requests without a reply."""
        return self.transmitted - self.received

    def __enter__(self) -> ContinuousPing:
        argv = ["ip", "netns", "exec", self.netns, "ping", "-n", "-i", f"{self.interval:g}", self.address]
        self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        # The last request may still be in flight: give it one round trip's time.
        time.sleep(min(0.2, 4 * self.interval))
        proc.send_signal(signal.SIGINT)
        try:
            self.output, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.output, _ = proc.communicate()
        match = re.search(r"(\d+) packets transmitted, (\d+) received", self.output)
        if match:
            self.transmitted, self.received = int(match.group(1)), int(match.group(2))


class PacketCapture:
    """``tcpdump`` on one interface of a namespace, for the duration of a ``with``.

    ``__enter__`` returns once tcpdump is listening. After the block,
    :attr:`lines` holds one line per captured packet (link-level headers
    included, ``-e``), so a test can assert a VLAN tag or a VNI.
    """

    def __init__(self, netns: str, interface: str, bpf_filter: str = "", *, count: int = 20) -> None:
        self.netns = netns
        self.interface = interface
        self.bpf_filter = bpf_filter
        self.count = count
        self.lines: list[str] = []
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    def __enter__(self) -> PacketCapture:
        argv = [
            "ip",
            "netns",
            "exec",
            self.netns,
            "tcpdump",
            "-l",
            "-nn",
            "-e",
            "-U",
            "-c",
            str(self.count),
            "-i",
            self.interface,
        ]
        if self.bpf_filter:
            argv += self.bpf_filter.split()
        # tcpdump says "listening on" (stderr) once its filter is attached;
        # a file, not a pipe, so the banner can be polled without buffering games.
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        end = time.monotonic() + 5.0
        while "listening on" not in self._banner():
            if time.monotonic() > end or self._proc.poll() is not None:
                banner = self._banner()
                self._stop()
                raise HostError(f"tcpdump on {self.netns}/{self.interface} did not start: {banner}")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _banner(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()

    def _stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        # Give in-flight packets a moment to be printed before stopping.
        try:
            out, _ = proc.communicate(timeout=0.3)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                out, _ = proc.communicate(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
        self.lines = [line for line in out.splitlines() if line.strip()]
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
