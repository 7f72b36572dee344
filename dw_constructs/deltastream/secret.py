"""DeltaStreamSecret: one ``deltastream_secret``, its value only as a sensitive reference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf import TerraformVariable
from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model


class DeltaStreamSecret(Construct):
    """A DeltaStream secret of type ``generic_string`` (see :class:`model.SecretProps`).

    Provider 1.0.3 does not mark ``string_value`` sensitive: this construct accepts it only as a
    sensitive reference, so plans show ``(sensitive value)``. It cannot update a secret: a new
    value (or description, properties, owner) replaces it, through the ``Revision``, whose
    fingerprint is computed from the value at plan time. Rotation means replacement.

    Creates: ``deltastream_secret`` [Resource], ``terraform_data`` [Revision].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``Secret``; name: the secret's name.
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        string_value: str | TerraformVariable,
        description: str | None = None,
        custom_properties: Mapping[str, str] | None = None,
        owner: str | None = None,
        provider: Any = None,
    ) -> None:
        sensitive = _base.sensitive_problems(scope, "string_value", string_value)
        props = model.SecretProps(
            name=name,
            string_value=_base.as_reference(string_value),
            description=description,
            custom_properties=dict(custom_properties or {}),
            owner=owner,
        )
        prov, p = _base.provider_of(scope, provider)
        raise_problems(type(self).__name__, scope, id, model.validate_secret(props) + sensitive + p)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.secret import Secret

        self.props = props
        self.name = props.name
        self.provider = prov
        config = model.secret_config(props)
        self.revision = _base.revision(self, config)
        self.resource = Secret(
            self, "Resource", **config, provider=prov, lifecycle=_base.lifecycle(False, [self.revision])
        )
