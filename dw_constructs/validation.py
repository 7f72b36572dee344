"""Schema validation for every Kubernetes manifest the library emits.

``validate_manifest(obj)`` checks one manifest (a plain ``dict``) and raises
:class:`ManifestValidationError` listing *every* problem found, each with the JSON path of the
offending field (``spec.template.spec.containers[0].image``); ``validate_manifests(objs)`` does
the same for many manifests and reports all failures at once.

What a manifest is checked against, chosen by its ``apiVersion`` + ``kind``:

* **Custom resources and file formats we vendor** (CloudNativePG ``Cluster``/``ScheduledBackup``/
  ``Database``/``Pooler``, Barman Cloud ``ObjectStore``, External Secrets ``ExternalSecret``/
  ``ClusterSecretStore``, Flux ``HelmRelease``/``HelmRepository``/``Kustomization`` and the Kustomize
  ``kustomization.yaml`` format): the schemas under ``dw_constructs/schemas/crds/`` (index and
  provenance in ``sources.json``; refreshed by ``scripts/refresh_crds.py``).
* **Built-in Kubernetes kinds** (``v1``, ``apps/v1``, ``batch/v1``, ``policy/v1``,
  ``networking.k8s.io/v1``, ``rbac.authorization.k8s.io/v1``, ...): the strict Kubernetes OpenAPI
  JSON schemas shipped by the PyPI package ``kubernetes-validate``, for
  :data:`KUBERNETES_VERSION` (override per call with ``kubernetes_version="1.36"``).
* Anything else raises ``ManifestValidationError`` ("no schema for ..."): an unknown
  apiVersion/kind never passes silently.

Before the schema: ``apiVersion`` and ``kind`` must be non-empty strings and ``metadata.name`` a
non-empty string (not required for the Kustomize ``kustomization.yaml`` format).

How CRD (OpenAPI v3 *structural*) schemas are interpreted -- the aim is "what ``kubectl apply
--validate=strict`` against a real API server would accept":

* JSON-Schema dialect: draft 4 (OpenAPI 3.0 schema objects are a draft-4/5 subset, e.g. boolean
  ``exclusiveMinimum``), plus the Kubernetes extensions below.
* Unknown fields are **rejected**: an object node (``type: object``) with no
  ``additionalProperties`` and no ``x-kubernetes-preserve-unknown-fields: true`` is closed, the
  API server would prune (strict field validation: reject) anything it does not declare. Nodes
  with ``x-kubernetes-preserve-unknown-fields: true`` (e.g. ``HelmRelease.spec.values``) accept
  anything; their declared properties are still checked.
* ``x-kubernetes-int-or-string: true``: integer or string.
* ``x-kubernetes-list-type: set`` / ``map`` (+ ``x-kubernetes-list-map-keys``): duplicates rejected.
* ``x-kubernetes-embedded-resource: true``: ``apiVersion``/``kind``/``metadata`` allowed.
* ``nullable: true`` allows ``null``; elsewhere ``null`` is rejected (the API server would prune
  it, but an emitted ``null`` is practically always a bug on our side).
* A ``required`` property that has a ``default`` may be omitted (the API server defaults it
  before validating, e.g. ``Cluster.spec.instances``).
* ``format``: ``byte`` (base64) and ``date-time`` (RFC 3339) are checked; ``int32``/``int64``
  and others are annotations only, as in Kubernetes.
* The root ``metadata`` of a custom resource is validated as a Kubernetes ``ObjectMeta`` (from
  the same Kubernetes schema set), as the API server does.
* Not checked: ``x-kubernetes-validations`` (CEL rules, e.g. CNPG's "imageName and
  imageCatalogRef are mutually exclusive"), and transition rules (``oldSelf``). Name formats
  (DNS-1123) are not checked either: the OpenAPI schemas do not carry them.

Importing this module is cheap: ``jsonschema`` and the schema files are loaded on first use and
cached per (Kubernetes version, apiVersion, kind).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from jsonschema import FormatChecker, ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

__all__ = [
    "KUBERNETES_VERSION",
    "ManifestValidationError",
    "SchemaIssue",
    "available_kubernetes_versions",
    "supported_custom_kinds",
    "validate_manifest",
    "validate_manifests",
]

#: Kubernetes minor version whose OpenAPI schemas built-in kinds are validated against.
#: 1.34 is the oldest Kubernetes release CloudNativePG 1.30 supports (1.34-1.36); validating
#: against the oldest supported release keeps us off fields newer clusters only know.
KUBERNETES_VERSION = "1.34"

CRD_DIR = Path(__file__).resolve().parent / "schemas" / "crds"
_K8S_SCHEMA_DEFS_ID = "https://kubernetes.io/api/_definitions.json"
_OBJECT_META_REF = _K8S_SCHEMA_DEFS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


# ------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class SchemaIssue:
    """One problem: where (``spec.replicas``; ``(root)`` for the manifest itself) and what."""

    path: str
    message: str
    manifest: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ManifestValidationError(ValueError):
    """A manifest (or several) failed validation; ``issues`` lists every problem found."""

    def __init__(
        self, subject: str, issues: Sequence[SchemaIssue], *, failures: Sequence[ManifestValidationError] = ()
    ):
        self.subject = subject
        self.issues: tuple[SchemaIssue, ...] = tuple(issues)
        #: for ``validate_manifests``: one error per failing manifest
        self.failures: tuple[ManifestValidationError, ...] = tuple(failures)
        super().__init__(self._render())

    @property
    def errors(self) -> list[str]:
        """``["spec.replicas: expected integer, got string '3'", ...]``"""
        if self.failures:
            return [f"{i.manifest}: {i}" for i in self.issues]
        return [str(i) for i in self.issues]

    def _render(self) -> str:
        if self.failures:
            return "\n".join([self.subject, *(str(f) for f in self.failures)])
        lines = [f"{self.subject}:"]
        lines += [f"  - {issue}" for issue in self.issues]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Public API


def validate_manifest(obj: Mapping[str, Any], *, kubernetes_version: str | None = None) -> None:
    """Validate one manifest; raise :class:`ManifestValidationError` listing every error."""
    version = _normalise_version(kubernetes_version or KUBERNETES_VERSION)
    if not isinstance(obj, Mapping):
        raise ManifestValidationError(
            "invalid manifest", [SchemaIssue("(root)", f"expected a mapping, got {_json_type(obj)}")]
        )
    label = _label(obj)
    issues: list[SchemaIssue] = []
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    for key, value in (("apiVersion", api_version), ("kind", kind)):
        if value is None:
            issues.append(SchemaIssue(key, "required field is missing"))
        elif not isinstance(value, str) or not value:
            issues.append(SchemaIssue(key, f"expected a non-empty string, got {_short(value)}"))
    if issues or not isinstance(api_version, str) or not isinstance(kind, str):  # no way to pick a schema
        raise ManifestValidationError(f"{label} failed validation", _tag(issues, label))

    entry = _crd_index().get((api_version, kind))
    if entry is not None:
        requires_name = entry.get("requiresName", True)
        what = _describe_entry(entry)
    else:
        requires_name = True
        what = f"Kubernetes {version} OpenAPI schema (strict)"

    if requires_name:
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        if meta is None:
            issues.append(SchemaIssue("metadata", "required field is missing"))
        elif isinstance(meta, Mapping) and name is None:
            issues.append(SchemaIssue("metadata.name", "required field is missing"))
        elif isinstance(meta, Mapping) and (not isinstance(name, str) or not name):
            issues.append(SchemaIssue("metadata.name", f"expected a non-empty string, got {_short(name)}"))
        # a non-mapping metadata is reported by the schema below

    if entry is not None:
        issues += _crd_validator(api_version, kind, version)(obj)
    else:
        validator = _k8s_validator(version, api_version, kind)
        if validator is None:
            known = ", ".join(f"{a} {k}" for a, k in sorted(_crd_index()))
            raise ManifestValidationError(
                f"{label} cannot be validated",
                _tag(
                    [
                        SchemaIssue(
                            "(root)",
                            f"no schema for apiVersion {api_version!r} kind {kind!r}: not a "
                            f"built-in kind of Kubernetes {version} nor a vendored custom "
                            f"resource ({known})",
                        )
                    ],
                    label,
                ),
            )
        issues += _issues(validator.iter_errors(obj))

    if issues:
        issues = sorted(_dedupe(issues), key=lambda i: (i.path, i.message))
        raise ManifestValidationError(f"{label} failed validation against {what}", _tag(issues, label))


def validate_manifests(objs: Iterable[Mapping[str, Any]], *, kubernetes_version: str | None = None) -> None:
    """Validate every manifest; raise one :class:`ManifestValidationError` covering all failures."""
    failures: list[ManifestValidationError] = []
    total = 0
    for index, obj in enumerate(objs):
        total += 1
        try:
            validate_manifest(obj, kubernetes_version=kubernetes_version)
        except ManifestValidationError as exc:
            if exc.subject == "invalid manifest":  # not even a mapping: say which one
                exc = ManifestValidationError(f"manifest #{index}", _tag(exc.issues, f"manifest #{index}"))
            failures.append(exc)
    if failures:
        raise ManifestValidationError(
            f"{len(failures)} of {total} manifests failed validation",
            [issue for f in failures for issue in f.issues],
            failures=failures,
        )


def supported_custom_kinds() -> list[tuple[str, str]]:
    """The (apiVersion, kind) pairs validated against vendored schemas."""
    return sorted(_crd_index())


def available_kubernetes_versions() -> list[str]:
    """Kubernetes minor versions the installed kubernetes-validate ships strict schemas for."""
    out = []
    for p in _k8s_schema_root().iterdir():
        m = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", p.name)
        if m:
            out.append((int(m[1]), int(m[2])))
    return [f"{a}.{b}" for a, b in sorted(out)]


# ------------------------------------------------------------------------------------------
# Built-in kinds: kubernetes-validate's schemas
#
# We read the package's schema files rather than calling kubernetes_validate.validate(): that
# stops at the first error, and picks the schema by file name only ("apps.example.com/v1
# Deployment" would be checked as an apps/v1 Deployment). Here the schema's
# x-kubernetes-group-version-kind must match the manifest exactly.


def _normalise_version(version: str) -> str:
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", str(version))
    if not m:
        raise ValueError(f"kubernetes_version must look like '1.34', got {version!r}")
    return f"{m[1]}.{m[2]}"


@functools.cache
def _k8s_schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "manifest validation needs the 'kubernetes-validate' package (pip install kubernetes-validate)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"


def _k8s_schema_dir(version: str) -> Path:
    d = _k8s_schema_root() / f"v{version}.0-local-strict"
    if not d.is_dir():
        raise ValueError(
            f"kubernetes-validate has no schemas for Kubernetes {version}; "
            f"available: {', '.join(available_kubernetes_versions())}"
        )
    return d


@functools.cache
def _k8s_registry(version: str) -> Registry[Any]:
    from referencing import Registry, Resource

    defs = json.loads((_k8s_schema_dir(version) / "_definitions.json").read_text())
    registry: Registry[Any] = Registry().with_resource(
        defs.get("$id", _K8S_SCHEMA_DEFS_ID), Resource.from_contents(defs)
    )
    return registry


@functools.cache
def _k8s_validator(version: str, api_version: str, kind: str) -> Validator | None:
    from jsonschema import Draft202012Validator

    group, _, ver = api_version.rpartition("/")
    prefix = f"{group.split('.')[0]}-" if group else ""
    path = _k8s_schema_dir(version) / f"{kind.lower()}-{prefix}{ver}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    gvks = schema.get("x-kubernetes-group-version-kind") or []
    if {"group": group, "version": ver, "kind": kind} not in gvks:
        return None
    return Draft202012Validator(schema, registry=_k8s_registry(version))


@functools.cache
def _object_meta_validator(version: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$ref": _OBJECT_META_REF}, registry=_k8s_registry(version))


# ------------------------------------------------------------------------------------------
# Vendored custom resources


@functools.cache
def _crd_index() -> dict[tuple[str, str], dict[str, Any]]:
    index = json.loads((CRD_DIR / "sources.json").read_text(encoding="utf-8"))
    return {(e["apiVersion"], e["kind"]): e for e in index["schemas"]}


def _describe_entry(entry: dict[str, Any]) -> str:
    up = entry["upstream"]
    repo = up["repo"].removeprefix("https://github.com/")
    ref = up["ref"] if len(up["ref"]) < 40 else up["ref"][:12]
    return f"vendored schema {entry['file']} ({repo}@{ref})"


@functools.cache
def _crd_validator(api_version: str, kind: str, version: str) -> Callable[[Any], list[SchemaIssue]]:
    """A callable manifest -> [SchemaIssue] for a vendored kind."""
    entry = _crd_index()[(api_version, kind)]
    raw = json.loads((CRD_DIR / entry["file"]).read_text(encoding="utf-8"))
    if entry["dialect"] == "openapi-v3-structural":
        schema = _structural_to_jsonschema(raw)
        # The root metadata is an ObjectMeta: checked with Kubernetes' own definition below.
        schema.setdefault("properties", {})["metadata"] = {}
        validator = _structural_validator_class()(schema, format_checker=_format_checker())
        meta_validator = _object_meta_validator(version)

        def check(obj: Any) -> list[SchemaIssue]:
            issues = _issues(validator.iter_errors(obj))
            if "metadata" in obj:
                issues += _issues(meta_validator.iter_errors(obj["metadata"]), prefix=["metadata"])
            return issues

        return check
    if entry["dialect"] == "json-schema-draft-07":
        from jsonschema import Draft7Validator

        validator = Draft7Validator(raw)
        return lambda obj: _issues(validator.iter_errors(obj))
    raise ValueError(f"{entry['file']}: unsupported schema dialect {entry['dialect']!r}")


def _is_object_type(t: Any) -> bool:
    return t == "object" or (isinstance(t, list) and "object" in t)


def _structural_to_jsonschema(node: Any) -> Any:
    """Turn a Kubernetes structural schema into a plain draft-4 schema (see module doc)."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {k: _structural_to_jsonschema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = _structural_to_jsonschema(value)
        elif key in ("anyOf", "allOf", "oneOf") and isinstance(value, list):
            out[key] = [_structural_to_jsonschema(v) for v in value]
        else:
            out[key] = value
    if out.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    if out.get("x-kubernetes-int-or-string") is True and out.get("anyOf") == [{"type": "integer"}, {"type": "string"}]:
        del out["anyOf"]  # checked by the keyword itself, with a clearer message
    props = out.get("properties")
    if isinstance(out.get("required"), list) and isinstance(props, dict):
        out["required"] = [r for r in out["required"] if not (isinstance(props.get(r), dict) and "default" in props[r])]
    if out.get("x-kubernetes-embedded-resource") is True:
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if (
        _is_object_type(out.get("type"))
        and "additionalProperties" not in out
        and out.get("x-kubernetes-preserve-unknown-fields") is not True
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def _structural_validator_class() -> type[Validator]:
    from jsonschema import Draft4Validator, ValidationError, validators

    def int_or_string(
        validator: Validator, value: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if value is not True or (instance is None and schema.get("nullable") is True):
            return
        if isinstance(instance, bool) or not isinstance(instance, (int, str)):
            yield ValidationError(f"expected integer or string, got {_got(instance)}")

    def list_type(
        validator: Validator, value: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, list):
            return
        if value == "set":
            seen: list[Any] = []
            for i, item in enumerate(instance):
                if item in seen:
                    yield ValidationError(f"duplicate entry {_short(item)} in a set", path=[i])
                seen.append(item)
        elif value == "map":
            keys = schema.get("x-kubernetes-list-map-keys") or []
            seen_keys: dict[tuple[str, ...], int] = {}
            for i, item in enumerate(instance):
                if not isinstance(item, dict) or not keys:
                    continue
                key = tuple(json.dumps(item.get(k), sort_keys=True) for k in keys)
                if key in seen_keys:
                    what = ", ".join(f"{k}={_short(item.get(k))}" for k in keys)
                    yield ValidationError(f"duplicate entry with {what} (also at [{seen_keys[key]}])", path=[i])
                else:
                    seen_keys[key] = i

    extended: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]  # untyped in the stubs
        Draft4Validator,
        {"x-kubernetes-int-or-string": int_or_string, "x-kubernetes-list-type": list_type},
    )
    return extended


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@functools.cache
def _format_checker() -> FormatChecker:
    import base64
    import binascii

    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())

    @checker.checks("byte", raises=(binascii.Error, ValueError))
    def _byte(value: Any) -> bool:
        if isinstance(value, str):
            base64.b64decode(value, validate=True)
        return True

    @checker.checks("date-time")
    def _date_time(value: Any) -> bool:
        return not isinstance(value, str) or bool(_RFC3339.match(value))

    return checker


