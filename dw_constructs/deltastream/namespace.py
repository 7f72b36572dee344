"""DeltaStreamNamespace: one ``deltastream_namespace`` in a database."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model


class DeltaStreamNamespace(Construct):
    """A namespace (schema) of a DeltaStream database (see :class:`model.NamespaceProps`).

    ``database`` is a :class:`DeltaStreamDatabase` (the namespace then depends on it and is
    replaced with it) or the name of an existing database. A change of ``name``, ``owner`` or
    the database plans a replacement (provider 1.0.3 cannot update a namespace), which
    ``prevent_destroy`` (on by default) stops at plan time.

    Creates: ``deltastream_namespace`` [Resource], ``terraform_data`` [Revision].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``Namespace``.
        name, database: the namespace and database names.
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: Any,
        name: str,
        owner: str | None = None,
        prevent_destroy: bool = True,
        provider: Any = None,
    ) -> None:
        from dw_constructs.deltastream.database import DeltaStreamDatabase

        db_name, problems = _base.name_of(database, DeltaStreamDatabase, "database", "database")
        props = model.NamespaceProps(database=db_name, name=name, owner=owner, prevent_destroy=prevent_destroy)
        prov, p = _base.provider_of(scope, provider, database)
        problems += p + _base.without(model.validate_namespace(props), problems)
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.namespace import Namespace

        self.props = props
        self.name = props.name
        self.database = props.database
        self.provider = prov
        upstream = _base.resource_of(database)
        config = model.namespace_config(props)
        self.revision = _base.revision(self, config)
        self.resource = Namespace(
            self,
            "Resource",
            **config,
            provider=prov,
            depends_on=[upstream] if upstream is not None else None,
            lifecycle=_base.lifecycle(props.prevent_destroy, [self.revision, upstream]),
        )
