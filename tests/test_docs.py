"""The construct reference pages are generated from the props docstrings and stay current."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dw_constructs import _docs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "constructs"


@pytest.mark.parametrize("name,text", sorted(_docs.render_all().items()))
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
    pins = dict(re.findall(r"^([A-Z0-9_]+)=(\S+)$",
                           (Path(__file__).resolve().parents[1] / "tools" / "versions.env").read_text(), re.M))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        doc = json.loads((synth_to(Path(tmp), lambda app: build(app)) / "cdk.tf.json").read_text())
    required = doc["terraform"]["required_providers"]
    for name, pin in (("kubernetes", "K8S_PROVIDER_VERSION"), ("helm", "HELM_PROVIDER_VERSION")):
        assert required[name]["version"] == pins[pin]
        assert f"{name} **{pins[pin]}**" in text, name
    assert f"PostGIS **{versions.POSTGIS_VERSION}**" in text
    assert all(versions.POSTGIS_VERSION in image for image in versions.POSTGIS_IMAGES.values())
