"""DeltaStream constructs on the real ``deltastreaminc/deltastream`` provider 1.0.3: databases,
namespaces, stores, objects (streams, changelogs, tables), queries, entities, secrets, schema
registries and lookups, with DeltaStream's rules checked before anything reaches the provider.
Constructs load lazily so ``import dw_constructs.deltastream`` starts neither the jsii runtime nor
the bindings; props, enums and the model are plain Python."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dw_constructs.deltastream.enums import (  # noqa: F401  (plain Python, cheap)
    ObjectKind,
    QueryChange,
    SaslHashFunction,
    SchemaRegistryKind,
    StoreKind,
    ValueFormat,
)
from dw_constructs.deltastream.model import (  # noqa: F401
    Column,
    ConfluentCloudRegistryProps,
    ConfluentKafkaProps,
    ConfluentRegistryProps,
    KafkaProps,
    KinesisProps,
    PostgresProps,
    SnowflakeProps,
)

if TYPE_CHECKING:  # what the lazy __getattr__ returns, for type checkers and IDEs
    from dw_constructs.deltastream.database import DeltaStreamDatabase
    from dw_constructs.deltastream.entity import DeltaStreamEntity
    from dw_constructs.deltastream.lookups import (
        DatabaseLookup,
        DatabasesLookup,
        EntitiesLookup,
        NamespaceLookup,
        NamespacesLookup,
        ObjectLookup,
        ObjectsLookup,
        SchemaRegistriesLookup,
        SchemaRegistryLookup,
        SecretLookup,
        SecretsLookup,
        StoreLookup,
        StoresLookup,
    )
    from dw_constructs.deltastream.namespace import DeltaStreamNamespace
    from dw_constructs.deltastream.postgres import cnpg_postgres_store
    from dw_constructs.deltastream.provider import DeltaStreamProvider
    from dw_constructs.deltastream.query import DeltaStreamQuery
    from dw_constructs.deltastream.schema_registry import DeltaStreamSchemaRegistry
    from dw_constructs.deltastream.secret import DeltaStreamSecret
    from dw_constructs.deltastream.store import DeltaStreamStore
    from dw_constructs.deltastream.stream_object import DeltaStreamObject

#: The lookup classes (dw_constructs.deltastream.lookups); governance lists them too.
LOOKUP_NAMES = (
    "DatabaseLookup",
    "DatabasesLookup",
    "NamespaceLookup",
    "NamespacesLookup",
    "StoreLookup",
    "StoresLookup",
    "ObjectLookup",
    "ObjectsLookup",
    "SecretLookup",
    "SecretsLookup",
    "SchemaRegistryLookup",
    "SchemaRegistriesLookup",
    "EntitiesLookup",
)

_LAZY = {
    "DeltaStreamProvider": "dw_constructs.deltastream.provider",
    "DeltaStreamDatabase": "dw_constructs.deltastream.database",
    "DeltaStreamNamespace": "dw_constructs.deltastream.namespace",
    "DeltaStreamStore": "dw_constructs.deltastream.store",
    "DeltaStreamObject": "dw_constructs.deltastream.stream_object",
    "DeltaStreamQuery": "dw_constructs.deltastream.query",
    "DeltaStreamEntity": "dw_constructs.deltastream.entity",
    "DeltaStreamSecret": "dw_constructs.deltastream.secret",
    "DeltaStreamSchemaRegistry": "dw_constructs.deltastream.schema_registry",
    "cnpg_postgres_store": "dw_constructs.deltastream.postgres",
    **{name: "dw_constructs.deltastream.lookups" for name in LOOKUP_NAMES},
}

# A literal list: type checkers read it to know what the package exports.
__all__ = [
    "Column",
    "ConfluentCloudRegistryProps",
    "ConfluentKafkaProps",
    "ConfluentRegistryProps",
    "DatabaseLookup",
    "DatabasesLookup",
    "DeltaStreamDatabase",
    "DeltaStreamEntity",
    "DeltaStreamNamespace",
    "DeltaStreamObject",
    "DeltaStreamProvider",
    "DeltaStreamQuery",
    "DeltaStreamSchemaRegistry",
    "DeltaStreamSecret",
    "DeltaStreamStore",
    "EntitiesLookup",
    "KafkaProps",
    "KinesisProps",
    "NamespaceLookup",
    "NamespacesLookup",
    "ObjectKind",
    "ObjectLookup",
    "ObjectsLookup",
    "PostgresProps",
    "QueryChange",
    "SaslHashFunction",
    "SchemaRegistriesLookup",
    "SchemaRegistryKind",
    "SchemaRegistryLookup",
    "SecretLookup",
    "SecretsLookup",
    "SnowflakeProps",
    "StoreKind",
    "StoreLookup",
    "StoresLookup",
    "ValueFormat",
    "cnpg_postgres_store",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
