"""dw_constructs._yaml writes what PyYAML writes (the oracle: ``yaml.safe_dump(sort_keys=True)``),
for the documents it writes itself and for those it hands to PyYAML."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
import yaml

from dw_constructs._yaml import _SIMPLE, safe_dump_sorted

#: Strings around every rule of the fast path: plain identifiers, what YAML 1.1 reads as another
#: type (quoted by PyYAML), characters outside the plain set, lengths around the limit.
TRICKY = [
    "",
    "*",
    "**",
    "a",
    "dw0",
    "100Gi",
    "Balanced",
    "cluster.local",
    "dw0-admin",
    "a_b/c.d-e",
    "true",
    "True",
    "TRUE",
    "tRue",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "null",
    "Null",
    "NULL",
    "nULL",
    "~",
    "0",
    "00",
    "07",
    "08",
    "0o7",
    "0b101",
    "0b102",
    "0x1F",
    "0x1G",
    "1_000",
    "1__",
    "12345678",
    "1.5",
    "1.",
    "1.5e3",
    "1.5e+3",
    "1e3",
    "1e+3",
    ".5",
    ".inf",
    ".NaN",
    "190:20:30",
    "1:70",
    "2001-12-14",
    "2001-12-1",
    "2001-1-14",
    "20011214",
    "-1",
    "+1",
    "-a",
    "a b",
    " a",
    "a ",
    "a:b",
    "a: b",
    "a#b",
    "a #b",
    "#a",
    "&a",
    "!a",
    "'a'",
    '"a"',
    "a'b",
    "a\nb",
    "a\tb",
    "é",
    "日本",
    "emoji 😀",
    "x" * 100,
    "x" * 101,
    "x" * 130,
    "y" * 81,
    "Zz" * 50,
    "<<",
    "=",
    "-",
    "---",
    "...",
    "[a]",
    "{a}",
    "a,b",
    "%a",
    "@a",
    "`a",
    "|",
    ">",
    "?",
    "? a",
    "dwref0dwref",
]
SCALARS: list[object] = [*TRICKY, 0, 1, -1, 5432, 10**20, True, False, None, 1.5, 0.0, float("inf")]


def _random_doc(rng: random.Random, depth: int = 0) -> dict[object, object]:
    doc: dict[object, object] = {}
    for _ in range(rng.randint(0, 6)):
        key: object = rng.choice(TRICKY) if rng.random() < 0.97 else rng.choice([1, True, None])
        roll = rng.random()
        if roll < 0.2 and depth < 3:
            doc[key] = _random_doc(rng, depth + 1)
        elif roll < 0.35:
            doc[key] = [rng.choice(SCALARS) for _ in range(rng.randint(0, 4))]
        elif roll < 0.37:
            doc[key] = [[rng.choice(SCALARS)], {"k": rng.choice(SCALARS)}]
        elif roll < 0.38:
            doc[key] = (rng.choice(SCALARS),)
        else:
            doc[key] = rng.choice(SCALARS)
    return doc


def _oracle(doc: object) -> str | type[BaseException]:
    try:
        return yaml.safe_dump(doc, sort_keys=True)
    except Exception as err:  # noqa: BLE001 - the fallback must fail the same way
        return type(err)


def _ours(doc: object) -> str | type[BaseException]:
    try:
        return safe_dump_sorted(doc)
    except Exception as err:  # noqa: BLE001
        return type(err)


def test_every_tricky_scalar_as_key_value_and_list_item():
    for s in SCALARS:
        for doc in ({"k": s}, {"k": [s, s]}, {"k": {"n": s}}):
            assert _ours(doc) == _oracle(doc), doc
        if isinstance(s, str):
            doc = {s: 1, "z": {s: [s]}}
            assert _ours(doc) == _oracle(doc), doc


@pytest.mark.parametrize("seed", range(20))
def test_random_documents(seed):
    rng = random.Random(seed)
    fast = 0
    for _ in range(300):
        doc = _random_doc(rng)
        assert _ours(doc) == _oracle(doc), doc
        fast += all(isinstance(k, str) and _SIMPLE.fullmatch(k) for k in doc)
    assert fast > 10  # the fast path was exercised, not only the fallback


def test_shared_containers_are_written_as_pyyaml_does():
    """The same list or mapping twice: PyYAML writes an anchor and an alias."""
    shared_list = ["a"]
    shared_map = {"a": 1}
    for doc in ({"x": shared_list, "y": shared_list}, {"x": shared_map, "y": {"z": shared_map}}):
        assert _ours(doc) == _oracle(doc)
        assert "&id001" in safe_dump_sorted(doc)


def test_shapes_pyyaml_writes_and_rejects():
    from collections import OrderedDict

    for doc in ({}, {"a": {}}, {"a": []}, [], "s", 1, None, OrderedDict(a=1), {"a": object()}, {1: "a", "b": 2}):
        assert _ours(doc) == _oracle(doc)


def test_datawarehouse_values_are_written_without_importing_pyyaml():
    """The default example's chart values take the fast path: PyYAML is not imported by
    synthesizing a cluster's values (its import alone costs about 8 ms)."""
    code = (
        "import sys\n"
        "from dw_constructs.datawarehouse import cluster_model as m\n"
        "from dw_constructs.datawarehouse.cluster_model import ProviderEndpoint\n"
        "p = m.ClusterProps(name='dw', endpoint=ProviderEndpoint(host='h', port=5432))\n"
        "text = m.values_yaml(m.chart_values(p), str)\n"
        "print('yaml' in sys.modules)\n"
        "print(text, end='')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported, text = out.split("\n", 1)
    assert imported == "False"
    assert yaml.safe_load(text)["fullnameOverride"] == "dw"
