"""DeltaStreamStore: one ``deltastream_store`` of exactly one kind; any change replaces it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model
from dw_constructs.deltastream.enums import StoreKind
from dw_constructs.deltastream.model import (
    ConfluentKafkaProps,
    KafkaProps,
    KinesisProps,
    PostgresProps,
    SnowflakeProps,
)
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from dw_cdktf_provider_kubernetes.data_kubernetes_secret_v1 import DataKubernetesSecretV1

    from dw_constructs.cnpg.cluster import CnpgPostgisCluster
    from dw_constructs.deltastream.entity import DeltaStreamEntity

_KIND_ARGS = ("kafka", "confluent_kafka", "kinesis", "snowflake", "postgres")


class DeltaStreamStore(Construct):
    """A DeltaStream store: a connection to Kafka, Confluent Cloud Kafka, Kinesis, Snowflake or
    PostgreSQL (see :class:`model.StoreProps` and the kind props).

    Exactly one kind is accepted, with that kind's required fields (provider 1.0.3 silently uses
    the first kind block it finds). Credentials are sensitive references only. Provider 1.0.3
    cannot update a store: the ``Revision`` holds a fingerprint of the whole configuration,
    credential *values* included (``sha256(jsonencode(...))`` computed at plan time), so a new
    password plans the replacement of the store; the store's objects (and the queries on them)
    are replaced with it. Rotating a credential means replacing the store.

    ``schema_registry``: a :class:`DeltaStreamSchemaRegistry` used by a Kafka store (it then
    depends on it and is replaced with it), instead of ``kafka.schema_registry``.

    Creates: ``deltastream_store`` [Resource], ``terraform_data`` [Revision].

    Args:
        schema_registry: a ``DeltaStreamSchemaRegistry`` used by a Kafka store (the store then
            depends on it and is replaced with it), instead of ``kafka.schema_registry``.
            Default: None.
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).
        preconditions: Terraform ``precondition`` blocks of the store resource (checked at plan).
            Default: ().

    Attributes:
        resource: the generated ``Store``.
        name: the store name; kind: the :class:`StoreKind`.
        provider: the provider configuration it uses.
        cluster, app_secret: a store made by ``cnpg_postgres_store``: the ``CnpgPostgisCluster``
            and the ``kubernetes_secret_v1`` data source its credentials come from; else None.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        kafka: KafkaProps | Mapping[str, Any] | None = None,
        confluent_kafka: ConfluentKafkaProps | Mapping[str, Any] | None = None,
        kinesis: KinesisProps | Mapping[str, Any] | None = None,
        snowflake: SnowflakeProps | Mapping[str, Any] | None = None,
        postgres: PostgresProps | Mapping[str, Any] | None = None,
        schema_registry: Any = None,
        owner: str | None = None,
        prevent_destroy: bool = False,
        provider: Any = None,
        preconditions: Sequence[Any] = (),
    ) -> None:
        from dw_constructs.deltastream.schema_registry import DeltaStreamSchemaRegistry

        given = {
            "kafka": kafka,
            "confluent_kafka": confluent_kafka,
            "kinesis": kinesis,
            "snowflake": snowflake,
            "postgres": postgres,
        }
        kinds: dict[str, Any] = {}
        problems: list[Problem] = []
        for arg in _KIND_ARGS:
            value, p = model.coerce(model.KIND_PROPS[StoreKind(arg)], given[arg], arg)
            problems += p
            kinds[arg] = value if not p else None
            if p:  # keep the kind counted for the exactly-one rule
                kinds[arg] = _Unset()
        sensitive: list[Problem] = []
        for arg, value in list(kinds.items()):
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                changes = {}
                for f in dataclasses.fields(value):
                    v = getattr(value, f.name)
                    if f.name in model.CREDENTIAL_FIELDS[StoreKind(arg)]:
                        sensitive += _base.sensitive_problems(scope, f"{arg}.{f.name}", v)
                    if v is not _base.as_reference(v):
                        changes[f.name] = _base.as_reference(v)
                if changes:
                    kinds[arg] = dataclasses.replace(value, **changes)
        registry_name = None
        if schema_registry is not None:
            if not isinstance(schema_registry, DeltaStreamSchemaRegistry):
                problems.append(
                    Problem(
                        "schema_registry",
                        type(schema_registry).__name__,
                        "a DeltaStreamSchemaRegistry (or set kafka.schema_registry to a name)",
                    )
                )
            elif kafka is None:
                problems.append(
                    Problem("schema_registry", schema_registry.node.path, "None unless the store is a kafka store")
                )
            else:
                registry_name = schema_registry.name
                kafka_props = kinds["kafka"]
                if isinstance(kafka_props, KafkaProps) and kafka_props.schema_registry not in (None, registry_name):
                    problems.append(
                        Problem(
                            "kafka.schema_registry",
                            kinds["kafka"].schema_registry,
                            f"None or {registry_name!r} when schema_registry is given",
                        )
                    )
        props = model.StoreProps(
            name=name,
            owner=owner,
            prevent_destroy=prevent_destroy,
            **{k: (None if isinstance(v, _Unset) else v) for k, v in kinds.items()},
        )
        # unreadable kinds stay counted for the exactly-one rule: placeholders in typed fields, on purpose
        unset: dict[str, Any] = {k: v for k, v in kinds.items() if isinstance(v, _Unset)}
        check = dataclasses.replace(props, **unset)
        prov, p = _base.provider_of(scope, provider, schema_registry)
        problems += p + _base.without(model.validate_store(check), problems) + sensitive
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.store import Store

        self.props = props
        self.name = props.name
        self.kind = StoreKind(props.kind)
        self.provider = prov
        self.schema_registry = schema_registry
        self.cluster: CnpgPostgisCluster | None = None
        self.app_secret: DataKubernetesSecretV1 | None = None
        block, args = model.store_block(props, registry_name)
        config = model._drop_none({"name": props.name, "owner": props.owner, block: args})
        self.revision = _base.revision(self, config)
        upstream = _base.resource_of(schema_registry)
        self.resource = Store(
            self,
            "Resource",
            **config,
            provider=prov,
            depends_on=[upstream] if upstream is not None else None,
            lifecycle=_base.lifecycle(props.prevent_destroy, [self.revision, upstream], preconditions),
        )

    def add_entity(
        self,
        id: str,
        *,
        entity_path: Sequence[str],
        topic_partitions: int | None = None,
        topic_replicas: int | None = None,
        kinesis_shards: int | None = None,
        prevent_destroy: bool = True,
        provider: Any = None,
    ) -> DeltaStreamEntity:
        """A ``DeltaStreamEntity`` (topic/stream) in this store, child ``id`` of this construct (the
        keyword arguments of ``DeltaStreamEntity`` besides ``store``).

        Args:
            entity_path: path of the entity in the store (e.g. ``["orders"]``). Required.
            topic_partitions: Kafka partitions. Default: - the store's default.
            topic_replicas: Kafka replicas. Default: - the store's default.
            kinesis_shards: Kinesis shards. Default: - the store's default.
            prevent_destroy: protect the entity; known at synth time. Default: True.
            provider: the provider configuration. Default: - this store's.

        Example::

            orders = store.add_entity("Orders", entity_path=["orders"], topic_partitions=3)
        """
        from dw_constructs.deltastream.entity import DeltaStreamEntity

        return DeltaStreamEntity(
            self,
            id,
            store=self,
            entity_path=entity_path,
            topic_partitions=topic_partitions,
            topic_replicas=topic_replicas,
            kinesis_shards=kinesis_shards,
            prevent_destroy=prevent_destroy,
            provider=provider,
        )


class _Unset:
    """Placeholder for a kind argument that could not be read (counted for exactly-one)."""

    def __repr__(self) -> str:  # pragma: no cover - shown only in messages
        return "<invalid>"
