"""The minimal helm bindings (issue 17): their schema is what the real hashicorp/helm 3.1.1 binary
reports, cut to ``helm_release`` (re-extracted and compared); the generated TypeScript is
reproducible; both classes synthesize exactly what the prebuilt ``cdktf_cdktf_provider_helm`` 12.1.2
classes synthesize for the same arguments (the prebuilt package is the oracle), and real tofu with
the real provider validates it; a provider object of either package serves, for the Python types
too; and the constructs import the prebuilt package for type checkers only (that they never load
it: tests/test_kubernetes_bindings.py, with the prebuilt kubernetes package). Re-extraction and the
pinned version: tests/test_extracted_schemas.py."""

from __future__ import annotations

import ast
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing

from tests.support.bindings import regenerate

ROOT = Path(__file__).resolve().parents[1]
BINDINGS = ROOT / "provider-bindings"
HELM = BINDINGS / "helm"
SOURCE = "registry.terraform.io/hashicorp/helm"
SCHEMA = json.loads((HELM / "schema.json").read_text())["provider_schemas"][SOURCE]


def test_schema_source_is_recorded():
    """Re-extraction and the pinned version: tests/test_extracted_schemas.py."""
    src = json.loads((HELM / "schema.source.json").read_text())
    assert src["provider"] == SOURCE and src["version"] == "3.1.1"
    assert src["resources"] == ["helm_release"]
    assert src["data_sources"] == [] and src["ephemeral_resources"] == []


def test_only_helm_release_and_the_whole_provider_block():
    assert set(SCHEMA["resource_schemas"]) == {"helm_release"}
    assert SCHEMA["data_source_schemas"] == {} and SCHEMA["ephemeral_resource_schemas"] == {}
    provider = SCHEMA["provider"]["block"]
    assert {"kubernetes", "registries", "experiments", "burst_limit"} <= set(provider["attributes"])


def test_generated_sources_reproducible(tmp_path):
    files, diffs = regenerate(HELM, tmp_path / "src")
    assert files == {"index.ts", "provider/index.ts", "release/index.ts"}
    assert diffs == []


