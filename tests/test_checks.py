"""dw_constructs._checks: Terraform references (cdktf tokens) recognised in plain Python, checked
against cdktf's own ``Token.is_unresolved`` (the oracle) for the references users pass: variables,
locals, resource attributes, function results; and the checks accepting a reference of the kind a
prop takes while a bad literal fails as before."""

from __future__ import annotations

import pathlib

import jsii
import pytest
from cdktf import Fn, IAnyProducer, IResolvable, Lazy, TerraformLocal, TerraformStack, TerraformVariable, Testing, Token
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider
from dw_cdktf_provider_datawarehouse.instance import Instance
from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider

from dw_constructs import _checks as c
from dw_constructs.datawarehouse.enums import OperationalProfile


@jsii.implements(IResolvable)
class _PythonResolvable:
    creation_stack: list = []

    def resolve(self, context):
        return "x"

    def to_string(self):
        return "x"


@jsii.implements(IAnyProducer)
class _Producer:
    def produce(self, context):
        return 1


def _corpus() -> list[tuple[str, str | None, object]]:
    """(label, kind or None for a literal, value): references of every kind from every source."""
    stack = TerraformStack(Testing.app(), "tokens")
    KubernetesProvider(stack, "k8s")
    DatawarehouseProvider(stack, "dw", host="h", username="u", password="p")

    def var(name: str, type: str) -> TerraformVariable:
        return TerraformVariable(stack, name, type=type)

    s, n, lst, b, m = (
        var("s", "string"),
        var("n", "number"),
        var("l", "list(string)"),
        var("b", "bool"),
        var("m", "map(string)"),
    )
    local = TerraformLocal(stack, "local", {"a": ["x"]})
    inst = Instance(stack, "inst", name="a", storage_size_gb=1, plugins_enabled=["*"])
    ns = NamespaceV1(stack, "ns", metadata={"name": "x"})
    return [
        # string references
        ("var.string_value", "str", s.string_value),
        ("local.as_string", "str", local.as_string),
        ("resource id", "str", inst.id),
        ("resource string attribute", "str", inst.name),
        ("interpolated in a literal", "str", f"dw.{s.string_value}.svc.cluster.local"),
        ("Fn.upper", "str", Fn.upper(s.string_value)),
        ("Token.as_string(number)", "str", Token.as_string(n.number_value)),
        ("nested block attribute", "str", ns.metadata.name),
        # number references
        ("var.number_value", "num", n.number_value),
        ("local.as_number", "num", local.as_number),
        ("resource number attribute", "num", inst.storage_size_gb),
        ("Fn.length_of", "num", Fn.length_of(lst.list_value)),
        ("Token.as_number(string)", "num", Token.as_number(s.string_value)),
        # list references
        ("var.list_value", "list", lst.list_value),
        ("local.as_list", "list", local.as_list),
        ("resource list attribute", "list", inst.plugins_enabled),
        ("Token.as_list", "list", Token.as_list(s.value)),
        ("Token.as_number_list", "list", Token.as_number_list(lst.value)),
        # map references
        ("Token.as_string_map", "map", Token.as_string_map(m.value)),
        ("local.as_any_map", "map", local.as_any_map),
        ("resource map attribute", "map", ns.metadata.labels),
        # other IResolvables and opaque references
        ("var.boolean_value", "any", b.boolean_value),
        ("var.value", "any", s.value),
        ("local.expression", "any", local.expression),
        ("Token.as_any", "any", Token.as_any(3)),
        ("Token.null_value", "any", Token.null_value()),
        ("nested block reference", "any", ns.metadata),
        # literals
        ("plain string", None, "analytics"),
        ("empty string", None, ""),
        ("Terraform syntax in a literal", None, "${var.x}"),
        ("aws-cdk style marker", None, "${Token[TOKEN.1]}"),
        ("bare list marker string", None, "#{TfToken[TOKEN.1]}"),
        ("int", None, 100),
        ("float", None, 1.5),
        ("negative float", None, -8.1e297),
        ("bool", None, True),
        ("None", None, None),
        ("empty list", None, []),
        ("list of strings", None, ["a", "b"]),
        ("list holding a string reference", None, ["a", s.string_value]),
        ("dict", None, {"a": "b"}),
        ("TerraformVariable object", None, s),
        ("resource object", None, inst),
        ("Python IResolvable", "any", _PythonResolvable()),
        ("Lazy.any_value", "any", Lazy.any_value(_Producer())),
    ]


CORPUS = _corpus()
_KIND = {
    "str": c.is_string_token,
    "num": c.is_number_token,
    "list": c.is_list_token,
    "map": c.is_map_token,
    "any": c.is_resolvable,
}


@pytest.mark.parametrize("label,kind,value", CORPUS, ids=[label for label, _, _ in CORPUS])
def test_is_token_agrees_with_cdktf(label, kind, value):
    assert c.is_token(value) is Token.is_unresolved(value), label
    assert Token.is_unresolved(value) is (kind is not None), "the corpus labels what cdktf says"
    if kind is not None:
        assert _KIND[kind](value), f"{label} is recognised as a {kind} reference"
        others = [k for k in _KIND if k != kind and _KIND[k](value)]
        assert not others, f"{label} is also taken as {others}"


