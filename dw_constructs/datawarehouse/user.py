"""DataWarehouseUser: a user of a DataWarehouseCluster's instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from constructs import Construct

from dw_constructs import _stack
from dw_constructs._construct import sensitive_variable, tf_name
from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from cdktf import IResolvable, TerraformVariable
    from dw_cdktf_provider_datawarehouse.user import User

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster


class DataWarehouseUser(ClusterChild):
    """A ``datawarehouse_user`` (a login with roles) on the instance of ``cluster``; the other
    keyword arguments are the props of ``UserProps``. ``cluster.add_user(id, ...)`` creates one as
    a child of the cluster.

    Without ``password``, a sensitive variable ``<cluster name>_<username>_password`` is created
    (attribute ``password_variable``). A second user with the same ``username`` on the cluster, or
    a variable of that name already in the stack, is a PropsError naming the other construct.

    Args:
        cluster: the DataWarehouseCluster whose instance gets the user, through the cluster's
            provider. Required.

    Attributes:
        resource: the generated ``User`` (child id ``Resource``).
        password_variable: the sensitive ``TerraformVariable`` created for the password (child id
            ``Password``), or None when ``password`` was given.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: DataWarehouseCluster,
        username: str,
        password: str | None = None,
        roles: Sequence[str] = (),
        mfa_enabled: bool | IResolvable = False,
    ) -> None:
        props = m.UserProps(username=username, password=password, roles=roles, mfa_enabled=mfa_enabled)
        super().__init__(
            scope, id, cluster=cluster, problems=m.validate_user(props) + _name_problems(scope, cluster, props)
        )
        from dw_cdktf_provider_datawarehouse.user import User

        self.props = props
        self.password_variable: TerraformVariable | None = None
        if password is None:
            self.password_variable = sensitive_variable(
                self,
                "Password",
                tf_name(cluster.props.name, username, "password"),
                f"Password of DataWarehouse user {username!r} on {cluster.props.name}.",
            )
            password = self.password_variable.string_value
        self.resource: User = self._create(User, m.user_config(props, password))


def _name_problems(scope: Construct, cluster: object, p: m.UserProps) -> list[Problem]:
    from cdktf import TerraformVariable

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

    if not isinstance(cluster, DataWarehouseCluster) or not isinstance(p.username, str):
        return []
    twin = next(
        (u for u in _stack.nodes(scope, DataWarehouseUser) if u.cluster is cluster and u.props.username == p.username),
        None,
    )
    if twin is not None:
        return [
            Problem(
                "username",
                p.username,
                f"a username no other user of {cluster.node.path!r} has ('{twin.node.path}' has it)",
            )
        ]
    if p.password is None:
        name = tf_name(cluster.props.name, p.username, "password")
        owner = _stack.logical_id_owner(scope, TerraformVariable, name)
        if owner is not None:
            return [
                Problem(
                    "username",
                    p.username,
                    f"a username whose password variable '{name}' the stack "
                    f"does not declare already ('{owner.node.path}' does), "
                    "or pass password=",
                )
            ]
    return []
