"""The pinned versions and the schemas our manifests are validated against agree: the Barman Cloud
``ObjectStore`` schema is the CRD that the pinned ``plugin-barman-cloud`` chart installs (read from
the real chart archive, rendered by the real helm), not the plugin repository's newer release."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from dw_constructs.cnpg import versions
from dw_constructs.validation import CRD_DIR
from tests.cnpg.support import chart_archive

ROOT = Path(__file__).resolve().parents[2]


def _index_entry(api_version: str, kind: str) -> dict:
    entries = [
        e
        for e in json.loads((CRD_DIR / "sources.json").read_text())["schemas"]
        if (e["apiVersion"], e["kind"]) == (api_version, kind)
    ]
    assert len(entries) == 1, f"{api_version} {kind}: {len(entries)} vendored schemas (the validator uses one)"
    return entries[0]


def test_objectstore_schema_is_the_crd_the_pinned_plugin_chart_installs(tools):
    archive = chart_archive("plugin-barman-cloud")  # its sha256 checked against tools/versions.env
    assert archive.name == versions.BARMAN_PLUGIN_CRD_SOURCE
    # the archive is the chart the constructs install (name, chart version, plugin version)
    with tarfile.open(archive) as tar:
        chart = yaml.safe_load(tar.extractfile(f"{versions.BARMAN_PLUGIN_CHART_NAME}/Chart.yaml").read())
    assert (chart["name"], str(chart["version"]), chart["appVersion"]) == (
        versions.BARMAN_PLUGIN_CHART_NAME,
        versions.BARMAN_PLUGIN_CHART_VERSION,
        versions.BARMAN_PLUGIN_APP_VERSION,
    )

    # the CRD as helm installs it from that chart
    res = tools.run(
        tools.helm,
        "template",
        versions.BARMAN_PLUGIN_RELEASE_NAME,
        archive,
        "--show-only",
        "templates/crds/crds.yaml",
        "--kube-version",
        "1.34.0",
        check=False,
    )
    assert res.returncode == 0, res.stderr
    (crd,) = [d for d in yaml.safe_load_all(res.stdout) if d]
    assert crd["spec"]["names"]["kind"] == "ObjectStore"
    served = {v["name"]: v["schema"]["openAPIV3Schema"] for v in crd["spec"]["versions"] if v["served"]}
    assert f"{crd['spec']['group']}/{next(iter(served))}" == versions.BARMAN_API_VERSION and len(served) == 1

    # ... is exactly what the validator uses for the ObjectStore, with the archive as its source
    entry = _index_entry(versions.BARMAN_API_VERSION, "ObjectStore")
    assert json.loads((CRD_DIR / entry["file"]).read_text()) == next(iter(served.values()))
    assert entry["upstream"]["archive"] == archive.name
    assert entry["upstream"]["archiveSha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert entry["upstream"]["ref"] == f"{versions.BARMAN_PLUGIN_CHART_NAME}-v{versions.BARMAN_PLUGIN_CHART_VERSION}"
    assert entry["plural"] == crd["spec"]["names"]["plural"]


def _refresh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "refresh_crds.py"), "--only", "barman-cloud", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_refresh_script_vendors_the_objectstore_from_the_chart_archive(tmp_path):
    archive = chart_archive("plugin-barman-cloud")
    res = _refresh("--from", f"barman-cloud={archive}", "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "up to date" in res.stdout
    # an archive of the same name with other content is refused (the sha256 pin of tools/versions.env)
    other = tmp_path / archive.name
    other.write_bytes(archive.read_bytes() + b"\0")
    res = _refresh("--from", f"barman-cloud={tmp_path}", "--check")
    assert res.returncode != 0 and "is not the pinned BARMAN_PLUGIN_CHART_ARCHIVE_SHA256" in res.stderr
