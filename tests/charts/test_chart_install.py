"""The chart installed and upgraded with real helm against a real API server (no nodes: pods
never run, but every object is created, and `lookup` sees the live Secrets and StatefulSet):
generated credentials kept on upgrade, credential changes rolling the pods through a random
revision (never a digest of the Secret), and values that feed immutable StatefulSet fields failing
the upgrade at render time with a message naming them."""

from __future__ import annotations

import base64
import json
import time

import pytest

from dw_constructs.charts import chart_path
from tests.charts.leaks import derived_values, leaks, redact_secret_data, secret_texts
from tests.support.apiserver import KubeApiError

NS = "dw-install"
RELEASE = "dwi"
#: Admin passwords of the credential-revision tests (test values, nothing else uses them).
PASSWORD = "Tr0ub4dor-and-3"
NEW_PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture(scope="module")
def helm(tools, kube_api):
    kubeconfig = kube_api.workdir / "kubeconfig"

    def run(*args: str, check: bool = True):
        return tools.run(tools.helm, *args, "--kubeconfig", str(kubeconfig), check=check)

    return run


def _secret(kube_api, name: str) -> dict[str, str]:
    data = kube_api.get(f"/api/v1/namespaces/{NS}/secrets/{name}")["data"]
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


@pytest.fixture(scope="module")
def installed(helm, kube_api):
    helm("install", RELEASE, str(chart_path()), "--namespace", NS, "--create-namespace")
    yield
    helm("uninstall", RELEASE, "--namespace", NS, check=False)


def test_install_creates_the_objects(installed, kube_api):
    sts = kube_api.get(f"/apis/apps/v1/namespaces/{NS}/statefulsets/{RELEASE}-datawarehouse")
    assert sts["spec"]["replicas"] == 1
    svc = kube_api.get(f"/api/v1/namespaces/{NS}/services/{RELEASE}-datawarehouse")
    assert [p["port"] for p in svc["spec"]["ports"]] == [5432]


def test_upgrade_keeps_generated_password_and_certificate(installed, helm, kube_api):
    auth, tls = _secret(kube_api, f"{RELEASE}-datawarehouse-auth"), _secret(kube_api, f"{RELEASE}-datawarehouse-tls")
    assert len(auth["password"]) == 32
    helm("upgrade", RELEASE, str(chart_path()), "--namespace", NS, "--set-string", "podAnnotations.rollme=1")
    assert _secret(kube_api, f"{RELEASE}-datawarehouse-auth") == auth, "lookup must keep the password"
    assert _secret(kube_api, f"{RELEASE}-datawarehouse-tls") == tls, "lookup must keep the certificate"


def test_upgrade_with_a_given_password_sets_it(installed, helm, kube_api):
    helm("upgrade", RELEASE, str(chart_path()), "--namespace", NS, "--set", "auth.password=from-terraform")
    assert _secret(kube_api, f"{RELEASE}-datawarehouse-auth")["password"] == "from-terraform"


def test_schema_rejects_before_anything_is_applied(installed, helm):
    res = helm(
        "upgrade", RELEASE, str(chart_path()), "--namespace", NS, "--set", "operationalProfile=Turbo", check=False
    )
    assert res.returncode != 0 and "operationalProfile" in res.stderr


# ------------------------------------------------------------------------------------------
# Credential changes roll the pods through a random revision, never through a digest of the Secret


@pytest.fixture
def release(helm):
    """release(name, *helm args): a fresh `helm install` in NS, uninstalled after the test."""
    names: list[str] = []

    def install(name: str, *args: str) -> str:
        helm("install", name, str(chart_path()), "--namespace", NS, "--create-namespace", *args)
        names.append(name)
        return name

    yield install
    for name in names:
        helm("uninstall", name, "--namespace", NS, check=False)


def _sts(kube_api, release: str) -> dict:
    return kube_api.get(f"/apis/apps/v1/namespaces/{NS}/statefulsets/{release}-datawarehouse")


