"""DataWarehouseProvider: the ``datawarehouse`` provider, with its password from a reference."""

from __future__ import annotations

from cdktf import TerraformVariable
from constructs import Construct

from dw_constructs._construct import raise_problems, sensitive_variable, tf_name
from dw_constructs.datawarehouse import model


class DataWarehouseProvider(Construct):
    """Configures the ``datawarehouse/datawarehouse`` provider (see :class:`model.ProviderProps`).

    When ``password`` is not given, a sensitive ``TerraformVariable`` named ``<snake id>_password``
    (e.g. ``data_warehouse_password`` for id ``DataWarehouse``) is created; supply it with
    ``TF_VAR_<name>``. Its name is derived from the construct id and stays stable.

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
        port: int = 5432,
        username: str = "admin",
        tls_enabled: bool = True,
        tls_skip_verify: bool = False,
        alias: str | None = None,
    ) -> None:
        props = model.ProviderProps(
            host=host, password=password, port=port, username=username,
            tls_enabled=tls_enabled, tls_skip_verify=tls_skip_verify,
        )
        raise_problems(type(self).__name__, scope, id, model.validate_provider(props))
        super().__init__(scope, id)
        from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider

        self.password_variable: TerraformVariable | None = None
        if password is None:
            self.password_variable = sensitive_variable(
                self, "Password", tf_name(id, "password"),
                f"Admin password of the DataWarehouse server behind {self.node.path}.",
            )
            password = self.password_variable.string_value
        self.props = props
        self.resource = DatawarehouseProvider(self, "Resource", alias=alias, **model.provider_config(props, password))
