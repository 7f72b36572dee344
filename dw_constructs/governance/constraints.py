"""Per-tenant constraints on the constructs of an app: load a constraints document (YAML or JSON,
validated against ``constraints.schema.json``) and evaluate it over construct records.

Plain Python, dicts and dataclasses in, :class:`~dw_constructs.governance.report.Violation` out;
the cdktf Aspect (:mod:`dw_constructs.governance.aspect`) is a thin layer that turns a construct tree
into records. Nothing here imports cdktf or jsii.
"""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import importlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from dw_constructs.deltastream import LOOKUP_NAMES as DELTASTREAM_LOOKUPS
from dw_constructs.governance.report import HIDDEN, GovernanceError, Violation

SCHEMA_PATH = Path(__file__).resolve().parent / "constraints.schema.json"

#: Construct types constraints may name: class name -> its props dataclass ("module:Class"; None:
#: the construct has no props, so only ``allowed`` and ``max_instances`` apply).
CONSTRUCT_TYPES: dict[str, str | None] = {
    "DataWarehouseCluster": "dw_constructs.datawarehouse.cluster_model:ClusterProps",
    "ReplicatedVde": "dw_constructs.datawarehouse.cluster_model:VdeProps",
    "DataWarehouseUser": "dw_constructs.datawarehouse.cluster_model:UserProps",
    "DataWarehousePolicy": "dw_constructs.datawarehouse.cluster_model:PolicyProps",
    "DataWarehousePlugin": "dw_constructs.datawarehouse.cluster_model:PluginProps",
    "ReplicationTopology": "dw_constructs.datawarehouse.cluster_model:TopologyProps",
    "DataWarehouseInstance": "dw_constructs.datawarehouse.model:InstanceProps",
    "DataWarehouseProvider": "dw_constructs.datawarehouse.model:ProviderProps",
    "CnpgPostgisCluster": "dw_constructs.cnpg.model:ClusterProps",
    "CnpgOperator": "dw_constructs.cnpg.model:OperatorProps",
    "InstanceStatus": None,
    "Capabilities": None,
    "PluginCatalog": None,
    "DeltaStreamProvider": "dw_constructs.deltastream.model:ProviderProps",
    "DeltaStreamDatabase": "dw_constructs.deltastream.model:DatabaseProps",
    "DeltaStreamNamespace": "dw_constructs.deltastream.model:NamespaceProps",
    "DeltaStreamStore": "dw_constructs.deltastream.model:StoreProps",
    "DeltaStreamObject": "dw_constructs.deltastream.model:ObjectProps",
    "DeltaStreamQuery": "dw_constructs.deltastream.model:QueryProps",
    "DeltaStreamEntity": "dw_constructs.deltastream.model:EntityProps",
    "DeltaStreamSecret": "dw_constructs.deltastream.model:SecretProps",
    "DeltaStreamSchemaRegistry": "dw_constructs.deltastream.model:SchemaRegistryProps",
    **{name: None for name in DELTASTREAM_LOOKUPS},
}

#: Key under the ``"//"`` comments of ``cdk.tf.json`` where governance writes (construct records at
#: the top of a stack, opt-outs on resources).
RECORDS_KEY = "dw_governance"

#: The parameter constraint kinds, in the order they are checked and reported.
PARAMETER_KINDS = ("required", "equals", "allowed", "min", "max")


# ------------------------------------------------------------------------------------------------
# The document


@dataclass(frozen=True)
class ParameterConstraint:
    """Limits on one prop (dotted for nested props, e.g. ``backup.enabled``)."""

    parameter: str
    min: Any = None
    max: Any = None
    allowed: tuple[Any, ...] | None = None
    equals: Any = None
    has_equals: bool = False
    required: bool = False


@dataclass(frozen=True)
class TypeConstraints:
    """What a tenant may do with one construct type."""

    construct_type: str
    allowed: bool = True
    max_instances: int | None = None
    parameters: tuple[ParameterConstraint, ...] = ()


