"""The construct reference pages are generated from the props docstrings and stay current."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import pytest

from dw_constructs import _docs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "constructs"


@pytest.mark.parametrize("name,text", sorted(_docs.render_all().items()), ids=lambda v: v if v.endswith(".md") else "")
def test_pages_are_up_to_date(name, text):
    assert (DOCS / name).read_text() == text, "run: python -m dw_constructs._docs docs/constructs"


PROPS = [p[2] for p in _docs.PAGES] + [n for nested in _docs.NESTED.values() for n in nested]


@pytest.mark.parametrize("props_path", PROPS)
def test_every_prop_documented_with_its_default(props_path):
    props = _docs._load(props_path)
    documented = _docs.parse_attributes(props.__doc__)
    for f in dataclasses.fields(props):
        assert f.name in documented, f"{props.__name__}.{f.name} is not documented"
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        assert ("Default:" in documented[f.name]) == has_default, f"{props.__name__}.{f.name}: {documented[f.name]}"
    assert set(documented) == {f.name for f in dataclasses.fields(props)}, "documented props that do not exist"


# --- the pages against the code they document ----------------------------------------------------


def _props_rows(page: str) -> list[tuple[str, str, str]]:
    """(name, type, default) of each row of a page's "## Props" table, as written in the file."""
    section = page.split("\n## Props\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `(\w+)` \| `(.*?)` \| (.*?) \| .* \|$", section, re.M)


def _namespace_of(construct) -> dict:
    """Names a documented default may use (enums, version constants): the construct's module and
    the modules of its props."""
    ns: dict = {}
    for module in {
        construct.__module__,
        construct.__module__.rsplit(".", 1)[0],
        *(f"{construct.__module__.rsplit('.', 1)[0]}.{m}" for m in ("model", "enums", "cluster_model", "versions")),
    }:
        with contextlib.suppress(ImportError):
            ns.update(vars(importlib.import_module(module)))
    return ns