def _auth_revision(kube_api, release: str) -> tuple[int, str, str]:
    """(generation, pod template's auth revision, the admin Secret's revision annotation)."""
    sts = _sts(kube_api, release)
    secret = kube_api.get(f"/api/v1/namespaces/{NS}/secrets/{release}-datawarehouse-auth")
    return (
        sts["metadata"]["generation"],
        sts["spec"]["template"]["metadata"]["annotations"]["datawarehouse/auth-revision"],
        secret["metadata"]["annotations"]["datawarehouse/revision"],
    )


def _assert_nothing_derived_from_the_password(helm, kube_api, release: str, password: str) -> None:
    manifest = helm("get", "manifest", release, "--namespace", NS).stdout
    derived = derived_values(password, secret_texts(manifest))
    secret = kube_api.get(f"/api/v1/namespaces/{NS}/secrets/{release}-datawarehouse-auth")
    assert base64.b64decode(secret["data"]["password"]).decode() == password
    assert leaks(redact_secret_data(manifest, secret["data"].values()), derived) == []
    # what anyone allowed to read StatefulSets (and so pods) sees, as the API server stores it
    assert leaks(json.dumps(_sts(kube_api, release)), derived) == []


def test_installed_pod_template_holds_nothing_derived_from_the_password(release, helm, kube_api):
    """With tls.secretName set the rest of the Secret is predictable: a digest of it in the pod
    template would let anyone who can read pods brute-force the password offline."""
    name = release("dwpw", "--set", f"auth.password={PASSWORD}", "--set", "tls.secretName=dwpw-tls")
    _assert_nothing_derived_from_the_password(helm, kube_api, name, PASSWORD)


def test_upgrade_with_the_same_password_keeps_the_revision_and_the_pods(release, helm, kube_api):
    name = release("dwsame", "--set", f"auth.password={PASSWORD}", "--set", "tls.secretName=dwsame-tls")
    generation, revision, secret_revision = _auth_revision(kube_api, name)
    assert revision == secret_revision and len(revision) == 16
    helm(
        "upgrade",
        name,
        str(chart_path()),
        "--namespace",
        NS,
        "--set",
        f"auth.password={PASSWORD}",
        "--set",
        "tls.secretName=dwsame-tls",
    )
    assert _auth_revision(kube_api, name) == (generation, revision, revision), "same password: no roll"
    # nor when the password is kept through lookup (no auth.password), with an unrelated pod change
    helm(
        "upgrade",
        name,
        str(chart_path()),
        "--namespace",
        NS,
        "--set",
        "tls.secretName=dwsame-tls",
        "--set-string",
        "podAnnotations.rollme=1",
    )
    assert _auth_revision(kube_api, name)[1:] == (revision, revision)


def test_upgrade_with_a_new_password_changes_the_revision_and_rolls_the_pods(release, helm, kube_api):
    name = release("dwnew", "--set", f"auth.password={PASSWORD}", "--set", "tls.secretName=dwnew-tls")
    generation, revision, _ = _auth_revision(kube_api, name)
    helm(
        "upgrade",
        name,
        str(chart_path()),
        "--namespace",
        NS,
        "--set",
        f"auth.password={NEW_PASSWORD}",
        "--set",
        "tls.secretName=dwnew-tls",
    )
    new_generation, new_revision, secret_revision = _auth_revision(kube_api, name)
    assert new_revision != revision and new_revision == secret_revision
    assert new_generation == generation + 1, "a new pod template: the StatefulSet rolls its pods"
    _assert_nothing_derived_from_the_password(helm, kube_api, name, NEW_PASSWORD)


def test_regenerated_certificate_changes_the_tls_revision(release, helm, kube_api):
    """Renewing the generated certificate (README: delete <fullname>-tls, upgrade) rolls the pods."""
    name = release("dwtls")

    def tls_revision() -> str:
        return _sts(kube_api, name)["spec"]["template"]["metadata"]["annotations"]["datawarehouse/tls-revision"]

    before = tls_revision()
    helm("upgrade", name, str(chart_path()), "--namespace", NS)
    assert tls_revision() == before
    kube_api.request("DELETE", f"/api/v1/namespaces/{NS}/secrets/{name}-datawarehouse-tls")
    helm("upgrade", name, str(chart_path()), "--namespace", NS)
    assert tls_revision() != before


