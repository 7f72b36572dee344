"""The minimal kubernetes bindings (issue 17): their schema is what the real hashicorp/kubernetes
2.38.0 binary reports, cut to the types dw_constructs emits (re-extracted and compared); the
generated TypeScript is reproducible; every class synthesizes exactly what the prebuilt
``cdktf_cdktf_provider_kubernetes`` 12.1.1 class synthesizes for the same arguments (the prebuilt
package is the oracle); a provider object of either package serves; and the constructs never load
the prebuilt package's 49 MB assembly, nor the prebuilt helm package. Re-extraction and the pinned
version: tests/test_extracted_schemas.py."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing

from tests.support.bindings import regenerate

ROOT = Path(__file__).resolve().parents[1]
BINDINGS = ROOT / "provider-bindings"
K8S = BINDINGS / "kubernetes"
SOURCE = "registry.terraform.io/hashicorp/kubernetes"
SCHEMA = json.loads((K8S / "schema.json").read_text())["provider_schemas"][SOURCE]
RESOURCES = {"kubernetes_manifest", "kubernetes_namespace_v1", "kubernetes_secret_v1"}
DATA_SOURCES = {"kubernetes_secret_v1"}


def test_schema_source_is_recorded():
    """Re-extraction and the pinned version: tests/test_extracted_schemas.py."""
    src = json.loads((K8S / "schema.source.json").read_text())
    assert src["provider"] == SOURCE and src["version"] == "2.38.0"
    assert set(src["resources"]) == RESOURCES and set(src["data_sources"]) == DATA_SOURCES
    assert src["ephemeral_resources"] == []


def test_only_the_types_the_constructs_emit():
    assert set(SCHEMA["resource_schemas"]) == RESOURCES
    assert set(SCHEMA["data_source_schemas"]) == DATA_SOURCES
    assert SCHEMA["ephemeral_resource_schemas"] == {}
    assert "config_path" in SCHEMA["provider"]["block"]["attributes"]  # the provider block is whole
    # ...and every kubernetes type dw_constructs writes is one of them
    emitted = set()
    for path in (ROOT / "dw_constructs").rglob("*.py"):
        text = path.read_text()
        for module in ("manifest", "namespace_v1", "secret_v1", "data_kubernetes_secret_v1"):
            if f"dw_cdktf_provider_kubernetes.{module} import" in text:
                emitted.add(module)
        assert "cdktf_cdktf_provider_kubernetes" not in text.replace("``cdktf_cdktf_provider_kubernetes``", ""), path
    assert emitted == {"manifest", "namespace_v1", "secret_v1", "data_kubernetes_secret_v1"}


def test_generated_sources_reproducible(tmp_path):
    files, diffs = regenerate(K8S, tmp_path / "src")
    assert len(files) == 1 + 1 + len(RESOURCES) + len(DATA_SOURCES)  # index, provider, resources, data sources
    assert diffs == []


def test_wheel_holds_one_module_per_type():
    (wheel,) = (K8S / "dist" / "wheels").glob("dw_cdktf_provider_kubernetes-2.38.0-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        modules = {n.split("/")[1] for n in zf.namelist() if n.endswith("/__init__.py") and n.count("/") == 2}
    assert modules == {"provider", "_jsii", "manifest", "namespace_v1", "secret_v1", "data_kubernetes_secret_v1"}


def _every_type(scope, package: str) -> TerraformStack:
    """One of each class, with nested blocks, references and meta-arguments, from ``package``."""
    import importlib

    def mod(name):
        return importlib.import_module(f"{package}.{name}")

    stack = TerraformStack(scope, "k8s")
    k8s = mod("provider").KubernetesProvider(
        stack, "Kubernetes", config_path="~/.kube/config", config_context="ctx", alias="east"
    )
    ns = mod("namespace_v1").NamespaceV1(
        stack, "Ns", metadata={"name": "apps", "labels": {"a": "b"}}, lifecycle={"prevent_destroy": True}, provider=k8s
    )
    secret = mod("secret_v1").SecretV1(
        stack,
        "Secret",
        metadata={"name": "creds", "namespace": "apps"},
        type="Opaque",
        data={"password": "${var.pw}"},
        depends_on=[ns],
        provider=k8s,
    )
    mod("manifest").Manifest(
        stack,
        "Cm",
        manifest={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "apps"},
            "data": {"camelCase": "kept", "snake_case": "kept"},
        },
        depends_on=[secret],
        provider=k8s,
    )
    data = mod("data_kubernetes_secret_v1").DataKubernetesSecretV1(
        stack, "Read", metadata={"name": "creds", "namespace": "apps"}, depends_on=[secret], provider=k8s
    )
    from cdktf import TerraformOutput

    TerraformOutput(stack, "Ca", value=data.data.lookup("ca.crt"))
    return stack


def test_every_class_synthesizes_like_the_prebuilt_package():
    ours = json.loads(Testing.synth(_every_type(Testing.app(), "dw_cdktf_provider_kubernetes")))
    prebuilt = json.loads(Testing.synth(_every_type(Testing.app(), "cdktf_cdktf_provider_kubernetes")))
    assert ours == prebuilt
    assert ours["terraform"]["required_providers"]["kubernetes"] == {"source": "kubernetes", "version": "2.38.0"}
    assert set(ours["resource"]) == RESOURCES and set(ours["data"]) == DATA_SOURCES


@pytest.mark.parametrize("package", ["dw_cdktf_provider_kubernetes", "cdktf_cdktf_provider_kubernetes"])
def test_a_provider_of_either_package_serves_our_resources(package):
    """Resources need only the provider's type and alias: the prebuilt KubernetesProvider users
    pass keeps working with the classes the constructs now use."""
    import importlib

    from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

    stack = TerraformStack(Testing.app(), "s")
    k8s = importlib.import_module(f"{package}.provider").KubernetesProvider(stack, "K", config_path="x", alias="other")
    NamespaceV1(stack, "Ns", metadata={"name": "a"}, provider=k8s)
    doc = json.loads(Testing.synth(stack))
    assert doc["resource"]["kubernetes_namespace_v1"]["Ns"]["provider"] == "kubernetes.other"
    assert doc["terraform"]["required_providers"]["kubernetes"] == {"source": "kubernetes", "version": "2.38.0"}


def test_the_constructs_never_load_the_prebuilt_packages():
    """Apply-mode CNPG (operator and plugin releases), DataWarehouseClusters and the DeltaStream store
    of a CNPG cluster, synthesized in a fresh interpreter with the examples' providers: neither the
    prebuilt kubernetes package (its 49 MB assembly) nor the prebuilt helm package is loaded.
    Control: the prebuilt helm provider, imported by the same interpreter, is seen."""
    code = (
        "import sys, tempfile\n"
        "from cdktf import App\n"
        "from examples.cnpg_apply.main import build as cnpg\n"
        "from examples.single_node.main import build as dw\n"
        "from examples.clustered.main import build as clustered\n"
        "from examples.deltastream_cnpg.main import build as ds\n"
        "app = App(outdir=tempfile.mkdtemp())\n"
        "cnpg(app); dw(app); clustered(app); ds(app)\n"
        "app.synth()\n"
        "print(sorted(n for n in sys.modules if n.startswith(('cdktf_cdktf_provider_kubernetes', "
        "'cdktf_cdktf_provider_helm'))))\n"
        "import cdktf_cdktf_provider_helm.provider\n"
        "print('cdktf_cdktf_provider_helm.provider' in sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines() == ["[]", "True"], res.stdout