def test_a_python_object_with_a_resolve_method_is_no_reference():
    """pathlib.Path has ``resolve()`` (chart sources are paths), but only jsii objects are tokens
    (cdktf cannot even be asked about a plain Python object: jsii refuses to pass it)."""
    assert not c.is_token(pathlib.Path("cloudnative-pg-0.29.0.tgz"))
    assert c.shown(pathlib.Path("x")) == pathlib.Path("x")


def test_recognising_a_reference_needs_no_jsii_call(monkeypatch):
    """The plain-Python layer recognises references without the kernel (each Token.is_unresolved is a
    round trip to node): with every jsii call refused, the checks still work."""
    import jsii._kernel

    refs = [v for _, kind, v in CORPUS if kind is not None]

    def refuse(*args, **kwargs):
        raise AssertionError("jsii kernel called")

    for name in ("invoke", "sinvoke", "get", "sget", "create"):
        monkeypatch.setattr(jsii._kernel.Kernel, name, refuse)
    assert all(c.is_token(v) for v in refs)


# --- the checks: a reference of the prop's kind passes, another kind fails, a bad literal as before

S, N, L, B, M = (next(v for _, k, v in CORPUS if k == kind) for kind in ("str", "num", "list", "any", "map"))

CHECKS = [
    # check, args, kind accepted, bad literal, the message for it (unchanged)
    (c.int_range, (1, 10), N, 0, "x: got 0; allowed: an integer 1..10"),
    (c.power_of_two, (512, 4096), N, 1000, "x: got 1000; allowed: a power of two between 512 and 4096"),
    (c.boolean, (), B, "yes", "x: got 'yes'; allowed: True or False"),
    (c.non_empty_str, (), S, "", "x: got ''; allowed: a non-empty string"),
    (
        c.dns_label,
        (),
        S,
        "Bad_Name",
        "x: got 'Bad_Name'; allowed: a DNS-1123 label: lowercase letters, digits and "
        "'-', 1..63 chars, alphanumeric at both ends",
    ),
    (
        c.dns1035_label,
        (),
        S,
        "1abc",
        "x: got '1abc'; allowed: a DNS-1035 label: lowercase letters, digits and '-', "
        "1..63 chars, starting with a letter and ending alphanumeric",
    ),
    (
        c.one_of,
        (OperationalProfile,),
        S,
        "Turbo",
        "x: got 'Turbo'; allowed: one of 'Speed', 'Balanced', "
        "'Standard', 'Strict', 'Paranoid' (or OperationalProfile.<NAME>)",
    ),
    (c.str_list, (), L, ["a", ""], "x: got ['a', '']; allowed: a list of non-empty strings with at least 0 item(s)"),
    (c.str_map, (), M, {"a": 1}, "x: got {'a': 1}; allowed: a dict of str to str"),
    (
        c.k8s_quantity,
        (),
        S,
        "10GB",
        "x: got '10GB'; allowed: a Kubernetes quantity: a number with an optional "
        "suffix Ki, Mi, Gi, Ti, Pi, Ei (binary), n, u, m, k, M, G, T, P, E (decimal), "
        "e.g. '10Gi' or '500m'",
    ),
    (
        c.cron_with_seconds,
        (),
        S,
        "0 2 * * *",
        "x: got '0 2 * * *'; allowed: a 6-field cron expression with seconds first",
    ),
    (c.url, (), S, "ftp://x", "x: got 'ftp://x'; allowed: a URL starting with 'https://' or 'http://'"),
]


@pytest.mark.parametrize("check,args,ref,bad,message", CHECKS, ids=[ch[0].__name__ for ch in CHECKS])
def test_checks_accept_references_of_their_kind(check, args, ref, bad, message):
    assert check("x", ref, *args) == [], "a reference of the prop's kind passes, unchecked"
    (problem,) = check("x", bad, *args)
    assert problem.line().startswith(message)
    for other in (S, N, L, B, M):
        if other is ref:
            continue
        (wrong,) = check("x", other, *args)
        assert wrong.value == "<reference>", "a reference's encoding (-8.1e+298, ${TfToken[...]}) is never shown"
        assert "a reference of another type" in wrong.allowed


def test_a_literal_list_may_hold_string_references():
    assert c.str_list("x", ["*", S], min_items=1) == []
    (p,) = c.str_list("x", ["*", N], min_items=1)
    assert p.value == "<reference>"


def test_known_rejects_references_anywhere_in_the_value():
    assert c.known("x", "literal", "why") == [] and c.known("x", None, "why") == []
    for value in (S, N, L, B, M, ["a", S], {"k": N}):
        (p,) = c.known("x", value, "it names things")
        assert p.line() == (
            "x: got '<reference>'; allowed: a value known at synth time, not a Terraform reference (it names things)"
        )


def test_secret_references_are_string_references():
    assert c.secret_reference("password", S) == []
    for literal in ("hunter2", N):
        (p,) = c.secret_reference("password", literal)
        assert "hunter2" not in p.line() and p.value == "<literal hidden>"