@dataclass(frozen=True)
class HelmRepositoryRef:
    name: str
    namespace: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class PolicyOptions:
    """Tenant settings of the policy pack (``policies:`` in the constraints document).

    Attributes:
        require_backup: CNPG Clusters must archive WAL to a backup store. Default: False.
        require_storage_class: CNPG Clusters must name a StorageClass. Default: False.
        helm_repositories: HelmRepositories Flux HelmReleases may use.
            Default: - the HelmRepositories found in the checked manifests.
        allow_destroy: globs of construct paths / ``<stack>/<type>.<name>`` whose stateful resources
            may go without ``prevent_destroy``. Default: ().
        honor_resource_opt_outs: accept opt-outs recorded with ``governance.allow_destroy()``.
            Default: True.
        skip: policy ids not to run. Default: ().
    """

    require_backup: bool = False
    require_storage_class: bool = False
    helm_repositories: tuple[HelmRepositoryRef, ...] = ()
    allow_destroy: tuple[str, ...] = ()
    honor_resource_opt_outs: bool = True
    skip: tuple[str, ...] = ()

    def destroy_allowed(self, *names: str) -> bool:
        return any(fnmatch.fnmatchcase(n, g) for n in names if n for g in self.allow_destroy)


#: Values of ``approval.apply`` / ``approval.destroy``.
APPROVAL_MODES = ("required", "none")


@dataclass(frozen=True)
class ApprovalSettings:
    """Tenant settings of the deployment gate (``approval:`` in the constraints document), used by
    :mod:`dw_constructs.deploy` (docs/deploy.md).

    Attributes:
        apply: ``required``: a plan that creates or changes resources runs only after an explicit,
            recorded approval; ``none``: it runs without one. Default: "none".
        destroy: the same for destroy plans. Default: "required".
        compensate_protected: when an apply fails part-way, compensation may also destroy resources
            with ``prevent_destroy`` that this failed apply created (never resources that existed
            before it); when False they are kept and reported. Default: False.
    """

    apply: str = "none"
    destroy: str = "required"
    compensate_protected: bool = False

    def required(self, kind: str) -> bool:
        """Whether a plan of ``kind`` (``apply`` or ``destroy``) needs an approval."""
        return (self.destroy if kind == "destroy" else self.apply) == "required"


@dataclass(frozen=True)
class TenantConstraints:
    """One tenant of a constraints document."""

    name: str
    mode: str = "enforce"
    unlisted_constructs: str = "allow"
    constructs: Mapping[str, TypeConstraints] = field(default_factory=dict)
    policies: PolicyOptions = field(default_factory=PolicyOptions)
    description: str = ""
    approval: ApprovalSettings = field(default_factory=ApprovalSettings)


@dataclass(frozen=True)
class ConstraintsDocument:
    tenants: Mapping[str, TenantConstraints]
    source: str = "<constraints>"

    def tenant(self, name: str) -> TenantConstraints:
        try:
            return self.tenants[name]
        except KeyError:
            raise GovernanceError(
                f"{self.source}: no tenant {name!r}; tenants: {', '.join(sorted(self.tenants))}"
            ) from None


def schema() -> dict[str, Any]:
    """The published JSON schema of constraints documents."""
    doc: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return doc


def _schema_errors(doc: Any) -> list[str]:
    try:
        import jsonschema
    except ImportError as exc:  # pragma: no cover - jsonschema is a declared dependency
        raise GovernanceError(
            "validating a constraints document needs jsonschema (pip install 'dw-constructs[governance]')"
        ) from exc
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def _props_class(construct_type: str) -> type | None:
    target = CONSTRUCT_TYPES[construct_type]
    if target is None:
        return None
    module, _, name = target.partition(":")
    cls: type = getattr(importlib.import_module(module), name)
    return cls


