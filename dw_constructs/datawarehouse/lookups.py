"""Typed read-only views over the provider's data sources (instance status, capabilities,
plugin catalog). Values are tokens resolved at plan/apply time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs._construct import raise_problems

if TYPE_CHECKING:
    from cdktf import IResolvable
    from dw_cdktf_provider_datawarehouse.data_datawarehouse_plugin_catalog import (
        DataDatawarehousePluginCatalogPluginsOutputReference,
    )
    from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider


class InstanceStatus:
    """Live status of an instance (``datawarehouse_instance_status``)."""

    def __init__(
        self, scope: Construct, id: str, *, instance_id: str, provider: DatawarehouseProvider | None = None
    ) -> None:
        raise_problems(type(self).__name__, scope, id, [])  # a taken id, before jsii fails on it
        from dw_cdktf_provider_datawarehouse.data_datawarehouse_instance_status import (
            DataDatawarehouseInstanceStatus,
        )

        self.data = DataDatawarehouseInstanceStatus(scope, id, instance_id=instance_id, provider=provider)

    @property
    def health(self) -> str:
        return self.data.health

    @property
    def ready(self) -> IResolvable:
        return self.data.ready

    @property
    def node_count(self) -> float:
        return self.data.node_count

    @property
    def leader(self) -> str:
        return self.data.leader

    @property
    def storage_used_bytes(self) -> float:
        return self.data.storage_used_bytes

    @property
    def storage_total_bytes(self) -> float:
        return self.data.storage_total_bytes

    @property
    def replication_lag_seconds(self) -> float:
        return self.data.replication_lag_seconds

    @property
    def version(self) -> str:
        return self.data.version


class Capabilities:
    """What a server supports (``datawarehouse_capabilities``)."""

    def __init__(self, scope: Construct, id: str, *, provider: DatawarehouseProvider | None = None) -> None:
        raise_problems(type(self).__name__, scope, id, [])  # a taken id, before jsii fails on it
        from dw_cdktf_provider_datawarehouse.data_datawarehouse_capabilities import DataDatawarehouseCapabilities

        self.data = DataDatawarehouseCapabilities(scope, id, provider=provider)

    @property
    def plugins(self) -> list[str]:
        return self.data.plugins

    @property
    def formats(self) -> list[str]:
        return self.data.formats

    @property
    def protocols(self) -> list[str]:
        return self.data.protocols


class PluginCatalog:
    """Plugins available for installation (``datawarehouse_plugin_catalog``)."""

    def __init__(self, scope: Construct, id: str, *, provider: DatawarehouseProvider | None = None) -> None:
        raise_problems(type(self).__name__, scope, id, [])  # a taken id, before jsii fails on it
        from dw_cdktf_provider_datawarehouse.data_datawarehouse_plugin_catalog import (
            DataDatawarehousePluginCatalog,
        )

        self.data = DataDatawarehousePluginCatalog(scope, id, provider=provider)

    def plugin(self, index: int) -> DataDatawarehousePluginCatalogPluginsOutputReference:
        """Entry ``index`` of the catalog, with ``id``, ``name``, ``version``, ``description``."""
        return self.data.plugins.get(index)
