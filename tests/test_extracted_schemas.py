"""Every provider directory whose schema.json was extracted from a real provider binary (the
directories with a ``schema.source.json``): re-extracting it with real tofu from our provider mirror
gives the same file byte for byte, and its recorded provenance is the provider the toolchain pins
(tools/versions.env). What each directory keeps of its provider is checked next to its bindings
(tests/test_kubernetes_bindings.py, test_helm_bindings.py, test_terraform_data.py,
deltastream/test_bindings.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.toolchain import pinned_versions

BINDINGS = Path(__file__).resolve().parents[1] / "provider-bindings"

#: Provider directory -> tools/versions.env keys of its version and of its source archive's sha256
#: (None: OpenTofu's built-in provider, part of the tofu binary the toolchain builds).
EXTRACTED = {
    "deltastream": ("DELTASTREAM_PROVIDER_VERSION", "DELTASTREAM_PROVIDER_SRC_SHA256"),
    "helm": ("HELM_PROVIDER_VERSION", "HELM_PROVIDER_SRC_SHA256"),
    "kubernetes": ("K8S_PROVIDER_VERSION", "K8S_PROVIDER_SRC_SHA256"),
    "terraform": ("TOFU_VERSION", None),
}


def test_every_extracted_schema_is_listed_here():
    assert {p.parent.name for p in BINDINGS.glob("*/schema.source.json")} == set(EXTRACTED)


@pytest.mark.parametrize("name", sorted(EXTRACTED))
def test_schema_is_what_the_real_provider_reports(tools, name):
    res = tools.run(sys.executable, BINDINGS / "extract_schema.py", BINDINGS / name, "--check", check=False)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("name", sorted(EXTRACTED))
def test_schema_source_is_the_pinned_provider(name):
    src = json.loads((BINDINGS / name / "schema.source.json").read_text())
    package = json.loads((BINDINGS / name / "package.json").read_text())
    version_key, sha_key = EXTRACTED[name]
    versions = pinned_versions()
    assert src["version"] == versions[version_key] == package["version"]
    assert src["provider"] == json.loads((BINDINGS / name / "schema.json").read_text())["provider_schemas"].popitem()[0]
    if sha_key is not None:
        assert src["upstream"]["source_archive_sha256"] == versions[sha_key]
