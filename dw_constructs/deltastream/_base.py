"""The thin cdktf layer shared by the DeltaStream constructs: which provider configuration a
resource uses, the sensitivity check of credential references (it resolves tokens, so it cannot
live in the plain-Python model), the ``Revision`` that turns a change the provider cannot apply
into a replacement, and Terraform expression helpers for the lookups."""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import jsii
from cdktf import (
    DefaultTokenResolver,
    IResolvable,
    ITerraformDependable,
    StringConcat,
    TerraformProvider,
    TerraformResourceLifecycle,
    TerraformVariable,
    Tokenization,
)
from constructs import Construct

from dw_constructs import _checks as c
from dw_constructs import _stack
from dw_constructs.deltastream import model
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from dw_cdktf_provider_terraform.data import Data

#: Terraform type of the provider (``provider "deltastream"``).
PROVIDER_TYPE = "deltastream"

SENSITIVE_ALLOWED = (
    "a sensitive reference: a TerraformVariable(..., sensitive=True) (or its string_value), or "
    "an expression wrapped in Fn.sensitive(...)"
)


def provider_of(scope: Construct, given: Any, *upstream: Any) -> tuple[TerraformProvider | None, list[Problem]]:
    """The provider configuration a construct uses: ``given`` (our DeltaStreamProvider or the
    generated one), else the one of the first upstream construct of ours that has one, else the
    stack's default ``deltastream`` provider (which must then exist already)."""
    from dw_constructs.deltastream.provider import DeltaStreamProvider

    if isinstance(given, DeltaStreamProvider):
        return given.resource, []
    if given is None:
        for u in upstream:
            p = getattr(u, "provider", None)
            if isinstance(p, TerraformProvider):
                return p, []
    problems = _stack.provider_problems(scope, "provider", given, PROVIDER_TYPE, "DeltaStreamProvider")
    if problems:
        return None, problems
    return _stack.resolve_provider(scope, given, PROVIDER_TYPE), []


def resolved(scope: Construct, value: Any) -> Any:
    """``value`` with its tokens resolved to Terraform expressions (``${var.x}``)."""
    return Tokenization.resolve(value, scope=scope, preparing=False, resolver=DefaultTokenResolver(StringConcat()))


_VAR_REF = re.compile(r"^\$\{var\.([A-Za-z0-9_-]+)\}$")
_SENSITIVE_CALL = re.compile(r"^\$\{sensitive\(.*\)\}$", re.S)


def as_reference(value: Any) -> Any:
    """A ``TerraformVariable`` given where a string is expected becomes its ``string_value``."""
    return value.string_value if isinstance(value, TerraformVariable) else value


