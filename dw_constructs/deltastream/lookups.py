"""Read-only lookups over the provider's list data sources.

Plural lookups (``DatabasesLookup``, ``StoresLookup``...) expose the items **sorted by name**
(``names``, ``items``): the provider returns them in whatever order the service lists them.
Singular lookups (``DatabaseLookup``, ``StoreLookup``...) filter the list by the attributes you
give (name, owner, type) and carry a Terraform postcondition that fails the plan with a clear
message when nothing or more than one thing matches (provider 1.0.3's own singular data sources
take the first row a lookup returns and cannot filter by anything but the name). Their values
(``name``, ``owner``, ...) are tokens resolved at plan time.

Data sources are read during ``plan``: they need the DeltaStream service unless they depend on
something being created in the same run (``depends_on``), which defers the read to apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

from cdktf import Postcondition, TerraformResourceLifecycle, Token
from constructs import Construct

from dw_constructs import _checks as c
from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model
from dw_constructs.errors import Problem


class _Listing(Construct):
    """One list data source, its items sorted by ``name`` and optionally filtered to one."""

    _module = ""  # generated module
    _class = ""  # generated class
    _type = ""  # data source type
    _list_attr = "items"  # attribute holding the list
    _what = ""  # for messages
    _filters: tuple[str, ...] = ()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        args: Mapping[str, Any],
        filters: Mapping[str, Any],
        single: bool,
        provider: Any,
        depends_on: Sequence[Any],
        problems: list[Problem],
    ) -> None:
        for key, value in filters.items():
            if value is not None and not (isinstance(value, str) and value and not c.is_token(value)):
                problems.append(Problem(key, value, "a non-empty string known at synth time, or None"))
        if single and not any(v is not None for v in filters.values()) and not args:
            problems.append(
                Problem(
                    "name",
                    None,
                    "at least one of " + ", ".join(self._filters) + " (a singular lookup needs something to match)",
                )
            )
        prov, p = _base.provider_of(scope, provider)
        raise_problems(type(self).__name__, scope, id, problems + p)
        super().__init__(scope, id)
        import importlib

        cls = getattr(importlib.import_module(f"dw_cdktf_provider_deltastream.{self._module}"), self._class)
        self.provider = prov
        self.filters = {k: v for k, v in filters.items() if v is not None}
        self.data = cls(
            self, "Resource", **args, provider=prov, depends_on=[_base.resource_of(d) or d for d in depends_on] or None
        )
        address = f"data.{self._type}.{self.data.friendly_unique_id}"
        items = f"{address}.{self._list_attr}"
        self._items = items
        self.names = Token.as_list(f"${{sort([for i in {items} : i.name])}}")
        self.items = Token.as_any(
            f"${{[for n in sort([for i in {items} : i.name]) : [for i in {items} : i if i.name == n][0]]}}"
        )
        if single:
            match = self._match("self." + self._list_attr)
            wanted = ", ".join(f"{k} {v!r}" for k, v in self.filters.items()) or ", ".join(
                f"{k} {v!r}" for k, v in args.items()
            )
            self.data.lifecycle = TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f"${{length({match}) == 1}}",
                        error_message=(
                            f"Expected exactly one DeltaStream {self._what} with {wanted}; found "
                            f'${{length({match})}}: [${{join(", ", [for i in {match} : i.name])}}].'
                        ),
                    )
                ]
            )
            self._one = f"one({self._match(items)})"

    def _match(self, items: str) -> str:
        conds = []
        for key, value in self.filters.items():
            attr = "type" if key == "type" else key
            if key == "type":
                conds.append(f"lower(i.{attr}) == lower({_base.hcl_string(value)})")
            else:
                conds.append(f"i.{attr} == {_base.hcl_string(value)}")
        cond = " && ".join(conds) or "true"
        return f"[for i in {items} : i if {cond}]"

    def attribute(self, name: str) -> str:
        """Attribute ``name`` of the one match (singular lookups), a string token."""
        return Token.as_string(f"${{{self._one}.{name}}}")


def _filters_problems(name: Any) -> list[Problem]:
    return model.name_problems("name", name, required=False)


class _Value:
    """A value of a singular lookup's one match, named like the attribute: a string token
    resolved at plan time (read-only, like a property)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Value: ...
    @overload
    def __get__(self, obj: _Listing, objtype: type | None = None) -> str: ...
    def __get__(self, obj: _Listing | None, objtype: type | None = None) -> _Value | str:
        return self if obj is None else obj.attribute(self._attr)

    def __set__(self, obj: _Listing, value: Any) -> None:
        raise AttributeError(f"can't set attribute {self._attr!r}")


