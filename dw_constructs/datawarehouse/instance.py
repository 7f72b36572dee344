"""DataWarehouseInstance: one ``datawarehouse_instance``, protected from destroy by default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs._construct import lifecycle, provider_problems, raise_problems
from dw_constructs.datawarehouse import model
from dw_constructs.datawarehouse.enums import OperationalProfile

if TYPE_CHECKING:
    from cdktf import ITerraformDependable
    from dw_cdktf_provider_datawarehouse.instance import Instance
    from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider


class DataWarehouseInstance(Construct):
    """A ``datawarehouse_instance``, protected from destroy by default; the keyword arguments
    besides ``provider`` and ``depends_on`` are the props of ``InstanceProps``. A
    DataWarehouseCluster creates its own (child ``Instance``); use this construct for an instance
    on a server deployed some other way.

    Args:
        provider: the ``datawarehouse`` provider configuration the instance is created through
            (``DataWarehouseProvider(...).resource``). Default: - the stack's default
            ``datawarehouse`` provider.
        depends_on: what Terraform creates before the instance (e.g. the server's helm release).
            Default: ().

    Attributes:
        resource: the generated ``Instance`` (Terraform address ``datawarehouse_instance.<...>_Resource_<hash>``).
        instance_id: the instance id, a token resolved at apply time.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        storage_size_gb: int | float,
        replication_factor: int | float = 1,
        plugins: Sequence[str] = ("*",),
        operational_profile: OperationalProfile | str = OperationalProfile.BALANCED,
        prevent_destroy: bool = True,
        provider: DatawarehouseProvider | None = None,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        props = model.InstanceProps(
            name=name,
            storage_size_gb=storage_size_gb,
            replication_factor=replication_factor,
            plugins=plugins,
            operational_profile=operational_profile,
            prevent_destroy=prevent_destroy,
        )
        raise_problems(
            type(self).__name__,
            scope,
            id,
            model.validate_instance(props) + provider_problems("provider", provider, "DatawarehouseProvider"),
        )
        super().__init__(scope, id)
        from dw_cdktf_provider_datawarehouse.instance import Instance

        self.props = props
        self.resource: Instance = Instance(
            self,
            "Resource",
            **model.instance_config(props),
            lifecycle=lifecycle(props.prevent_destroy),
            provider=provider,
            depends_on=list(depends_on) or None,
        )

    @property
    def instance_id(self) -> str:
        return self.resource.id