@jsii.implements(IResolvable)
class Reference:
    """How a problem shows a Terraform reference by its name (``var.api_key``). It is an
    ``IResolvable`` (resolving to that expression), so :func:`dw_constructs.errors.redact`, which
    leaves references alone, does not hide its name as if it were a secret."""

    def __init__(self, text: str) -> None:
        self.text = text

    @builtins.property
    def creation_stack(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return self.text == (other.text if isinstance(other, Reference) else other)

    def __hash__(self) -> int:
        return hash(self.text)

    def resolve(self, _context: Any = None) -> str:
        return "${" + self.text + "}" if not self.text.startswith("${") else self.text


def sensitive_problems(scope: Construct, prop: str, value: Any) -> list[Problem]:
    """A credential must be sensitive *in Terraform*, so plans and the state's displays hide it:
    the provider marks some credential attributes sensitive but not ``api_key`` nor a secret's
    ``string_value``. Literals are the model's problem (reported there)."""
    if value is None:
        return []
    if isinstance(value, TerraformVariable):
        return (
            []
            if value.sensitive
            else [
                Problem(
                    prop,
                    Reference(f"var.{value.friendly_unique_id}"),
                    f"{SENSITIVE_ALLOWED} (this variable is not sensitive)",
                )
            ]
        )
    if not c.is_string_token(value):
        return []
    text = resolved(scope, value)
    if isinstance(text, str) and _SENSITIVE_CALL.match(text):
        return []
    m = _VAR_REF.match(text) if isinstance(text, str) else None
    if m:
        for var in _stack.nodes(scope, TerraformVariable):
            if var.friendly_unique_id == m.group(1):
                return (
                    []
                    if var.sensitive
                    else [
                        Problem(
                            prop,
                            Reference(f"var.{m.group(1)}"),
                            f"{SENSITIVE_ALLOWED} (this variable is not sensitive)",
                        )
                    ]
                )
    shown = text if isinstance(text, str) and len(text) < 120 else c.REFERENCE
    return [Problem(prop, Reference(shown), f"{SENSITIVE_ALLOWED}; a reference not known to be sensitive")]


def _template_parts(text: str) -> list[tuple[bool, str]]:
    """``text`` split into (is_interpolation, part): ``a${x}b`` -> literal a, expression x, literal b.
    Braces and quoted strings inside an interpolation are skipped over."""
    parts, i, lit = [], 0, []
    while i < len(text):
        if text.startswith("$${", i):
            lit.append("$${")
            i += 3
        elif text.startswith("${", i):
            end = c.interpolation_end(text, i + 2)
            j = len(text) if end is None else end
            if lit:
                parts.append((False, "".join(lit)))
                lit = []
            parts.append((True, text[i + 2 : j - 1]))
            i = j
        else:
            lit.append(text[i])
            i += 1
    if lit:
        parts.append((False, "".join(lit)))
    return parts


def hcl(value: Any) -> str:
    """A resolved value (strings may hold ``${...}`` references) as an HCL expression."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        parts = _template_parts(value)
        if len(parts) == 1 and parts[0][0]:
            return f"({parts[0][1]})"
        body = "".join(
            "${" + p + "}"
            if expr
            else p.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("%{", "%%{")
            for expr, p in parts
        )
        return '"' + body + '"'
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {hcl(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def fingerprint(scope: Construct, value: Any) -> str:
    """``sha256:`` of canonical JSON, or a Terraform ``sha256(jsonencode(...))`` expression when
    ``value`` holds references (credentials): computed at plan time from their values."""
    plain = model.canonical(value)
    if c.contains_token(plain):
        return "${sha256(jsonencode(" + hcl(resolved(scope, plain)) + "))}"
    return "sha256:" + hashlib.sha256(json.dumps(plain, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def revision(scope: Construct, value: Any, id: str = "Revision") -> Data:
    """A ``terraform_data`` holding the fingerprint of everything the provider cannot update in
    place; the resource lists it in ``replace_triggered_by``, so such a change plans a replacement
    instead of an update that fails at apply. Our bindings' class, not ``cdktf.DataResource``: the
    same JSON without a ``terraform version`` process per instance at synth."""
    from dw_cdktf_provider_terraform.data import Data

    return Data(scope, id, input={"fingerprint": fingerprint(scope, value)})


def lifecycle(
    prevent_destroy: bool, triggers: Iterable[Any] = (), preconditions: Sequence[Any] = ()
) -> TerraformResourceLifecycle:
    triggers = [t if isinstance(t, Address) else Address(t) for t in triggers if t is not None]
    return TerraformResourceLifecycle(
        prevent_destroy=True if prevent_destroy else None,
        replace_triggered_by=triggers or None,
        precondition=list(preconditions) or None,
    )


@jsii.implements(ITerraformDependable)
class Address:
    """A whole resource as a dependency (``depends_on`` / ``replace_triggered_by``). Generated
    classes whose resource has an attribute named ``fqn`` (``deltastream_object``) shadow cdktf's
    own ``fqn``, which would make cdktf emit an attribute reference where Terraform wants the
    resource."""

    def __init__(self, resource: Any) -> None:
        self._address = f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"

    @builtins.property
    def fqn(self) -> str:
        return self._address


def resource_of(obj: Any) -> Any:
    """The main resource of a construct of ours, as a dependency, or None for a plain name."""
    res = getattr(obj, "resource", None)
    return Address(res) if res is not None else None


class Named(Protocol):
    """A construct of ours that has a name (database, namespace, store...)."""

    name: str


def name_of(obj: Any, cls: type[Named], prop: str, what: str) -> tuple[Any, list[Problem]]:
    """The name of ``obj``: a construct of class ``cls`` (its ``name``) or a name string."""
    if isinstance(obj, cls):
        return obj.name, []
    if isinstance(obj, str):
        return obj, []
    return None, [Problem(prop, type(obj).__name__, f"a {cls.__name__} or the name of an existing {what}")]


def hcl_string(value: str) -> str:
    """A quoted HCL string literal (template sequences escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{") + '"'


def without(problems: list[Problem], earlier: list[Problem]) -> list[Problem]:
    """``problems`` minus those about a prop ``earlier`` reported already (a construct argument of
    the wrong type is reported once, not again by the model as a bad name)."""
    seen = {p.prop.split(".", 1)[0].split("[", 1)[0] for p in earlier}
    return [p for p in problems if p.prop.split(".", 1)[0].split("[", 1)[0] not in seen]