# ------------------------------------------------------------------------------------------
# Turning jsonschema errors into SchemaIssues


def _issues(errors: Iterable[ValidationError], prefix: Sequence[str | int] = ()) -> list[SchemaIssue]:
    out: list[SchemaIssue] = []
    for err in errors:
        out += _explain(err, list(prefix))
    return sorted(out, key=lambda i: (i.path, i.message))


def _explain(err: ValidationError, prefix: list[str | int]) -> list[SchemaIssue]:
    path = prefix + list(err.absolute_path)
    # The stubs allow "unset" for these; a reported error always has them.
    kind, value, instance = err.validator, cast(Any, err.validator_value), err.instance
    schema: Mapping[str, Any] = err.schema if isinstance(err.schema, Mapping) else {}
    if kind == "additionalProperties" and value is False and isinstance(instance, dict):
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = [k for k in instance if k not in props and not any(re.search(p, k) for p in patterns)]
        if extra:
            return [SchemaIssue(_fmt_path(path + [k]), f"unknown field {json.dumps(k)}") for k in extra]
    if kind == "required":
        m = re.match(r"^(['\"])(.*)\1 is a required property$", err.message)
        if m:
            return [SchemaIssue(_fmt_path(path + [m[2]]), "required field is missing")]
    if kind == "type":
        types = [value] if isinstance(value, str) else list(value)
        shown = [t for t in types if t != "null"] or types
        return [SchemaIssue(_fmt_path(path), f"expected {' or '.join(shown)}, got {_got(instance)}")]
    if kind == "oneOf" and "is valid under each of" in err.message:
        return [SchemaIssue(_fmt_path(path), f"{_short(instance)} matches more than one allowed form")]
    if (
        kind in ("anyOf", "oneOf")
        and err.context
        and all(e.validator == "type" and not e.relative_path for e in err.context)
    ):  # e.g. IntOrString / Quantity: oneOf [{type: string}, {type: integer}]
        types = [
            t
            for e in err.context
            for t in ([e.validator_value] if isinstance(e.validator_value, str) else cast(Any, e.validator_value))
            if t != "null"
        ]
        return [SchemaIssue(_fmt_path(path), f"expected {' or '.join(dict.fromkeys(types))}, got {_got(instance)}")]
    if kind in ("anyOf", "oneOf") and err.context:
        from jsonschema.exceptions import best_match

        sub = _explain(best_match(err.context), prefix)[0]
        return [
            SchemaIssue(
                _fmt_path(path),
                f"{_short(instance)} matches none of the allowed forms (closest: {sub.path}: {sub.message})",
            )
        ]
    return [SchemaIssue(_fmt_path(path), _shorten(err.message))]


def _fmt_path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$-]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out or "(root)"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _got(value: Any) -> str:
    return "null" if value is None else f"{_json_type(value)} {_short(value)}"


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    if isinstance(value, str):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shorten(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _label(obj: Mapping[str, Any]) -> str:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name, ns = meta.get("name"), meta.get("namespace")
    who = f"{ns}/{name}" if ns and name else (name or "<unnamed>")
    return f"{api_version or '<no apiVersion>'} {kind or '<no kind>'} {json.dumps(str(who))}"


def _tag(issues: Iterable[SchemaIssue], label: str) -> list[SchemaIssue]:
    return [SchemaIssue(i.path, i.message, label) for i in issues]


def _dedupe(issues: Iterable[SchemaIssue]) -> list[SchemaIssue]:
    seen, out = set(), []
    for i in issues:
        if (i.path, i.message) not in seen:
            seen.add((i.path, i.message))
            out.append(i)
    return out
