"""``ml2core config sample``: the sample configuration, generated from the option definitions.

Runs oslo.config's generator on the ``oslo.config.opts`` entry points
(namespaces ``ml2core`` and ``ml2core.mechanism_drivers`` by default; a
vendor's namespace may be added), exactly as ``oslo-config-generator``
would.
"""

from __future__ import annotations

import argparse
import io
import logging

from oslo_config import cfg, generator

from ml2core.cli.commands import Registry
from ml2core.cli.errors import CliError
from ml2core.cli.session import Session

__all__ = ["DEFAULT_NAMESPACES", "register", "sample_config"]

DEFAULT_NAMESPACES = ("ml2core", "ml2core.mechanism_drivers")


def sample_config(namespaces: tuple[str, ...] | list[str] = DEFAULT_NAMESPACES, wrap_width: int = 79) -> str:
    """The sample file for ``namespaces`` (CliError when a namespace has no entry point)."""
    conf = cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    argv = [arg for ns in namespaces for arg in ("--namespace", ns)]
    conf(
        [*argv, "--wrap-width", str(wrap_width)],
        project="ml2core",
        default_config_files=[],
        default_config_dirs=[],
    )
    buffer = io.StringIO()
    gen_log = logging.getLogger("oslo_config.generator")
    # The generator warns that it lower-cases Neutron's upper-case driver groups
    # (OVS_DRIVER); oslo.config matches group names case-insensitively, so the file works.
    previous = gen_log.level
    gen_log.setLevel(logging.ERROR)
    try:
        generator.generate(conf, output_file=buffer)
    except (ImportError, KeyError, RuntimeError) as exc:
        raise CliError(f"cannot generate the sample configuration: {exc}") from exc
    finally:
        gen_log.setLevel(previous)
    text = buffer.getvalue()
    if not text.strip():
        raise CliError(f"no options found in namespaces {', '.join(namespaces)}")
    return text


def _sample(session: Session, args: argparse.Namespace) -> int:
    namespaces = list(DEFAULT_NAMESPACES) + [ns for ns in args.namespaces if ns not in DEFAULT_NAMESPACES]
    text = sample_config(namespaces, args.wrap_width)
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror}") from exc
        session.err.write(f"Wrote the sample configuration to {args.output}\n")
    else:
        session.out.write(text)
    return 0


def register(registry: Registry) -> None:
    """Add ``config sample``."""
    verbs = registry.noun("config", "configuration files")
    p = registry.command(
        verbs,
        "sample",
        _sample,
        "print the sample configuration generated from the option definitions",
        "Generate the sample configuration (every option with its help, type, default and\n"
        "deprecated names) with oslo.config's generator, from the oslo.config.opts entry\n"
        "points of ml2core and its mechanism drivers, plus any --namespace given.",
        output=False,
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--namespace",
        dest="namespaces",
        action="append",
        default=[],
        help="another oslo.config.opts namespace to include (e.g. a vendor driver's)",
    )
    p.add_argument("--wrap-width", type=int, default=79, help="wrap help texts at this width (default 79)")
