"""Draw a :class:`~ml2core.cli.topology.Topology` as SVG, by hand (no graphviz).

Three columns: networks with their segments on the left, ports in the
middle (grouped by host), hosts with their agents on the right. Each port
hangs from its network by a line in the network's colour and joins its
host by a line labelled with the binding levels (green), or a red dashed
line when the binding failed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from ml2core.cli.topology import Topology, TopoPort

__all__ = ["render_svg"]

WIDTH = 1040
NET_X, NET_W = 20, 250
PORT_X, PORT_W = 320, 170
HOST_X, HOST_W = 790, 230
TOP = 84
ROW = 48
GAP = 16
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
BOUND, FAILED, UNBOUND = "#2a9d3a", "#d62728", "#999999"


def _fit(text: str, width_px: float, size: int = 11) -> str:
    limit = max(4, int(width_px / (size * 0.6)))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _text(x: float, y: float, content: str, *, size: int = 11, weight: str = "normal", **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    style = f'font-size="{size}" font-weight="{weight}"'
    return f'<text x="{x:.0f}" y="{y:.0f}" {style}{extra}>{escape(content)}</text>'


def _host_layout(topo: Topology) -> tuple[dict[str, float], dict[str, tuple[float, float]], float]:
    port_y: dict[str, float] = {}
    boxes: dict[str, tuple[float, float]] = {}
    y = float(TOP)
    for host in topo.hosts:
        ports = [p for p in topo.ports if p.host == host.name]
        rows = len(ports) * ROW
        height = max(rows, 34 + 16 * max(1, len(host.agents)))
        start = y + (height - rows) / 2
        for i, port in enumerate(ports):
            port_y[port.id] = start + ROW * i + ROW / 2
        boxes[host.name] = (y, height)
        y += height + GAP
    loose = [p for p in topo.ports if not p.host]
    if loose:
        y += 18
        for port in loose:
            port_y[port.id] = y + ROW / 2
            y += ROW
    return port_y, boxes, y


def _network_layout(topo: Topology) -> tuple[dict[str, tuple[float, float]], float]:
    boxes: dict[str, tuple[float, float]] = {}
    y = float(TOP)
    for net in topo.networks:
        height = 38 + 15 * max(1, len(net.segments) + len(net.dynamic))
        boxes[net.id] = (y, height)
        y += height + GAP
    return boxes, y


def _port_link(port: TopoPort, y: float) -> list[str]:
    x1, x2 = PORT_X + PORT_W, HOST_X
    if port.bound:
        colour, dash, labels = BOUND, "", port.levels or [port.vif_type]
    elif port.vif_type == "binding_failed":
        colour, dash, labels = (
            FAILED,
            ' stroke-dasharray="6 4"',
            [f"binding failed: ml2core port explain {port.name or port.id[:8]}"],
        )
    else:
        colour, dash, labels = UNBOUND, ' stroke-dasharray="2 4"', ["not bound yet"]
    out = [
        f'<g class="binding"><title>{escape(" / ".join(labels))}</title>',
        f'<line x1="{x1}" y1="{y:.0f}" x2="{x2}" y2="{y:.0f}" stroke="{colour}" stroke-width="2"{dash}/>',
    ]
    for i, label in enumerate(labels):
        ly = y - 5 - 13 * (len(labels) - 1 - i)
        out.append(_text(x1 + 8, ly, _fit(label, x2 - x1 - 14, 10), size=10, fill=colour))
    out.append("</g>")
    return out


def render_svg(topo: Topology, title: str = "ml2core topology") -> str:
    """The SVG document (a string) for ``topo``."""
    port_y, host_boxes, ports_bottom = _host_layout(topo)
    net_boxes, nets_bottom = _network_layout(topo)
    height = int(max(ports_bottom, nets_bottom, TOP + 40) + 70)
    colour = {net.id: PALETTE[i % len(PALETTE)] for i, net in enumerate(topo.networks)}
    body: list[str] = [
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
        _text(20, 30, title, size=18, weight="bold"),
        _text(
            20,
            50,
            f"{len(topo.networks)} networks, {len(topo.hosts)} hosts, {len(topo.ports)} ports",
            size=12,
            fill="#555555",
        ),
        _text(NET_X, TOP - 6, "Networks and segments", size=12, weight="bold", fill="#555555"),
        _text(PORT_X, TOP - 6, "Ports", size=12, weight="bold", fill="#555555"),
        _text(HOST_X, TOP - 6, "Hosts and agents", size=12, weight="bold", fill="#555555"),
    ]
    for net in topo.networks:
        y, h = net_boxes[net.id]
        c = colour[net.id]
        body.append(f'<g class="network" id={quoteattr("net-" + net.id)}><title>{escape(net.id)}</title>')
        body.append(
            f'<rect x="{NET_X}" y="{y:.0f}" width="{NET_W}" height="{h:.0f}" rx="6" '
            f'fill="{c}" fill-opacity="0.08" stroke="{c}" stroke-width="1.5"/>'
        )
        body.append(
            _text(NET_X + 10, y + 17, _fit(net.name or net.id[:8], NET_W - 70, 13), size=13, weight="bold")
        )
        body.append(
            _text(NET_X + NET_W - 10, y + 17, f"MTU {net.mtu}", size=10, fill="#555555", text_anchor="end")
        )
        lines = [(s, "normal") for s in net.segments] + [(f"dynamic: {s}", "italic") for s in net.dynamic]
        for i, (line, style) in enumerate(lines or [("(no segment)", "italic")]):
            body.append(
                _text(
                    NET_X + 10,
                    y + 35 + 15 * i,
                    _fit(line, NET_W - 20),
                    size=11,
                    font_style=style,
                    fill="#333333",
                )
            )
        body.append("</g>")
    for host in topo.hosts:
        y, h = host_boxes[host.name]
        body.append(f'<g class="host"><title>{escape(host.name)}</title>')
        body.append(
            f'<rect x="{HOST_X}" y="{y:.0f}" width="{HOST_W}" height="{h:.0f}" rx="4" '
            'fill="#f4f4f4" stroke="#444444" stroke-width="1.5"/>'
        )
        body.append(_text(HOST_X + 10, y + 18, _fit(host.name, HOST_W - 20, 13), size=13, weight="bold"))
        for i, (agent_type, alive) in enumerate(host.agents):
            ay = y + 36 + 16 * i
            dot = BOUND if alive else FAILED
            body.append(f'<circle cx="{HOST_X + 15}" cy="{ay - 4:.0f}" r="4" fill="{dot}"/>')
            state = "alive" if alive else "dead"
            body.append(_text(HOST_X + 25, ay, _fit(f"{agent_type} ({state})", HOST_W - 35), size=11))
        if not host.agents:
            body.append(_text(HOST_X + 10, y + 36, "no agent reports from here", size=11, fill=FAILED))
        body.append("</g>")
    if any(not p.host for p in topo.ports):
        first = min(port_y[p.id] for p in topo.ports if not p.host)
        body.append(
            _text(PORT_X, first - ROW / 2 - 4, "no host", size=11, font_style="italic", fill="#555555")
        )
    for port in topo.ports:
        y = port_y[port.id]
        c = colour.get(port.network_id, "#333333")
        body.append(f'<g class="port" id={quoteattr("port-" + port.id)}><title>{escape(port.id)}</title>')
        if port.network_id in net_boxes:
            ny, nh = net_boxes[port.network_id]
            sx, sy = NET_X + NET_W, ny + nh / 2
            mid = (sx + PORT_X) / 2
            body.append(
                f'<path d="M{sx},{sy:.0f} C{mid:.0f},{sy:.0f} {mid:.0f},{y:.0f} {PORT_X},{y:.0f}" '
                f'fill="none" stroke="{c}" stroke-width="1.5" stroke-opacity="0.8"/>'
            )
        body.append(
            f'<rect x="{PORT_X}" y="{y - 17:.0f}" width="{PORT_W}" height="34" rx="12" '
            f'fill="white" stroke="{c}" stroke-width="2"/>'
        )
        body.append(
            _text(PORT_X + 12, y - 2, _fit(port.name or port.id[:8], PORT_W - 24, 12), size=12, weight="bold")
        )
        detail = ", ".join([*port.ips[:1], port.vnic_type])
        body.append(_text(PORT_X + 12, y + 12, _fit(detail, PORT_W - 24, 10), size=10, fill="#555555"))
        body.append("</g>")
        if port.host:
            body.extend(_port_link(port, y))
    ly = height - 40
    body.append(f'<line x1="20" y1="{ly}" x2="50" y2="{ly}" stroke="{BOUND}" stroke-width="2"/>')
    body.append(
        _text(56, ly + 4, "bound: driver and segment of each binding level, top level first", size=11)
    )
    body.append(
        f'<line x1="20" y1="{ly + 20}" x2="50" y2="{ly + 20}" stroke="{FAILED}" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
    )
    body.append(_text(56, ly + 24, "binding failed (ml2core port explain PORT says why)", size=11))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}">\n' + "\n".join(body) + "\n</svg>\n"
    )
