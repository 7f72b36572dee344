"""ReplicatedVde: a virtual data environment on a DataWarehouseCluster."""

from __future__ import annotations

from constructs import Construct

from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.datawarehouse.enums import CompressionCodec, VdeReplicationMode


class ReplicatedVde(ClusterChild):
    """A ``datawarehouse_vde`` on ``cluster`` (props and defaults: :class:`cluster_model.VdeProps`).

    Encrypted by default; ``prevent_destroy`` on by default. Attributes: ``resource``, ``vde_id``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster,
        name: str,
        block_size: int = 4096,
        encryption_enabled: bool = True,
        compression_codec: CompressionCodec | str = CompressionCodec.ZSTD,
        replication_mode: VdeReplicationMode | str = VdeReplicationMode.SYNC,
        prevent_destroy: bool = True,
    ) -> None:
        props = m.VdeProps(name=name, block_size=block_size, encryption_enabled=encryption_enabled,
                           compression_codec=compression_codec, replication_mode=replication_mode,
                           prevent_destroy=prevent_destroy)
        super().__init__(scope, id, cluster=cluster, problems=m.validate_vde(props))
        from dw_cdktf_provider_datawarehouse.vde import Vde

        self.props = props
        self._create(Vde, m.vde_config(props), prevent_destroy=props.prevent_destroy)

    @property
    def vde_id(self) -> str:
        return self.resource.id