class _AllListed(_Listing):
    """A plural lookup of a data source taking no arguments: every item."""

    def __init__(self, scope: Construct, id: str, *, provider: Any = None, depends_on: Sequence[Any] = ()) -> None:
        super().__init__(
            scope, id, args={}, filters={}, single=False, provider=provider, depends_on=depends_on, problems=[]
        )


class _OneListed(_Listing):
    """A singular lookup of a data source taking no arguments, filtered by name, type and owner."""

    _filters = ("name", "type", "owner")

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str | None = None,
        type: str | None = None,
        owner: str | None = None,
        provider: Any = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        super().__init__(
            scope,
            id,
            args={},
            filters={"name": name, "type": type, "owner": owner},
            single=True,
            provider=provider,
            depends_on=depends_on,
            problems=_filters_problems(name),
        )


# The list data sources: generated module, generated class, data source type, what (for messages).
_DATABASES = ("data_deltastream_databases", "DataDeltastreamDatabases", "deltastream_databases", "database")
_NAMESPACES = ("data_deltastream_namespaces", "DataDeltastreamNamespaces", "deltastream_namespaces", "namespace")
_STORES = ("data_deltastream_stores", "DataDeltastreamStores", "deltastream_stores", "store")
_OBJECTS = ("data_deltastream_objects", "DataDeltastreamObjects", "deltastream_objects", "object")
_SECRETS = ("data_deltastream_secrets", "DataDeltastreamSecrets", "deltastream_secrets", "secret")
_SCHEMA_REGISTRIES = (
    "data_deltastream_schema_registries",
    "DataDeltastreamSchemaRegistries",
    "deltastream_schema_registries",
    "schema registry",
)


# --- databases ---------------------------------------------------------------------------------------


class DatabasesLookup(_AllListed):
    """Every database (``deltastream_databases``), sorted by name: ``names``, ``items``."""

    _module, _class, _type, _what = _DATABASES


class DatabaseLookup(_Listing):
    """The one database with ``name`` (and ``owner``, when given); the plan fails otherwise.
    Values: ``name``, ``owner``, ``created_at``."""

    _module, _class, _type, _what = _DATABASES
    _filters = ("name", "owner")

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str | None = None,
        owner: str | None = None,
        provider: Any = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        super().__init__(
            scope,
            id,
            args={},
            filters={"name": name, "owner": owner},
            single=True,
            provider=provider,
            depends_on=depends_on,
            problems=_filters_problems(name),
        )

    name = _Value()
    owner = _Value()
    created_at = _Value()


# --- namespaces ---------------------------------------------------------------------------------------


def _database(database: Any) -> tuple[Any, list[Problem]]:
    from dw_constructs.deltastream.database import DeltaStreamDatabase

    name, problems = _base.name_of(database, DeltaStreamDatabase, "database", "database")
    return name, problems or model.name_problems("database", name)


class NamespacesLookup(_Listing):
    """Every namespace of ``database``, sorted by name: ``names``, ``items``."""

    _module, _class, _type, _what = _NAMESPACES

    def __init__(
        self, scope: Construct, id: str, *, database: Any, provider: Any = None, depends_on: Sequence[Any] = ()
    ) -> None:
        db, problems = _database(database)
        super().__init__(
            scope,
            id,
            args={"database": db},
            filters={},
            single=False,
            provider=provider,
            depends_on=depends_on,
            problems=problems,
        )


class NamespaceLookup(_Listing):
    """The one namespace of ``database`` with ``name`` (and ``owner``); the plan fails otherwise."""

    _module, _class, _type, _what = _NAMESPACES
    _filters = ("name", "owner")

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: Any,
        name: str | None = None,
        owner: str | None = None,
        provider: Any = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        db, problems = _database(database)
        super().__init__(
            scope,
            id,
            args={"database": db},
            filters={"name": name, "owner": owner},
            single=True,
            provider=provider,
            depends_on=depends_on,
            problems=problems + _filters_problems(name),
        )

    name = _Value()
    owner = _Value()


# --- stores ---------------------------------------------------------------------------------------------


class StoresLookup(_AllListed):
    """Every store, sorted by name: ``names``, ``items`` (name, type, state, owner, ...)."""

    _module, _class, _type, _what = _STORES


class StoreLookup(_OneListed):
    """The one store matching ``name``, ``type`` (as DeltaStream reports it, compared without
    case, e.g. ``"kafka"``) and ``owner``, whichever are given; the plan fails otherwise.
    Values: ``name``, ``type``, ``state``, ``owner``."""

    _module, _class, _type, _what = _STORES

    name = _Value()
    type = _Value()
    state = _Value()
    owner = _Value()


