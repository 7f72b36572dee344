"""Live tier: the render-mode GitOps tree of ``CnpgPostgisCluster``, written with
``write_rendered``, built by the real kustomize and applied **server-side** (persisted, not a
dry run) to the throwaway control plane of ``scripts/apiserver.sh`` (etcd + kube-apiserver +
kube-controller-manager, no nodes), the way a GitOps tool would apply it.

Two trees: the props of ``examples/cnpg_render`` (backups on, ESO on, default layout) and a
variant with backups on and ESO off (the construct then writes the S3 credentials ``Secret`` with
Flux substitution variables), whose names, namespaces, operator folder and Flux settings
(GitRepository, path prefix in the repository, Kustomization names) differ from the defaults.
Together they emit every kind the renderer knows (:data:`RENDERED_KINDS`).

Order of application, as Flux does it, driven by the tree's own Flux ``Kustomization`` objects
(``kustomize.toolkit.fluxcd.io/v1``): the tree is written where the variant says it sits in the Git
repository; the folder of the Flux Kustomizations is applied first (what the Flux bootstrap
does); then each Kustomization in ``dependsOn`` order reconciles the folder its ``spec.path``
names, resolved from the repository root -- ``kustomize build``, post-build substitution only where
``spec.postBuild.substituteFrom`` asks for it, with the values read back from the Secret it names,
then staged apply: Namespaces first (Flux's "cluster definitions" stage), then built-in kinds, then
custom resources, each stage in kustomize's output order. The Flux namespace and the substitution
Secret are not in the tree (Flux runs there; the Secret is kept out of Git); the test creates them
when missing, as preconditions.

Proven here, per tree:

* the Flux Kustomizations reconcile exactly the tree's folders, in the documented order (sources,
  operators, databases) as their ``dependsOn`` orders them; on a cluster without the CNPG and
  Barman Cloud CRDs, no folder holds an object whose CRD is installed by a chart whose HelmRelease
  is not health-checked by a Kustomization it (transitively) depends on (which chart installs which
  CRD group: the real helm on the pinned chart archives) -- Flux dry-runs a folder as a whole;
* ``kustomize build`` of every folder succeeds and yields exactly the objects of the folder's files;
* the server accepts every object with server-side apply (``fieldValidation=Strict``: an unknown
  or duplicate field is an error; CRD structural schemas and CEL rules of the vendored CRDs
  run), without warnings; it stores them (uid, our field manager, every applied value read back);
* the set of kinds applied equals the set of kinds in the tree, and the tree's kinds are the
  documented ones;
* references between the stored objects resolve (ObjectStore credentials, Cluster plugin,
  Database/ScheduledBackup cluster, HelmRelease source and dependsOn, Kustomization dependsOn,
  health checks and substitution Secret);
* applying the same objects again changes nothing: the second apply leaves ``resourceVersion``
  unchanged for every object except the Flux ``HelmRepository``/``HelmRelease`` -- for those,
  kube-apiserver writes once more, to persist the ``status`` default of their CRDs
  (:func:`status_defaulted_kinds`; an API-server effect, not the tree's) -- and leaves the
  content (uid, ``generation``, metadata, spec, field ownership) of every object unchanged;
  a third apply leaves ``resourceVersion`` unchanged for every object, Flux's included;
* deleting the namespaces we created completes (the namespace controller of the controller
  manager empties and finalizes them) and nothing we applied is left.

Not proven here: no CNPG, Barman Cloud, External Secrets or Flux controller runs, so the objects
are accepted and stored, never reconciled -- no operator install from the HelmReleases, no
PostgreSQL pods (there is no node either), no secrets fetched by ESO, no backups, no health
checks evaluated, no GitRepository (its CRD is not vendored). The CRDs are the vendored schemas
rebuilt by tests/support/crds.py (one version each, no conversion webhooks), all installed up
front; the real Flux dependency handling, substitution and apply code is emulated, not run.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import TerraformStack, Testing

from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, FluxProps, Mode, write_rendered
from examples.cnpg_render.main import build as build_example
from tests.cnpg.support import chart_crd_groups, flux_reconcile_order, fresh_cluster_problems
from tests.support.apiserver import KubeApi, KubeApiError
from tests.support.crds import crds_for_groups
from tests.support.live import get_or_none, wait_gone

pytestmark = pytest.mark.live

FIELD_MANAGER = "dw-constructs-live"
#: Query of every apply: persisted (no dryRun); unknown or duplicate fields are errors. No
#: ``force``: a conflict with another field manager would surface as an error.
APPLY_QUERY = {"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict"}
#: API groups of the CRDs the tree needs (docs/cnpg.md, "Pinned versions": CRD apiVersions).
CRD_GROUPS = (
    "postgresql.cnpg.io",
    "barmancloud.cnpg.io",
    "external-secrets.io",
    "helm.toolkit.fluxcd.io",
    "source.toolkit.fluxcd.io",
    "kustomize.toolkit.fluxcd.io",
)
#: Not an API object: the kustomize file format (kustomization.yaml), read by kustomize only.
KUSTOMIZE_FILE = ("kustomize.config.k8s.io/v1beta1", "Kustomization")
#: The Flux Kustomization API object (reconciles one folder).
FLUX_KUSTOMIZATION = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
#: Every kind the renderer emits, across its options (docs/cnpg.md, "Render mode").
RENDERED_KINDS = frozenset(
    {
        "Namespace",
        "Secret",
        "HelmRepository",
        "HelmRelease",
        "ExternalSecret",
        "ObjectStore",
        "Cluster",
        "Database",
        "ScheduledBackup",
        "Kustomization",
    }
)
#: Flux post-build substitution values (docs/cnpg.md: the managed S3 Secret's variables, given
#: to the Flux Kustomization with ``postBuild.substituteFrom``). Test values, not credentials.
FLUX_VARIABLES = {
    "CNPG_S3_ACCESS_KEY_ID": "live-test-access-key-id",
    "CNPG_S3_SECRET_ACCESS_KEY": "live-test-secret-access-key",
}
_VARIABLE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


# ------------------------------------------------------------------------------------------------
# The trees


def _managed_secret_variant() -> CnpgPostgisCluster:
    stack = TerraformStack(Testing.app(), "cnpg-render-live")
    return CnpgPostgisCluster(
        stack,
        "GisLive",
        mode=Mode.RENDER,  # cluster name derived: gis-live
        operator_namespace="cnpg-live",
        cluster_namespace="gis-live",
        flux_namespace="flux-live",
        operator_render_dir="platform/cnpg-operator",
        flux=FluxProps(source_name="gitops-live", path_prefix="clusters/live", name_prefix="live-"),
        instances=1,
        storage_size="1Gi",
        database_name="gis_data",
        database_owner="gis_owner",
        backup=BackupProps(
            enabled=True,
            destination_path="s3://live-bucket/gis-live",
            endpoint_url="http://minio.storage.svc:9000",
            retention_policy="2w",
            schedule="0 30 3 * * 0",
            compression="snappy",
        ),
    )


@dataclass(frozen=True)
class Variant:
    id: str
    build: Callable[[], CnpgPostgisCluster]
    #: where the tree is written in the Git repository (FluxProps.path_prefix; "" = its root)
    repo_dir: str
    #: folder of the Flux Kustomization objects (applied first, as the Flux bootstrap does)
    flux_dir: str
    #: the folders, in the order their Flux Kustomizations reconcile (dependsOn)
    folders: tuple[str, ...]
    #: the kinds the tree must hold (docs/cnpg.md, "Render mode": which file when)
    kinds: frozenset[str]
    #: Flux's own namespace (not in the tree)
    flux_namespace: str


VARIANTS = [
    Variant(
        "example",
        lambda: build_example(Testing.app()).database,
        "",
        "platform/flux",
        ("platform/sources", "platform/operators", "platform/databases"),
        frozenset(
            {
                "Namespace",
                "HelmRepository",
                "HelmRelease",
                "ExternalSecret",
                "ObjectStore",
                "Cluster",
                "Database",
                "ScheduledBackup",
                "Kustomization",
            }
        ),
        "flux-system",
    ),
    Variant(
        "backup-managed-secret",
        _managed_secret_variant,
        "clusters/live",
        "platform/flux",
        ("platform/sources", "platform/cnpg-operator", "platform/databases"),
        frozenset(
            {
                "Namespace",
                "Secret",
                "HelmRepository",
                "HelmRelease",
                "ObjectStore",
                "Cluster",
                "Database",
                "ScheduledBackup",
                "Kustomization",
            }
        ),
        "flux-live",
    ),
]


# ------------------------------------------------------------------------------------------------
# Helpers


def server_side_apply(api: KubeApi, obj: Mapping[str, Any]) -> dict:
    """Server-side apply of one object, persisted: ``PATCH`` with
    ``Content-Type: application/apply-patch+yaml`` (JSON is YAML), ``fieldManager=dw-constructs-live``,
    ``fieldValidation=Strict``, no ``force``. Returns the stored object; raises
    :class:`KubeApiError` (with the server's message) when refused. ``api.last_warnings`` holds the
    server's ``Warning`` headers."""
    return api.request("PATCH", object_path(api, obj), obj, APPLY_QUERY, content_type="application/apply-patch+yaml")


def object_path(api: KubeApi, obj: Mapping[str, Any]) -> str:
    return f"{api.collection_path(obj)}/{obj['metadata']['name']}"


def ident(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return obj["apiVersion"], obj["kind"], meta.get("namespace") or "", meta["name"]


def label(obj: Mapping[str, Any]) -> str:
    api_version, kind, ns, name = ident(obj)
    return f"{api_version} {kind} {ns + '/' if ns else ''}{name}"


def is_namespace(obj: Mapping[str, Any]) -> bool:
    return (obj["apiVersion"], obj["kind"]) == ("v1", "Namespace")


def flux_substitute(text: str, variables: Mapping[str, str]) -> str:
    """Flux post-build substitution of ``${VAR}`` (the variables given; others left, and caught)."""
    return _VARIABLE_RE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def gitops_order(objs: list[dict], custom_groups: set[str]) -> list[dict]:
    """Flux's staged apply within one Kustomization: Namespaces (cluster definitions) first, then
    built-in kinds, then custom resources; kustomize's order inside a stage (a stable sort)."""

    def stage(obj: dict) -> int:
        if is_namespace(obj):
            return 0
        return 2 if obj["apiVersion"].rpartition("/")[0] in custom_groups else 1

    return sorted(objs, key=stage)


def mismatches(applied: Any, stored: Any, path: str = "") -> list[str]:
    """Paths where the stored object does not hold what was applied (extra stored fields are fine:
    server metadata and defaults)."""
    if isinstance(applied, Mapping):
        if not isinstance(stored, Mapping):
            return [f"{path}: applied a mapping, stored {stored!r}"]
        out = []
        for key, value in applied.items():
            out += mismatches(value, stored.get(key, "<absent>"), f"{path}.{key}" if path else key)
        return out
    if isinstance(applied, list):
        if not isinstance(stored, list) or len(stored) != len(applied):
            return [f"{path}: applied {applied!r}, stored {stored!r}"]
        return [
            m for i, (a, s) in enumerate(zip(applied, stored, strict=True)) for m in mismatches(a, s, f"{path}[{i}]")
        ]
    return [] if applied == stored else [f"{path}: applied {applied!r}, stored {stored!r}"]


def stored_differs(obj: dict, stored: dict) -> list[str]:
    """:func:`mismatches`, with a Secret's write-only ``stringData`` checked in ``data`` (base64)."""
    if obj["kind"] != "Secret" or "stringData" not in obj:
        return mismatches(obj, stored)
    out = mismatches({k: v for k, v in obj.items() if k != "stringData"}, stored)
    for key, value in obj["stringData"].items():
        got = (stored.get("data") or {}).get(key)
        if got is None or base64.b64decode(got).decode() != value:
            out.append(f"data.{key}: applied stringData {value!r}, stored {got!r}")
    return out


def comparable(stored: dict) -> dict:
    """A stored object without what changes on a write that changes nothing else: its
    ``resourceVersion`` and the timestamps of its ``managedFields``."""
    out = copy.deepcopy(stored)
    out["metadata"].pop("resourceVersion", None)
    for entry in out["metadata"].get("managedFields") or []:
        entry.pop("time", None)
    return out


def status_defaulted_kinds(crds: list[dict]) -> set[tuple[str, str]]:
    """(apiVersion, kind) of the CRD versions with a ``status`` subresource *and* a default on
    ``status`` (the Flux CRDs: ``status: {default: {observedGeneration: -1}}``). kube-apiserver
    (v1.34, seen here) stores such an object created by apply without its status and defaults the
    status on read; the first update, a no-op apply included, then persists the defaulted status:
    one more resourceVersion, nothing else changes. A CRD copy without that default, or without
    the status subresource, shows no write (checked when this test was written)."""
    out = set()
    for crd in crds:
        for version in crd["spec"]["versions"]:
            status = version["schema"]["openAPIV3Schema"].get("properties", {}).get("status", {})
            if "status" in (version.get("subresources") or {}) and "default" in status:
                out.add((f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"]))
    return out


class Cleanup:
    """Undo what a test applied: delete the namespaces it created (waiting until the namespace
    controller has finalized them), delete objects it applied into namespaces it did not create,
    and give back the fields it applied to a namespace that existed before."""

    def __init__(self, api: KubeApi):
        self.api = api
        self.created_namespaces: list[str] = []
        self.foreign_objects: list[dict] = []  # applied into namespaces that existed before
        self.adopted_namespaces: list[str] = []  # tree Namespaces that existed before
        self.all_objects: list[dict] = []
        self.done = False

    def run(self, timeout: float = 120.0) -> float:
        """Returns the seconds the namespace deletion took; raises when something is left."""
        api = self.api
        for obj in reversed(self.foreign_objects):
            try:
                api.request("DELETE", object_path(api, obj))
            except KubeApiError as exc:
                if exc.status != 404:
                    raise
        for name in self.adopted_namespaces:
            # An apply of nothing but the name: SSA removes the labels only our manager owned.
            server_side_apply(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        t0 = time.monotonic()
        for name in self.created_namespaces:
            try:
                api.request("DELETE", f"/api/v1/namespaces/{name}")
            except KubeApiError as exc:
                if exc.status != 404:
                    raise
        for name in self.created_namespaces:
            wait_gone(api, f"/api/v1/namespaces/{name}", timeout=timeout)
        seconds = time.monotonic() - t0
        left = [
            label(o)
            for o in self.all_objects
            if not (is_namespace(o) and o["metadata"]["name"] in self.adopted_namespaces)
            and get_or_none(api, object_path(api, o)) is not None
        ]
        self.done = True
        assert not left, f"left behind after cleanup: {left}"
        return seconds


@pytest.fixture(scope="module")
def api(kube_api: KubeApi) -> KubeApi:
    """The session's API server with the CRDs the tree needs (installing them is idempotent; they
    stay for the other tests of the session)."""
    kube_api.apply_crds(crds_for_groups(*CRD_GROUPS))
    return kube_api


@pytest.fixture
def cleanup(api: KubeApi) -> Iterator[Cleanup]:
    c = Cleanup(api)
    yield c
    if not c.done:  # the test failed before its own cleanup: best effort, the first error stands
        with contextlib.suppress(Exception):
            c.run()


# ------------------------------------------------------------------------------------------------
# Tests


def test_variants_cover_every_rendered_kind():
    assert frozenset().union(*(v.kinds for v in VARIANTS)) == RENDERED_KINDS


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_rendered_tree_applies_server_side_and_is_idempotent(
    api: KubeApi, tools, tmp_path: Path, cleanup: Cleanup, variant: Variant
):
    cluster = variant.build()
    tree = cluster.rendered_manifests
    assert tree, "render mode produced no tree"

    # -- the tree on disk, where the Git repository (tmp_path) holds it
    repo = tmp_path.resolve()
    root = repo / variant.repo_dir if variant.repo_dir else repo
    written = write_rendered(tree, root)
    assert (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        == sorted(tree)
        == sorted(p.relative_to(root).as_posix() for p in written)
    )
    folders = sorted(p.parent.relative_to(root).as_posix() for p in root.rglob("kustomization.yaml"))
    assert folders == sorted((variant.flux_dir, *variant.folders))
    tree_objs = [d for text in tree.values() for d in yaml.safe_load_all(text) if d]
    tree_objs = [d for d in tree_objs if (d.get("apiVersion"), d.get("kind")) != KUSTOMIZE_FILE]
    tree_kinds = {d["kind"] for d in tree_objs}
    assert tree_kinds == variant.kinds
    variables = set(_VARIABLE_RE.findall("".join(tree.values())))
    assert variables <= set(FLUX_VARIABLES), f"undocumented substitution variables: {variables - set(FLUX_VARIABLES)}"

    def kustomize_build(folder: Path) -> str:
        res = tools.run(tools.kustomize, "build", folder, check=False)
        assert res.returncode == 0, f"kustomize build {folder} failed:\n{res.stderr}"
        return res.stdout

    def folder_files(folder: str) -> list[dict]:
        return [
            yaml.safe_load(p.read_text())
            for p in sorted((root / folder).glob("*.yaml"))
            if p.name != "kustomization.yaml"
        ]

    # -- 1. the Flux Kustomizations (their folder, applied as the Flux bootstrap does) and their order
    flux_objs = [d for d in yaml.safe_load_all(kustomize_build(root / variant.flux_dir)) if d]
    assert flux_objs and all((d["apiVersion"], d["kind"]) == FLUX_KUSTOMIZATION for d in flux_objs)
    assert sorted(map(ident, flux_objs)) == sorted(map(ident, folder_files(variant.flux_dir)))
    reconcile = flux_reconcile_order(flux_objs)  # each after what it dependsOn
    folder_of: dict[str, str] = {}
    for ks in reconcile:
        path = (repo / ks["spec"]["path"]).resolve()  # spec.path is resolved from the repository root
        assert (path / "kustomization.yaml").is_file(), f"{ks['metadata']['name']}: no folder at {ks['spec']['path']}"
        assert ks["spec"]["sourceRef"] == {"kind": "GitRepository", "name": cluster.props.flux.source_name}
        folder_of[ks["metadata"]["name"]] = path.relative_to(root).as_posix()
    assert [folder_of[ks["metadata"]["name"]] for ks in reconcile] == list(variant.folders)

    # -- preconditions: Flux's namespace exists; so do the Secrets post-build substitution reads
    # (kept out of Git, so not in the tree)
    if get_or_none(api, f"/api/v1/namespaces/{variant.flux_namespace}") is None:
        api.create_namespace(variant.flux_namespace)
        cleanup.created_namespaces.append(variant.flux_namespace)
    substitution_secrets = []
    for ks in reconcile:
        for ref in (ks["spec"].get("postBuild") or {}).get("substituteFrom", []):
            assert ref["kind"] == "Secret" and not ref.get("optional"), ref
            secret = {
                "apiVersion": "v1",
                "kind": "Secret",
                "stringData": FLUX_VARIABLES,
                "metadata": {"name": ref["name"], "namespace": ks["metadata"]["namespace"]},
            }
            assert get_or_none(api, object_path(api, secret)) is None, f"{label(secret)} exists already"
            server_side_apply(api, secret)
            substitution_secrets.append(secret)
    cleanup.foreign_objects += [
        x for x in substitution_secrets if x["metadata"]["namespace"] not in cleanup.created_namespaces
    ]
    cleanup.all_objects += substitution_secrets

    def substitution_values(ks: dict) -> dict[str, str]:
        """What Flux substitutes: the data of the Secrets in ``postBuild.substituteFrom``, read back."""
        values: dict[str, str] = {}
        for ref in (ks["spec"].get("postBuild") or {}).get("substituteFrom", []):
            got = api.get(f"/api/v1/namespaces/{ks['metadata']['namespace']}/secrets/{ref['name']}")
            values.update({k: base64.b64decode(x).decode() for k, x in (got.get("data") or {}).items()})
        return values

    # -- 2. per Flux Kustomization, in order: kustomize build of its folder; post-build substitution
    # where (and only where) it asks for it
    built: dict[str, list[dict]] = {}
    for ks in reconcile:
        folder = folder_of[ks["metadata"]["name"]]
        text = flux_substitute(kustomize_build(root / folder), substitution_values(ks))
        assert not _VARIABLE_RE.search(text), f"{folder}: unsubstituted variables left (no postBuild.substituteFrom?)"
        objs = [d for d in yaml.safe_load_all(text) if d]
        assert sorted(map(ident, objs)) == sorted(map(ident, folder_files(folder))), (
            f"{folder}: kustomize output != files"
        )
        built[folder] = objs
    assert sorted(ident(o) for o in flux_objs + [o for objs in built.values() for o in objs]) == sorted(
        map(ident, tree_objs)
    )

    # on a cluster without the CNPG and Barman Cloud CRDs, that order works (Flux dry-runs a folder as a
    # whole: an object's CRD must come from a chart health-checked by a Kustomization it depends on)
    steps = [(ks, built[folder_of[ks["metadata"]["name"]]]) for ks in reconcile]
    assert fresh_cluster_problems(steps, chart_crd_groups(tools)) == []

    custom_groups = {crd["spec"]["group"] for crd in crds_for_groups(*CRD_GROUPS)}
    ordered = gitops_order(flux_objs, custom_groups) + [
        o for ks, objs in steps for o in gitops_order(objs, custom_groups)
    ]

    # -- preconditions: none of the objects exists (else: a leak from elsewhere)
    preexisting_ns = {
        o["metadata"]["name"] for o in ordered if is_namespace(o) and get_or_none(api, object_path(api, o)) is not None
    }
    leftovers = [label(o) for o in ordered if not is_namespace(o) and get_or_none(api, object_path(api, o)) is not None]
    assert not leftovers, f"objects exist before the first apply (left by another test?): {leftovers}"
    for o in filter(is_namespace, ordered):
        name = o["metadata"]["name"]
        (cleanup.adopted_namespaces if name in preexisting_ns else cleanup.created_namespaces).append(name)
    cleanup.foreign_objects += [
        o for o in ordered if not is_namespace(o) and o["metadata"].get("namespace") not in cleanup.created_namespaces
    ]
    cleanup.all_objects += ordered

    # -- 3. first apply, in GitOps order; every namespace exists before anything is applied into it
    available = {variant.flux_namespace} | preexisting_ns
    refused, warned, stored = [], [], {}
    for o in ordered:
        ns = o["metadata"].get("namespace")
        assert ns is None or ns in available, f"{label(o)} applied before its namespace {ns}"
        try:
            stored[ident(o)] = server_side_apply(api, o)
        except KubeApiError as exc:
            refused.append(f"{label(o)}: HTTP {exc.status} {exc.reason}: {exc.message}")
            continue
        if api.last_warnings:
            warned.append(f"{label(o)}: {api.last_warnings}")
        if is_namespace(o):
            available.add(o["metadata"]["name"])
    assert not refused, "the API server refused:\n" + "\n".join(refused)
    assert not warned, "accepted with warnings:\n" + "\n".join(warned)
    assert {kind for _, kind, _, _ in stored} == tree_kinds  # every kind of the tree was applied

    # persisted: a fresh read returns the object with our field manager and every applied value
    for o in ordered:
        got = api.get(object_path(api, o))
        assert got["metadata"]["uid"] == stored[ident(o)]["metadata"]["uid"], label(o)
        managers = {(m["manager"], m["operation"]) for m in got["metadata"].get("managedFields") or []}
        assert (FIELD_MANAGER, "Apply") in managers, f"{label(o)}: managedFields {managers}"
        differs = stored_differs(o, got)
        assert not differs, f"{label(o)} stored differently:\n" + "\n".join(differs)

    # the stored objects reference each other consistently (external: ClusterSecretStore, cert-manager)
    by_kind: dict[str, list[dict]] = {}
    for o in ordered:
        by_kind.setdefault(o["kind"], []).append(api.get(object_path(api, o)))
    names = {k: {(x["metadata"].get("namespace"), x["metadata"]["name"]) for x in v} for k, v in by_kind.items()}
    secret_sources = names.get("Secret", set()) | {
        (x["metadata"]["namespace"], x["spec"]["target"]["name"]) for x in by_kind.get("ExternalSecret", [])
    }
    for store in by_kind["ObjectStore"]:
        ns, creds = store["metadata"]["namespace"], store["spec"]["configuration"]["s3Credentials"]
        assert {(ns, ref["name"]) for ref in creds.values()} <= secret_sources, "ObjectStore credentials"
    for cluster in by_kind["Cluster"]:
        ns = cluster["metadata"]["namespace"]
        for plugin in cluster["spec"].get("plugins", []):
            assert (ns, plugin["parameters"]["barmanObjectName"]) in names["ObjectStore"]
        for ref in (cluster["spec"].get("superuserSecret"), cluster["spec"]["bootstrap"]["initdb"].get("secret")):
            assert ref is None or (ns, ref["name"]) in secret_sources, f"Cluster secret {ref}"
    for kind in ("Database", "ScheduledBackup"):
        for x in by_kind[kind]:
            assert (x["metadata"]["namespace"], x["spec"]["cluster"]["name"]) in names["Cluster"], kind
    for release in by_kind["HelmRelease"]:
        src = release["spec"]["chart"]["spec"]["sourceRef"]
        assert (src["namespace"], src["name"]) in names["HelmRepository"], f"HelmRelease source {src}"
        for dep in release["spec"].get("dependsOn", []):
            assert (dep.get("namespace", release["metadata"]["namespace"]), dep["name"]) in names["HelmRelease"]
    for ks in by_kind["Kustomization"]:  # Flux's (the kustomization.yaml files are not API objects)
        ns = ks["metadata"]["namespace"]
        for dep in ks["spec"].get("dependsOn", []):
            assert (dep.get("namespace", ns), dep["name"]) in names["Kustomization"], f"Kustomization dependsOn {dep}"
        for check in ks["spec"].get("healthChecks", []):
            assert (check.get("namespace", ns), check["name"]) in names[check["kind"]], f"health check {check}"
        for ref in (ks["spec"].get("postBuild") or {}).get("substituteFrom", []):
            assert get_or_none(api, f"/api/v1/namespaces/{ns}/secrets/{ref['name']}") is not None, ref

    # -- 4. applying the same objects again changes nothing
    settle_once = status_defaulted_kinds(crds_for_groups(*CRD_GROUPS))
    before = {ident(o): api.get(object_path(api, o)) for o in ordered}
    changed, settled = [], []
    for o in ordered:
        again = server_side_apply(api, o)
        old_rv, new_rv = before[ident(o)]["metadata"]["resourceVersion"], again["metadata"]["resourceVersion"]
        if new_rv != old_rv:
            (settled if (o["apiVersion"], o["kind"]) in settle_once else changed).append(
                f"{label(o)}: resourceVersion {old_rv} -> {new_rv}"
            )
    after = {ident(o): api.get(object_path(api, o)) for o in ordered}
    assert not changed, "the second apply wrote:\n" + "\n".join(changed)
    for o in ordered:  # uid, generation, labels, spec, managedFields (but their timestamps): all the same
        assert comparable(after[ident(o)]) == comparable(before[ident(o)]), f"{label(o)} changed by the second apply"
    # ... and a third apply writes nothing at all, for every object
    for o in ordered:
        third = server_side_apply(api, o)
        assert third["metadata"]["resourceVersion"] == after[ident(o)]["metadata"]["resourceVersion"], (
            f"{label(o)}: the third apply wrote"
        )

    # -- 5. clean up: delete our namespaces and wait for the namespace controller to finalize them
    seconds = cleanup.run()
    for name in cleanup.created_namespaces:
        assert get_or_none(api, f"/api/v1/namespaces/{name}") is None
    print(
        f"\n{variant.id}: {len(ordered)} objects ({', '.join(sorted(tree_kinds))}) applied three times; "
        f"written once more by the second apply (status default): {settled or 'none'}; "
        f"{len(cleanup.created_namespaces)} namespaces deleted in {seconds:.1f}s"
    )
