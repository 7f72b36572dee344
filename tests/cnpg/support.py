"""Helpers shared by the CNPG tests (plain Python)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Iterator

#: Values a credential field may hold: a Terraform reference, an ESO template, a Flux variable.
_ALLOWED_SECRET_VALUE = re.compile(r"^(\$\{var\.[a-z0-9_]+\}|\$\$?\{[A-Z0-9_]+\}|\{\{ \.[A-Za-z_]+ \}\})$")
#: Keys whose values are credentials wherever they appear.
SECRET_KEYS = {"password", "ACCESS_KEY_ID", "ACCESS_SECRET_KEY", "access_key_id", "secret_access_key"}
#: Strings our tests feed in as "the secret": none may ever appear in an output.
SENTINELS = ("hunter2", "AKIAEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG")


def walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, obj


def literal_secrets(obj: Any) -> list[str]:
    """Paths of credential-looking fields whose value is not a reference/template/variable."""
    bad = []
    for path, value in walk(obj):
        key = re.split(r"[.\[]", path)[-1]
        if key in SECRET_KEYS and isinstance(value, str) and not _ALLOWED_SECRET_VALUE.match(value):
            # the ExternalSecret's remoteRef.property / secretKey name the field, they are not values
            if not re.search(r"(remoteRef\.property|secretKey)$", path):
                bad.append(f"{path}={value!r}")
    return bad


# -- upstream chart archives (air-gapped chart sources) ---------------------------------------------

#: Where the pinned upstream chart archives are: $DW_UPSTREAM_CHARTS, else ../shared/upstream/charts
#: beside the repository (CI always has it there).
_ROOT = Path(__file__).resolve().parents[2]
CHART_ARCHIVES = {"cloudnative-pg": ("cloudnative-pg-0.29.0.tgz", "CNPG_CHART_ARCHIVE_SHA256"),
                  "plugin-barman-cloud": ("plugin-barman-cloud-0.7.0.tgz", "BARMAN_PLUGIN_CHART_ARCHIVE_SHA256")}


def _versions_env() -> dict[str, str]:
    out = {}
    for line in (_ROOT / "tools" / "versions.env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def chart_archive(chart: str) -> Path:
    """The upstream archive of ``chart``, checked against its sha256 in tools/versions.env. Fails
    (never skips) when it is missing: CI always has ../shared beside the repository."""
    name, sha_key = CHART_ARCHIVES[chart]
    base = Path(os.environ.get("DW_UPSTREAM_CHARTS") or _ROOT.parent / "shared" / "upstream" / "charts")
    path = base / name
    assert path.is_file(), f"chart archive {path} is missing (set DW_UPSTREAM_CHARTS or provide ../shared)"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == _versions_env()[sha_key], f"{path}: sha256 {digest} is not the pinned {sha_key}"
    return path
