"""The datawarehouse Helm chart (dw_constructs/charts/datawarehouse), checked with the real helm:
`helm lint --strict` on the defaults and on every ci/ values file, `helm template` in each mode with
structural assertions, every rendered object validated against the Kubernetes OpenAPI schemas, and
values.schema.json rejecting bad values with helm's own message. Each mode renders once per module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from dw_constructs.charts import CHART_NAME, chart_path, chart_version, default_values
from dw_constructs.validation import validate_manifests
from tests.charts.leaks import derived_values, leaks, redact_secret_data, secret_texts

CHART = chart_path()
CI_FILES = sorted((CHART / "ci").glob("*.yaml"))
RELEASE = "dw"
NAMESPACE = "data"
FULLNAME = "dw-datawarehouse"
HEADLESS = f"{FULLNAME}-headless"
HELM_DEFAULT = Path.home() / ".cache" / "dw-constructs" / "tools" / "helm" / "v3.22.0" / "helm"

CLUSTERED = ["--set", "clustering.enabled=true", "--set", "replicaCount=3"]
#: A known admin password, and with tls.secretName set everything else in the rendered Secret is
#: predictable too: the worst case for a digest of the Secret in the pod template.
KNOWN_PASSWORD = "Tr0ub4dor-and-3"
#: helm template arguments of every mode rendered by this module (once each).
MODES: dict[str, list[str]] = {
    "single": [],
    "single-again": [],
    "clustered": CLUSTERED,
    "clustered-hard": [*CLUSTERED, "--set", "clustering.antiAffinity=hard"],
    "clustered-affinity": [
        *CLUSTERED,
        "--set-json",
        'affinity={"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":'
        '{"nodeSelectorTerms":[{"matchExpressions":[{"key":"disktype",'
        '"operator":"In","values":["ssd"]}]}]}}}',
    ],
    "strict-profile": ["--set", "operationalProfile=Strict"],
    "bigger-limits": ["--set", "resources.limits.memory=16Gi"],
    "no-tls": ["--set", "tls.enabled=false"],
    "no-persistence": ["--set", "persistence.enabled=false"],
    "known-password": ["--set", f"auth.password={KNOWN_PASSWORD}", "--set", "tls.secretName=dw-tls"],
    "existing-secret-version": [
        "-f",
        str(CHART / "ci" / "existing-secret-values.yaml"),
        "--set",
        "auth.existingSecretVersion=4711",
    ],
    **{f"ci/{f.name}": ["-f", str(f)] for f in CI_FILES},
}


# ------------------------------------------------------------------------------------------
# helm


@pytest.fixture(scope="module")
def helm() -> Path:
    path = Path(os.environ.get("DW_HELM") or HELM_DEFAULT)
    if not os.access(path, os.X_OK):
        pytest.fail(f"helm not found at {path}: run `bash scripts/tools.sh` (or set DW_HELM)")
    return path


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(helm), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "HELM_CACHE_HOME": "/tmp/dw-helm-cache",
            "HELM_CONFIG_HOME": "/tmp/dw-helm-config",
            "HELM_DATA_HOME": "/tmp/dw-helm-data",
        },
    )


@dataclass
class Render:
    """Output of one `helm template`: the parsed objects and the raw text of each template."""

    text: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, list[str]] = field(default_factory=dict)  # template path -> its documents

    @classmethod
    def parse(cls, text: str) -> Render:
        r = cls(text)
        parts = re.split(r"^---\n# Source: (\S+)\n", text, flags=re.M)
        assert parts[0].strip() == "", parts[0][:200]
        for source, body in zip(parts[1::2], parts[2::2], strict=True):
            body = body.removesuffix("\n")
            r.raw.setdefault(source.removeprefix(f"{CHART_NAME}/"), []).append(body)
            doc = yaml.safe_load(body)
            if doc:
                r.docs.append(doc)
        return r

    def all(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d["kind"] == kind]

    def one(self, kind: str, name: str | None = None) -> dict:
        found = [d for d in self.all(kind) if name is None or d["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {[d['metadata']['name'] for d in found]}"
        return found[0]

    def names(self, kind: str) -> list[str]:
        return [d["metadata"]["name"] for d in self.all(kind)]

    # The server's objects
    @property
    def sts(self) -> dict:
        return self.one("StatefulSet", FULLNAME)

    @property
    def pod(self) -> dict:
        return self.sts["spec"]["template"]["spec"]

    @property
    def container(self) -> dict:
        (c,) = self.pod["containers"]
        return c

    @property
    def config(self) -> dict:
        return yaml.safe_load(self.one("ConfigMap", f"{FULLNAME}-config")["data"]["datawarehouse.yaml"])

    @property
    def test_pod(self) -> dict:
        return self.one("Pod", f"{FULLNAME}-test-connection")

    def env(self, container: dict | None = None) -> dict[str, dict]:
        return {e["name"]: e for e in (container or self.container).get("env", [])}


@pytest.fixture(scope="module")
def renders(helm):
    """renders[mode]: that mode's `helm template`, run on first use and then reused."""
    cache: dict[str, Render] = {}

    class Renders:
        def __getitem__(self, mode: str) -> Render:
            if mode not in cache:
                cache[mode] = self.render(*MODES[mode])
            return cache[mode]

        def render(self, *args: str) -> Render:
            """A one-off `helm template` (not cached)."""
            res = run_helm(helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *args)
            assert res.returncode == 0, f"helm template {args} failed:\n{res.stderr}"
            return Render.parse(res.stdout)

    return Renders()


