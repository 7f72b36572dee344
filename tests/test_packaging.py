"""The built dw-constructs wheel carries its package data: the chart, CRD schemas, py.typed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("dw_constructs-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_chart_is_in_the_wheel(wheel_names):
    chart = ROOT / "dw_constructs" / "charts" / "datawarehouse"
    expected = {
        f"dw_constructs/charts/datawarehouse/{p.relative_to(chart).as_posix()}" for p in chart.rglob("*") if p.is_file()
    }
    assert "dw_constructs/charts/datawarehouse/templates/statefulset.yaml" in expected
    assert "dw_constructs/charts/datawarehouse/.helmignore" in expected
    assert expected <= wheel_names, sorted(expected - wheel_names)


def test_crd_schemas_and_typing_marker_are_in_the_wheel(wheel_names):
    schemas = ROOT / "dw_constructs" / "schemas" / "crds"
    expected = {f"dw_constructs/schemas/crds/{p.relative_to(schemas).as_posix()}" for p in schemas.rglob("*.json")}
    assert len(expected) >= 10 and expected <= wheel_names
    assert "dw_constructs/py.typed" in wheel_names


def test_no_tests_or_examples_in_the_wheel(wheel_names):
    assert not [n for n in wheel_names if n.startswith(("tests/", "examples/"))]
