"""DeltaStreamProvider: the ``deltastreaminc/deltastream`` provider, credentials only as sensitive
references."""

from __future__ import annotations

from typing import Any

from cdktf import TerraformVariable
from constructs import Construct

from dw_constructs._construct import raise_problems, sensitive_variable, tf_name
from dw_constructs.deltastream import _base, model


class DeltaStreamProvider(Construct):
    """Configures the ``deltastreaminc/deltastream`` provider 1.0.3 (see :class:`model.ProviderProps`).

    The provider does not mark ``api_key`` sensitive; this construct accepts it only as a
    sensitive reference. Without ``api_key`` / ``organization`` it creates the variables
    ``<snake id>_api_key`` (sensitive) and ``<snake id>_organization`` (e.g. ``delta_stream_api_key``
    for id ``DeltaStream``); supply them with ``TF_VAR_<name>``. Configuring the provider does not
    connect: ``tofu validate`` and ``tofu plan`` of creates work offline; reads and applies need
    the DeltaStream service.

    Args:
        alias: provider alias, for a second ``deltastream`` provider configuration in the stack.
            Default: - none: the stack's default ``deltastream`` provider.

    Attributes:
        resource: the generated ``DeltastreamProvider``.
        api_key_variable, organization_variable: the variables created, or None when given.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_key: str | TerraformVariable | None = None,
        organization: str | TerraformVariable | None = None,
        server: str = model.DEFAULT_SERVER,
        role: str = model.DEFAULT_ROLE,
        alias: str | None = None,
    ) -> None:
        from dw_constructs.errors import Problem

        sensitive = _base.sensitive_problems(scope, "api_key", api_key)
        key: str | None = _base.as_reference(api_key)
        org: str | None = _base.as_reference(organization)
        props = model.ProviderProps(api_key=key, organization=org, server=server, role=role)
        problems = model.validate_provider(props) + sensitive
        if alias is not None and (not isinstance(alias, str) or not alias.isidentifier()):
            problems.append(Problem("alias", alias, "a Terraform identifier (letters, digits, '_') or None"))
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.provider import DeltastreamProvider

        self.api_key_variable: TerraformVariable | None = None
        self.organization_variable: TerraformVariable | None = None
        if key is None:
            self.api_key_variable = sensitive_variable(
                self, "ApiKey", tf_name(id, "api_key"), f"DeltaStream API token of {self.node.path}."
            )
            key = self.api_key_variable.string_value
        if org is None:
            var = TerraformVariable(
                self,
                "Organization",
                type="string",
                nullable=False,
                description=f"DeltaStream organization id (a UUID) of {self.node.path}.",
            )
            var.override_logical_id(tf_name(id, "organization"))
            self.organization_variable = var
            org = var.string_value
        self.props = props
        self.resource = DeltastreamProvider(self, "Resource", alias=alias, **model.provider_config(props, key, org))

    @property
    def provider(self) -> Any:
        return self.resource
