"""DeltaStreamEntity: one ``deltastream_entity`` (a topic or stream in a store), protected by default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model


class DeltaStreamEntity(Construct):
    """An entity created in a store: a Kafka topic or a Kinesis stream (see
    :class:`model.EntityProps`). Dropping it deletes its data: ``prevent_destroy`` is on by
    default. Provider 1.0.3 cannot update an entity: a change of its path or settings plans a
    replacement (``Revision`` in ``replace_triggered_by``), which ``prevent_destroy`` stops at plan
    time. It is not replaced with its store: the topic lives in Kafka/Kinesis, not in the store.

    Kafka topic ``configs`` are deliberately not offered: provider 1.0.3 crashes on a non-empty
    ``kafka_properties.configs`` at apply (a type assertion on the map values).

    Creates: ``deltastream_entity`` [Resource], ``terraform_data`` [Revision].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``Entity``.
        store_name: the store's name; entity_path: the path (a list).
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        store: Any,
        entity_path: Sequence[str],
        topic_partitions: int | None = None,
        topic_replicas: int | None = None,
        kinesis_shards: int | None = None,
        prevent_destroy: bool = True,
        provider: Any = None,
    ) -> None:
        from dw_constructs.deltastream.store import DeltaStreamStore

        store_name, problems = _base.name_of(store, DeltaStreamStore, "store", "store")
        path = tuple(entity_path) if isinstance(entity_path, list) else entity_path
        props = model.EntityProps(
            store=store_name,
            entity_path=path,
            topic_partitions=topic_partitions,
            topic_replicas=topic_replicas,
            kinesis_shards=kinesis_shards,
            prevent_destroy=prevent_destroy,
        )
        kind = store.kind.value if isinstance(store, DeltaStreamStore) else None
        prov, p = _base.provider_of(scope, provider, store)
        problems += p + _base.without(model.validate_entity(props, kind), problems)
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.entity import Entity

        self.props = props
        self.store_name = props.store
        self.entity_path = list(props.entity_path)
        self.provider = prov
        config = model.entity_config(props)
        upstream = _base.resource_of(store)
        self.revision = _base.revision(self, config)
        self.resource = Entity(
            self,
            "Resource",
            **config,
            provider=prov,
            depends_on=[upstream] if upstream is not None else None,
            lifecycle=_base.lifecycle(props.prevent_destroy, [self.revision]),
        )
