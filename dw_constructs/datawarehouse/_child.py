"""Shared thin layer of the objects attached to a DataWarehouseCluster (VDE, user, policy,
plugin, replication topology): validate, then create one generated resource named "Resource"
on the cluster's instance, through the cluster's provider."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from constructs import Construct

from dw_constructs._construct import lifecycle, raise_problems
from dw_constructs.errors import Problem


class ClusterChild(Construct):
    """Base of the cluster-attached constructs. Subclasses call :meth:`_create` once."""

    def __init__(self, scope: Construct, id: str, *, cluster: Any, problems: Iterable[Problem]) -> None:
        from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

        problems = list(problems)
        if not isinstance(cluster, DataWarehouseCluster):
            problems.insert(0, Problem("cluster", type(cluster).__name__, "a DataWarehouseCluster"))
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        self.cluster = cluster

    def _create(self, resource_type: Callable[..., Any], config: dict[str, Any], *, prevent_destroy: bool = False,
                depends_on: list | None = None):
        self.resource = resource_type(
            self, "Resource", instance_id=self.cluster.instance_id, **config,
            provider=self.cluster.provider.resource, lifecycle=lifecycle(prevent_destroy),
            depends_on=depends_on or None,
        )
        return self.resource