# ------------------------------------------------------------------------------------------
# lint, validation, schema


@pytest.mark.parametrize("values_file", [None, *CI_FILES], ids=lambda f: "defaults" if f is None else f"ci/{f.name}")
def test_helm_lint_strict_is_clean(helm, values_file):
    args = ["lint", "--strict", str(CHART), "--namespace", NAMESPACE]
    if values_file is not None:
        args += ["-f", str(values_file)]
    res = run_helm(helm, *args)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "1 chart(s) linted, 0 chart(s) failed" in out
    assert "[WARNING]" not in out and "[ERROR]" not in out, out


def test_ci_directory_has_the_documented_values_files():
    assert [f.name for f in CI_FILES] == [
        "clustered-values.yaml",
        "existing-secret-values.yaml",
        "ingress-tls-values.yaml",
        "single-node-values.yaml",
    ]


@pytest.mark.parametrize("mode", list(MODES))
def test_every_rendered_object_is_valid_kubernetes(renders, mode):
    r = renders[mode]
    kinds = {d["kind"] for d in r.docs}
    assert {"StatefulSet", "Service", "ConfigMap", "Pod"} <= kinds  # Pod: the helm test hook
    validate_manifests(r.docs)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--set", "operationalProfile=Fast"],
            ["at '/operationalProfile'", "value must be one of 'Speed', 'Balanced', 'Standard', 'Strict', 'Paranoid'"],
        ),
        (["--set", "replicaCount=-1"], ["at '/replicaCount'", "minimum: got -1, want 0"]),
        ([*CLUSTERED[:2], "--set", "replicaCount=2"], ["at '/replicaCount'", "minimum: got 2, want 3"]),
        (["--set", "replicaCount=2"], ["at '/replicaCount'", "maximum: got 2, want 1"]),
        (
            [*CLUSTERED, "--set", "clustering.antiAffinity=medium"],
            ["at '/clustering/antiAffinity'", "value must be one of 'soft', 'hard'"],
        ),
        (["--set", "service.port=70000"], ["at '/service/port'", "maximum"]),
        (["--set", "storage.size=lots"], ["at '/storage/size'"]),
        (["--set", "clustering.antiAfinity=hard"], ["at '/clustering'", "antiAfinity"]),
        (["--set-json", 'auth.existingSecretVersion={"v":1}'], ["at '/auth/existingSecretVersion'"]),
    ],
    ids=[
        "bad-profile",
        "negative-replicas",
        "clustered-2-replicas",
        "unclustered-2-replicas",
        "bad-anti-affinity",
        "bad-port",
        "bad-storage-size",
        "typo-in-known-section",
        "bad-secret-version",
    ],
)
def test_values_schema_rejects_bad_values_naming_the_key(helm, args, expected):
    res = run_helm(helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *args)
    assert res.returncode != 0, f"helm accepted {args}"
    assert "values don't meet the specifications of the schema(s)" in res.stderr, res.stderr
    for text in expected:
        assert text in res.stderr, res.stderr


