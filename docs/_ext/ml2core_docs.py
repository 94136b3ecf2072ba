"""Sphinx extension for ml2core's documentation: pages generated from the code at build time.

Directives:

``.. ml2core-config-reference::``
    Every configuration option, by group, from the option definitions: the
    ``oslo.config.opts`` entry points whose names start with ``ml2core``
    (``ml2core``, ``ml2core.mechanism_drivers`` and any namespace added
    later, such as the host agent's), plus the groups of the host agent and
    the dataplane backends that no entry point lists yet. Rendered with
    ``oslo_config.sphinxext``, so options can be cross-referenced with
    ``:oslo.config:option:`group.name```.

``.. ml2core-sample-config::``
    A sample file as oslo.config's generator writes it. ``:kind:
    controller`` (default) is exactly what ``ml2core config sample`` prints;
    ``:kind: host`` holds the host agent's and the backends' groups.

``.. ml2core-console::``
    Runs each line of its content (an ``ml2core`` command line) through the
    real CLI, in a scratch directory holding ``ml2core.conf`` and a SQLite
    database, and shows the command and its output. A command that exits
    with a status other than ``:expect-status:`` (default 0) fails the
    build. The scratch directory lives for one build; the agents of its
    hosts are registered when it is made (as ``ml2core-agent`` would).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging as _logging
import shlex
import shutil
import tempfile
import types
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from oslo_config import cfg, generator
from oslo_config import sphinxext as oslo_sphinxext
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import nested_parse_with_titles

LOG = logging.getLogger(__name__)

#: Host-side option groups, by the module whose ``list_opts()`` gives them and who reads them.
HOST_OPTION_MODULES = (
    ("drivers.agent.config", "ml2core-agent"),
    ("drivers.linuxbridge.config", "ml2core-agent with the linuxbridge backend"),
    ("drivers.openvswitch.config", "ml2core-agent with the openvswitch backend"),
    ("drivers.sriov.config", "ml2core-agent with the sriov backend"),
)

#: Who reads the options of each entry-point namespace.
NAMESPACE_READERS = {
    "ml2core": "controllers (every Ml2Plugin), the ml2core CLI and ml2core-agent",
    "ml2core.mechanism_drivers": "controllers with that mechanism driver in [ml2] mechanism_drivers",
}


# -- where the options come from -----------------------------------------------------------


def config_namespaces() -> list[str]:
    """The ``oslo.config.opts`` entry points of ml2core itself (``ml2core``, ``ml2core.*``), ml2core first."""
    names = {
        ep.name
        for ep in metadata.entry_points(group="oslo.config.opts")
        if ep.name == "ml2core" or ep.name.startswith("ml2core.")
    }
    return sorted(names, key=lambda name: (name != "ml2core", name))


def _reader_of(namespace: str) -> str:
    """Who reads the options of a namespace not in :data:`NAMESPACE_READERS`."""
    if namespace.startswith("ml2core.dataplane."):
        return f"ml2core-agent with the {namespace.rsplit('.', 1)[1]} backend"
    if namespace.startswith("ml2core.agent"):
        return "ml2core-agent"
    return f"whatever loads the {namespace} options"


def _group_name(group: Any) -> str:
    if isinstance(group, cfg.OptGroup):
        return str(group.name)
    return str(group or "DEFAULT")


def option_groups(*, kinds: tuple[str, ...] = ("controller", "host")) -> list[tuple[str, str, list[cfg.Opt]]]:
    """``[(group, read_by, options)]``: every group once, each option once.

    Controller groups come first, in namespace order; then the host agent's
    ``[agent]`` and the backends' groups. A group listed by several sources
    is described by the most specific one (a backend's namespace or module
    before the agent's namespace, which may repeat the backends' groups).
    """
    namespaces = config_namespaces()
    host = [ns for ns in namespaces if ns.startswith(("ml2core.agent", "ml2core.dataplane"))]
    controller = [ns for ns in namespaces if ns not in host]
    host.sort(key=lambda ns: (not ns.startswith("ml2core.dataplane"), ns))
    # (reader, is a host group, [(group, options)]) in order of precedence.
    sources: list[tuple[str, bool, list[tuple[Any, list[cfg.Opt]]]]] = []
    if "controller" in kinds:
        for ns, groups in _listed(controller):
            sources.append((NAMESPACE_READERS.get(ns) or _reader_of(ns), False, groups))
    if "host" in kinds:
        listed = dict(_listed(host))
        sources += [(_reader_of(ns), True, listed[ns]) for ns in host if ns.startswith("ml2core.dataplane")]
        for module_name, reader in HOST_OPTION_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            sources.append((reader, True, list(module.list_opts())))
        agents = [ns for ns in host if not ns.startswith("ml2core.dataplane")]
        sources += [(_reader_of(ns), True, listed[ns]) for ns in agents]

    found: dict[str, tuple[str, str, list[cfg.Opt]]] = {}
    is_host: dict[str, bool] = {}
    for reader, host_group, groups in sources:
        for group, opts in groups:
            name = _group_name(group)
            key = name if name == "DEFAULT" else name.lower()
            entry = found.setdefault(key, (name, reader, []))
            is_host.setdefault(key, host_group)
            known = {opt.dest for opt in entry[2]}
            entry[2].extend(opt for opt in opts if opt.dest not in known)
    # Controller groups in namespace order, then [agent], then the backends' groups.
    order = sorted(found, key=lambda k: (is_host[k], is_host[k] and k != "agent"))
    return [found[k] for k in order]


def _listed(namespaces: list[str]) -> list[tuple[str, list[tuple[Any, list[cfg.Opt]]]]]:
    """``generator._list_opts`` of ``namespaces``, without its warning about upper-case groups."""
    if not namespaces:
        return []
    # The generator warns that it lower-cases Neutron's upper-case groups (OVS_DRIVER);
    # oslo.config matches group names case-insensitively, so that is expected.
    quiet = _logging.getLogger("oslo_config.generator")
    previous = quiet.level
    quiet.setLevel(_logging.ERROR)
    try:
        return [(ns, [(g, list(o)) for g, o in groups]) for ns, groups in generator._list_opts(namespaces)]
    finally:
        quiet.setLevel(previous)


# -- directives ------------------------------------------------------------------------------


class ConfigReference(Directive):
    """``.. ml2core-config-reference::``: every option, one section per group."""

    has_content = False
    option_spec = {"kind": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        kind = self.options.get("kind", "all")
        kinds = ("controller", "host") if kind == "all" else (kind,)
        lines: list[str] = []
        for group, reader, opts in option_groups(kinds=kinds):
            lines.extend(oslo_sphinxext._format_group(None, group, None))
            lines.append(f"  Read by: {reader}.")
            lines.append("")
            for opt in opts:
                lines.extend(oslo_sphinxext._format_opt(opt, group))
        source = self.state.document.current_source
        content = StringList()
        for number, line in enumerate(lines):
            content.append(line, source, number)
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, content, node)
        return node.children


def sample_config(kind: str) -> str:
    """The sample file of ``kind`` (``controller``: ``ml2core config sample``; ``host``: the agent's)."""
    if kind == "controller":
        from ml2core.cli.config_sample import DEFAULT_NAMESPACES
        from ml2core.cli.config_sample import sample_config as cli_sample

        return cli_sample(DEFAULT_NAMESPACES)
    buffer = io.StringIO()
    # The formatter reads these three of the generator's options only.
    settings = types.SimpleNamespace(wrap_width=79, minimal=False, summarize=False)
    formatter = generator._OptFormatter(settings, output_file=buffer)
    first = True
    for group, _reader, opts in option_groups(kinds=("host",)):
        if not first:
            formatter.write("\n\n")
        first = False
        formatter.format_group(group)
        for opt in opts:
            formatter.write("\n")
            formatter.format(opt, group)
    return buffer.getvalue()


class SampleConfig(Directive):
    """``.. ml2core-sample-config::``: a generated sample file as a literal block."""

    has_content = False
    option_spec = {"kind": lambda value: directives.choice(value, ("controller", "host"))}

    def run(self) -> list[nodes.Node]:
        text = sample_config(self.options.get("kind", "controller"))
        block = nodes.literal_block(text, text)
        block["language"] = "ini"
        return [block]


class _Workspace:
    """The scratch directory the console examples run in (one per build)."""

    CONFIG = {
        "ml2": {
            "type_drivers": ["flat", "vlan", "vxlan"],
            "project_network_types": ["vxlan"],
            "mechanism_drivers": ["openvswitch", "linuxbridge"],
        },
        "ml2_type_flat": {"flat_networks": ["physnet1"]},
        "ml2_type_vlan": {"network_vlan_ranges": ["physnet1:100:199"]},
        "ml2_type_vxlan": {"vni_ranges": ["1000:1999"]},
        "database": {"connection": "sqlite:///ml2core.sqlite"},
    }

    def __init__(self) -> None:
        self.path: Path | None = None

    def directory(self) -> Path:
        if self.path is None:
            from ml2core import Ml2Plugin
            from ml2core.testing import register_linuxbridge_agent, register_ovs_agent, render_ini
            from ml2core.testing.config import make_conf

            self.path = Path(tempfile.mkdtemp(prefix="ml2core-docs-"))
            (self.path / "ml2core.conf").write_text(render_ini(self.CONFIG))
            with self.chdir(), Ml2Plugin(make_conf(self.CONFIG)) as plugin:
                register_ovs_agent(plugin, "compute1", tunneling_ip="192.0.2.11")
                register_linuxbridge_agent(plugin, "compute2", tunneling_ip="192.0.2.12")
        return self.path

    @contextlib.contextmanager
    def chdir(self) -> Iterator[None]:
        assert self.path is not None
        with contextlib.chdir(self.path):
            yield

    def remove(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


_WORKSPACE = _Workspace()


class Console(Directive):
    """``.. ml2core-console::``: run ``ml2core`` command lines and show them with their output."""

    has_content = True
    option_spec = {"expect-status": directives.nonnegative_int, "svg": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        from ml2core.cli.main import main

        expected = self.options.get("expect-status", 0)
        workspace = _WORKSPACE.directory()
        shown: list[str] = []
        for line in self.content:
            if not line.strip():
                continue
            argv = shlex.split(line)
            if argv[0] != "ml2core":
                raise self.error(f"ml2core-console runs ml2core commands only, not {line!r}")
            out, err = io.StringIO(), io.StringIO()
            with _WORKSPACE.chdir():
                status = main(argv[1:], out=out, err=err)
            if status != expected:
                raise self.error(
                    f"{line!r} exited with {status}, expected {expected}: {err.getvalue().strip()}"
                )
            shown.append(f"$ {line}")
            output = (out.getvalue() + err.getvalue()).replace(f"{workspace}/", "").rstrip("\n")
            if output:
                shown.append(output)
        LOG.debug("ml2core-console ran in %s", workspace)
        text = "\n".join(shown)
        block = nodes.literal_block(text, text)
        block["language"] = "console"
        result: list[nodes.Node] = [block]
        if "svg" in self.options:
            # A picture the commands drew, inline in the HTML page.
            svg = (workspace / self.options["svg"]).read_text(encoding="utf-8")
            svg = svg[svg.index("<svg") :]
            result.append(nodes.raw("", f'<div class="ml2core-svg">{svg}</div>', format="html"))
        return result


def _cleanup(app: Sphinx, exception: BaseException | None) -> None:
    _WORKSPACE.remove()


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("oslo_config.sphinxext")
    app.add_directive("ml2core-config-reference", ConfigReference)
    app.add_directive("ml2core-sample-config", SampleConfig)
    app.add_directive("ml2core-console", Console)
    app.connect("build-finished", _cleanup)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
