"""``ml2core-agent``: the console script.

    ml2core-agent --config-file /etc/ml2core/ml2core.conf [--config-file host.conf] [--once] [--debug]

Exit codes: 0 after a clean stop (SIGTERM / SIGINT: the pass in progress
is finished and the backend closed) or a ``--once`` pass in which every
port was realized; 1 when the dataplane or the plugin cannot be reached,
or a ``--once`` pass failed, also when only some of its ports could not be
realized (they are reported ``DOWN``, and stderr names them); 2 for a configuration error (one line on stderr
naming the option); 130 when a second signal interrupted the pass.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from oslo_config import cfg

from drivers.agent import config, profiles
from drivers.agent.loop import Agent
from drivers.agent.signals import StopOnSignal
from ml2core import LocalHostClient, Ml2Plugin
from ml2core.api.config_files import parse
from ml2core.exceptions import ConfigError, DriverLoadError, DriverNotFound, Ml2CoreError

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "PROG", "main"]

PROG = "ml2core-agent"
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_CONFIG_ERRORS = (ConfigError, DriverNotFound, DriverLoadError, cfg.Error)

LOG = logging.getLogger("drivers.agent")


def _one_line(text: str) -> str:
    # oslo.config names where a bad value came from with a LocationInfo repr: keep the file only.
    text = re.sub(r"from LocationInfo\(.*?detail='([^']*)'\)", r"in \1", text)
    return " ".join(text.split())


def _fail(err: TextIO, message: object, code: int) -> int:
    err.write(f"{PROG}: error: {_one_line(str(message))}\n")
    return code


def _parse(argv: Sequence[str], err: TextIO) -> cfg.ConfigOpts | int:
    conf = cfg.ConfigOpts()
    config.register_cli_opts(conf)
    config.register_opts(conf)
    try:
        parse(
            conf,
            argv,
            project="ml2core",
            prog=PROG,
            default_config_files=[],
            default_config_dirs=[],
            validate_default_values=True,
        )
    except (cfg.Error, ConfigError) as exc:
        return _fail(err, exc, EXIT_USAGE)
    except SystemExit as exc:  # argparse: --help, or an unknown argument (usage already printed)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    return conf


def _setup_logging(debug: bool, err: TextIO) -> Callable[[], None]:
    """Log to ``err``; returns the function undoing it (``main`` may run in a caller's process)."""
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    ours = [logging.getLogger(name) for name in ("drivers", "ml2core")]
    saved = [(logger, logger.level) for logger in (root, *ours)]
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries (alembic, ovsdbapp) only when something is wrong
    for logger in ours:
        logger.setLevel(logging.DEBUG if debug else logging.INFO)

    def undo() -> None:
        root.removeHandler(handler)
        for logger, level in saved:
            logger.setLevel(level)

    return undo


class _Unconnected:
    """The agent's client until the plugin is built (after the backend started); never called."""

    def report_state(self, state: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("ml2core-agent: not connected to the plugin yet")

    def get_host_ports(self, host: str, agent_type: str | None = None) -> list[dict[str, Any]]:
        raise RuntimeError("ml2core-agent: not connected to the plugin yet")

    def update_port_status(self, port_id: str, status: str, host: str) -> None:
        raise RuntimeError("ml2core-agent: not connected to the plugin yet")


def main(argv: Sequence[str] | None = None, *, err: TextIO | None = None) -> int:
    """Run the agent with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Blocks until stopped by a signal, or for one pass with ``--once``.
    Never raises: every failure is one line on ``err`` (default stderr)
    and an exit code (see the module docstring).
    """
    err = err or sys.stderr
    parsed = _parse(sys.argv[1:] if argv is None else argv, err)
    if isinstance(parsed, int):
        return parsed
    undo_logging = _setup_logging(bool(parsed.debug), err)
    try:
        return _run(parsed, err)
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, or an error a backend failed to wrap
        LOG.debug("unexpected error", exc_info=True)
        return _fail(err, f"{type(exc).__name__}: {exc}", EXIT_ERROR)
    finally:
        undo_logging()


def _run(conf: cfg.ConfigOpts, err: TextIO) -> int:
    try:
        settings = config.load(conf)
        backend = profiles.load_backend(settings.backend)
    except _CONFIG_ERRORS as exc:
        return _fail(err, exc, EXIT_USAGE)
    plugin: Ml2Plugin | None = None
    agent: Agent | None = None
    with StopOnSignal() as stop:
        try:
            try:
                # The host side first: a bad backend option fails before the database is touched.
                agent = Agent(conf, _Unconnected(), backend)
                agent.start()
                plugin = Ml2Plugin(conf)
                agent.client = LocalHostClient(plugin)
            except _CONFIG_ERRORS as exc:
                return _fail(err, exc, EXIT_USAGE)
            except Ml2CoreError as exc:
                return _fail(err, exc, EXIT_ERROR)
            if conf.once:
                return _once(agent, err)
            agent.run(stop.event)
            if stop.received is not None:
                LOG.info("stopped by %s", signal.Signals(stop.received).name)
            return EXIT_OK
        finally:
            # Closing is stopping already: another SIGTERM now must not turn a clean stop into rc 143.
            stop.closing()
            (agent or backend).close()
            if plugin is not None:
                plugin.close()


def _once(agent: Agent, err: TextIO) -> int:
    try:
        result = agent.run_once()
    except Exception as exc:
        LOG.debug("pass failed", exc_info=True)
        return _fail(err, f"pass failed: {exc}", EXIT_ERROR)
    if result.report_error is not None:
        return _fail(err, f"state report failed: {result.report_error}", EXIT_ERROR)
    if result.failed_updates:
        return _fail(err, f"status updates failed for {', '.join(sorted(result.failed_updates))}", EXIT_ERROR)
    if result.sync.errors:
        failed = "; ".join(f"{port}: {reason}" for port, reason in sorted(result.sync.errors.items()))
        return _fail(err, f"{len(result.sync.errors)} port(s) could not be realized: {failed}", EXIT_ERROR)
    return EXIT_OK