def test_existing_secret_version_rolls_the_pods(release, helm, kube_api):
    """With auth.existingSecret the chart cannot see the password; the version passed in
    auth.existingSecretVersion (e.g. the Secret's resourceVersion) rolls the pods."""
    kube_api.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "dwext-admin", "namespace": NS},
            "stringData": {"username": "admin", "password": PASSWORD},
        }
    )
    try:
        version = kube_api.get(f"/api/v1/namespaces/{NS}/secrets/dwext-admin")["metadata"]["resourceVersion"]
        name = release(
            "dwext", "--set", "auth.existingSecret=dwext-admin", "--set", f"auth.existingSecretVersion={version}"
        )
        sts = _sts(kube_api, name)
        assert sts["spec"]["template"]["metadata"]["annotations"]["datawarehouse/auth-revision"] == version
        secret = kube_api.request(
            "PUT",
            f"/api/v1/namespaces/{NS}/secrets/dwext-admin",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "dwext-admin", "namespace": NS},
                "stringData": {"username": "admin", "password": NEW_PASSWORD},
            },
        )
        helm(
            "upgrade",
            name,
            str(chart_path()),
            "--namespace",
            NS,
            "--reuse-values",
            "--set",
            f"auth.existingSecretVersion={secret['metadata']['resourceVersion']}",
        )
        new = _sts(kube_api, name)
        assert new["metadata"]["generation"] == sts["metadata"]["generation"] + 1
        assert leaks(json.dumps(new), derived_values(NEW_PASSWORD)) == []
    finally:
        kube_api.request("DELETE", f"/api/v1/namespaces/{NS}/secrets/dwext-admin")


# ------------------------------------------------------------------------------------------
# Values that feed immutable StatefulSet fields fail the upgrade early, naming the value


CLUSTERED = ("--set", "clustering.enabled=true", "--set", "replicaCount=3")
SINGLE = ("--set", "clustering.enabled=false", "--set", "replicaCount=1")


@pytest.fixture(scope="module")
def immutable_releases(helm):
    """One single-node and one clustered release the immutable-field tests try (and fail) to upgrade."""
    helm("install", "dwimm", str(chart_path()), "--namespace", NS, "--create-namespace")
    helm("install", "dwimmc", str(chart_path()), "--namespace", NS, "--create-namespace", *CLUSTERED)
    yield {"single": "dwimm", "clustered": "dwimmc"}
    for name in ("dwimm", "dwimmc"):
        helm("uninstall", name, "--namespace", NS, check=False)


