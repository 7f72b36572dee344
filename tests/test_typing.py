"""The public API as type checkers and IDEs see it, and as Python runs it.

- The lazy packages (module ``__getattr__``) import every lazy name under ``TYPE_CHECKING`` and
  list their exports in a literal ``__all__``, so mypy resolves the real classes (checked on the
  source with ``ast``, and by running mypy itself on snippets through ``mypy.api``).
- One source of truth for keywords: each construct's keyword-only parameters are the fields of its
  props dataclass (same names, defaults and types) plus the arguments its docstring documents
  (``Args:``: providers, ``cluster``, ...); each verb (``add_*``, ``replicate_to``) takes exactly the
  keywords of the construct it creates, with the same defaults.
- The library silences jsii's Node end-of-life banner itself.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from dw_constructs import _docs

ROOT = Path(__file__).resolve().parents[1]
LAZY_PACKAGES = ["dw_constructs.datawarehouse", "dw_constructs.cnpg", "dw_constructs.deltastream"]


# --- lazy packages -------------------------------------------------------------------------------


def _type_checking_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    names |= {a.asname or a.name for a in stmt.names}
    return names


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_names_are_imported_for_type_checkers(package):
    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__).read_text())
    assert _type_checking_imports(tree) == set(module._LAZY), (
        "every name module __getattr__ returns must be imported under TYPE_CHECKING (and only those)"
    )
    for name, target in module._LAZY.items():  # from the module __getattr__ loads it from
        stmt = next(
            s
            for n in tree.body
            if isinstance(n, ast.If)
            for s in n.body
            if isinstance(s, ast.ImportFrom) and name in {a.name for a in s.names}
        )
        assert stmt.module == target, name


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_all_is_a_literal_list_of_what_the_package_exports(package):
    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__).read_text())
    (assign,) = [
        n
        for n in tree.body
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
    ]
    assert isinstance(assign.value, ast.List), "mypy reads only a literal __all__"
    listed = [ast.literal_eval(e) for e in assign.value.elts]
    assert listed == module.__all__ == sorted(set(listed))
    assert set(module._LAZY) <= set(listed)
    for name in listed:
        assert getattr(module, name) is not None, name


def test_importing_the_packages_starts_no_jsii():
    code = (
        "import sys, dw_constructs.datawarehouse, dw_constructs.cnpg, dw_constructs.deltastream; "
        "print(sorted(m for m in ('jsii', 'cdktf', 'constructs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# --- mypy on user code -----------------------------------------------------------------------------

SNIPPET = """\
from cdktf import App, TerraformStack, TerraformVariable
from cdktf_cdktf_provider_helm.provider import HelmProvider
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

from dw_constructs.cnpg import CnpgPostgisCluster, Mode
from dw_constructs.datawarehouse import (ClusterMode, CompressionCodec, DataWarehouseCluster, DataWarehouseUser,
                                         Endpoint, PolicyFeature, ProviderEndpoint, ReplicatedVde,
                                         ReplicationTopology)
from dw_constructs.deltastream import DeltaStreamDatabase

stack = TerraformStack(App(), "s")
helm = HelmProvider(stack, "Helm")
k8s = KubernetesProvider(stack, "K8s")
size = TerraformVariable(stack, "size", type="number")
wait = TerraformVariable(stack, "wait", type="bool")
dw = DataWarehouseCluster(stack, "W", name="w", endpoint=ProviderEndpoint.in_cluster(), mode=ClusterMode.CLUSTERED,
                          storage_size_gb=size.number_value, release_wait=wait.boolean_value, helm_provider=helm,
                          kubernetes_provider=k8s)
standby = DataWarehouseCluster(stack, "S", name="s", endpoint=ProviderEndpoint(host="localhost", port=15432))
vde: ReplicatedVde = dw.add_vde("V", name="v", compression_codec=CompressionCodec.LZ4)
user: DataWarehouseUser = dw.add_user("U", username="u", roles=["reader"])
dw.add_policy("P", name="p", target_path="/", feature=PolicyFeature.AUDIT, cascade_strategy="none")
dw.add_plugin("G", plugin_id="geo", configuration={"srid": "4326"})
topology: ReplicationTopology = dw.replicate_to("R", standby, Endpoint(host="h", role="replica"), ["x.example"])
status_version: str = dw.status().version
CnpgPostgisCluster(stack, "Pg", mode=Mode.APPLY)
DeltaStreamDatabase(stack, "Db", name="db")

