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
