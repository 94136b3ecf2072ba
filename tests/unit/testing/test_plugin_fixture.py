"""The plugin fixture, agent helpers, driver loaders and transactions of ml2core.testing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from oslo_config import cfg

from ml2core import Context, Ml2Plugin, constants
from ml2core.exceptions import ConfigError, DriverNotFound, NotAuthorized
from ml2core.testing import (
    DEFAULT_CONFIG,
    DEFAULT_TYPE_DRIVERS,
    Agents,
    PluginFactory,
    driver_transaction,
    dump_tables,
    load_mechanism_driver,
    load_type_driver,
    plugin_conf,
    plugin_config,
    plugin_on_sqlite,
    register_agent,
    register_linuxbridge_agent,
    register_ovs_agent,
    register_sriov_agent,
    sqlite_url,
)

ADMIN = Context.admin()


# -- configuration -------------------------------------------------------------------------


def test_config_defaults_load_every_in_tree_type_with_vxlan_project_networks() -> None:
    config = plugin_config(mechanism_drivers=["openvswitch"])

    assert config["ml2"]["type_drivers"] == list(DEFAULT_TYPE_DRIVERS)
    assert config["ml2"]["project_network_types"] == ["vxlan"]
    assert config["ml2"]["mechanism_drivers"] == ["openvswitch"]
    assert config["ml2_type_vlan"] == DEFAULT_CONFIG["ml2_type_vlan"]


def test_project_network_type_defaults_to_the_first_type_without_vxlan() -> None:
    config = plugin_config(type_drivers=["vlan", "flat"])

    assert config["ml2"]["project_network_types"] == ["vlan"]


def test_groups_merge_over_the_defaults_option_by_option() -> None:
    config = plugin_config(ml2={"path_mtu": 9000}, ml2_type_vxlan={"vxlan_group": "239.1.1.1"})

    assert config["ml2"]["path_mtu"] == 9000
    assert config["ml2"]["type_drivers"] == list(DEFAULT_TYPE_DRIVERS)
    assert config["ml2_type_vxlan"] == {"vni_ranges": ["1000:1099"], "vxlan_group": "239.1.1.1"}


def test_config_does_not_share_state_between_calls() -> None:
    first = plugin_config()
    first["ml2_type_vlan"]["network_vlan_ranges"].append("physnet9")

    assert plugin_config()["ml2_type_vlan"] == DEFAULT_CONFIG["ml2_type_vlan"]


def test_conf_reaches_options_a_driver_registers_later() -> None:
    conf = plugin_conf(my_driver={"color": "blue"})
    conf.register_opts([cfg.StrOpt("color")], group="my_driver")

    assert conf.my_driver.color == "blue"


# -- plugins on SQLite ---------------------------------------------------------------------


def test_plugin_on_sqlite_makes_a_file_in_the_directory_and_closes(tmp_path: Path) -> None:
    with plugin_on_sqlite(tmp_path, mechanism_drivers=["openvswitch"]) as plugin:
        network = plugin.create_network(ADMIN, {"name": "n"})
        assert network["provider:network_type"] == "vxlan"
        assert plugin.engine.url.database == str(tmp_path / "ml2core.sqlite")
    assert (tmp_path / "ml2core.sqlite").exists()


def test_two_plugins_in_one_directory_get_two_databases(tmp_path: Path) -> None:
    with plugin_on_sqlite(tmp_path) as first, plugin_on_sqlite(tmp_path) as second:
        first.create_network(ADMIN, {"name": "n"})
        assert second.get_networks(ADMIN) == []


def test_a_sqlite_file_path_is_shared_like_two_controllers(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    with plugin_on_sqlite(path) as first, plugin_on_sqlite(path) as second:
        network = first.create_network(ADMIN, {"name": "n"})
        assert second.get_network(ADMIN, network["id"])["name"] == "n"


def test_bad_configuration_raises_before_yielding(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigError, match="vni_ranges"),
        plugin_on_sqlite(tmp_path, ml2_type_vxlan={"vni_ranges": ["5:1"]}),
    ):
        pytest.fail("the plugin should not start")


def test_unknown_driver_names_what_is_installed(tmp_path: Path) -> None:
    with (
        pytest.raises(DriverNotFound, match="openvswitch"),
        plugin_on_sqlite(tmp_path, mechanism_drivers=["no_such_driver"]),
    ):
        pytest.fail("the plugin should not start")


def test_factory_shares_a_database_on_request(tmp_path: Path) -> None:
    with PluginFactory(tmp_path) as factory:
        first = factory(mechanism_drivers=["openvswitch"])
        second = factory(same_database_as=first)
        other = factory()
        network = first.create_network(ADMIN, {"name": "n"})

        assert second.get_network(ADMIN, network["id"])["id"] == network["id"]
        assert other.get_networks(ADMIN) == []


def test_factory_close_releases_every_database_connection(tmp_path: Path) -> None:
    factory = PluginFactory(tmp_path)
    plugin = factory()
    plugin.create_network(ADMIN, {"name": "n"})
    wal = Path(f"{plugin.engine.url.database}-wal")
    assert wal.exists()  # SQLite keeps its write-ahead log while a connection is open

    factory.close()

    assert not wal.exists()


def test_factory_with_conf_uses_exactly_that_conf(tmp_path: Path) -> None:
    conf = plugin_conf(mechanism_drivers=["linuxbridge"])
    with PluginFactory(tmp_path) as factory:
        plugin = factory.with_conf(conf)
        assert plugin.conf is conf
        assert plugin.conf.ml2.mechanism_drivers == ["linuxbridge"]


def test_sqlite_url_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    assert sqlite_url("x.sqlite") == f"sqlite:///{tmp_path / 'x.sqlite'}"


# -- agents ----------------------------------------------------------------------------------


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[Ml2Plugin]:
    with PluginFactory(tmp_path) as factory:
        yield factory(mechanism_drivers=["openvswitch", "linuxbridge", "sriovnicswitch"])


def test_ovs_agent_defaults_to_physnet1_and_vxlan(plugin: Ml2Plugin) -> None:
    agent = register_ovs_agent(plugin, "compute1")

    assert agent["agent_type"] == constants.AGENT_TYPE_OVS
    assert agent["alive"] is True
    assert agent["configurations"] == {"bridge_mappings": {"physnet1": "br-ex"}, "tunnel_types": ["vxlan"]}


def test_agent_helpers_pass_every_configuration_given(plugin: Ml2Plugin) -> None:
    ovs = register_ovs_agent(
        plugin,
        "c1",
        bridge_mappings={},
        tunnel_types=("gre",),
        tunneling_ip="192.0.2.1",
        datapath_type="netdev",
    )
    lb = register_linuxbridge_agent(plugin, "c2", interface_mappings={"physnet2": "eth9"}, tunnel_types=())
    sriov = register_sriov_agent(plugin, "c3", device_mappings={"physnet1": ("eth4", "eth5")})

    assert ovs["configurations"] == {
        "bridge_mappings": {},
        "tunnel_types": ["gre"],
        "tunneling_ip": "192.0.2.1",
        "datapath_type": "netdev",
    }
    assert lb["configurations"] == {"interface_mappings": {"physnet2": "eth9"}, "tunnel_types": []}
    assert sriov["configurations"] == {"device_mappings": {"physnet1": ["eth4", "eth5"]}}
    assert {a["host"] for a in plugin.get_agents(ADMIN)} == {"c1", "c2", "c3"}


def test_registered_agents_bind_ports_with_their_drivers(plugin: Ml2Plugin) -> None:
    agents = Agents(plugin)
    agents.ovs("ovs-host")
    agents.linuxbridge("lb-host")
    agents.sriov("sriov-host")
    network = plugin.create_network(
        ADMIN,
        {
            "provider:network_type": "vlan",
            "provider:physical_network": "physnet1",
            "provider:segmentation_id": 120,
        },
    )

    def vif(host: str, vnic_type: str = constants.VNIC_NORMAL) -> str:
        body = {"network_id": network["id"], "binding:host_id": host, "binding:vnic_type": vnic_type}
        return str(plugin.create_port(ADMIN, body)["binding:vif_type"])

    assert vif("ovs-host") == constants.VIF_TYPE_OVS
    assert vif("lb-host") == constants.VIF_TYPE_BRIDGE
    assert vif("sriov-host", constants.VNIC_DIRECT) == constants.VIF_TYPE_HW_VEB


def test_reporting_again_replaces_the_configurations(plugin: Ml2Plugin) -> None:
    register_agent(plugin, "h", "Custom agent", {"a": 1})
    agent = register_agent(plugin, "h", "Custom agent", {"b": 2})

    assert agent["configurations"] == {"b": 2}
    assert len(plugin.get_agents(ADMIN)) == 1


def test_only_an_admin_registers_agents(plugin: Ml2Plugin) -> None:
    with pytest.raises(NotAuthorized):
        register_agent(plugin, "h", "Custom agent", context=Context("project"))


# -- drivers by name and transactions --------------------------------------------------------


def test_loaded_mechanism_driver_is_named_configured_and_initialized() -> None:
    driver = load_mechanism_driver(
        "openvswitch", plugin_conf(OVS_DRIVER={"vnic_type_prohibit_list": ["direct"]})
    )

    assert driver.name == "openvswitch"
    assert driver.conf.OVS_DRIVER.vnic_type_prohibit_list == ["direct"]


def test_loading_an_unknown_driver_raises_driver_not_found() -> None:
    with pytest.raises(DriverNotFound):
        load_type_driver("no_such_type")


def test_driver_transaction_commits_a_type_drivers_allocation(plugin: Ml2Plugin) -> None:
    driver = load_type_driver("vxlan", plugin.conf)
    before = dump_tables(plugin.engine)

    with driver_transaction(plugin) as ctx:
        assert ctx.session is not None
        segment = driver.allocate_tenant_segment(ctx)

    assert segment is not None
    assert dump_tables(plugin.engine) != before
    with driver_transaction(plugin) as ctx:
        driver.release_segment(ctx, segment)
    assert dump_tables(plugin.engine) == before


def test_driver_transaction_rolls_back_when_the_block_raises(plugin: Ml2Plugin) -> None:
    driver = load_type_driver("vxlan", plugin.conf)
    before = dump_tables(plugin.engine)

    with pytest.raises(RuntimeError), driver_transaction(plugin) as ctx:
        driver.allocate_tenant_segment(ctx)
        raise RuntimeError("abandon")

    assert dump_tables(plugin.engine) == before


def test_driver_transactions_from_threads_queue_instead_of_failing(plugin: Ml2Plugin) -> None:
    driver = load_type_driver("vxlan", plugin.conf)
    found: list[int] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            for _ in range(5):
                with driver_transaction(plugin) as ctx:
                    segment = driver.allocate_tenant_segment(ctx)
                assert segment is not None
                found.append(segment["segmentation_id"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(found)) == 20


def test_every_public_name_of_the_test_kit_resolves() -> None:
    import ml2core.testing

    missing = [name for name in ml2core.testing.__all__ if getattr(ml2core.testing, name, None) is None]

    assert missing == []
    assert "MechanismDriverConformance" in ml2core.testing.__all__
    assert "TypeDriverConformance" in ml2core.testing.__all__