def _parameter_problems(construct_type: str, parameter: str) -> list[str]:
    """The first segment must be a field or property of the type's props (nested ones are checked
    at evaluation time, where a missing one is a violation)."""
    cls = _props_class(construct_type)
    where = f"constructs/{construct_type}/parameters/{parameter}"
    if cls is None:
        return [f"{where}: {construct_type} has no props; only 'allowed' and 'max_instances' apply"]
    head = parameter.split(".")[0]
    names = {f.name for f in dataclasses.fields(cls)} | {n for n, v in vars(cls).items() if isinstance(v, property)}
    if head not in names:
        return [
            f"{where}: {head!r} is not a prop of {construct_type} ({cls.__module__}.{cls.__name__}); "
            f"props: {', '.join(sorted(names))}"
        ]
    return []


def _tenant(name: str, raw: Mapping[str, Any]) -> tuple[TenantConstraints, list[str]]:
    from dw_constructs.governance.policies import POLICY_IDS

    problems: list[str] = []
    types = {}
    for ctype, c in (raw.get("constructs") or {}).items():
        if ctype not in CONSTRUCT_TYPES:
            problems.append(
                f"tenants/{name}/constructs/{ctype}: unknown construct type; known: "
                + ", ".join(sorted(CONSTRUCT_TYPES))
            )
            continue
        params = []
        for pname, pc in (c.get("parameters") or {}).items():
            problems += [f"tenants/{name}/{p}" for p in _parameter_problems(ctype, pname)]
            params.append(
                ParameterConstraint(
                    parameter=pname,
                    min=pc.get("min"),
                    max=pc.get("max"),
                    allowed=tuple(pc["allowed"]) if "allowed" in pc else None,
                    equals=pc.get("equals"),
                    has_equals="equals" in pc,
                    required=bool(pc.get("required", False)),
                )
            )
            for bound in ("min", "max"):
                if isinstance(pc.get(bound), str) and _quantity(pc[bound]) is None:
                    problems.append(
                        f"tenants/{name}/constructs/{ctype}/parameters/{pname}/{bound}: "
                        f"{pc[bound]!r} is not a Kubernetes quantity"
                    )
        types[ctype] = TypeConstraints(
            ctype, allowed=c.get("allowed", True), max_instances=c.get("max_instances"), parameters=tuple(params)
        )
    pol = raw.get("policies") or {}
    unknown = sorted(set(pol.get("skip", ())) - set(POLICY_IDS))
    if unknown:
        problems.append(
            f"tenants/{name}/policies/skip: unknown policy id(s) {', '.join(unknown)}; known: {', '.join(POLICY_IDS)}"
        )
    options = PolicyOptions(
        require_backup=pol.get("require_backup", False),
        require_storage_class=pol.get("require_storage_class", False),
        helm_repositories=tuple(HelmRepositoryRef(**r) for r in pol.get("helm_repositories", ())),
        allow_destroy=tuple(pol.get("allow_destroy", ())),
        honor_resource_opt_outs=pol.get("honor_resource_opt_outs", True),
        skip=tuple(pol.get("skip", ())),
    )
    approval = ApprovalSettings(**(raw.get("approval") or {}))
    tenant = TenantConstraints(
        name=name,
        mode=raw.get("mode", "enforce"),
        unlisted_constructs=raw.get("unlisted_constructs", "allow"),
        constructs=types,
        policies=options,
        description=raw.get("description", ""),
        approval=approval,
    )
    return tenant, problems


def parse_constraints(doc: Any, source: str = "<constraints>") -> ConstraintsDocument:
    """A constraints document from parsed YAML/JSON; raises :class:`GovernanceError` listing every
    problem (schema errors, unknown construct types, parameters that are not props)."""
    problems = _schema_errors(doc)
    if problems:
        raise GovernanceError(_invalid(source, problems))
    tenants = {}
    for name, raw in doc["tenants"].items():
        tenants[name], more = _tenant(name, raw)
        problems += more
    if problems:
        raise GovernanceError(_invalid(source, problems))
    return ConstraintsDocument(tenants, source)