DataWarehouseCluster(None, "x", name=1, bogus=True)  # E: arg-type call-arg arg-type
DataWarehouseCluster(stack, "H", name="h", endpoint=ProviderEndpoint.in_cluster(), helm_provider=k8s)  # E: arg-type
dw.add_vde("V2", name="v2", bogus=1)  # E: call-arg
dw.add_user("U2")  # E: call-arg
dw.add_policy("P2", name="p", target_path="/", feature=PolicyFeature.AUDIT, intensity_level="high")  # E: arg-type
dw.add_plugin("G2", plugin_id="geo", configuration={"srid": 4326})  # E: dict-item
dw.replicate_to("R2", standby, mode=3)  # E: arg-type
vde2: DataWarehouseUser = dw.add_vde("V3", name="v3")  # E: assignment
CnpgPostgisCluster(stack, "Pg2", mode=Mode.APPLY, bogus=1)  # E: call-arg
DeltaStreamDatabase(stack, "Db2", name=1)  # E: arg-type
"""


def _mypy(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    """(line, error code) of each error mypy --strict reports in ``source`` (errors in the imported
    modules are not this test's business: tests/test_typing.py::test_the_package_is_mypy_strict_clean)."""
    from mypy import api

    # A module name of its own: mypy's cache (shared, for the package's modules) would otherwise
    # answer for an unchanged snippet of the same name without reporting its errors again.
    snippet = tmp_path / f"app_{uuid.uuid4().hex}.py"
    snippet.write_text(source)
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--follow-imports=silent",
            "--show-error-codes",
            "--no-pretty",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--python-version",
            "3.10",
            str(snippet),
        ]
    )
    assert not stderr, stderr
    found = re.findall(rf"^{re.escape(str(snippet))}:(\d+): error: .*\[([\w-]+)\]$", stdout, re.M)
    return sorted((int(line), code) for line, code in found)


def test_mypy_sees_the_real_signatures(tmp_path):
    """Correct code (references for numbers and booleans, enums or their values, typed providers,
    verbs returning their construct) passes; each wrong line fails with the expected error."""
    expected = sorted(
        (n, code)
        for n, line in enumerate(SNIPPET.splitlines(), 1)
        if "# E:" in line
        for code in line.split("# E:")[1].split()
    )
    assert _mypy(tmp_path, SNIPPET) == expected


# --- one source of truth for keywords ----------------------------------------------------------------


def _members(annotation: str) -> set[str]:
    """Top-level members of a union annotation (as text), without module aliases (``m.X`` → ``X``)."""
    text = _docs._type_name(annotation)
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[(" and 1 or (ch in "])" and -1 or 0)
        if ch == "|" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return {p for p in parts + [cur.strip()] if p}


def _accepts(param: str, field: str) -> bool:
    """Whether the parameter's annotation (text) accepts everything the field's does: each member
    of the field's union is a member of the parameter's, ``Any`` standing for any type."""

    def covered(member: str) -> bool:
        return any(p == "Any" or re.fullmatch(re.escape(p).replace("Any", ".+"), member) for p in _members(param))

    return all(covered(m) for m in _members(field))


def _keyword_only(func) -> dict[str, inspect.Parameter]:
    return {p.name: p for p in inspect.signature(func).parameters.values() if p.kind is p.KEYWORD_ONLY}


#: Props fields required in the dataclass that the constructor may derive from another argument.
DERIVED = {("DeltaStreamObject", "database"): "the database of ``namespace`` when that is a DeltaStreamNamespace"}


@pytest.mark.parametrize(
    "title,construct_path,props_path", [(t, c, p) for t, c, p, _ in _docs.PAGES], ids=[t for t, *_ in _docs.PAGES]
)
def test_constructor_keywords_are_the_props_fields(title, construct_path, props_path):
    construct, props = _docs._load(construct_path), _docs._load(props_path)
    params = _keyword_only(construct.__init__)
    fields = {f.name: f for f in dataclasses.fields(props)}
    extras = _docs.parse_section(construct.__doc__ or "", "Args")
    positional = [p for p in inspect.signature(construct.__init__).parameters.values() if p.kind is not p.KEYWORD_ONLY]
    assert [p.name for p in positional] == ["self", "scope", "id"], "(scope, id, *, props...)"
    assert not set(extras) & set(fields), "a props field documented again as a construct argument"
    assert set(params) == set(fields) | set(extras), (
        f"not in the signature: {sorted((set(fields) | set(extras)) - set(params))}; "
        f"neither props field nor documented argument: {sorted(set(params) - set(fields) - set(extras))}"
    )
    for name, f in fields.items():
        p = params[name]
        if f.default_factory is not dataclasses.MISSING:
            assert p.default is None or p.default == f.default_factory(), name
            assert _accepts(p.annotation, str(f.type)), f"{name}: {p.annotation} does not accept {f.type}"
        else:
            derived = (title, name) in DERIVED and p.default is None
            assert (p.default is p.empty) == (f.default is dataclasses.MISSING) or derived, (
                f"{name}: required in one only"
            )
            if f.default is not dataclasses.MISSING:
                assert p.default == f.default and type(p.default) is type(f.default), name
            assert _accepts(p.annotation, str(f.type)), f"{name}: {p.annotation} does not accept {f.type}"
    for name in extras:
        assert params[name].annotation is not inspect.Parameter.empty, f"{name} has no type"
        assert "Any" not in _members(params[name].annotation) or title.startswith(("DeltaStream", "Cnpg")), name


