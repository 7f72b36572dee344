"""DeltaStreamObject: one ``deltastream_object`` (a stream, changelog or table) from columns or DDL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model
from dw_constructs.deltastream import sql as s
from dw_constructs.deltastream.enums import ObjectKind, StoreKind, ValueFormat
from dw_constructs.errors import Problem


class DeltaStreamObject(Construct):
    """A DeltaStream relation over an entity of a store (see :class:`model.ObjectProps`).

    Give ``columns`` (we write a deterministic DDL: columns in your order, every identifier
    quoted, ``WITH`` options sorted) or the whole statement as ``sql`` (we check its kind, that it
    creates ``name`` in this database and namespace, quoting of mixed-case and non-ASCII names,
    and a ``'store'`` option). ``namespace`` is a :class:`DeltaStreamNamespace` or a namespace name
    (default ``public``) of ``database`` (a :class:`DeltaStreamDatabase` or a name). ``store`` is a
    :class:`DeltaStreamStore` or a store name; ``topic`` may be a :class:`DeltaStreamEntity`.

    Replacement: provider 1.0.3 replaces the object when its SQL (so any column or option), store,
    database or namespace changes; a change of ``owner`` and the replacement of its store,
    namespace, database or entity replace it too (``replace_triggered_by``), since provider 1.0.3
    cannot update an object and a replaced store no longer has it.

    Creates: ``deltastream_object`` [Resource], ``terraform_data`` [Revision].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``ObjectResource``.
        name, database, namespace: names; fqn: ``"db"."namespace"."name"`` (known at synth time;
            what queries use as sink and source and in their SQL).
        sql: the DDL emitted; kind: the :class:`ObjectKind` created.
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        store: Any,
        name: str,
        database: Any = None,
        namespace: Any = model.DEFAULT_NAMESPACE,
        kind: ObjectKind | str = ObjectKind.STREAM,
        columns: Sequence[Any] = (),
        primary_key: Sequence[str] = (),
        topic: Any = None,
        value_format: ValueFormat | str = ValueFormat.JSON,
        properties: Mapping[str, str] | None = None,
        sql: str | None = None,
        owner: str | None = None,
        provider: Any = None,
    ) -> None:
        from dw_constructs.deltastream.database import DeltaStreamDatabase
        from dw_constructs.deltastream.entity import DeltaStreamEntity
        from dw_constructs.deltastream.namespace import DeltaStreamNamespace
        from dw_constructs.deltastream.store import DeltaStreamStore

        problems: list[Problem] = []
        db_name: Any  # a database name; None or anything else given is reported (the props are checked as given)
        if isinstance(namespace, DeltaStreamNamespace):
            ns_name, db_name = namespace.name, namespace.database
            if database is not None:
                given, p = _base.name_of(database, DeltaStreamDatabase, "database", "database")
                problems += p
                if not p and given != db_name:
                    problems.append(Problem("database", given, f"None or {db_name!r}, the namespace's database"))
        else:
            ns_name, p1 = _base.name_of(namespace, DeltaStreamNamespace, "namespace", "namespace")
            if database is None:
                db_name, p2 = (
                    None,
                    [
                        Problem(
                            "database",
                            None,
                            "a DeltaStreamDatabase or the name of an existing "
                            "database (or give a DeltaStreamNamespace)",
                        )
                    ],
                )
            else:
                db_name, p2 = _base.name_of(database, DeltaStreamDatabase, "database", "database")
            problems += p1 + p2
        store_name, p = _base.name_of(store, DeltaStreamStore, "store", "store")
        problems += p
        entity = topic if isinstance(topic, DeltaStreamEntity) else None
        if entity is not None:
            path = list(entity.props.entity_path)
            topic = path[-1] if path else None
        if (
            topic is None
            and sql is None
            and isinstance(store, DeltaStreamStore)
            and store.kind in (StoreKind.KAFKA, StoreKind.CONFLUENT_KAFKA, StoreKind.KINESIS)
        ):
            topic = name
        props = model.ObjectProps(
            database=db_name,
            namespace=ns_name,
            store=store_name,
            name=name,
            kind=kind,
            columns=tuple(columns) if isinstance(columns, (list, tuple)) else columns,
            primary_key=tuple(primary_key) if isinstance(primary_key, (list, tuple)) else primary_key,
            topic=topic,
            value_format=value_format,
            properties=dict(properties or {}),
            sql=sql,
            owner=owner,
        )
        if entity is not None and isinstance(store, DeltaStreamStore) and entity.store_name != store.name:
            problems.append(
                Problem(
                    "topic", entity.node.path, f"an entity of store {store.name!r} (it is in {entity.store_name!r})"
                )
            )
        prov, p = _base.provider_of(scope, provider, namespace, database, store)
        problems += p + _base.without(model.validate_object(props), problems)
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.object_resource import ObjectResource

        cols, _ = model.coerce_columns(props.columns) if props.sql is None else ((), [])
        self.props = model.ObjectProps(**{**props.__dict__, "columns": cols}) if props.sql is None else props
        self.name = props.name
        self.database = props.database
        self.namespace = props.namespace
        self.store_name = props.store
        self.fqn = props.fqn
        self.sql = model.object_sql(self.props)
        self.kind = ObjectKind(model.object_kind(self.props))
        self.provider = prov
        config = model._drop_none(
            {
                "database": props.database,
                "namespace": props.namespace,
                "store": props.store,
                "sql": self.sql,
                "owner": props.owner,
            }
        )
        upstream = [_base.resource_of(x) for x in (namespace, database, store, entity)]
        upstream = [u for u in upstream if u is not None]
        self.revision = _base.revision(self, config)
        self.resource = ObjectResource(
            self,
            "Resource",
            **config,
            provider=prov,
            depends_on=upstream or None,
            lifecycle=_base.lifecycle(False, [self.revision, *upstream]),
        )

    @property
    def quoted_name(self) -> str:
        """The object's name as a quoted SQL identifier."""
        return s.quote(self.name)
