"""DeltaStreamSchemaRegistry: one ``deltastream_schema_registry``; any change replaces it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model
from dw_constructs.deltastream.model import ConfluentCloudRegistryProps, ConfluentRegistryProps
from dw_constructs.errors import Problem


class DeltaStreamSchemaRegistry(Construct):
    """A schema registry Kafka stores decode with (see :class:`model.SchemaRegistryProps`):
    exactly one of ``confluent`` and ``confluent_cloud``, credentials as sensitive references.
    Provider 1.0.3 cannot update one: any change, credential values included, replaces it (and
    the stores using it).

    Creates: ``deltastream_schema_registry`` [Resource], ``terraform_data`` [Revision].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``SchemaRegistry``; name: its name.
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        confluent: ConfluentRegistryProps | Mapping[str, Any] | None = None,
        confluent_cloud: ConfluentCloudRegistryProps | Mapping[str, Any] | None = None,
        owner: str | None = None,
        provider: Any = None,
    ) -> None:
        conf, p1 = model.coerce(ConfluentRegistryProps, confluent, "confluent")
        cloud, p2 = model.coerce(ConfluentCloudRegistryProps, confluent_cloud, "confluent_cloud")
        sensitive = []
        fixed = []
        for prop, value, secret_field in (("confluent", conf, "password"), ("confluent_cloud", cloud, "secret")):
            if value is not None:
                sensitive += _base.sensitive_problems(scope, f"{prop}.{secret_field}", getattr(value, secret_field))
                value = dataclasses.replace(
                    value, **{f.name: _base.as_reference(getattr(value, f.name)) for f in dataclasses.fields(value)}
                )
            fixed.append(value)
        conf, cloud = fixed
        props = model.SchemaRegistryProps(name=name, confluent=conf, confluent_cloud=cloud, owner=owner)
        prov, p = _base.provider_of(scope, provider)
        problems = p1 + p2
        problems += (
            _base.without(
                model.validate_schema_registry(props), problems + ([Problem("kind", None, "")] if problems else [])
            )
            + sensitive
            + p
        )
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.schema_registry import SchemaRegistry

        self.props = props
        self.name = props.name
        self.provider = prov
        block, args = model.schema_registry_block(props)
        config = model._drop_none({"name": props.name, "owner": props.owner, block: args})
        self.revision = _base.revision(self, config)
        self.resource = SchemaRegistry(
            self, "Resource", **config, provider=prov, lifecycle=_base.lifecycle(False, [self.revision])
        )