def test_wheel_holds_the_provider_and_release_modules():
    (wheel,) = (HELM / "dist" / "wheels").glob("dw_cdktf_provider_helm-3.1.1-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        modules = {n.split("/")[1] for n in zf.namelist() if n.endswith("/__init__.py") and n.count("/") == 2}
    assert modules == {"provider", "_jsii", "release"}


def _every_type(scope, package: str) -> TerraformStack:
    """The provider and two releases from ``package``, with nested blocks, sensitive references,
    lifecycle and meta-arguments, and one release reading the other's attributes."""
    import importlib

    from cdktf import TerraformOutput, TerraformVariable

    provider = importlib.import_module(f"{package}.provider")
    release = importlib.import_module(f"{package}.release")
    stack = TerraformStack(scope, "helm")
    token = TerraformVariable(stack, "token", type="string", sensitive=True)
    helm = provider.HelmProvider(
        stack,
        "Helm",
        alias="east",
        burst_limit=200,
        debug=True,
        experiments=provider.HelmProviderExperiments(manifest=True),
        kubernetes=provider.HelmProviderKubernetes(
            config_path="~/.kube/config",
            config_context="ctx",
            exec=provider.HelmProviderKubernetesExec(api_version="client.authentication.k8s.io/v1", command="aws"),
        ),
        registries=[provider.HelmProviderRegistries(url="oci://registry.example", username="u", password="p")],
        qps=10,
    )
    db = release.Release(
        stack,
        "Db",
        name="db",
        chart="./charts/db",
        namespace="db",
        create_namespace=False,
        values=['{"a": 1}'],
        set=[release.ReleaseSet(name="image.tag", value="1.2", type="string")],
        set_list=[release.ReleaseSetListStruct(name="hosts", value=["a", "b"])],
        set_sensitive=[release.ReleaseSetSensitive(name="auth.token", value=token.string_value)],
        postrender=release.ReleasePostrender(binary_path="kustomize", args=["build", "."]),
        wait=False,
        timeout=600,
        lifecycle={"prevent_destroy": True},
        provider=helm,
    )
    app = release.Release(
        stack,
        "App",
        name="app",
        chart="app",
        repository="https://charts.example",
        version="0.1.0",
        set=[{"name": "db.version", "value": db.metadata.version}],  # a plain dict for the struct
        depends_on=[db],
        provider=helm,
    )
    TerraformOutput(stack, "Status", value=app.status)
    TerraformOutput(stack, "Revision", value=db.metadata.revision)
    return stack


def test_every_class_synthesizes_like_the_prebuilt_package():
    ours = Testing.synth(_every_type(Testing.app(), "dw_cdktf_provider_helm"))
    prebuilt = Testing.synth(_every_type(Testing.app(), "cdktf_cdktf_provider_helm"))
    assert ours == prebuilt  # the JSON text, byte for byte
    doc = json.loads(ours)
    assert doc["terraform"]["required_providers"]["helm"] == {"source": "helm", "version": "3.1.1"}
    assert set(doc["resource"]) == {"helm_release"}
    assert doc["resource"]["helm_release"]["App"]["set"] == [
        {"name": "db.version", "value": "${helm_release.Db.metadata.version}"}
    ]
    assert doc["provider"]["helm"][0]["kubernetes"]["exec"]["command"] == "aws"


def test_our_classes_validate_with_the_real_provider(tools):
    stack = _every_type(Testing.app(), "dw_cdktf_provider_helm")
    assert Testing.to_be_valid_terraform(Testing.full_synth(stack))


@pytest.mark.parametrize("package", ["dw_cdktf_provider_helm", "cdktf_cdktf_provider_helm"])
def test_a_provider_of_either_package_serves_our_release(package):
    """Resources need only the provider's type and alias: the prebuilt HelmProvider users pass keeps
    working with the class the constructs now use."""
    import importlib

    from dw_cdktf_provider_helm.release import Release

    stack = TerraformStack(Testing.app(), "s")
    helm = importlib.import_module(f"{package}.provider").HelmProvider(stack, "H", alias="other")
    Release(stack, "R", name="r", chart="c", provider=helm)
    doc = json.loads(Testing.synth(stack))
    assert doc["resource"]["helm_release"]["R"]["provider"] == "helm.other"
    assert doc["terraform"]["required_providers"]["helm"] == {"source": "helm", "version": "3.1.1"}


@pytest.mark.parametrize("package", ["dw_cdktf_provider_helm", "cdktf_cdktf_provider_helm"])
def test_a_data_warehouse_cluster_takes_either_helm_provider(package):
    """Same stack, same JSON, whichever package's HelmProvider the app passes."""
    import importlib

    from dw_cdktf_provider_kubernetes.provider import KubernetesProvider

    from dw_constructs.datawarehouse import DataWarehouseCluster, ProviderEndpoint

    def synth(pkg: str) -> str:
        stack = TerraformStack(Testing.app(), "s")
        helm = importlib.import_module(f"{pkg}.provider").HelmProvider(stack, "Helm", alias="dw")
        DataWarehouseCluster(
            stack,
            "Dw",
            name="dw",
            endpoint=ProviderEndpoint.in_cluster(),
            helm_provider=helm,
            kubernetes_provider=KubernetesProvider(stack, "K8s"),
        )
        return Testing.synth(stack)

    doc = json.loads(synth(package))
    (release,) = doc["resource"]["helm_release"].values()
    assert release["provider"] == "helm.dw"
    assert synth(package) == synth("dw_cdktf_provider_helm")


def test_mypy_accepts_a_helm_provider_of_either_package(tmp_path):
    """``helm_provider`` is typed as a HelmProvider of either package (and nothing else)."""
    from mypy import api

    # A module name of its own: mypy's shared cache would otherwise answer for an unchanged snippet
    # of the same name (with the errors of its earlier path).
    snippet = tmp_path / f"helm_app_{uuid.uuid4().hex}.py"
    snippet.write_text(
        "from cdktf import App, TerraformStack\n"
        "from cdktf_cdktf_provider_helm.provider import HelmProvider as Prebuilt\n"
        "from dw_cdktf_provider_helm.provider import HelmProvider as Slim\n"
        "from dw_cdktf_provider_kubernetes.provider import KubernetesProvider\n"
        "from dw_constructs.datawarehouse import DataWarehouseCluster, ProviderEndpoint\n"
        "stack = TerraformStack(App(), 's')\n"
        "e = ProviderEndpoint.in_cluster()\n"
        "DataWarehouseCluster(stack, 'A', name='a', endpoint=e, helm_provider=Prebuilt(stack, 'H1'))\n"
        "DataWarehouseCluster(stack, 'B', name='b', endpoint=e, helm_provider=Slim(stack, 'H2'))\n"
        "DataWarehouseCluster(stack, 'C', name='c', endpoint=e, helm_provider=KubernetesProvider(stack, 'K'))\n"
    )
    args = ["--strict", "--follow-imports=silent", "--show-error-codes", "--no-pretty", "--python-version", "3.10"]
    stdout, stderr, _ = api.run([*args, "--cache-dir", str(ROOT / ".mypy_cache"), str(snippet)])
    assert not stderr, stderr
    errors = [line for line in stdout.splitlines() if line.startswith(str(snippet))]
    assert len(errors) == 1 and errors[0].startswith(f"{snippet}:10:") and "[arg-type]" in errors[0], stdout


def test_the_constructs_import_the_prebuilt_package_for_type_checkers_only():
    """No module of dw_constructs imports cdktf_cdktf_provider_helm at run time: only under
    ``if TYPE_CHECKING:`` (the type of ``helm_provider``, which accepts an app's prebuilt provider)."""
    for path in (ROOT / "dw_constructs").rglob("*.py"):
        tree = ast.parse(path.read_text())
        type_only = {
            id(stmt)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
            for stmt in node.body
        }
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n.split(".")[0] == "cdktf_cdktf_provider_helm" for n in names):
                assert id(node) in type_only, f"{path}:{node.lineno} imports the prebuilt helm package"