def _invalid(source: str, problems: Sequence[str]) -> str:
    return f"{source}: not a valid constraints document:\n" + "\n".join(f"  - {p}" for p in problems)


def load_constraints(path: str | os.PathLike[str]) -> ConstraintsDocument:
    """Read and validate a constraints document (``.yaml``/``.yml`` or ``.json``)."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise GovernanceError(f"cannot read constraints document {p}: {exc.strerror}") from exc
    try:
        doc = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise GovernanceError(f"{p}: not valid {'JSON' if p.suffix == '.json' else 'YAML'}: {exc}") from exc
    return parse_constraints(doc, str(path))


# ------------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class ConstructRecord:
    """One construct of the app as the rules see it.

    Attributes:
        path: the construct path (``stack/Warehouse``).
        construct_type: the library class it is (or subclasses), e.g. ``DataWarehouseCluster``.
        props: its validated props (a dataclass or a mapping); None when it has none.
    """

    path: str
    construct_type: str
    props: Any = None


#: The lookups that are not constructs (``DataWarehouseCluster.status()``, ``capabilities()``,
#: ``plugin_catalog()`` and their ``lookup_*`` class methods): each is the data source it creates
#: at its own path, a generated class of the ``datawarehouse`` provider bindings. A data source of
#: one of these classes is governed as the lookup, however it was created.
LOOKUP_DATA_SOURCES: dict[str, str] = {
    "DataDatawarehouseInstanceStatus": "InstanceStatus",
    "DataDatawarehouseCapabilities": "Capabilities",
    "DataDatawarehousePluginCatalog": "PluginCatalog",
}
_BINDINGS_MODULE = "dw_cdktf_provider_datawarehouse."


def library_type(obj: Any) -> str | None:
    """The first class in ``type(obj).__mro__`` that is one of the library's construct types
    (:data:`CONSTRUCT_TYPES`, defined in a ``dw_constructs.`` module; so a user subclass is checked
    as the library type it extends), or the lookup a generated data source stands for
    (:data:`LOOKUP_DATA_SOURCES`); None for other constructs (internal helpers included)."""
    for cls in type(obj).__mro__:
        if cls.__module__.startswith("dw_constructs.") and cls.__name__ in CONSTRUCT_TYPES:
            return cls.__name__
        if cls.__module__.startswith(_BINDINGS_MODULE) and cls.__name__ in LOOKUP_DATA_SOURCES:
            return LOOKUP_DATA_SOURCES[cls.__name__]
    return None


_MISSING = object()

#: How a record holds a Terraform reference (a cdktf token): a value unknown until apply.
REFERENCE_MARKER: dict[str, str] = {RECORDS_KEY: "reference"}
#: How a Violation shows such a value.
REFERENCE_SHOWN = "<reference>"


def _secret_like(name: str) -> bool:
    from dw_constructs.governance.policies import secret_like

    return bool(name) and secret_like(name)


def _private_key(value: str) -> bool:
    from dw_constructs.governance.policies import _PEM_PRIVATE

    return bool(_PEM_PRIVATE.search(value))


def _properties(cls: type) -> list[str]:
    names: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        for n, v in vars(klass).items():
            if isinstance(v, property) and not n.startswith("_"):
                names[n] = None
    return sorted(names)


def normalize(value: Any, name: str = "") -> Any:
    """The record form of a prop value (what constraints see, at synth time and in the output):
    plain JSON data. Enum members become their value; dataclasses a mapping of their fields and
    public properties (``effective_replicas``...); tuples and sets lists; a Terraform reference
    (cdktf token) :data:`REFERENCE_MARKER`; a non-empty string under a secret-like ``name``, or a
    PEM private key, ``HIDDEN``; any other object ``"<TypeName>"``."""
    from dw_constructs import _checks

    if value is None or isinstance(value, bool):
        return value
    if _checks.is_token(value):
        return dict(REFERENCE_MARKER)
    if isinstance(value, enum.Enum):
        return normalize(value.value, name)
    if isinstance(value, str):
        return HIDDEN if value and (_secret_like(name) or _private_key(value)) else value
    if isinstance(value, (int, float)):
        return value if value == value and abs(value) != float("inf") else str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: normalize(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
        for prop in _properties(type(value)):
            try:
                out[prop] = normalize(getattr(value, prop), prop)
            except Exception:  # noqa: BLE001 - a property that cannot be computed is not recorded
                continue
        return {k: out[k] for k in sorted(out)}
    if isinstance(value, Mapping):
        return {str(k): normalize(v, str(k)) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [normalize(v, name) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((normalize(v, name) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return f"<{type(value).__name__}>"


def read_parameter(props: Any, parameter: str) -> Any:
    """The record form (:func:`normalize`) of a dotted prop of ``props`` (a dataclass, or its
    record form); a None field falls back to the props' ``effective_<name>`` property when there
    is one (``replicas`` -> ``effective_replicas``). ``_MISSING`` if absent."""
    obj = props
    part = ""
    for part in parameter.split("."):
        if isinstance(obj, Mapping):
            value = obj.get(part, _MISSING)
            if value is None:
                value = obj.get(f"effective_{part}", None)
        else:
            value = getattr(obj, part, _MISSING)
            if value is None:
                value = getattr(obj, f"effective_{part}", None)
        if value is _MISSING:
            return _MISSING
        obj = value
    return normalize(obj, part)


def _unknown(value: Any) -> str | None:
    """Why a value cannot be compared, or None."""
    if value == REFERENCE_MARKER:
        return (
            "a Terraform reference, unknown until apply: the limit cannot be checked (give a value known at synth time)"
        )
    if value == HIDDEN:
        return "a secret-like prop, hidden from the records: only 'required' can be checked"
    return None


#: A Kubernetes quantity (k8s.io/apimachinery resource.Quantity): signed decimal, then a binary or
#: decimal suffix or a decimal exponent (``1e3``); tests compare the values with the API server's.
_QUANTITY_RE = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?[0-9]+))?$")
_SUFFIX = {
    None: Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


def _quantity(text: Any) -> Decimal | None:
    """The value of a Kubernetes quantity string (``"10Gi"``, ``"1.5"``, ``"1e3"``), or None."""
    m = _QUANTITY_RE.match(text) if isinstance(text, str) else None
    if m is None:
        return None
    scale = Decimal(10) ** int(m[3]) if m[3] is not None else _SUFFIX[m[2]]
    return Decimal(m[1]) * scale


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _comparable(value: Any, bound: Any) -> tuple[Any, Any] | None:
    if _number(bound):
        return (value, bound) if _number(value) else None
    qv, qb = _quantity(value), _quantity(bound)
    return (qv, qb) if qv is not None and qb is not None else None


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _show(value: Any) -> str:
    return json.dumps(value, default=str)


def check_parameter(record: ConstructRecord, pc: ParameterConstraint, tenant: str | None) -> list[Violation]:
    """Every violation of one parameter constraint by one construct."""
    rule = f"{record.construct_type}.parameters.{pc.parameter}"
    value = read_parameter(record.props, pc.parameter) if record.props is not None else _MISSING

    def v(kind: str, constraint: str, message: str, shown: Any = None) -> Violation:
        return Violation(
            record.path, pc.parameter, value if shown is None else shown, constraint, message, f"{rule}.{kind}", tenant
        )

    if value is _MISSING:
        return [
            Violation(
                record.path,
                pc.parameter,
                None,
                "a readable prop",
                f"{record.construct_type} has no prop {pc.parameter!r} to check",
                f"{rule}.read",
                tenant,
            )
        ]
    out = []
    if pc.required and (value is None or value == "" or value == [] or value == {}):
        out.append(v("required", "required", "not set"))
    unknown = _unknown(value)
    if unknown is not None:
        shown = REFERENCE_SHOWN if value == REFERENCE_MARKER else HIDDEN
        if pc.has_equals:
            out.append(v("equals", f"equals {_show(pc.equals)}", unknown, shown))
        if pc.allowed is not None:
            out.append(v("allowed", "allowed " + ", ".join(_show(a) for a in pc.allowed), unknown, shown))
        for kind, bound in (("min", pc.min), ("max", pc.max)):
            if bound is not None:
                out.append(v(kind, f"{kind} {_show(bound)}", unknown, shown))
        return out
    if pc.has_equals and not _same(value, pc.equals):
        out.append(v("equals", f"equals {_show(pc.equals)}", "not the required value"))
    if pc.allowed is not None:
        allowed = list(pc.allowed)
        items = value if isinstance(value, list) else [value]
        bad = [x for x in items if not any(_same(x, a) for a in allowed)]
        unknown_items = [x for x in bad if _unknown(x)]
        if unknown_items:
            out.append(
                v(
                    "allowed",
                    "allowed " + ", ".join(_show(a) for a in allowed),
                    f"{len(unknown_items)} item(s) {_unknown(unknown_items[0])}",
                )
            )
            bad = [x for x in bad if not _unknown(x)]
        if bad:
            listing = ", ".join(_show(a) for a in allowed)
            what = (
                f"items {', '.join(_show(b) for b in bad)} are not allowed values"
                if isinstance(value, list)
                else "not an allowed value"
            )
            out.append(v("allowed", f"allowed {listing}", what))
    for kind, bound in (("min", pc.min), ("max", pc.max)):
        if bound is None:
            continue
        pair = _comparable(value, bound)
        if pair is None:
            want = "a number" if _number(bound) else "a Kubernetes quantity"
            out.append(v(kind, f"{kind} {_show(bound)}", f"not {want}, cannot compare"))
        elif (pair[0] < pair[1]) if kind == "min" else (pair[0] > pair[1]):
            out.append(v(kind, f"{kind} {_show(bound)}", "below the minimum" if kind == "min" else "above the maximum"))
    return out


def evaluate(records: Sequence[ConstructRecord], tenant: TenantConstraints) -> list[Violation]:
    """Every violation of ``tenant``'s constraints by the constructs of one app.

    ``records`` are in construct-tree order (preorder); ``max_instances`` reports each construct
    beyond the limit, counted in that order. The caller sorts (see ``report.ordered``).
    """
    out: list[Violation] = []
    seen: dict[str, int] = {}
    for rec in records:
        tc = tenant.constructs.get(rec.construct_type)
        seen[rec.construct_type] = n = seen.get(rec.construct_type, 0) + 1
        if tc is None:
            if tenant.unlisted_constructs == "deny":
                out.append(
                    Violation(
                        rec.path,
                        "construct_type",
                        rec.construct_type,
                        "unlisted_constructs: deny",
                        f"{rec.construct_type} is not listed for this tenant",
                        f"{rec.construct_type}.allowed",
                        tenant.name,
                    )
                )
            continue
        if not tc.allowed:
            out.append(
                Violation(
                    rec.path,
                    "construct_type",
                    rec.construct_type,
                    "allowed: false",
                    f"{rec.construct_type} is denied for this tenant",
                    f"{rec.construct_type}.allowed",
                    tenant.name,
                )
            )
            continue
        if tc.max_instances is not None and n > tc.max_instances:
            out.append(
                Violation(
                    rec.path,
                    "max_instances",
                    n,
                    f"max_instances {tc.max_instances}",
                    f"{rec.construct_type} number {n} in this app",
                    f"{rec.construct_type}.max_instances",
                    tenant.name,
                )
            )
        for pc in tc.parameters:
            out += check_parameter(rec, pc, tenant.name)
    return out


def records_from(items: Iterable[tuple[str, Any]]) -> list[ConstructRecord]:
    """Records of the library constructs among ``(path, construct)`` pairs (tree order kept), their
    props in record form (:func:`normalize`)."""
    out: list[ConstructRecord] = []
    for path, obj in items:
        ctype = library_type(obj)
        if ctype is None:
            continue
        lookup = ctype in LOOKUP_DATA_SOURCES.values()
        if lookup and out and out[-1].construct_type == ctype and path.startswith(out[-1].path + "/"):
            continue  # the data source inside a lookup that is a construct itself: counted once
        props = None if lookup else getattr(obj, "props", None)
        out.append(ConstructRecord(path, ctype, None if props is None else normalize(props)))
    return out


# ------------------------------------------------------------------------------------------------
# Construct records in the synthesized output (so the CLI evaluates constraints on cdk.tf.json)

#: Version of the records format.
RECORDS_VERSION = 1


def records_document(records: Sequence[tuple[int, ConstructRecord]], stacks: Sequence[str]) -> dict[str, Any]:
    """What one stack's ``cdk.tf.json`` holds under ``"//" -> RECORDS_KEY``: the records of its
    library constructs, each with its ``index`` in the app's construct tree (so ``max_instances``
    counts the same way from the output), and the names of every stack of the app."""
    return {
        "version": RECORDS_VERSION,
        "stacks": sorted(stacks),
        "constructs": [{"index": i, "path": r.path, "type": r.construct_type, "props": r.props} for i, r in records],
    }


def records_in_output(docs: Iterable[tuple[str, Mapping[str, Any]]]) -> list[ConstructRecord]:
    """The construct records of an app from its synthesized stacks (``(stack name, cdk.tf.json)``),
    in construct-tree order. Raises :class:`GovernanceError` when they cannot stand for the app:
    no stack, a stack without records (synthesized without :func:`~dw_constructs.governance.enforce`
    or :func:`~dw_constructs.governance.record_constructs`), another records version, or a stack
    of the app missing from ``docs``."""
    found: list[tuple[int, ConstructRecord]] = []
    present: set[str] = set()
    expected: set[str] = set()
    unrecorded: list[str] = []
    for stack, doc in docs:
        raw = (doc.get("//") or {}).get(RECORDS_KEY) if isinstance(doc.get("//"), Mapping) else None
        if not isinstance(raw, Mapping) or "constructs" not in raw:
            unrecorded.append(stack)
            continue
        if raw.get("version") != RECORDS_VERSION:
            raise GovernanceError(
                f"stack {stack!r}: construct records of version {raw.get('version')!r}; "
                f"this dw-constructs reads version {RECORDS_VERSION} (synthesize again)"
            )
        present.add(stack)
        expected.update(str(s) for s in raw.get("stacks") or ())
        for item in raw["constructs"]:
            found.append((int(item["index"]), ConstructRecord(str(item["path"]), str(item["type"]), item.get("props"))))
    how = (
        "synthesize the app with governance.enforce(...) or governance.record_constructs(app), "
        "or check only the policy pack with the tenant's settings (--policies-only)"
    )
    if not present and not unrecorded:
        raise GovernanceError(
            "no synthesized stack (cdk.tf.json) among the inputs: tenant constraints are "
            f"evaluated on the construct records of the synthesized stacks; {how}"
        )
    if unrecorded:
        raise GovernanceError(
            f"stack(s) {', '.join(sorted(unrecorded))} hold no construct records "
            f"('//'.{RECORDS_KEY} in cdk.tf.json), so the tenant's constraints cannot be "
            f"evaluated; {how}"
        )
    missing = sorted(expected - present)
    if missing:
        raise GovernanceError(
            f"the app's stack(s) {', '.join(missing)} are not among the inputs: constraints "
            "count constructs across the whole app; check the whole cdktf.out directory"
        )
    return [r for _, r in sorted(found, key=lambda x: x[0])]