def test_values_schema_allows_unknown_top_level_keys(helm):
    res = run_helm(helm, "template", RELEASE, str(CHART), "--set", "global.imageRegistry=r.example.com")
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("values_file", [None, *CI_FILES], ids=lambda f: "defaults" if f is None else f"ci/{f.name}")
def test_values_schema_is_draft07_and_accepts_the_shipped_values(values_file):
    from jsonschema import Draft7Validator

    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema.get("additionalProperties", True) is not False
    Draft7Validator.check_schema(schema)
    values = default_values()
    if values_file is not None:
        values = _merge(values, yaml.safe_load(values_file.read_text()))
    assert list(Draft7Validator(schema).iter_errors(values)) == []


# ------------------------------------------------------------------------------------------
# single node vs clustered


def test_single_node_statefulset(renders):
    r = renders["single"]
    spec = r.sts["spec"]
    assert spec["replicas"] == 1
    assert spec["serviceName"] == FULLNAME  # no headless Service: the client Service governs
    assert r.one("Service", spec["serviceName"])
    assert [(p["name"], p["containerPort"]) for p in r.container["ports"]] == [("postgresql", 5432)]
    assert "affinity" not in r.pod
    assert r.config["cluster"] == {"enabled": False}


def test_single_node_has_no_headless_service_and_no_pdb(renders):
    r = renders["single"]
    assert r.names("Service") == [FULLNAME]
    assert r.all("PodDisruptionBudget") == []


def test_clustered_statefulset(renders):
    r = renders["clustered"]
    spec = r.sts["spec"]
    assert spec["replicas"] == 3
    assert spec["serviceName"] == HEADLESS
    assert spec["podManagementPolicy"] == "Parallel"
    assert [(p["name"], p["containerPort"]) for p in r.container["ports"]] == [("postgresql", 5432), ("raft", 8300)]


def test_clustered_headless_service(renders):
    r = renders["clustered"]
    assert sorted(r.names("Service")) == [FULLNAME, HEADLESS]
    svc = r.one("Service", HEADLESS)["spec"]
    assert svc["clusterIP"] == "None"
    assert svc["publishNotReadyAddresses"] is True
    assert [(p["name"], p["port"], p["targetPort"]) for p in svc["ports"]] == [
        ("postgresql", 5432, "postgresql"),
        ("raft", 8300, "raft"),
    ]
    assert svc["selector"] == r.sts["spec"]["selector"]["matchLabels"]


def test_clustered_pdb(renders):
    r = renders["clustered"]
    pdb = r.one("PodDisruptionBudget", FULLNAME)
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == r.sts["spec"]["selector"]["matchLabels"]


def test_clustered_config_lists_the_peers(renders):
    cluster = renders["clustered"].config["cluster"]
    assert cluster["enabled"] is True
    assert cluster["raftPort"] == 8300
    assert cluster["peers"] == [f"{FULLNAME}-{i}.{HEADLESS}.{NAMESPACE}.svc.cluster.local:8300" for i in range(3)]


