"""``python -m servers_app [CONFIG_FILE [DB_URL]]``: a network, a server, and what ml2core made of them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from oslo_config import cfg

from ml2core import Context, constants
from servers_app.controller import ServerController

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "servers.conf"


def main(argv: list[str]) -> int:
    """Run the demo; print each API answer. Returns the exit status."""
    config_file = argv[0] if argv else str(DEFAULT_CONFIG)
    url = argv[1] if len(argv) > 1 else "sqlite:///servers-demo.sqlite"
    conf = cfg.ConfigOpts()
    conf(["--config-file", config_file], project="servers-demo")  # ml2core registers its options later
    controller = ServerController(url, conf)
    try:
        admin, project = Context.admin(), Context("demo-project")
        # What the Open vSwitch agent on compute1 reports (through a HostClient, in real life).
        controller.plugin.report_agent_state(
            admin,
            {
                "host": "compute1",
                "agent_type": constants.AGENT_TYPE_OVS,
                "binary": "ml2core-agent",
                "configurations": {"bridge_mappings": {"physnet1": "br-ex"}, "tunnel_types": ["vxlan"]},
            },
        )
        network = controller.create_network(project, {"name": "demo"})
        print("POST /networks", network.status, json.dumps(network.body))
        subnet = controller.create_subnet(
            project, {"network_id": network.body["id"], "cidr": "10.0.0.0/24", "ip_version": 4}
        )
        print("POST /subnets", subnet.status)
        server = controller.create_server(
            project, {"name": "vm1", "network_id": network.body["id"], "host": "compute1"}
        )
        print("POST /servers", server.status, json.dumps(server.body))
        # The agent plugs the port and reports it up: the server goes ACTIVE (an event).
        controller.plugin.update_port_status(
            admin, server.body["port_id"], constants.PORT_STATUS_ACTIVE, "compute1"
        )
        shown = controller.get_server(project, server.body["id"])
        print("GET /servers/vm1", shown.status, json.dumps(shown.body))
        busy = controller.delete_network(project, network.body["id"])
        print("DELETE /networks (in use)", busy.status, json.dumps(busy.body))
        return 0 if shown.body["status"] == "ACTIVE" and busy.status == 409 else 1
    finally:
        controller.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