# --- objects --------------------------------------------------------------------------------------------


def _namespace(database: Any, namespace: Any) -> tuple[Any, Any, list[Problem]]:
    from dw_constructs.deltastream.namespace import DeltaStreamNamespace

    if isinstance(namespace, DeltaStreamNamespace):
        return namespace.database, namespace.name, []
    db, problems = _database(database)
    ns, p = _base.name_of(namespace, DeltaStreamNamespace, "namespace", "namespace")
    return db, ns, problems + (p or model.name_problems("namespace", ns))


class ObjectsLookup(_Listing):
    """Every object of a namespace, sorted by name: ``names``, ``items`` (name, fqn, type, ...)."""

    _module, _class, _type, _what = _OBJECTS
    _list_attr = "objects"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: Any = None,
        namespace: Any = model.DEFAULT_NAMESPACE,
        provider: Any = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        db, ns, problems = _namespace(database, namespace)
        super().__init__(
            scope,
            id,
            args={"database": db, "namespace": ns},
            filters={},
            single=False,
            provider=provider,
            depends_on=depends_on,
            problems=problems,
        )


class ObjectLookup(_Listing):
    """The one object of a namespace matching ``name``, ``type`` and ``owner``; the plan fails
    otherwise. Values: ``name``, ``fqn``, ``type``, ``state``, ``owner``."""

    _module, _class, _type, _what = _OBJECTS
    _list_attr = "objects"
    _filters = ("name", "type", "owner")

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: Any = None,
        namespace: Any = model.DEFAULT_NAMESPACE,
        name: str | None = None,
        type: str | None = None,
        owner: str | None = None,
        provider: Any = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        db, ns, problems = _namespace(database, namespace)
        super().__init__(
            scope,
            id,
            args={"database": db, "namespace": ns},
            filters={"name": name, "type": type, "owner": owner},
            single=True,
            provider=provider,
            depends_on=depends_on,
            problems=problems + _filters_problems(name),
        )

    name = _Value()
    fqn = _Value()
    type = _Value()
    owner = _Value()


# --- secrets and schema registries ---------------------------------------------------------------------


class SecretsLookup(_AllListed):
    """Every secret (names and metadata, never values), sorted by name."""

    _module, _class, _type, _what = _SECRETS


class SecretLookup(_OneListed):
    """The one secret matching ``name``, ``type`` and ``owner``; the plan fails otherwise.
    Values: ``name``, ``type``, ``status``, ``owner``, ``description`` (never the value)."""

    _module, _class, _type, _what = _SECRETS

    name = _Value()
    status = _Value()


class SchemaRegistriesLookup(_AllListed):
    """Every schema registry, sorted by name."""

    _module, _class, _type, _what = _SCHEMA_REGISTRIES


class SchemaRegistryLookup(_OneListed):
    """The one schema registry matching ``name``, ``type`` and ``owner``; the plan fails otherwise."""

    _module, _class, _type, _what = _SCHEMA_REGISTRIES

    name = _Value()
    type = _Value()


# --- entities -------------------------------------------------------------------------------------------


class EntitiesLookup(Construct):
    """The entities of a store (``deltastream_entities``), under ``parent_path`` when given:
    ``names`` sorted."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        store: Any,
        parent_path: Sequence[str] = (),
        provider: Any = None,
        depends_on: Sequence[Any] = (),
    ) -> None:
        from dw_constructs.deltastream.store import DeltaStreamStore

        store_name, problems = _base.name_of(store, DeltaStreamStore, "store", "store")
        problems = problems or model.name_problems("store", store_name)
        if isinstance(parent_path, (str, bytes)) or not isinstance(parent_path, Sequence):
            problems.append(Problem("parent_path", parent_path, "a list of names"))
        else:
            for i, part in enumerate(parent_path):
                problems += model.name_problems(f"parent_path[{i}]", part)
        prov, p = _base.provider_of(scope, provider, store)
        raise_problems(type(self).__name__, scope, id, problems + p)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.data_deltastream_entities import DataDeltastreamEntities

        deps = [_base.resource_of(d) or d for d in depends_on]
        if _base.resource_of(store) is not None:
            deps.append(_base.resource_of(store))
        self.provider = prov
        self.data = DataDeltastreamEntities(
            self,
            "Resource",
            store=store_name,
            parent_path=list(parent_path) or None,
            provider=prov,
            depends_on=deps or None,
        )
        address = f"data.deltastream_entities.{self.data.friendly_unique_id}"
        self.names = Token.as_list(f"${{sort({address}.child_entities)}}")