def test_anti_affinity_is_soft_by_default_when_clustered(renders):
    r = renders["clustered"]
    anti = r.pod["affinity"]["podAntiAffinity"]
    assert list(anti) == ["preferredDuringSchedulingIgnoredDuringExecution"]
    (term,) = anti["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["weight"] == 100
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert term["podAffinityTerm"]["labelSelector"]["matchLabels"] == r.sts["spec"]["selector"]["matchLabels"]


def test_anti_affinity_is_hard_when_asked(renders):
    r = renders["clustered-hard"]
    anti = r.pod["affinity"]["podAntiAffinity"]
    assert list(anti) == ["requiredDuringSchedulingIgnoredDuringExecution"]
    (term,) = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == r.sts["spec"]["selector"]["matchLabels"]


def test_user_affinity_replaces_the_anti_affinity(renders):
    affinity = renders["clustered-affinity"].pod["affinity"]
    assert list(affinity) == ["nodeAffinity"]


def test_ci_clustered_values(renders):
    r = renders["ci/clustered-values.yaml"]
    assert r.sts["spec"]["replicas"] == 3
    assert "requiredDuringSchedulingIgnoredDuringExecution" in r.pod["affinity"]["podAntiAffinity"]
    assert r.config["operationalProfile"] == "Strict"
    assert r.one("PodDisruptionBudget")


# ------------------------------------------------------------------------------------------
# pod template


def test_client_service(renders):
    r = renders["single"]
    svc = r.one("Service", FULLNAME)["spec"]
    assert svc["type"] == "ClusterIP"
    assert svc["ports"] == [
        {"name": "postgresql", "port": 5432, "targetPort": "postgresql", "protocol": "TCP", "appProtocol": "postgresql"}
    ]
    assert svc["selector"] == r.sts["spec"]["selector"]["matchLabels"]
    # the helm test pod must not become an endpoint of the Service
    test_labels = r.test_pod["metadata"]["labels"]
    assert not all(test_labels.get(k) == v for k, v in svc["selector"].items())


@pytest.mark.parametrize("mode", ["single", "clustered"])
def test_probes_are_tcp_on_the_postgresql_port(renders, mode):
    c = renders[mode].container
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        port = c[probe]["tcpSocket"]["port"]
        assert ports.get(port, port) == 5432, probe
        assert c[probe]["periodSeconds"] > 0 and c[probe]["failureThreshold"] > 0


def _assert_restricted(pod_spec: dict, what: str) -> None:
    """The `restricted` Pod Security Standard, plus our own read-only root and non-zero IDs."""
    psc = pod_spec["securityContext"]
    assert psc["runAsNonRoot"] is True, what
    assert psc["runAsUser"] > 0 and psc["runAsGroup"] > 0 and psc["fsGroup"] > 0, what
    assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, what
    assert pod_spec["automountServiceAccountToken"] is False, what
    for c in pod_spec["containers"]:
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True, what
        assert sc["allowPrivilegeEscalation"] is False, what
        assert sc["readOnlyRootFilesystem"] is True, what
        assert sc["capabilities"] == {"drop": ["ALL"]}, what
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, what
        assert sc.get("privileged") in (None, False), what
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], f"{what}: /tmp must be an emptyDir (read-only root)"
    allowed = {"configMap", "secret", "emptyDir", "persistentVolumeClaim", "projected", "downwardAPI"}
    for v in pod_spec["volumes"]:
        assert set(v) - {"name"} <= allowed, f"{what}: volume {v}"


@pytest.mark.parametrize("mode", ["single", "clustered"])
def test_security_context_is_restricted(renders, mode):
    r = renders[mode]
    _assert_restricted(r.pod, "server pod")
    _assert_restricted(r.test_pod["spec"], "helm test pod")
    assert r.pod["serviceAccountName"] == FULLNAME
    assert r.one("ServiceAccount", FULLNAME)["automountServiceAccountToken"] is False


