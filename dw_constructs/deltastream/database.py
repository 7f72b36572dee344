"""DeltaStreamDatabase: one ``deltastream_database``; a rename replaces it (protected by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.deltastream import _base, model

if TYPE_CHECKING:
    from dw_constructs.deltastream.namespace import DeltaStreamNamespace


class DeltaStreamDatabase(Construct):
    """A DeltaStream database (see :class:`model.DatabaseProps`).

    Provider 1.0.3 cannot update a database (its Update always fails): a change of ``name`` or
    ``owner`` plans a replacement through the ``Revision`` (``terraform_data``) in
    ``replace_triggered_by``, which ``prevent_destroy`` (on by default) then stops at plan time.

    Creates: ``deltastream_database`` [Resource], ``terraform_data`` [Revision].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``Database``.
        name: the database name (known at synth time).
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        owner: str | None = None,
        prevent_destroy: bool = True,
        provider: Any = None,
    ) -> None:
        props = model.DatabaseProps(name=name, owner=owner, prevent_destroy=prevent_destroy)
        prov, p = _base.provider_of(scope, provider)
        raise_problems(type(self).__name__, scope, id, model.validate_database(props) + p)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.database import Database

        self.props = props
        self.name = props.name
        self.provider = prov
        config = model.database_config(props)
        self.revision = _base.revision(self, config)
        self.resource = Database(
            self, "Resource", **config, provider=prov, lifecycle=_base.lifecycle(props.prevent_destroy, [self.revision])
        )

    def add_namespace(
        self, id: str, *, name: str, owner: str | None = None, prevent_destroy: bool = True, provider: Any = None
    ) -> DeltaStreamNamespace:
        """A ``DeltaStreamNamespace`` in this database, child ``id`` of this construct (the keyword
        arguments of ``DeltaStreamNamespace`` besides ``database``).

        Args:
            name: namespace name. Required.
            owner: owning role. Default: - the provider's role.
            prevent_destroy: protect the namespace; known at synth time. Default: True.
            provider: the provider configuration. Default: - this database's.

        Example::

            analytics = database.add_namespace("Analytics", name="analytics")
        """
        from dw_constructs.deltastream.namespace import DeltaStreamNamespace

        return DeltaStreamNamespace(
            self, id, database=self, name=name, owner=owner, prevent_destroy=prevent_destroy, provider=provider
        )