@pytest.mark.parametrize(
    "title,construct_path,props_path", [(t, c, p) for t, c, p, _ in _docs.PAGES], ids=[t for t, *_ in _docs.PAGES]
)
def test_page_props_are_the_constructor_signature(title, construct_path, props_path):
    """The committed page (not the generator) against the real signature: the same keyword
    arguments in the same order, required exactly when the signature has no default, and every
    literal default the page states equal to the signature's default (a "- behaviour" default
    stands for None or an empty collection)."""
    construct = _docs._load(construct_path)
    props = {f.name: f for f in dataclasses.fields(_docs._load(props_path))}
    rows = _props_rows((DOCS / f"{title}.md").read_text())
    params = [p for p in inspect.signature(construct.__init__).parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert [r[0] for r in rows] == [p.name for p in params]
    ns = _namespace_of(construct)
    for (name, _type, default), param in zip(rows, params, strict=True):
        if param.default is inspect.Parameter.empty:
            assert default == "**required**", name
            continue
        assert default != "**required**", name
        if default.startswith("- "):
            assert param.default in (None, (), {}, []) or name in ("chart_source",), f"{name}: {param.default!r}"
            continue
        literal = re.sub(r"`", "", default.split(" (")[0])
        value = eval(literal, dict(ns))  # noqa: S307 - our own docs
        field = props.get(name)
        expected = (
            field.default_factory()
            if param.default is None and field is not None and field.default_factory is not dataclasses.MISSING
            else param.default
        )
        assert value == expected, f"{title}.{name}: the page says {default}, the signature has {param.default!r}"


ROLE = re.compile(r":(class|meth|attr|func|data|mod|obj|exc|const):`")


@pytest.mark.parametrize(
    "path", sorted([*DOCS.glob("*.md"), *DOCS.parent.glob("*.md"), DOCS.parents[1] / "README.md"]), ids=lambda p: p.name
)
def test_no_sphinx_roles_in_markdown(path):
    assert not ROLE.search(path.read_text()), f"{path.name}: {ROLE.search(path.read_text()).group(0)}"


@pytest.mark.parametrize(
    "title,construct_path,props_path", [(t, c, p) for t, c, p, _ in _docs.PAGES], ids=[t for t, *_ in _docs.PAGES]
)
def test_every_enum_value_is_on_the_pages_that_use_it(title, construct_path, props_path):
    """Each enum a keyword argument, a nested props field or a verb argument takes (found from the
    annotations) has every member and value on the page."""
    construct = _docs._load(construct_path)
    page = (DOCS / f"{title}.md").read_text()
    ns = _namespace_of(construct)
    annotations = [p.annotation for p in inspect.signature(construct.__init__).parameters.values()]
    annotations += [str(f.type) for n in _docs.NESTED.get(title, []) for f in dataclasses.fields(_docs._load(n))]
    for _name, method in _docs.public_methods(construct):
        annotations += [p.annotation for p in inspect.signature(method).parameters.values()]
    enums = {e for a in annotations for e in _docs.enums_in(a, ns)}
    for e in enums:
        for member in e:
            assert f"`{member.name}`" in page and f'"{member.value}"' in page, f"{title}: {e.__name__}.{member.name}"


def test_the_enum_finder_finds_what_an_annotation_names():
    from dw_constructs.datawarehouse import cluster_model
    from dw_constructs.datawarehouse.enums import ClusterMode, TopologyMode

    ns = vars(cluster_model)
    assert _docs.enums_in("ClusterMode | str", ns) == [ClusterMode]
    assert _docs.enums_in("Sequence[TopologyMode] | None", ns) == [TopologyMode]
    assert _docs.enums_in("str | None", ns) == []


def test_markdown_has_no_restructuredtext_markup():
    assert (
        _docs.markdown("see :class:`cluster_model.ClusterProps` and :meth:`x.build`, ``a``")
        == "see `ClusterProps` and `build()`, `a`"
    )


def _verb_examples():
    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

    return [
        (name, method)
        for name, method in _docs.public_methods(DataWarehouseCluster)
        if _docs.example(method.__doc__ or "")
    ]


@pytest.mark.parametrize("name,method", _verb_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_examples_of_the_verbs_run(name, method):
    """Each example on the DataWarehouseCluster page runs against a real cluster and gives what the
    method's signature says; the page shows it."""
    from cdktf import TerraformStack, Testing
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    import dw_constructs.datawarehouse as dw
    from dw_constructs.datawarehouse import lookups

    stack = TerraformStack(Testing.app(), "s")
    HelmProvider(stack, "Helm")
    KubernetesProvider(stack, "Kubernetes")
    cluster = dw.DataWarehouseCluster(stack, "Dw", name="dw", endpoint=dw.ProviderEndpoint.in_cluster())
    standby = dw.DataWarehouseCluster(
        stack, "Standby", name="standby", namespace="standby", endpoint=dw.ProviderEndpoint.in_cluster()
    )
    code = _docs.example(method.__doc__)
    scope = {**{n: getattr(dw, n) for n in dw.__all__}, "cluster": cluster, "standby": standby, "stack": stack}
    exec(code, scope)  # noqa: S102 - our own docstring
    (target,) = re.findall(r"^(\w+) = ", code, re.M)
    returns = _docs._type_name(inspect.signature(method).return_annotation)
    assert type(scope[target]).__name__ == returns
    assert isinstance(scope[target], getattr(dw, returns, None) or getattr(lookups, returns))
    assert code in (DOCS / "DataWarehouseCluster.md").read_text()
    Testing.synth(stack)


def test_parse_attributes_handles_continuation_lines():
    doc = """X.

    Attributes:
        a: first line
            continued. Default: 3.
        b: other. Required.
    """
    assert _docs.parse_attributes(doc) == {"a": "first line continued. Default: 3.", "b": "other. Required."}


def test_deviations_page_states_the_pinned_versions():
    """docs/deviations.md explains our pins; it must name the versions actually pinned (the
    toolchain's provider builds, the required_providers of a synthesized stack, the PostGIS
    images), so a pin change without its explanation fails here."""
    import json
    import re

    from dw_constructs.cnpg import versions
    from examples.cnpg_apply.main import build
    from tests.support.synth import synth_to

    text = (Path(__file__).resolve().parents[1] / "docs" / "deviations.md").read_text()
    pins = dict(
        re.findall(
            r"^([A-Z0-9_]+)=(\S+)$", (Path(__file__).resolve().parents[1] / "tools" / "versions.env").read_text(), re.M
        )
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        doc = json.loads((synth_to(Path(tmp), lambda app: build(app)) / "cdk.tf.json").read_text())
    required = doc["terraform"]["required_providers"]
    for name, pin in (("kubernetes", "K8S_PROVIDER_VERSION"), ("helm", "HELM_PROVIDER_VERSION")):
        assert required[name]["version"] == pins[pin]
        assert f"{name} **{pins[pin]}**" in text, name
    assert f"PostGIS **{versions.POSTGIS_VERSION}**" in text
    assert all(versions.POSTGIS_VERSION in image for image in versions.POSTGIS_IMAGES.values())