def test_config_and_secrets_reach_the_container(renders):
    r = renders["single"]
    env = r.env()
    assert env["DW_CONFIG_FILE"]["value"] == "/etc/datawarehouse/datawarehouse.yaml"
    assert env["DW_ADMIN_USER"]["valueFrom"]["secretKeyRef"] == {"name": f"{FULLNAME}-auth", "key": "username"}
    assert env["DW_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"{FULLNAME}-auth", "key": "password"}
    volumes = {v["name"]: v for v in r.pod["volumes"]}
    mounts = {m["name"]: m for m in r.container["volumeMounts"]}
    assert volumes["config"]["configMap"]["name"] == f"{FULLNAME}-config"
    assert mounts["config"]["subPath"] == "datawarehouse.yaml" and mounts["config"]["readOnly"] is True
    assert volumes["tls"]["secret"]["secretName"] == f"{FULLNAME}-tls"
    assert mounts["tls"]["mountPath"] == "/etc/datawarehouse/tls"
    assert r.config == {
        "listen": {"port": 5432},
        "dataDir": "/var/lib/datawarehouse/data",
        "operationalProfile": "Balanced",
        "plugins": {"enabled": ["*"]},
        "tls": {
            "enabled": True,
            "certFile": "/etc/datawarehouse/tls/tls.crt",
            "keyFile": "/etc/datawarehouse/tls/tls.key",
            "caFile": "/etc/datawarehouse/tls/ca.crt",
        },
        "cluster": {"enabled": False},
    }


def test_data_volume_comes_from_volume_claim_templates(renders):
    r = renders["single"]
    (claim,) = r.sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "100Gi"
    assert "storageClassName" not in claim["spec"]  # "" = the cluster's default class
    assert {"name": "data", "mountPath": "/var/lib/datawarehouse"} in r.container["volumeMounts"]
    assert "data" not in {v["name"] for v in r.pod["volumes"]}
    assert r.sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert r.all("PersistentVolumeClaim") == []  # the extra claim is off by default


def test_without_persistence_data_is_an_emptydir(renders):
    r = renders["no-persistence"]
    assert "volumeClaimTemplates" not in r.sts["spec"]
    assert {"name": "data", "emptyDir": {}} in r.pod["volumes"]


def test_ci_single_node_values_extra_claim_and_storage_class(renders):
    r = renders["ci/single-node-values.yaml"]
    (claim,) = r.sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "standard"
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    pvc = r.one("PersistentVolumeClaim", f"{FULLNAME}-extra")
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"
    volumes = {v["name"]: v for v in r.pod["volumes"]}
    assert volumes["extra"]["persistentVolumeClaim"]["claimName"] == f"{FULLNAME}-extra"
    assert {"name": "extra", "mountPath": "/var/lib/datawarehouse-extra"} in r.container["volumeMounts"]


# ------------------------------------------------------------------------------------------
# checksums, credential revisions, credentials, TLS


def _pod_annotations(r: Render) -> dict[str, str]:
    return r.sts["spec"]["template"]["metadata"]["annotations"]


def _checksums(r: Render) -> dict[str, str]:
    return {k: v for k, v in _pod_annotations(r).items() if k.startswith("checksum/")}


def test_checksum_config_follows_the_config(renders):
    base = _checksums(renders["single"])["checksum/config"]
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    assert _checksums(renders["single-again"])["checksum/config"] == base  # deterministic
    assert _checksums(renders["bigger-limits"])["checksum/config"] == base  # not a config change
    assert _checksums(renders["strict-profile"])["checksum/config"] != base
    assert _checksums(renders["clustered"])["checksum/config"] != base


def _template_text_candidates(docs: list[str]) -> list[str]:
    """The template's own output, as helm split it into documents (modulo outer whitespace)."""
    body = "\n---\n".join(docs)
    return [lead + body + trail for lead in ("", "\n") for trail in ("", "\n")]


def test_checksum_config_hashes_the_rendered_configmap(renders):
    r = renders["single"]
    want = _checksums(r)["checksum/config"]
    got = [hashlib.sha256(t.encode()).hexdigest() for t in _template_text_candidates(r.raw["templates/configmap.yaml"])]
    assert want in got


def test_only_the_configuration_is_checksummed(renders):
    """The configuration holds no secret; a digest of the Secret would be brute-forceable."""
    for mode in ("single", "known-password", "ci/existing-secret-values.yaml"):
        assert list(_checksums(renders[mode])) == ["checksum/config"], mode


@pytest.mark.parametrize("mode", ["known-password", "single", "clustered", "ci/ingress-tls-values.yaml"])
def test_rendered_manifests_hold_nothing_derived_from_the_password(renders, mode):
    """Outside the Secret's data, no rendered object holds the password, its base64 form or a
    digest of either or of the rendered Secret (the old checksum/secret annotation was
    sha256(secret.yaml): with tls.secretName set, the rest of it is predictable, so anyone who can
    read pods could brute-force the password offline)."""
    r = renders[mode]
    password = _admin_password(r)
    if mode == "known-password":
        assert password == KNOWN_PASSWORD
    derived = derived_values(password, secret_texts(r.text))
    data = [v for s in r.all("Secret") for v in (s.get("data") or {}).values()]
    assert leaks(redact_secret_data(r.text, data), derived) == []
    # and in particular the pod template (also its parsed form, in case of re-quoting)
    assert leaks(json.dumps(r.sts["spec"]["template"]), derived) == []


def test_credential_revisions_are_shared_random_tokens(renders):
    """The pod template carries the revisions of the chart's Secrets: random tokens, one per
    Secret, made anew by every offline render (no lookup) and kept on upgrade while the Secret's
    content is unchanged (tests/charts/test_chart_install.py checks that against a real API server)."""
    r, again = renders["single"], renders["single-again"]
    ann = _pod_annotations(r)
    auth = r.one("Secret", f"{FULLNAME}-auth")["metadata"]["annotations"]["datawarehouse/revision"]
    tls = r.one("Secret", f"{FULLNAME}-tls")["metadata"]["annotations"]["datawarehouse/revision"]
    assert ann["datawarehouse/auth-revision"] == auth
    assert ann["datawarehouse/tls-revision"] == tls
    assert re.fullmatch(r"[A-Za-z0-9]{16}", auth) and re.fullmatch(r"[A-Za-z0-9]{16}", tls) and auth != tls
    assert _pod_annotations(again)["datawarehouse/auth-revision"] != auth
    # the chart's TLS Secret only when it generates the certificate
    assert "datawarehouse/tls-revision" not in _pod_annotations(renders["known-password"])
    assert "datawarehouse/tls-revision" not in _pod_annotations(renders["no-tls"])


def test_existing_secret_rolls_pods_only_through_existing_secret_version(renders):
    """The chart cannot see an existing Secret: no auth revision of its own, only the version the
    user (or the construct) passes; an integer from `--set` is fine."""
    assert "datawarehouse/auth-revision" not in _pod_annotations(renders["ci/existing-secret-values.yaml"])
    assert _pod_annotations(renders["existing-secret-version"])["datawarehouse/auth-revision"] == "4711"
    # ignored when the chart makes the Secret itself
    own = renders.render("--set", "auth.existingSecretVersion=4711")
    assert _pod_annotations(own)["datawarehouse/auth-revision"] != "4711"


def test_offline_upgrade_render_skips_the_immutable_field_check(renders):
    """Without cluster access lookup finds no StatefulSet: an upgrade render (`--is-upgrade`)
    with any storage size, class or mode proceeds (the check needs the live object; see
    test_chart_install.py)."""
    r = renders.render("--is-upgrade", *CLUSTERED, "--set", "storage.size=1Ti", "--set", "storage.storageClass=fast")
    (claim,) = r.sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Ti"
    assert r.sts["spec"]["serviceName"] == HEADLESS


def _admin_password(r: Render) -> str:
    import base64

    secret = r.one("Secret", f"{FULLNAME}-auth")
    assert secret["type"] == "Opaque"
    assert base64.b64decode(secret["data"]["username"]).decode() == "admin"
    return base64.b64decode(secret["data"]["password"]).decode()


def test_admin_password_is_generated_never_fixed(renders):
    first, second = _admin_password(renders["single"]), _admin_password(renders["single-again"])
    assert re.fullmatch(r"[A-Za-z0-9]{32}", first)
    assert first != second
    assert default_values()["auth"].get("password", "") == ""  # no default password to leak
    assert first not in (CHART / "values.yaml").read_text()


def test_generated_tls_secret(renders):
    import base64

    secret = renders["single"].one("Secret", f"{FULLNAME}-tls")
    assert secret["type"] == "kubernetes.io/tls"
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert set(data) == {"tls.crt", "tls.key", "ca.crt"}
    assert data["tls.crt"].startswith("-----BEGIN CERTIFICATE-----")
    assert data["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY-----" in data["tls.key"]
    assert data["tls.crt"] != data["ca.crt"]


def test_tls_disabled(renders):
    r = renders["no-tls"]
    assert r.names("Secret") == [f"{FULLNAME}-auth"]
    assert "tls" not in {v["name"] for v in r.pod["volumes"]}
    assert r.config["tls"] == {"enabled": False}
    assert r.env(r.test_pod["spec"]["containers"][0])["PGSSLMODE"]["value"] == "disable"


def test_ci_ingress_tls_values(renders):
    r = renders["ci/ingress-tls-values.yaml"]
    ing = r.one("Ingress", FULLNAME)["spec"]
    assert ing["ingressClassName"] == "nginx"
    assert ing["tls"] == [{"hosts": ["dw.example.com"], "secretName": "dw-example-com-tls"}]
    (rule,) = ing["rules"]
    assert rule["host"] == "dw.example.com"
    (path,) = rule["http"]["paths"]
    assert path["backend"] == {"service": {"name": FULLNAME, "port": {"name": "postgresql"}}}
    # the user's certificate is served; no self-signed one is generated
    assert r.names("Secret") == [f"{FULLNAME}-auth"]
    volumes = {v["name"]: v for v in r.pod["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "dw-example-com-tls"
    assert "caFile" not in r.config["tls"]
    assert renders["single"].all("Ingress") == []


def test_ci_existing_secret_values(renders):
    r = renders["ci/existing-secret-values.yaml"]
    assert r.names("Secret") == [f"{FULLNAME}-tls"]  # no admin Secret of our own
    for env in (r.env(), r.env(r.test_pod["spec"]["containers"][0])):
        user = env.get("DW_ADMIN_USER") or env["PGUSER"]
        password = env.get("DW_ADMIN_PASSWORD") or env["PGPASSWORD"]
        assert user["valueFrom"]["secretKeyRef"] == {"name": "dw-admin", "key": "user"}
        assert password["valueFrom"]["secretKeyRef"] == {"name": "dw-admin", "key": "pass"}


def test_helm_test_hook(renders):
    r = renders["single"]
    pod = r.test_pod
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "test"
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    (c,) = spec["containers"]
    assert c["image"] == "postgres:17.6-alpine"
    env = r.env(c)
    assert env["PGHOST"]["value"] == f"{FULLNAME}.{NAMESPACE}.svc.cluster.local"
    assert env["PGPORT"]["value"] == "5432"
    assert env["PGSSLMODE"]["value"] == "require"
    assert env["PGUSER"]["valueFrom"]["secretKeyRef"] == {"name": f"{FULLNAME}-auth", "key": "username"}
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"{FULLNAME}-auth", "key": "password"}
    script = " ".join(c["command"] + c["args"])
    assert "pg_isready" in script and "psql" in script


def test_labels(renders):
    r = renders["clustered"]
    for d in r.docs:
        labels = d["metadata"]["labels"]
        assert labels["helm.sh/chart"] == "datawarehouse-1.1.0", d["kind"]
        assert labels["app.kubernetes.io/name"] == "datawarehouse"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/version"] == "6.0.0"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
    assert r.sts["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "datawarehouse",
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": "server",
    }
    assert r.container["image"] == "datawarehouse/datawarehouse:6.0.0"


# ------------------------------------------------------------------------------------------
# chart files and the Python helper


def test_chart_metadata(helm):
    """The metadata as helm itself reads it (``helm show chart``), against what it must be."""
    res = run_helm(helm, "show", "chart", str(CHART))
    assert res.returncode == 0, res.stderr
    assert yaml.safe_load(res.stdout) == {
        "apiVersion": "v2",
        "name": "datawarehouse",
        "description": "DataWarehouse — AI-native data warehouse",
        "type": "application",
        "version": "1.1.0",
        "appVersion": "6.0.0",
        "kubeVersion": ">=1.27.0-0",
        "keywords": ["datawarehouse", "database", "postgresql", "analytics"],
    }


def test_default_values():
    v = default_values()
    assert v["replicaCount"] == 1
    assert v["image"] == {"repository": "datawarehouse/datawarehouse", "tag": "", "pullPolicy": "IfNotPresent"}
    assert v["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}}
    assert v["storage"] == {"size": "100Gi", "storageClass": ""}
    assert v["service"]["type"] == "ClusterIP" and v["service"]["port"] == 5432
    assert v["ingress"]["enabled"] is False
    assert v["operationalProfile"] == "Balanced"
    assert v["plugins"] == {"enabled": ["*"]}
    assert v["tls"]["enabled"] is True and v["tls"]["secretName"] == ""
    assert v["clustering"]["enabled"] is False and v["clustering"]["raftPort"] == 8300
    assert v["clustering"]["antiAffinity"] == "soft"
    assert v["serviceAccount"]["automount"] is False
    assert v["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    assert v["extraVolumeClaim"]["enabled"] is False


def _value_keys(node, path=()):
    """(dotted path, line) of every mapping key in values.yaml, not descending into lists."""
    for key, value in node.value:
        yield ".".join((*path, key.value)), key.start_mark.line
        if isinstance(value, yaml.MappingNode):
            yield from _value_keys(value, (*path, key.value))


def test_every_values_key_is_commented():
    text = (CHART / "values.yaml").read_text()
    lines = text.splitlines()
    missing = [k for k, line in _value_keys(yaml.compose(text)) if not lines[line - 1].lstrip().startswith("#")]
    assert missing == []


def test_readme_documents_every_value():
    readme = (CHART / "README.md").read_text()

    def leaves(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict) and v:
                yield from leaves(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"

    assert [k for k in leaves(default_values()) if f"| `{k}` |" not in readme] == []


def test_chart_helper():
    assert CHART_NAME == "datawarehouse"
    assert CHART.is_dir() and (CHART / "Chart.yaml").is_file()
    assert chart_path("datawarehouse") == CHART
    assert chart_version() == "1.1.0"
    values = default_values()
    values["replicaCount"] = 99
    values["image"]["tag"] = "mutated"
    assert default_values()["replicaCount"] == 1
    assert default_values()["image"]["tag"] == ""
    for bad in ("nope", "../charts", "", ".hidden"):
        with pytest.raises(ValueError):
            chart_path(bad)


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for k, v in (override or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
