"""DeltaStreamQuery: one ``deltastream_query``; its SQL, sink and sources are immutable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs import Construct

from dw_constructs._construct import output, raise_problems, tf_name
from dw_constructs.deltastream import _base, model
from dw_constructs.deltastream.enums import QueryChange, value_of
from dw_constructs.errors import Problem


class DeltaStreamQuery(Construct):
    """A continuous DeltaStream query, ``INSERT INTO <sink> SELECT ... FROM <sources>`` (see
    :class:`model.QueryProps`).

    ``sink`` and ``sources`` are :class:`DeltaStreamObject` s (or fully qualified names of
    existing relations); the SQL must insert into the sink and read exactly the sources, written
    fully qualified (``obj.fqn`` gives ``"db"."namespace"."name"``). Checked at synth time: an
    empty body, a statement that is no ``INSERT INTO``, a sink or source the SQL does not match,
    unquoted mixed-case or non-ASCII names.

    A query cannot change (provider 1.0.3 plans an in-place update that fails at apply). With
    ``on_change=QueryChange.REPLACE`` (default) a ``terraform_data`` [Revision] holds the
    fingerprint of the normalized SQL, the sink and the sorted sources, and the query lists it in
    ``replace_triggered_by``: a change replaces the query (terminate, start anew), identical SQL
    (also re-indented) changes nothing. With ``QueryChange.FAIL`` synth fails when the
    fingerprint differs from ``pinned_fingerprint`` and says to create a new query instead. The
    query is also replaced with its sink or source objects.

    Creates: ``deltastream_query`` [Resource], ``terraform_data`` [Revision] (REPLACE only),
    output ``<snake id>_fingerprint`` [Fingerprint].

    Args:
        provider: the ``deltastream`` provider configuration to use: a ``DeltaStreamProvider`` or the
            generated provider. Default: - the provider of the construct it belongs to, else the
            stack's default ``deltastream`` provider (which must exist already).

    Attributes:
        resource: the generated ``Query``.
        fingerprint: ``sha256:...`` of what must not change (also the output).
        sink, sources: fully qualified names (sources sorted).
        provider: the provider configuration it uses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        sql: str,
        sink: Any,
        sources: Sequence[Any],
        on_change: QueryChange | str = QueryChange.REPLACE,
        pinned_fingerprint: str | None = None,
        owner: str | None = None,
        provider: Any = None,
    ) -> None:
        from dw_constructs.deltastream.stream_object import DeltaStreamObject

        problems: list[Problem] = []

        def fqn_of(obj: Any, prop: str) -> Any:
            if isinstance(obj, DeltaStreamObject):
                return obj.fqn
            if isinstance(obj, str):
                return obj
            problems.append(
                Problem(
                    prop, type(obj).__name__, 'a DeltaStreamObject or a fully qualified name "db"."namespace"."name"'
                )
            )
            return None

        sink_fqn = fqn_of(sink, "sink")
        if isinstance(sources, (str, bytes)) or not isinstance(sources, (list, tuple)):
            problems.append(
                Problem("sources", type(sources).__name__, "a list of DeltaStreamObjects or fully qualified names")
            )
            source_list: list[Any] = []
        else:
            source_list = list(sources)
        source_fqns = [fqn_of(x, f"sources[{i}]") for i, x in enumerate(source_list)]
        props = model.QueryProps(
            sql=sql,
            sink=sink_fqn,
            sources=tuple(f for f in source_fqns if f is not None),
            on_change=on_change,
            pinned_fingerprint=pinned_fingerprint,
            owner=owner,
        )
        prov, p = _base.provider_of(scope, provider, sink, *source_list)
        problems += p + (_base.without(model.validate_query(props), problems) if not problems else [])
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)
        from dw_cdktf_provider_deltastream.query import Query

        self.props = props
        self.provider = prov
        self.fingerprint = model.query_fingerprint(props)
        config = model.query_config(props)
        self.sink = config["sink_relation_fqn"]
        self.sources = config["source_relation_fqns"]
        upstream = [r for r in (_base.resource_of(x) for x in [sink, *source_list]) if r is not None]
        replace = value_of(props.on_change) == QueryChange.REPLACE.value
        self.revision = (
            _base.revision(self, {"fingerprint": self.fingerprint, "owner": props.owner}) if replace else None
        )
        self.resource = Query(
            self,
            "Resource",
            **config,
            provider=prov,
            depends_on=upstream or None,
            lifecycle=_base.lifecycle(False, [self.revision, *upstream]),
        )
        output(
            self,
            "Fingerprint",
            tf_name(id, "fingerprint"),
            self.fingerprint,
            f"Fingerprint of the SQL, sink and sources of the DeltaStream query {self.node.path}",
        )
