"""The verification tools are real: OpenTofu and helm built from pinned Go modules, providers
installed from our filesystem mirror only, and checks that can fail do fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cdktf import Testing

ROOT = Path(__file__).resolve().parents[1]
PINS = dict(
    line.split("=", 1)
    for line in (ROOT / "tools" / "versions.env").read_text().splitlines()
    if line and not line.startswith("#")
)


def test_tofu_is_the_pinned_build(tools):
    out = tools.run(tools.tofu, "version", "-json").stdout
    assert json.loads(out)["terraform_version"] == PINS["TOFU_VERSION"]


def test_helm_is_the_pinned_build(tools):
    out = tools.run(tools.helm, "version", "--template", "{{.Version}} {{.GitTreeState}}").stdout
    assert out == f"{PINS['HELM_VERSION']} clean"


def test_cli_config_uses_only_the_mirror(tools):
    text = Path(tools.env["TF_CLI_CONFIG_FILE"]).read_text()
    assert "filesystem_mirror" in text and "direct" not in text and "network_mirror" not in text


def test_init_installs_from_mirror(tools, tmp_path):
    (tmp_path / "main.tf.json").write_text(
        json.dumps(
            {
                "terraform": {
                    "required_providers": {
                        "datawarehouse": {"source": "datawarehouse/datawarehouse", "version": "~> 1.0"}
                    }
                }
            }
        )
    )
    init = tools.run(tools.tofu, "init", "-backend=false", "-no-color", cwd=tmp_path)
    assert "Installed datawarehouse/datawarehouse v1.0.0" in init.stdout, init.stdout
    lock = (tmp_path / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.opentofu.org/datawarehouse/datawarehouse"' in lock
    assert re.search(r'"h1:[A-Za-z0-9+/=]+"', lock)


def test_init_refuses_a_provider_missing_from_the_mirror(tools, tmp_path):
    """No network fallback: a provider that is not in the mirror fails init."""
    (tmp_path / "main.tf.json").write_text(
        json.dumps(
            {"terraform": {"required_providers": {"random": {"source": "hashicorp/random", "version": "3.6.0"}}}}
        )
    )
    init = tools.run(tools.tofu, "init", "-backend=false", "-no-color", cwd=tmp_path, check=False)
    assert init.returncode != 0
    assert "hashicorp/random" in init.stderr


def test_broken_stack_is_invalid(tools):
    """to_be_valid_terraform really runs tofu: a missing required argument makes it False."""
    from cdktf import TerraformStack, TerraformVariable
    from dw_cdktf_provider_datawarehouse.instance import Instance
    from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider

    stack = TerraformStack(Testing.app(), "broken")
    pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
    DatawarehouseProvider(stack, "dw", host="h", username="u", password=pw.string_value)
    inst = Instance(stack, "inst", name="x", storage_size_gb=1)
    inst.add_override("storage_size_gb", None)  # drops the required argument
    out = Testing.full_synth(stack)
    assert Testing.to_be_valid_terraform(out) is False
    result = tools.tofu_validate(Path(out) / "stacks" / "broken")
    assert result["valid"] is False
    details = [d["detail"] for d in result["diagnostics"]]
    assert len(details) == 1 and 'The argument "storage_size_gb" is required' in details[0], details


def test_helm_template_renders_a_tiny_chart(tools, tmp_path):
    chart = tmp_path / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("greeting: hello\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n"
        "data:\n  greeting: {{ .Values.greeting | quote }}\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n"
    )
    out = tools.run(tools.helm, "template", "rel", str(chart), "--set", "greeting=hi").stdout
    assert "name: rel-cm" in out and 'greeting: "hi"' in out
    # built with the client-go ldflags: helm's default kube version is not the 1.20 fallback
    assert f'kube: "v1.{PINS["HELM_KMIN"]}.0"' in out


def test_kubernetes_and_helm_providers_validate_against_their_schemas(tools):
    """hashicorp/kubernetes 2.38.0 and hashicorp/helm 3.1.1 (real builds) enforce their schemas in
    tofu: a valid stack passes, a namespace without metadata and a release without chart fail."""
    from cdktf import TerraformStack
    from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes
    from cdktf_cdktf_provider_helm.release import Release
    from cdktf_cdktf_provider_kubernetes.namespace import Namespace, NamespaceMetadata
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    def stack(name):
        s = TerraformStack(Testing.app(), name)
        KubernetesProvider(s, "k8s", config_path="~/.kube/config")
        HelmProvider(s, "helm", kubernetes=HelmProviderKubernetes(config_path="~/.kube/config"))
        ns = Namespace(s, "ns", metadata=NamespaceMetadata(name="demo"))
        rel = Release(s, "rel", name="demo", chart="./chart", namespace="demo")
        return s, ns, rel

    good, _, _ = stack("good")
    assert Testing.to_be_valid_terraform(Testing.full_synth(good)) is True

    bad, ns, rel = stack("bad")
    ns.add_override("metadata", None)
    rel.add_override("chart", None)
    out = Path(Testing.full_synth(bad)) / "stacks" / "bad"
    result = tools.tofu_validate(out)
    summaries = sorted(d["summary"] for d in result["diagnostics"])
    assert summaries == ["Insufficient metadata blocks", "Missing required argument"], result["diagnostics"]


def _validate_hcl(tools, tmp_path, body: str) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "main.tf").write_text(body)
    return tools.tofu_validate(tmp_path)


def test_mirror_holds_the_real_kubernetes_provider(tools, tmp_path):
    """Only the real provider runs its own validators: a schema-serving stand-in accepted any
    string, the real one rejects a namespace name that is not a DNS-1123 label at validate."""
    result = _validate_hcl(
        tools,
        tmp_path,
        """
