"""Reading config files: a file that is not UTF-8 is a ConfigError naming it.

Public so that every program of the project (the controllers, the CLI,
``ml2core-agent``) and a vendor's own reports the same one line where
oslo.config lets a bare ``UnicodeDecodeError`` out, which names no file.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from typing import Any

from oslo_config import cfg

from ml2core.exceptions import ConfigError

__all__ = ["parse"]


def parse(conf: cfg.ConfigOpts, args: Sequence[str], **kwargs: Any) -> None:
    """``conf(args, **kwargs)``, but a config file that is not UTF-8 is a ConfigError naming it.

    oslo.config lets the bare ``UnicodeDecodeError`` out, which names no
    file; the files are those of ``--config-file`` / ``--config-dir`` in
    ``args`` and ``default_config_files``.
    """
    try:
        conf(list(args), **kwargs)
    except UnicodeDecodeError as exc:
        candidates = [*_file_args(args), *kwargs.get("default_config_files", [])]
        for path in candidates:
            problem = _not_utf8(path)
            if problem is not None:
                raise ConfigError(option="--config-file", entry=path, reason=problem) from exc
        reason = f"a file is not UTF-8 text: {exc}"
        raise ConfigError(option="--config-file", entry="", reason=reason) from exc


def _file_args(args: Sequence[str]) -> list[str]:
    """The files ``--config-file`` and ``--config-dir`` name in ``args``, in order."""
    paths: list[str] = []
    items = list(args)
    for i, arg in enumerate(items):
        for flag in ("--config-file", "--config-dir"):
            value = None
            if arg == flag and i + 1 < len(items):
                value = items[i + 1]
            elif arg.startswith(flag + "="):
                value = arg.split("=", 1)[1]
            if value is None:
                continue
            if flag == "--config-dir" and os.path.isdir(value):
                paths += sorted(glob.glob(os.path.join(value, "*.conf")))
            else:
                paths.append(value)
    return paths


def _not_utf8(path: str) -> str | None:
    """Where ``path`` stops being UTF-8 text, in words; None if it is (or cannot be read)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return (
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column {column} "
            "(save the file as UTF-8)"
        )
    return None