def _verbs() -> list[tuple[str, type, str]]:
    out = []
    for title, construct_path, _, _ in _docs.PAGES:
        construct = _docs._load(construct_path)
        for name, _method in _docs.public_methods(construct):
            if name.startswith("add_") or name == "replicate_to":
                out.append((f"{title}.{name}", construct, name))
    return out


VERBS = _verbs()


def test_the_verbs_are_found():
    names = {v[0] for v in VERBS}
    assert {
        "DataWarehouseCluster.add_vde",
        "DataWarehouseCluster.add_user",
        "DataWarehouseCluster.add_policy",
        "DataWarehouseCluster.add_plugin",
        "DataWarehouseCluster.replicate_to",
    } <= names


@pytest.mark.parametrize("label,construct,name", VERBS, ids=[v[0] for v in VERBS])
def test_verbs_take_the_keywords_of_what_they_create(label, construct, name):
    """A verb is explicit (no ``**props``), typed, documented, and takes the keywords of the construct
    it creates (its return type) minus the one the verb fills with itself, with the same defaults."""
    method = getattr(construct, name)
    sig = inspect.signature(method)
    assert not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()), f"{label} takes **kwargs"
    created = importlib.import_module(construct.__module__)
    target_name = _docs._type_name(sig.return_annotation)
    target = getattr(created, target_name, None) or next(_docs._load(c) for t, c, *_ in _docs.PAGES if t == target_name)
    verb = _keyword_only(method)
    varargs = [p.name for p in sig.parameters.values() if p.kind is p.VAR_POSITIONAL]
    made = _keyword_only(target.__init__)
    filled = set(made) - set(verb) - set(varargs)
    assert len(filled) == 1, f"{label} leaves out {sorted(filled)} of {target.__name__}"
    assert set(verb) | set(varargs) == set(made) - filled
    for p in verb.values():
        assert p.annotation is not inspect.Parameter.empty, f"{label}: {p.name} has no type"
        assert p.default == made[p.name].default, f"{label}: {p.name}"
        assert _members(p.annotation) == _members(made[p.name].annotation), f"{label}: {p.name}"
    documented = _docs.parse_section(method.__doc__ or "", "Args")
    assert set(documented) == set(verb) | set(varargs), f"{label}: Args documents {sorted(documented)}"
    assert _docs.example(method.__doc__ or ""), f"{label} has no Example"


# --- the Node end-of-life banner ---------------------------------------------------------------------


def _stderr_of(code: str, **env_changes: str | None) -> str:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stderr


BANNER_APP = """
    import dw_constructs.datawarehouse as d
    from cdktf import App, TerraformStack
    app = App(outdir=__import__("tempfile").mkdtemp())
    d.DataWarehouseCluster  # loads cdktf: the jsii kernel (node) starts here
    stack = TerraformStack(app, "s")
    app.synth()
"""


def test_no_node_end_of_life_banner_without_the_variable():
    """An app that imports our package prints nothing on stderr, though the variable jsii reads is
    not set. Control: with the variable set to "" (a user who wants jsii's warnings), the same app
    prints the banner on a Node that jsii considers end-of-life."""
    quiet = _stderr_of(BANNER_APP, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=None)
    assert "end-of-life" not in quiet and "!!!!" not in quiet, quiet
    assert quiet.strip() == "", quiet
    loud = _stderr_of(BANNER_APP, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    if node.startswith("v20."):  # end-of-life for this jsii: the control must show the banner
        assert "is end-of-life" in loud, loud
