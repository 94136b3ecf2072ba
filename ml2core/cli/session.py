"""What every command works with: the configuration, the plugin, an admin context, name lookup.

The configuration comes from ``--config-file`` (oslo.config files, as the
controllers read); the database from ``--db-url`` or ``[database]
connection``. Both are built on first use, so ``--help`` and ``config
sample`` never touch a database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from oslo_config import cfg

from ml2core import Context, Ml2Plugin
from ml2core import config as ml2_config
from ml2core.cli.errors import CliError
from ml2core.exceptions import NotFound

__all__ = ["Session", "find_one"]


def find_one(
    kind: str,
    ref: str,
    get: Callable[[str], dict[str, Any]],
    by_name: Callable[[str], list[dict[str, Any]]],
) -> dict[str, Any]:
    """The resource whose ID is ``ref``, else the only one named ``ref``; CliError otherwise."""
    try:
        return get(ref)
    except NotFound:
        pass
    matches = by_name(ref)
    if not matches:
        raise CliError(f"No {kind} with a name or ID of '{ref}' exists.")
    if len(matches) > 1:
        raise CliError(f"More than one {kind} exists with the name '{ref}'; use its ID.")
    return matches[0]


class Session:
    """Configuration, plugin and admin context for one command (close it at the end)."""

    def __init__(
        self,
        config_files: Sequence[str] = (),
        db_url: str | None = None,
        *,
        out: TextIO,
        err: TextIO,
    ) -> None:
        self.config_files = list(config_files)
        self._db_url = db_url
        self.out = out
        self.err = err
        self.ctx = Context.admin()
        self._conf: cfg.ConfigOpts | None = None
        self._plugin: Ml2Plugin | None = None

    @property
    def conf(self) -> cfg.ConfigOpts:
        """The parsed configuration files (CliError for a missing or unparseable file)."""
        if self._conf is None:
            for path in self.config_files:
                if not os.path.isfile(path):
                    raise CliError(f"config file {path} not found")
            try:
                self._conf = ml2_config.new_conf(config_files=self.config_files)
            except cfg.ConfigFileParseError as exc:
                raise CliError(f"config file {exc.config_file} is malformed: {exc.msg}") from exc
            except cfg.Error as exc:
                raise CliError(f"configuration: {str(exc).strip().splitlines()[0]}") from exc
        return self._conf

    @property
    def db_url(self) -> str:
        """``--db-url`` (even empty: make_engine then says so), else ``[database] connection``."""
        if self._db_url is not None:
            return self._db_url
        return str(self.conf.database.connection)

    @property
    def plugin(self) -> Ml2Plugin:
        """An ``Ml2Plugin`` on the configured database (made on first use).

        Says on stderr, in one line, which default it falls back to when
        neither ``--config-file`` nor ``--db-url`` chose.
        """
        if self._plugin is None:
            notice = self.fallback_notice()
            if notice:
                print(f"ml2core: {notice}", file=self.err)
            self._plugin = Ml2Plugin(self.conf, db_url=self.db_url)
        return self._plugin

    def fallback_notice(self) -> str | None:
        """The default database (and configuration) this command falls back to, or None.

        None when ``--db-url`` or a config file's ``[database] connection``
        chose the database: then the caller chose where it works.
        """
        if self._db_url is not None:
            return None
        location = self.conf.get_location("connection", "database")
        if location is not None and location.location != cfg.Locations.opt_default:
            return None
        url = self.db_url
        path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
        shown = f"{url} ({os.path.abspath(path)})" if path else url
        if self.config_files:
            return f"no [database] connection in the config files: using the default database {shown}"
        return (
            f"no --config-file or --db-url given: using the default database {shown} "
            "and the default configuration (no mechanism drivers: nothing binds)"
        )

    def close(self) -> None:
        """Close the plugin if one was made."""
        if self._plugin is not None:
            self._plugin.close()
            self._plugin = None

    # -- finding resources by ID or name ---------------------------------------------
    def network(self, ref: str) -> dict[str, Any]:
        """The network with ID or unique name ``ref``."""
        p, c = self.plugin, self.ctx
        return find_one(
            "network", ref, lambda i: p.get_network(c, i), lambda n: p.get_networks(c, {"name": [n]})
        )

    def subnet(self, ref: str) -> dict[str, Any]:
        """The subnet with ID or unique name ``ref``."""
        p, c = self.plugin, self.ctx
        return find_one(
            "subnet", ref, lambda i: p.get_subnet(c, i), lambda n: p.get_subnets(c, {"name": [n]})
        )

    def port(self, ref: str) -> dict[str, Any]:
        """The port with ID or unique name ``ref``."""
        p, c = self.plugin, self.ctx
        return find_one("port", ref, lambda i: p.get_port(c, i), lambda n: p.get_ports(c, {"name": [n]}))

    def segment_range(self, ref: str) -> dict[str, Any]:
        """The network segment range with ID or unique name ``ref``."""
        p, c = self.plugin, self.ctx
        return find_one(
            "network segment range",
            ref,
            lambda i: p.get_network_segment_range(c, i),
            lambda n: p.get_network_segment_ranges(c, {"name": [n]}) if n else [],
        )