terraform {
  required_providers {
    kubernetes = { source = "hashicorp/kubernetes", version = "2.38.0" }
  }
}
resource "kubernetes_namespace_v1" "bad" {
  metadata { name = "Bad_Name" }
}
""",
    )
    assert result["valid"] is False
    (diag,) = result["diagnostics"]
    assert diag["address"] == "kubernetes_namespace_v1.bad"
    assert diag["summary"].startswith("metadata.0.name a lowercase RFC 1123 subdomain must consist of"), diag


def test_mirror_holds_the_real_helm_provider(tools, tmp_path):
    """The real helm provider limits release names to 53 characters (helm's own limit) at validate."""
    body = """
terraform {
  required_providers {
    helm = { source = "hashicorp/helm", version = "3.1.1" }
  }
}
resource "helm_release" "r" {
  name  = "%s"
  chart = "./chart"
}
"""
    ok = _validate_hcl(tools, tmp_path / "ok", body % ("a" * 53))
    assert ok["valid"] is True, ok
    bad = _validate_hcl(tools, tmp_path / "bad", body % ("a" * 54))
    assert bad["valid"] is False
    assert any("53" in d["summary"] + d.get("detail", "") for d in bad["diagnostics"]), bad["diagnostics"]


def test_mirror_holds_the_real_deltastream_provider(tools, tmp_path):
    """deltastreaminc/deltastream 1.0.3 (built from source): its schema is served (8 resources,
    14 data sources) and a resource missing a required argument fails validation."""
    (tmp_path / "main.tf").write_text("""
terraform {
  required_providers {
    deltastream = { source = "deltastreaminc/deltastream", version = "1.0.3" }
  }
}
""")
    init = tools.run(tools.tofu, "init", "-backend=false", "-input=false", "-no-color", cwd=tmp_path, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    schema = json.loads(tools.run(tools.tofu, "providers", "schema", "-json", cwd=tmp_path).stdout)
    (ds,) = schema["provider_schemas"].values()
    assert len(ds["resource_schemas"]) == 8 and len(ds["data_source_schemas"]) == 14
    assert "deltastream_query" in ds["resource_schemas"]
