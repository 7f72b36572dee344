"""Helm charts shipped with dw-constructs, as package data.

``chart_path()`` gives the directory of a chart (hand it to ``helm install`` or to a
``helm_release``'s ``chart``), ``chart_version()`` its version and ``default_values()`` its parsed
values.yaml. Plain Python: no cdktf or jsii import.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

__all__ = ["CHART_NAME", "chart_path", "chart_version", "default_values"]

#: The DataWarehouse chart (charts/datawarehouse).
CHART_NAME = "datawarehouse"

_CHARTS_DIR = Path(__file__).resolve().parent


def chart_path(name: str = CHART_NAME) -> Path:
    """Directory of the chart ``name`` inside the installed package.

    Raises:
        ValueError: ``name`` is not a chart shipped with the package.
    """
    if not isinstance(name, str) or not name or name != Path(name).name or name.startswith("."):
        raise ValueError(f"chart name must be a plain directory name, got {name!r}")
    path = _CHARTS_DIR / name
    if not (path / "Chart.yaml").is_file():
        available = sorted(p.name for p in _CHARTS_DIR.iterdir() if (p / "Chart.yaml").is_file())
        raise ValueError(f"no chart named {name!r}; available: {', '.join(available) or 'none'}")
    return path


def chart_version(name: str = CHART_NAME) -> str:
    """The chart's ``version`` from Chart.yaml (e.g. "1.0.0")."""
    return str(_chart_metadata(name)["version"])


def default_values(name: str = CHART_NAME) -> dict[str, Any]:
    """The chart's values.yaml, parsed. Each call returns a fresh deep copy (safe to modify)."""
    return copy.deepcopy(_values(name))


@functools.cache
def _chart_metadata(name: str) -> dict[str, Any]:
    return _load_yaml(chart_path(name) / "Chart.yaml")


@functools.cache
def _values(name: str) -> dict[str, Any]:
    return _load_yaml(chart_path(name) / "values.yaml")


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml  # PyYAML: a dependency of the package, imported on first use

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    return data
