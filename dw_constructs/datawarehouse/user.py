"""DataWarehouseUser: a user of a DataWarehouseCluster's instance."""

from __future__ import annotations

from typing import Sequence

from constructs import Construct

from dw_constructs._construct import sensitive_variable, tf_name
from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse._child import ClusterChild


class DataWarehouseUser(ClusterChild):
    """A ``datawarehouse_user`` (props and defaults: :class:`cluster_model.UserProps`).

    Without ``password``, a sensitive variable ``<cluster name>_<username>_password`` is created
    (attribute ``password_variable``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster,
        username: str,
        password: str | None = None,
        roles: Sequence[str] = (),
        mfa_enabled: bool = False,
    ) -> None:
        props = m.UserProps(username=username, password=password, roles=roles, mfa_enabled=mfa_enabled)
        super().__init__(scope, id, cluster=cluster, problems=m.validate_user(props))
        from dw_cdktf_provider_datawarehouse.user import User

        self.props = props
        self.password_variable = None
        if password is None:
            self.password_variable = sensitive_variable(
                self, "Password", tf_name(cluster.props.name, username, "password"),
                f"Password of DataWarehouse user {username!r} on {cluster.props.name}.",
            )
            password = self.password_variable.string_value
        self._create(User, m.user_config(props, password))
