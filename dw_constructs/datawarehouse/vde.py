"""ReplicatedVde: a virtual data environment on a DataWarehouseCluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.datawarehouse.enums import CompressionCodec, VdeReplicationMode

if TYPE_CHECKING:
    from cdktf import IResolvable
    from dw_cdktf_provider_datawarehouse.vde import Vde

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster


class ReplicatedVde(ClusterChild):
    """A ``datawarehouse_vde`` (a virtual data environment) on the instance of ``cluster``; the
    other keyword arguments are the props of ``VdeProps``. ``cluster.add_vde(id, ...)`` creates
    one as a child of the cluster.

    Encrypted by default; ``prevent_destroy`` on by default.

    Args:
        cluster: the DataWarehouseCluster whose instance gets the VDE, through the cluster's
            provider. Required.

    Attributes:
        resource: the generated ``Vde`` (child id ``Resource``).
        vde_id: the VDE id, a reference resolved at apply time.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: DataWarehouseCluster,
        name: str,
        block_size: int | float = 4096,
        encryption_enabled: bool | IResolvable = True,
        compression_codec: CompressionCodec | str = CompressionCodec.ZSTD,
        replication_mode: VdeReplicationMode | str = VdeReplicationMode.SYNC,
        prevent_destroy: bool = True,
    ) -> None:
        props = m.VdeProps(
            name=name,
            block_size=block_size,
            encryption_enabled=encryption_enabled,
            compression_codec=compression_codec,
            replication_mode=replication_mode,
            prevent_destroy=prevent_destroy,
        )
        super().__init__(scope, id, cluster=cluster, problems=m.validate_vde(props))
        from dw_cdktf_provider_datawarehouse.vde import Vde

        self.props = props
        self.resource: Vde = self._create(Vde, m.vde_config(props), prevent_destroy=props.prevent_destroy)

    @property
    def vde_id(self) -> str:
        return self.resource.id
