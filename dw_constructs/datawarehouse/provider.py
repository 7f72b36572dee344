"""DataWarehouseProvider: the ``datawarehouse`` provider, with its password from a reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformVariable
from constructs import Construct

from dw_constructs import _checks as c
from dw_constructs import _stack
from dw_constructs._construct import raise_problems, sensitive_variable, tf_name
from dw_constructs.datawarehouse import model
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from cdktf import IResolvable
    from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider


class DataWarehouseProvider(Construct):
    """Configures the ``datawarehouse/datawarehouse`` provider; the keyword arguments besides
    ``alias`` are the props of ``ProviderProps``. A DataWarehouseCluster configures its own (child
    ``Provider``); use this construct for a server deployed some other way.

    When ``password`` is not given, a sensitive ``TerraformVariable`` named ``<snake id>_password``
    (e.g. ``data_warehouse_password`` for id ``DataWarehouse``) is created; supply it with
    ``TF_VAR_<name>``. Its name is derived from the construct id and stays stable; a variable of
    that name, or a datawarehouse provider with the same ``alias``, already in the stack is a
    PropsError naming its path.

    Args:
        alias: provider alias, for a second ``datawarehouse`` provider configuration in the stack
            (Terraform's ``provider = datawarehouse.<alias>``); unique in the stack.
            Default: - none: the stack's default ``datawarehouse`` provider.

    Attributes:
        resource: the generated ``DatawarehouseProvider``.
        password_variable: the created variable, or None when a password reference was given.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        host: str,
        password: str | None = None,
        port: int | float = 5432,
        username: str = "admin",
        tls_enabled: bool | IResolvable = True,
        tls_skip_verify: bool | IResolvable = False,
        ca_cert_pem: str | None = None,
        alias: str | None = None,
    ) -> None:
        props = model.ProviderProps(
            host=host,
            password=password,
            port=port,
            username=username,
            tls_enabled=tls_enabled,
            tls_skip_verify=tls_skip_verify,
            ca_cert_pem=ca_cert_pem,
        )
        raise_problems(
            type(self).__name__, scope, id, model.validate_provider(props) + _name_problems(scope, id, password, alias)
        )
        super().__init__(scope, id)
        from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider

        self.password_variable: TerraformVariable | None = None
        if password is None:
            self.password_variable = sensitive_variable(
                self,
                "Password",
                tf_name(id, "password"),
                f"Admin password of the DataWarehouse server behind {self.node.path}.",
            )
            password = self.password_variable.string_value
        self.props = props
        self.resource: DatawarehouseProvider = DatawarehouseProvider(
            self, "Resource", alias=alias, **model.provider_config(props, password)
        )


def _name_problems(scope: Construct, id: str, password: str | None, alias: str | None) -> list[Problem]:
    """A second provider configuration with one alias, or a second variable with one name, is
    what Terraform rejects (or cdktf silently merges): name the construct that has it already."""
    problems: list[Problem] = []
    if isinstance(alias, str) and not c.is_token(alias):
        other = _stack.provider_with_alias(scope, "datawarehouse", alias)
        if other is not None:
            problems.append(
                Problem(
                    "alias",
                    alias,
                    f"an alias no other datawarehouse provider of the stack has ('{other.node.path}' has it)",
                )
            )
    if password is None and isinstance(id, str):
        name = tf_name(id, "password")
        owner = _stack.logical_id_owner(scope, TerraformVariable, name)
        if owner is not None:
            problems.append(
                Problem(
                    "id",
                    id,
                    f"an id whose password variable '{name}' the stack does not declare "
                    f"already ('{owner.node.path}' does), or pass password=",
                )
            )
    return problems
