"""Shared thin layer of the objects attached to a DataWarehouseCluster (VDE, user, policy,
plugin, replication topology): validate, then create one generated resource named "Resource"
on the cluster's instance, through the cluster's provider."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from constructs import Construct

from dw_constructs._construct import lifecycle, raise_problems
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from cdktf import ITerraformDependable

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

R = TypeVar("R")


class ClusterChild(Construct):
    """Base of the cluster-attached constructs. Subclasses call :meth:`_create` once."""

    def __init__(self, scope: Construct, id: str, *, cluster: object, problems: Iterable[Problem]) -> None:
        from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

        found = list(problems)
        if not isinstance(cluster, DataWarehouseCluster):
            found.insert(0, Problem("cluster", type(cluster).__name__, "a DataWarehouseCluster"))
        raise_problems(type(self).__name__, scope, id, found)
        assert isinstance(cluster, DataWarehouseCluster)  # else reported just above
        super().__init__(scope, id)
        self.cluster: DataWarehouseCluster = cluster

    def _create(
        self,
        resource_type: Callable[..., R],
        config: dict[str, Any],
        *,
        prevent_destroy: bool = False,
        depends_on: Sequence[ITerraformDependable] | None = None,
    ) -> R:
        """The generated resource ``Resource`` (the one Terraform resource of the construct)."""
        return resource_type(
            self,
            "Resource",
            instance_id=self.cluster.instance_id,
            **config,
            provider=self.cluster.provider.resource,
            lifecycle=lifecycle(prevent_destroy),
            depends_on=list(depends_on or ()) or None,
        )