@pytest.mark.parametrize(
    ("start", "args", "expected"),
    [
        (
            "single",
            ["--set", "storage.size=200Gi"],
            [
                "storage.size: 100Gi → 200Gi",
                f"kubectl -n {NS} patch pvc data-dwimm-datawarehouse-<i>",
                f"kubectl -n {NS} delete statefulset dwimm-datawarehouse --cascade=orphan",
            ],
        ),
        ("single", ["--set", "storage.size=50Gi"], ["storage.size: 100Gi → 50Gi", "Volumes cannot shrink"]),
        (
            "single",
            ["--set", "storage.storageClass=fast"],
            ['storage.storageClass: "" → "fast"', "Existing claims keep their class", "--cascade=orphan"],
        ),
        (
            "single",
            list(CLUSTERED),
            [
                "clustering.enabled: false → true",
                "dwimm-datawarehouse → dwimm-datawarehouse-headless",
                "install a new release in the new mode",
            ],
        ),
        ("clustered", list(SINGLE), ["clustering.enabled: true → false", "install a new release in the new mode"]),
        ("single", ["--set", "persistence.enabled=false"], ["persistence.enabled: true → false", "--cascade=orphan"]),
        (
            "single",
            [*CLUSTERED, "--set", "storage.size=1Ti", "--set", "storage.storageClass=fast"],
            ["clustering.enabled: false → true", "storage.size: 100Gi → 1Ti", 'storage.storageClass: "" → "fast"'],
        ),
    ],
    ids=[
        "grow-storage",
        "shrink-storage",
        "storage-class",
        "single-to-clustered",
        "clustered-to-single",
        "persistence-off",
        "all-at-once",
    ],
)
def test_upgrade_changing_an_immutable_value_fails_early_naming_it(
    immutable_releases, helm, kube_api, start, args, expected
):
    name = immutable_releases[start]
    before = _sts(kube_api, name)
    history = helm("history", name, "--namespace", NS).stdout
    res = helm("upgrade", name, str(chart_path()), "--namespace", NS, *args, check=False)
    assert res.returncode != 0, res.stdout
    err = res.stderr
    assert f'release "{name}" would change immutable fields of its StatefulSet {NS}/{name}-datawarehouse' in err, err
    assert "nothing was changed" in err
    for text in expected:
        assert text in err, err
    assert "Forbidden" not in err, "failed at render time, not with the API server's raw error"
    # nothing was applied: same StatefulSet, no new (failed) release revision
    assert _sts(kube_api, name)["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert helm("history", name, "--namespace", NS).stdout == history


def test_upgrade_changing_the_selector_fails_early_naming_it(release, helm):
    name = release("dwsel", "--set", "fullnameOverride=dwsel-datawarehouse")
    res = helm(
        "upgrade",
        name,
        str(chart_path()),
        "--namespace",
        NS,
        "--set",
        "fullnameOverride=dwsel-datawarehouse",
        "--set",
        "nameOverride=warehouse",
        check=False,
    )
    assert res.returncode != 0 and "Forbidden" not in res.stderr, res.stderr
    assert "the pod selector (nameOverride)" in res.stderr and "Keep nameOverride as it was" in res.stderr, res.stderr


def test_upgrade_changing_mutable_values_succeeds(release, helm, kube_api):
    claim_values = ("--set", "storage.size=1024Mi", "--set-string", "persistence.annotations.backup=daily")
    name = release("dwmut", *CLUSTERED, *claim_values)
    helm(
        "upgrade",
        name,
        str(chart_path()),
        "--namespace",
        NS,
        *CLUSTERED,
        "--set",
        "replicaCount=5",
        "--set",
        "operationalProfile=Strict",
        *claim_values,
    )
    sts = _sts(kube_api, name)
    assert sts["spec"]["replicas"] == 5
    # the API server stores the claim size canonically ("1024Mi" -> "1Gi"); compared by value
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "1Gi"
    helm("upgrade", name, str(chart_path()), "--namespace", NS, "--reuse-values", "--set", "storage.size=1Gi")


def test_documented_remedy_recreate_the_statefulset_then_upgrade(release, helm, kube_api):
    """README "Upgrading": delete the StatefulSet keeping pods and claims, then upgrade."""
    name = release("dwgrow")
    assert (
        helm(
            "upgrade", name, str(chart_path()), "--namespace", NS, "--set", "storage.size=200Gi", check=False
        ).returncode
        != 0
    )
    kube_api.request(
        "DELETE",
        f"/apis/apps/v1/namespaces/{NS}/statefulsets/{name}-datawarehouse",
        {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Orphan"},
    )
    _wait_gone(kube_api, f"/apis/apps/v1/namespaces/{NS}/statefulsets/{name}-datawarehouse")
    helm("upgrade", name, str(chart_path()), "--namespace", NS, "--set", "storage.size=200Gi")
    claim = _sts(kube_api, name)["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["resources"]["requests"]["storage"] == "200Gi"


def _wait_gone(kube_api, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            kube_api.get(path)
        except KubeApiError as exc:
            if exc.status == 404:
                return
            raise
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still exists after {timeout}s")
        time.sleep(0.2)
