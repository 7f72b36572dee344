"""The policy pack: rules over what an app produces, the synthesized Terraform JSON
(``cdktf.out/stacks/*/cdk.tf.json``) and rendered Kubernetes manifests.

Plain Python: :class:`PolicyInput` (parsed documents) in, :class:`Violation` out. Reading files is
:mod:`dw_constructs.governance.inputs`; the command line is :mod:`dw_constructs.governance.cli`.

Every policy has an id (``POLICIES``), skippable per tenant (``policies.skip``). Paths in the
violations: the construct path of a Terraform resource (from cdktf's ``//`` metadata) or
``<stack>/<type>.<name>``; ``<stack>/provider.<type>[.<alias>]``, ``<stack>/variable.<name>``,
``<stack>/output.<name>``; a manifest file ``<relative path>:<Kind>/<name>``.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from dw_constructs._checks import interpolation_end
from dw_constructs.governance.constraints import PolicyOptions
from dw_constructs.governance.report import HIDDEN, Violation

#: Key under a resource's ``//`` comment where :func:`~dw_constructs.governance.allow_destroy`
#: records an explicit opt-out of ``prevent_destroy`` (Terraform ignores ``//`` keys).
OPT_OUT_KEY = "dw_governance"

#: Name of the DataWarehouse chart (dw_constructs/charts/datawarehouse/Chart.yaml).
DW_CHART_NAME = "datawarehouse"
#: Terraform resource types that hold data: destroying them loses it.
STATEFUL_RESOURCE_TYPES = (
    "datawarehouse_instance",
    "datawarehouse_vde",
    "kubernetes_persistent_volume_claim",
    "kubernetes_persistent_volume_claim_v1",
    # DeltaStream: dropping these drops what is inside (relations, topics' data).
    "deltastream_database",
    "deltastream_namespace",
    "deltastream_entity",
)

_EXACT_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_ASSET_CHART = re.compile(r"^assets/[^/]+/[0-9A-Fa-f]{16,}$")


# ------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class TerraformDoc:
    """One synthesized stack: ``stack`` name, the parsed ``cdk.tf.json``, and the directory its
    relative asset paths resolve against (None when not on disk)."""

    stack: str
    doc: Mapping[str, Any]
    base_dir: Path | None = None


@dataclass(frozen=True)
class ManifestDoc:
    """One Kubernetes object: ``path`` names it in violations, ``prefix`` is prepended to the
    attribute paths (``manifest.`` for a ``kubernetes_manifest``). A rendered manifest (a file, or
    a file of a rendered tree held in a stack output) has ``file``, its path relative to ``root``
    (the directory given, or the output): what Flux Kustomizations' ``spec.path`` is matched with."""

    path: str
    manifest: Mapping[str, Any]
    prefix: str = ""
    file: str | None = None
    root: str = ""


@dataclass
class PolicyInput:
    """What the policies look at. ``problems`` are inputs that could not be read (reported as
    violations of the ``readable-input`` policy)."""

    terraform: list[TerraformDoc] = field(default_factory=list)
    manifests: list[ManifestDoc] = field(default_factory=list)
    problems: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class Resource:
    stack: str
    type: str
    name: str
    body: Mapping[str, Any]
    base_dir: Path | None

    @property
    def path(self) -> str:
        meta = (self.body.get("//") or {}).get("metadata") or {}
        return meta.get("path") or f"{self.stack}/{self.type}.{self.name}"

    @property
    def address(self) -> str:
        return f"{self.stack}/{self.type}.{self.name}"


def _v(path: str, parameter: str, value: Any, constraint: str, message: str, rule: str) -> Violation:
    return Violation(path, parameter, value, constraint, message, rule)


def _get(obj: Any, dotted: str, default: Any = None) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, Mapping) or part not in obj:
            return default
        obj = obj[part]
    return obj


class Context:
    """The documents of one check, with the views the policies share."""

    def __init__(self, inputs: PolicyInput, options: PolicyOptions):
        self.inputs = inputs
        self.options = options
        self._manifests: list[ManifestDoc] | None = None

    def resources(self, *types: str) -> Iterator[Resource]:
        for tf in self.inputs.terraform:
            blocks = tf.doc.get("resource") or {}
            for rtype in sorted(blocks):
                if types and rtype not in types:
                    continue
                for name in sorted(blocks[rtype] or {}):
                    yield Resource(tf.stack, rtype, name, blocks[rtype][name], tf.base_dir)

    def providers(self, ptype: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for tf in self.inputs.terraform:
            yield from providers_of(tf, ptype)

    def manifests(self) -> list[ManifestDoc]:
        """Manifest files, ``kubernetes_manifest`` resources and rendered trees in stack outputs."""
        if self._manifests is None:
            self._manifests = self._collect_manifests()
        return self._manifests

    def _collect_manifests(self) -> list[ManifestDoc]:
        out = list(self.inputs.manifests)
        for res in self.resources("kubernetes_manifest"):
            if isinstance(res.body.get("manifest"), Mapping):
                out.append(ManifestDoc(res.path, res.body["manifest"], "manifest."))
        for tf in self.inputs.terraform:
            for oname, o in sorted((tf.doc.get("output") or {}).items()):
                out += rendered_output_manifests(f"{tf.stack}/output.{oname}", (o or {}).get("value"))
        return out

    def dw_releases(self) -> Iterator[tuple[Resource, dict[str, Any]]]:
        """``helm_release`` resources of the DataWarehouse chart, with their merged values."""
        for res in self.resources("helm_release"):
            if is_dw_release(res):
                yield res, release_values(res.body)


def providers_of(tf: TerraformDoc, ptype: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(path, config)`` of every configuration of provider ``ptype`` in one stack."""
    configs = (tf.doc.get("provider") or {}).get(ptype) or []
    for cfg in configs if isinstance(configs, list) else [configs]:
        if isinstance(cfg, Mapping):
            alias = cfg.get("alias")
            yield f"{tf.stack}/provider.{ptype}" + (f".{alias}" if alias else ""), cfg


def rendered_output_manifests(path: str, value: Any) -> list[ManifestDoc]:
    """A stack output holding a rendered tree (relative ``*.yaml`` path -> YAML text), as
    ``CnpgPostgisCluster`` render mode writes: its objects as manifests."""
    if not isinstance(value, Mapping) or not value:
        return []
    if not all(isinstance(k, str) and k.endswith((".yaml", ".yml")) and isinstance(t, str) for k, t in value.items()):
        return []
    out = []
    for rel in sorted(value):
        text = value[rel].replace("$${", "${").replace("%%{", "%{")  # Terraform template escapes
        try:
            docs = [d for d in yaml.safe_load_all(text) if isinstance(d, Mapping)]
        except yaml.YAMLError:
            continue
        out += manifest_docs(f"{path}/{rel}", docs, file=rel, root=path)
    return out


def manifest_docs(
    label: str, docs: list[Mapping[str, Any]], *, file: str | None = None, root: str = ""
) -> list[ManifestDoc]:
    """Kubernetes objects of one file (documents without ``kind`` are not objects); ``file`` and
    ``root``: see :class:`ManifestDoc` (None: not a rendered file, e.g. in-process dicts)."""
    objs = [d for d in docs if isinstance(d, Mapping) and d.get("kind")]
    out = []
    for i, d in enumerate(objs):
        where = f"{label}[{i}]" if len(objs) > 1 else label
        name = _get(d, "metadata.name")
        out.append(ManifestDoc(f"{where}:{d.get('kind')}" + (f"/{name}" if name else ""), d, "", file, root))
    return out


def _set_path(values: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    obj = values
    for part in parts[:-1]:
        if not isinstance(obj.get(part), dict):
            obj[part] = {}
        obj = obj[part]
    obj[parts[-1]] = value


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def release_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """A ``helm_release``'s values as helm merges them: ``values`` documents in order, then ``set``."""
    merged: dict[str, Any] = {}
    for text in body.get("values") or []:
        try:
            doc = yaml.safe_load(text) if isinstance(text, str) else None
        except yaml.YAMLError:
            doc = None
        if isinstance(doc, Mapping):
            merged = _merge(merged, doc)
    for s in body.get("set") or []:
        if isinstance(s, Mapping) and isinstance(s.get("name"), str):
            raw = s.get("value")
            value = raw
            if s.get("type", "auto") == "auto" and isinstance(raw, str):
                try:
                    value = yaml.safe_load(raw)
                except yaml.YAMLError:
                    value = raw
            _set_path(merged, s["name"], value)
    return merged


def _chart_name(res: Resource) -> str:
    chart = res.body.get("chart")
    if not isinstance(chart, str):
        return ""
    if res.base_dir is not None and not res.body.get("repository"):
        meta = res.base_dir / chart / "Chart.yaml"
        if meta.is_file():
            try:
                return str((yaml.safe_load(meta.read_text(encoding="utf-8")) or {}).get("name", ""))
            except (OSError, yaml.YAMLError):
                return ""
    return PurePosixPath(chart.rstrip("/")).name


def is_dw_release(res: Resource) -> bool:
    """Our DataWarehouse chart: by its Chart.yaml (a local chart on disk), its chart name, or (a
    cdktf asset path not on disk) by the values only our chart has (``clustering`` and ``tls``)."""
    name = _chart_name(res)
    if name == DW_CHART_NAME:
        return True
    chart = res.body.get("chart")
    if (
        isinstance(chart, str)
        and _ASSET_CHART.match(chart)
        and (res.base_dir is None or not (res.base_dir / chart).is_dir())
    ):
        values = release_values(res.body)
        return "clustering" in values and "tls" in values
    return False


# ------------------------------------------------------------------------------------------------
# Policies


def helm_release_version_pinned(ctx: Context) -> Iterator[Violation]:
    """helm_release: a chart from a repository (or an OCI/registry reference) has an exact
    ``version``; a local chart must be a cdktf asset (``assets/<id>/<hash>``, pinned by content)."""
    rule = "helm-release-version-pinned"
    for res in ctx.resources("helm_release"):
        chart, version, repo = res.body.get("chart"), res.body.get("version"), res.body.get("repository")
        if not repo and isinstance(chart, str) and _ASSET_CHART.match(chart):
            continue  # packaged with TerraformAsset: the directory name is the content hash
        if not repo and isinstance(chart, str) and chart.startswith(("./", "../", "/")):
            yield _v(
                res.path,
                "chart",
                chart,
                "a repository chart with an exact version, or a cdktf asset",
                "local chart path outside the cdktf assets is not pinned (package it with TerraformAsset "
                "so its path carries the content hash)",
                rule,
            )
            continue
        if version is None or version == "":
            yield _v(
                res.path,
                "version",
                None,
                "exact chart version",
                f"chart {chart!r} from {repo or 'a registry'} has no version (helm would install the latest)",
                rule,
            )
        elif not isinstance(version, str) or not _EXACT_VERSION.match(version):
            yield _v(
                res.path,
                "version",
                version,
                "exact chart version",
                "must be an exact version such as '1.2.3', not a range",
                rule,
            )


def _helm_releases(ctx: Context) -> Iterator[ManifestDoc]:
    for m in ctx.manifests():
        if (
            str(m.manifest.get("apiVersion", "")).startswith("helm.toolkit.fluxcd.io/")
            and m.manifest.get("kind") == "HelmRelease"
        ):
            yield m


def flux_chart_version_pinned(ctx: Context) -> Iterator[Violation]:
    """Flux HelmRelease: ``spec.chart.spec.version`` is an exact version."""
    rule = "flux-chart-version-pinned"
    for m in _helm_releases(ctx):
        spec = _get(m.manifest, "spec.chart.spec")
        if not isinstance(spec, Mapping):
            yield _v(
                m.path,
                f"{m.prefix}spec.chart.spec",
                None,
                "exact chart version",
                "must use spec.chart.spec with an exact version (spec.chartRef is not checked)",
                rule,
            )
            continue
        version = spec.get("version")
        if version is None or version == "":
            yield _v(
                m.path,
                f"{m.prefix}spec.chart.spec.version",
                None,
                "exact chart version",
                "not set: Flux would install the latest chart version",
                rule,
            )
        elif not isinstance(version, str) or not _EXACT_VERSION.match(version):
            yield _v(
                m.path,
                f"{m.prefix}spec.chart.spec.version",
                version,
                "exact chart version",
                "must be an exact version such as '1.2.3', not a range",
                rule,
            )


def flux_chart_source(ctx: Context) -> Iterator[Violation]:
    """Flux HelmRelease: ``spec.chart.spec.sourceRef`` is a HelmRepository the tenant expects (its
    ``policies.helm_repositories``, else one of the HelmRepositories in the checked manifests);
    an expected repository with a ``url`` found in the manifests has that ``spec.url``."""
    rule = "flux-chart-source"
    manifests = ctx.manifests()
    found = {
        (_get(m.manifest, "metadata.name"), _get(m.manifest, "metadata.namespace")): m
        for m in manifests
        if m.manifest.get("kind") == "HelmRepository"
        and str(m.manifest.get("apiVersion", "")).startswith("source.toolkit.fluxcd.io/")
    }
    expected = ctx.options.helm_repositories
    for m in _helm_releases(ctx):
        ref = _get(m.manifest, "spec.chart.spec.sourceRef")
        if not isinstance(ref, Mapping):
            continue  # flux-chart-version-pinned reports the missing chart spec
        param = f"{m.prefix}spec.chart.spec.sourceRef"
        if ref.get("kind") != "HelmRepository":
            yield _v(
                m.path, f"{param}.kind", ref.get("kind"), "kind HelmRepository", "must point at a HelmRepository", rule
            )
            continue
        ns = ref.get("namespace") or _get(m.manifest, "metadata.namespace")
        target = f"{ns}/{ref.get('name')}"
        if expected:
            names = [f"{r.namespace or ns}/{r.name}" for r in expected]
            if target not in names:
                yield _v(
                    m.path,
                    param,
                    target,
                    "one of " + ", ".join(names),
                    f"HelmRepository {target} is not one of the expected repositories ({', '.join(names)})",
                    rule,
                )
        elif (ref.get("name"), ns) not in found:
            have = ", ".join(sorted(f"{k[1]}/{k[0]}" for k in found)) or "none"
            yield _v(
                m.path,
                param,
                target,
                "a HelmRepository in the checked manifests",
                f"HelmRepository {target} is not among the checked manifests ({have}); "
                "check the whole tree or list the repository in policies.helm_repositories",
                rule,
            )
    for r in expected:
        if r.url is None:
            continue
        for (name, ns), m in sorted(found.items(), key=lambda kv: (str(kv[0][1]), str(kv[0][0]))):
            if name == r.name and (r.namespace is None or r.namespace == ns) and _get(m.manifest, "spec.url") != r.url:
                yield _v(
                    m.path,
                    f"{m.prefix}spec.url",
                    _get(m.manifest, "spec.url"),
                    f"url {r.url}",
                    f"HelmRepository {ns}/{name} must have url {r.url}",
                    rule,
                )


def _cnpg_clusters(ctx: Context) -> Iterator[ManifestDoc]:
    for m in ctx.manifests():
        if (
            str(m.manifest.get("apiVersion", "")).startswith("postgresql.cnpg.io/")
            and m.manifest.get("kind") == "Cluster"
        ):
            yield m


def _instances(m: ManifestDoc) -> Any:
    return _get(m.manifest, "spec.instances")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def cnpg_instances(ctx: Context) -> Iterator[Violation]:
    """CNPG Cluster: ``spec.instances`` is set and > 0."""
    for m in _cnpg_clusters(ctx):
        n = _instances(m)
        if not _int(n) or n < 1:
            yield _v(
                m.path,
                f"{m.prefix}spec.instances",
                n,
                "instances > 0",
                "must be an integer greater than 0" if n is not None else "not set: must be at least 1",
                "cnpg-instances",
            )


def cnpg_storage(ctx: Context) -> Iterator[Violation]:
    """CNPG Cluster: a storage size (``spec.storage.size`` or its ``pvcTemplate``); a StorageClass
    too when the tenant requires one (``policies.require_storage_class``)."""
    for m in _cnpg_clusters(ctx):
        storage = _get(m.manifest, "spec.storage") or {}
        size = storage.get("size") or _get(storage, "pvcTemplate.resources.requests.storage")
        if not size:
            yield _v(
                m.path,
                f"{m.prefix}spec.storage.size",
                None,
                "storage size set",
                "not set: the Cluster needs a storage size",
                "cnpg-storage",
            )
        cls = storage.get("storageClass") or _get(storage, "pvcTemplate.storageClassName")
        if ctx.options.require_storage_class and not cls:
            yield _v(
                m.path,
                f"{m.prefix}spec.storage.storageClass",
                None,
                "storage class set (tenant)",
                "not set: this tenant requires a StorageClass",
                "cnpg-storage",
            )


def cnpg_bootstrap(ctx: Context) -> Iterator[Violation]:
    """CNPG Cluster: ``spec.bootstrap`` with initdb, recovery or pg_basebackup."""
    for m in _cnpg_clusters(ctx):
        boot = _get(m.manifest, "spec.bootstrap")
        if not isinstance(boot, Mapping) or not any(k in boot for k in ("initdb", "recovery", "pg_basebackup")):
            yield _v(
                m.path,
                f"{m.prefix}spec.bootstrap",
                boot,
                "initdb, recovery or pg_basebackup",
                "must say how the cluster is bootstrapped (initdb, recovery or pg_basebackup)",
                "cnpg-bootstrap",
            )


def _wal_archived(manifest: Mapping[str, Any]) -> bool:
    plugins = _get(manifest, "spec.plugins") or []
    if any(
        isinstance(p, Mapping) and p.get("isWALArchiver") is True and p.get("enabled", True) is not False
        for p in plugins
    ):
        return True
    return isinstance(_get(manifest, "spec.backup.barmanObjectStore"), Mapping)


def cnpg_backup(ctx: Context) -> Iterator[Violation]:
    """CNPG Cluster, when the tenant requires backups (``policies.require_backup``): WAL archived by
    a plugin (``spec.plugins[].isWALArchiver``, e.g. Barman Cloud) or ``spec.backup.barmanObjectStore``."""
    if not ctx.options.require_backup:
        return
    for m in _cnpg_clusters(ctx):
        if not _wal_archived(m.manifest):
            yield _v(
                m.path,
                f"{m.prefix}spec.plugins",
                _get(m.manifest, "spec.plugins"),
                "backup configured (tenant)",
                "no WAL archiving configured: this tenant requires backups (Barman Cloud plugin with "
                "isWALArchiver, or spec.backup.barmanObjectStore)",
                "cnpg-backup",
            )


def cnpg_pdb(ctx: Context) -> Iterator[Violation]:
    """CNPG Cluster with instances >= 2 (HA) keeps the operator's PodDisruptionBudgets
    (``spec.enablePDB`` not false)."""
    for m in _cnpg_clusters(ctx):
        n = _instances(m)
        if _int(n) and n >= 2 and _get(m.manifest, "spec.enablePDB") is False:
            yield _v(
                m.path,
                f"{m.prefix}spec.enablePDB",
                False,
                "enablePDB not false when instances >= 2",
                f"an HA cluster ({n} instances) must keep the operator's PodDisruptionBudgets",
                "cnpg-pdb",
            )


def dw_clustered_replicas(ctx: Context) -> Iterator[Violation]:
    """DataWarehouse chart: clustered mode (``clustering.enabled``) runs >= 3 replicas (Raft)."""
    for res, values in ctx.dw_releases():
        if _get(values, "clustering.enabled") is True:
            n = values.get("replicaCount", 1)
            if not _int(n) or n < 3:
                yield _v(
                    res.path,
                    "values.replicaCount",
                    n,
                    "replicaCount >= 3 when clustering.enabled",
                    "a clustered DataWarehouse needs at least 3 replicas",
                    "dw-clustered-replicas",
                )


def dw_tls(ctx: Context) -> Iterator[Violation]:
    """DataWarehouse: TLS not disabled, in the chart values (``tls.enabled``) and in the
    ``datawarehouse`` provider (``tls_enabled``), and the provider verifies the server certificate
    (``tls_skip_verify`` not true: unverified TLS lets anyone on the path pose as the server and
    read the admin password)."""
    for res, values in ctx.dw_releases():
        if _get(values, "tls.enabled") is False:
            yield _v(res.path, "values.tls.enabled", False, "tls.enabled true", "TLS must not be disabled", "dw-tls")
    for path, cfg in ctx.providers("datawarehouse"):
        if cfg.get("tls_enabled") is False:
            yield _v(path, "tls_enabled", False, "tls_enabled true", "TLS must not be disabled", "dw-tls")
        elif cfg.get("tls_skip_verify") is True:
            yield _v(
                path,
                "tls_skip_verify",
                True,
                "tls_skip_verify false (verify with ca_cert_pem)",
                "the server certificate must be verified",
                "dw-tls",
            )


def stateful_resources(ctx: Context) -> Iterator[Resource]:
    """The resources of ``ctx`` whose destruction loses data: ``STATEFUL_RESOURCE_TYPES``, the
    DataWarehouse chart's release and CNPG ``Cluster`` manifests (the ``prevent-destroy`` policy's
    and the deploy summary's DATA AT RISK)."""
    for res in ctx.resources():
        if res.type in STATEFUL_RESOURCE_TYPES or res.type == "helm_release" and is_dw_release(res):
            yield res
        elif res.type == "kubernetes_manifest" and isinstance(res.body.get("manifest"), Mapping):
            m = res.body["manifest"]
            if str(m.get("apiVersion", "")).startswith("postgresql.cnpg.io/") and m.get("kind") == "Cluster":
                yield res


def opt_out_reason(body: Mapping[str, Any]) -> str | None:
    """The reason recorded by ``governance.allow_destroy()`` on a resource, if any."""
    reason = _get(body.get("//") or {}, f"{OPT_OUT_KEY}.allow_destroy")
    return reason if isinstance(reason, str) and reason.strip() else None


def prevent_destroy(ctx: Context) -> Iterator[Violation]:
    """Stateful resources (DataWarehouse release, instance and VDEs; CNPG Cluster; PVCs) keep
    ``lifecycle.prevent_destroy`` unless opted out: a tenant ``policies.allow_destroy`` glob
    matching the construct path or ``<stack>/<type>.<name>``, or a reason recorded on the resource
    with ``governance.allow_destroy()`` (when the tenant honours those)."""
    for res in stateful_resources(ctx):
        if _get(res.body, "lifecycle.prevent_destroy") is True:
            continue
        if ctx.options.destroy_allowed(res.path, res.address):
            continue
        if ctx.options.honor_resource_opt_outs and opt_out_reason(res.body):
            continue
        yield _v(
            res.path,
            "lifecycle.prevent_destroy",
            _get(res.body, "lifecycle.prevent_destroy"),
            "prevent_destroy unless opted out",
            f"stateful {res.type} must keep prevent_destroy (opt out explicitly with "
            "governance.allow_destroy(construct, reason) or the tenant's policies.allow_destroy)",
            "prevent-destroy",
        )


# --- secrets --------------------------------------------------------------------------------------

#: Credentials themselves, even where the name ends like a reference (``..._key``).
_CREDENTIAL_KEYS = (
    "apikey",
    "accesskey",
    "privatekey",
    "clientkey",
    "sshkey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "secretkey",
    "secretaccesskey",
)
_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "credential", *_CREDENTIAL_KEYS)
#: Names ending like these name or point at a secret rather than hold one.
_REFERENCE_SUFFIXES = (
    "name",
    "names",
    "ref",
    "refs",
    "reference",
    "path",
    "file",
    "property",
    "type",
    "kind",
    "ttl",
    "length",
    "policy",
    "store",
    "version",
    "description",
    "enabled",
    "selector",
    "mode",
    "existingsecret",
    "key",
    "keys",
)
_PEM_PRIVATE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
#: Secret data keys that name an identity, not a credential (the ``kubernetes.io/basic-auth``
#: convention: ``username`` beside ``password``): a literal there is fine.
_IDENTITY_KEYS = ("username", "user")


def secret_like(name: str) -> bool:
    """True for an attribute name that holds a secret (``password``, ``api_key``, ``clientSecret``,
    ``auth.password``), False for names that point at one (``secretName``, ``existingSecret``,
    ``password_key``, ``tokenRef``)."""
    norm = re.sub(r"[^a-z0-9]", "", name.rsplit(".", 1)[-1].lower())
    if not any(w in norm for w in _SECRET_WORDS):
        return False
    if norm.endswith(_CREDENTIAL_KEYS):
        return True
    return not norm.endswith(_REFERENCE_SUFFIXES)


@dataclass(frozen=True)
class Syntax:
    """Which non-literal syntaxes are real where a value sits, i.e. which engine replaces them
    before the value is used. Anything else, ``${`` and ``{{`` included, is literal text.

    Attributes:
        terraform: Terraform JSON (a resource, provider, output... of ``cdk.tf.json``, or a
            ``helm_release`` values document, which Terraform interpolates before helm reads it):
            ``${...}`` interpolations and ``%{...}`` directives whose expression references
            something (``var.``, ``local.``, ``data.``, ``module.``, a resource ``<type>.<name>``,
            ``each.``, ``count.``, ``self.``). ``$${``/``%%{`` are escapes (literal text).
        flux: a rendered manifest that a Flux Kustomization with ``spec.postBuild`` applies:
            ``${NAME}`` (no default: a default would be the literal). ``$${`` is Flux's escape.
        go_template: a Go template that an engine renders: an ExternalSecret's
            ``spec.target.template.data`` (External Secrets renders it; chart templates are never
            policy input): ``{{ ... }}`` actions reading data (``.password``, ``$x``, ``.``).
        env_expansion: a container's ``env[].value``: Kubernetes ``$(VAR)`` (``$$(`` escapes).
    """

    terraform: bool = False
    flux: bool = False
    go_template: bool = False
    env_expansion: bool = False


#: Terraform JSON.
TERRAFORM = Syntax(terraform=True)
#: A value nothing substitutes (e.g. a variable's default): every non-empty string is a literal.
NONE = Syntax()

#: Roots of Terraform references that name something whose value comes from elsewhere.
_TF_ROOTS = ("var", "local", "data", "module", "each", "count", "self")
#: Roots that are not references to a value (meta values known to everyone) or not roots at all.
_TF_NOT_REFERENCES = ("path", "terraform", "true", "false", "null", "for", "in", "if", "else", "endif", "endfor")
_TF_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_TF_TRAVERSAL = re.compile(r"(?<![\w.\]\)\-])([A-Za-z_][\w-]*)\s*\.\s*([A-Za-z_][\w-]*)(\s*\.\s*[A-Za-z_][\w-]*)?")
_TF_FOR_VARS = re.compile(r"\bfor\s+([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\b")
_FLUX_VAR = re.compile(r"^[_A-Za-z][_A-Za-z0-9]*$")
_GO_DATA = re.compile(r"(^|[\s(|,])(\.[A-Za-z_]\w*|\.(?=$|[\s)|])|\$[A-Za-z_]\w*|\$(?=$|[\s).|]))")
_ENV_VAR = re.compile(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def terraform_template_parts(text: str) -> list[str] | None:
    """The expressions of the ``${...}`` interpolations and ``%{...}`` directives of a Terraform
    template string, in order (escapes ``$${`` / ``%%{`` skipped); None when one is not closed
    (Terraform rejects the string)."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith(("$${", "%%{"), i):
            i += 3
            continue
        if not text.startswith(("${", "%{"), i):
            i += 1
            continue
        j = interpolation_end(text, i + 2)
        if j is None:
            return None
        parts.append(text[i + 2 : j - 1].strip().strip("~").strip())
        i = j
    return parts


def terraform_references(expression: str) -> list[str]:
    """The references (``var.x``, ``data.t.n``, ``random_password.p``...) in one Terraform
    expression; string literals and ``for`` iteration variables do not count."""
    code = _TF_STRING.sub('""', expression)
    bound = {v for m in _TF_FOR_VARS.finditer(code) for v in m.groups() if v}
    out = []
    for literal in _TF_STRING.findall(expression):  # a quoted string is a template too
        for part in terraform_template_parts(literal[1:-1]) or []:
            out += terraform_references(part)
    for m in _TF_TRAVERSAL.finditer(code):
        root, more = m.group(1), m.group(3)
        if root in bound or root in _TF_NOT_REFERENCES:
            continue
        if root == "data" and not more:
            continue  # data.<type>.<name>
        if root in _TF_ROOTS or "_" in root:  # a resource type is <provider>_<name>
            out.append(m.group(0).replace(" ", ""))
    return out


def _flux_substitutions(value: str) -> list[str]:
    names: list[str] = []
    i = 0
    while True:
        i = value.find("${", i)
        if i < 0:
            return names
        if i > 0 and value[i - 1] == "$":
            i += 2
            continue
        end = value.find("}", i)
        if end < 0:
            return names
        if _FLUX_VAR.match(value[i + 2 : end]):
            names.append(value[i + 2 : end])
        i = end + 1


def _go_template_actions(value: str) -> list[str]:
    actions: list[str] = []
    i = 0
    while True:
        i = value.find("{{", i)
        if i < 0:
            return actions
        end = value.find("}}", i + 2)
        if end < 0:
            return actions
        body = value[i + 2 : end].strip()
        body = body[1:].strip() if body.startswith("-") else body
        body = body[:-1].strip() if body.endswith("-") else body
        if _GO_DATA.search(body):
            actions.append(body)
        i = end + 2


def is_reference(value: str, syntax: Syntax = TERRAFORM) -> bool:
    """True when ``value`` is not a literal where it sits (``syntax``): empty, or holding at least
    one real substitution of that place (see :class:`Syntax`): ``${var.db_password}`` in
    Terraform JSON, ``${CNPG_S3_SECRET}`` in a manifest Flux substitutes, ``{{ .password }}`` in an
    ExternalSecret template, ``$(DB_PASSWORD)`` in a container's env. ``pa${ss``, ``${}``,
    ``{{x``, or a ``${NAME}`` nobody substitutes are literals."""
    if not value.strip():
        return True
    if syntax.terraform:
        parts = terraform_template_parts(value)
        if parts and any(terraform_references(p) for p in parts):
            return True
    if syntax.flux and _flux_substitutions(value):
        return True
    if syntax.go_template and _go_template_actions(value):
        return True
    return syntax.env_expansion and bool(_ENV_VAR.search(value))


def _literal(value: Any, syntax: Syntax = TERRAFORM) -> bool:
    return isinstance(value, str) and not is_reference(value, syntax)


#: ``kustomize.toolkit.fluxcd.io/substitute: disabled`` (annotation or label) turns Flux's
#: post-build substitution off for one object.
FLUX_SUBSTITUTE_KEY = "kustomize.toolkit.fluxcd.io/substitute"
_ENV_ENTRY = re.compile(r"(^|\.)(env)\[\d+\]$")
_ESO_TEMPLATE_DATA = "spec.target.template.data"


def _is_external_secret(m: Mapping[str, Any]) -> bool:
    return m.get("kind") == "ExternalSecret" and str(m.get("apiVersion", "")).startswith("external-secrets.io/")


def _scan(
    obj: Any, param: str, path: str, rule: str, syntax: Syntax = TERRAFORM, *, template_data: str | None = None
) -> Iterator[Violation]:
    """Secret literals in a nested structure, by attribute name (and PEM private keys anywhere).
    ``template_data``: the parameter path of an ExternalSecret's template data, where Go
    templates are real."""
    if param and template_data is not None and param == template_data:
        syntax = dataclasses.replace(syntax, go_template=True)
    if isinstance(obj, Mapping):
        if "remoteRef" in obj:  # an ExternalSecret data entry: names and keys of a remote secret
            return
        if isinstance(obj.get("name"), str) and "value" in obj and secret_like(obj["name"]):
            # name/value pairs: env vars (where $(VAR) expands), helm `set`
            pair = dataclasses.replace(syntax, env_expansion=True) if _ENV_ENTRY.search(param) else syntax
            if _literal(obj["value"], pair):
                yield _v(
                    path,
                    f"{param}.value" if param else "value",
                    HIDDEN,
                    "a reference, never a literal",
                    f"{obj['name']!r} is a secret literal; use a reference (variable, secret lookup)",
                    rule,
                )
        for k in sorted(obj, key=str):
            if k == "//":
                continue
            sub = f"{param}.{k}" if param else str(k)
            val = obj[k]
            if isinstance(val, str):
                if (secret_like(str(k)) and _literal(val, syntax)) or _PEM_PRIVATE.search(val):
                    yield _v(
                        path,
                        sub,
                        HIDDEN,
                        "a reference, never a literal",
                        "secret literal; use a reference (a sensitive variable, a secret store)",
                        rule,
                    )
            else:
                yield from _scan(val, sub, path, rule, syntax, template_data=template_data)
    elif isinstance(obj, list):
        for i, val in enumerate(obj):
            sub = f"{param}[{i}]"
            if isinstance(val, str):
                if _PEM_PRIVATE.search(val):
                    yield _v(path, sub, HIDDEN, "a reference, never a literal", "private key literal", rule)
            else:
                yield from _scan(val, sub, path, rule, syntax, template_data=template_data)


def _all_literal(
    values: Any, param: str, path: str, rule: str, what: str, syntax: Syntax = TERRAFORM
) -> Iterator[Violation]:
    """Every value of a Secret's data (a mapping) or of helm ``set_sensitive`` (a list of
    ``{name, value}``) must be a reference."""
    if isinstance(values, Mapping):
        items = [(f"{param}.{k}", values[k]) for k in sorted(values, key=str) if str(k).lower() not in _IDENTITY_KEYS]
    elif isinstance(values, list):
        items = [(f"{param}[{i}].value", e.get("value")) for i, e in enumerate(values) if isinstance(e, Mapping)]
    else:
        items = []
    for sub, val in items:
        if _literal(val, syntax):
            yield _v(
                path, sub, HIDDEN, "a reference, never a literal", f"{what} holds a literal; use a reference", rule
            )


def _without(body: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


def _is_secret_manifest(m: Mapping[str, Any]) -> bool:
    return m.get("kind") == "Secret" and m.get("apiVersion") == "v1"


def _clean_dir(path: str) -> str:
    parts = [p for p in PurePosixPath(path).parts if p not in (".", "/")]
    return "/".join(parts)


def _flux_covers(kustomization_path: str, directory: str) -> bool:
    """Whether a Flux Kustomization's ``spec.path`` (relative to its source's root) is the folder
    ``directory`` of a checked manifest (relative to the directory given, which may be above or
    below the source's root): matched by whole path segments."""
    k, d = _clean_dir(kustomization_path), _clean_dir(directory)
    if not k:
        return True
    return f"/{k}/" in f"/{d}/" or (bool(d) and f"/{k}".endswith(f"/{d}"))


def flux_substituted(ctx: Context, m: ManifestDoc) -> bool:
    """Whether Flux post-build substitution applies to ``m``: a rendered manifest (a file, or a
    file of a rendered tree in an output) in the folder of a Flux ``Kustomization`` with
    ``spec.postBuild`` (``substitute`` or ``substituteFrom``) found among the same checked inputs,
    and not marked ``kustomize.toolkit.fluxcd.io/substitute: disabled``."""
    if m.file is None:
        return False
    marks = {**(_get(m.manifest, "metadata.labels") or {}), **(_get(m.manifest, "metadata.annotations") or {})}
    if marks.get(FLUX_SUBSTITUTE_KEY) == "disabled":
        return False
    folder = str(PurePosixPath(m.file).parent)
    for ks in ctx.manifests():
        if ks.file is None or ks.root != m.root or ks.manifest.get("kind") != "Kustomization":
            continue
        if not str(ks.manifest.get("apiVersion", "")).startswith("kustomize.toolkit.fluxcd.io/"):
            continue
        post = _get(ks.manifest, "spec.postBuild")
        if not isinstance(post, Mapping) or not (post.get("substitute") or post.get("substituteFrom")):
            continue
        if _flux_covers(str(_get(ks.manifest, "spec.path") or ""), folder):
            return True
    return False


def no_secret_literals(ctx: Context) -> Iterator[Violation]:
    """No secret literal anywhere: provider, resource and data-source attributes with secret-like
    names (and name/value pairs such as env vars and helm ``set`` with a secret-like name); helm
    ``values`` documents and every ``set_sensitive`` value; sensitive or secret-named variable
    defaults; locals and outputs; every value of a Secret's ``data``/``stringData`` (manifests) and
    of ``kubernetes_secret(_v1)`` ``data``/``binary_data`` but identity keys (``username``,
    ``user``); PEM private keys anywhere. A value is a reference only through a substitution real
    where it sits (:class:`Syntax`): a Terraform interpolation referencing something in Terraform
    JSON, ``${NAME}`` in a manifest Flux substitutes, ``{{ .x }}`` in an ExternalSecret template,
    ``$(VAR)`` in a container's env; or it is empty."""
    rule = "no-secret-literals"
    for tf in ctx.inputs.terraform:
        doc = tf.doc
        for ptype in sorted(doc.get("provider") or {}):
            for path, cfg in providers_of(tf, ptype):
                yield from _scan(cfg, "", path, rule)
        for block in ("resource", "data"):
            for rtype in sorted(doc.get(block) or {}):
                for name in sorted(doc[block][rtype] or {}):
                    body = doc[block][rtype][name]
                    res = Resource(tf.stack, rtype if block == "resource" else f"data.{rtype}", name, body, tf.base_dir)
                    if block == "resource" and rtype == "helm_release":
                        yield from _scan(_without(body, "values", "set_sensitive"), "", res.path, rule)
                        for i, text in enumerate(body.get("values") or []):
                            try:
                                values = yaml.safe_load(text) if isinstance(text, str) else None
                            except yaml.YAMLError:
                                values = None
                            yield from _scan(values, f"values[{i}]", res.path, rule)
                        yield from _all_literal(
                            body.get("set_sensitive"), "set_sensitive", res.path, rule, "set_sensitive"
                        )
                    elif block == "resource" and rtype in ("kubernetes_secret", "kubernetes_secret_v1"):
                        yield from _scan(_without(body, "data", "binary_data"), "", res.path, rule)
                        for attr in ("data", "binary_data"):
                            yield from _all_literal(body.get(attr), attr, res.path, rule, f"Secret {attr}")
                    elif block == "resource" and rtype == "kubernetes_manifest":
                        yield from _scan(_without(body, "manifest"), "", res.path, rule)  # manifest: below
                    else:
                        yield from _scan(body, "", res.path, rule)
        for vname, var in sorted((doc.get("variable") or {}).items()):
            var = var or {}
            # Terraform allows no reference in a default: any non-empty string is a literal
            if (var.get("sensitive") is True or secret_like(vname)) and _literal(var.get("default"), NONE):
                yield _v(
                    f"{tf.stack}/variable.{vname}",
                    "default",
                    HIDDEN,
                    "no literal default for a secret",
                    "a sensitive or secret-named variable must not have a literal default",
                    rule,
                )
        yield from _scan(doc.get("locals") or {}, "", f"{tf.stack}/locals", rule)
        for oname, out in sorted((doc.get("output") or {}).items()):
            value = (out or {}).get("value")
            path = f"{tf.stack}/output.{oname}"
            if rendered_output_manifests(path, value):
                continue  # its objects are scanned as manifests below
            if isinstance(value, str):
                if (secret_like(oname) and _literal(value)) or _PEM_PRIVATE.search(value):
                    yield _v(path, "value", HIDDEN, "a reference, never a literal", "secret literal in an output", rule)
            else:
                yield from _scan(value, "value", path, rule)
    for m in ctx.manifests():
        prefix = m.prefix.rstrip(".")
        # a kubernetes_manifest is Terraform JSON; a rendered file is what Flux (or kubectl) applies
        syntax = TERRAFORM if m.file is None and m.prefix else Syntax(flux=flux_substituted(ctx, m))
        template = f"{m.prefix}{_ESO_TEMPLATE_DATA}" if _is_external_secret(m.manifest) else None
        if _is_secret_manifest(m.manifest):
            for attr in ("data", "stringData"):
                yield from _all_literal(
                    m.manifest.get(attr), f"{m.prefix}{attr}", m.path, rule, f"Secret {attr}", syntax
                )
            yield from _scan(
                _without(m.manifest, "data", "stringData"), prefix, m.path, rule, syntax, template_data=template
            )
        else:
            yield from _scan(m.manifest, prefix, m.path, rule, syntax, template_data=template)


# --- DeltaStream ------------------------------------------------------------------------------------

#: Credential attributes of the deltastream provider's resources. Provider 1.0.3 writes them into
#: the SQL it sends; a literal is a plaintext credential in the configuration, plan and state. Some
#: have names the generic rule does not see as secrets (``string_value``, ``client_key_file``).
DELTASTREAM_CREDENTIALS = {
    "deltastream_store": (
        "kafka.sasl_password",
        "confluent_kafka.sasl_password",
        "kinesis.secret_access_key",
        "snowflake.client_key_file",
        "snowflake.client_key_passphrase",
        "postgres.password",
    ),
    "deltastream_schema_registry": ("confluent.password", "confluent_cloud.secret"),
    "deltastream_secret": ("string_value",),
}


def deltastream_credentials(ctx: Context) -> Iterator[Violation]:
    """DeltaStream: no plaintext credential: the provider's ``api_key``, every store and schema
    registry credential and a secret's ``string_value`` are references (a sensitive variable),
    never literals."""
    rule = "deltastream-credentials"
    for path, cfg in ctx.providers("deltastream"):
        if _literal(cfg.get("api_key")):
            yield _v(
                path, "api_key", HIDDEN, "a reference (a sensitive variable)", "plaintext DeltaStream API key", rule
            )
    for res in ctx.resources(*DELTASTREAM_CREDENTIALS):
        for attr in DELTASTREAM_CREDENTIALS[res.type]:
            if _literal(_get(res.body, attr)):
                yield _v(
                    res.path,
                    attr,
                    HIDDEN,
                    "a reference (a sensitive variable)",
                    f"plaintext credential in {res.type}",
                    rule,
                )


_PG_NO_TLS = re.compile(r"[?&]sslmode=(disable|allow|prefer)(&|$)")


def _uris(value: Any) -> list[str]:
    return [u.strip() for u in value.split(",")] if isinstance(value, str) else []


def deltastream_tls(ctx: Context) -> Iterator[Violation]:
    """DeltaStream stores keep TLS: a Kafka store's ``tls_disabled`` is not true and
    ``tls_verify_server_hostname`` not false; no store or schema registry URI is ``http://``; no
    PostgreSQL URI turns TLS off or makes it optional (``sslmode=disable|allow|prefer``); the
    provider talks ``https`` to the API and does not set ``insecure_skip_verify``. Without TLS the
    store credentials travel in plaintext."""
    rule = "deltastream-tls"
    for res in ctx.resources("deltastream_store", "deltastream_schema_registry"):
        kafka = res.body.get("kafka")
        if isinstance(kafka, Mapping):
            if kafka.get("tls_disabled") is True:
                yield _v(
                    res.path,
                    "kafka.tls_disabled",
                    True,
                    "tls_disabled false",
                    "TLS must not be disabled on a store (credentials and data in plaintext)",
                    rule,
                )
            if kafka.get("tls_verify_server_hostname") is False:
                yield _v(
                    res.path,
                    "kafka.tls_verify_server_hostname",
                    False,
                    "tls_verify_server_hostname true",
                    "the broker certificate must match its host name",
                    rule,
                )
        for block in ("kafka", "confluent_kafka", "kinesis", "snowflake", "postgres", "confluent", "confluent_cloud"):
            uris = _uris(_get(res.body, f"{block}.uris"))
            for uri in uris:
                if uri.lower().startswith("http://"):
                    yield _v(res.path, f"{block}.uris", uri, "https:// URIs", "plaintext HTTP endpoint", rule)
                elif block == "postgres" and _PG_NO_TLS.search(uri):
                    yield _v(
                        res.path,
                        "postgres.uris",
                        uri,
                        "no sslmode=disable|allow|prefer",
                        "TLS to PostgreSQL must not be off or optional",
                        rule,
                    )
    for path, cfg in ctx.providers("deltastream"):
        server = cfg.get("server")
        if isinstance(server, str) and server.lower().startswith("http://"):
            yield _v(path, "server", server, "an https:// server", "the API key would travel in plaintext", rule)
        if cfg.get("insecure_skip_verify") is True:
            yield _v(
                path,
                "insecure_skip_verify",
                True,
                "insecure_skip_verify unset or false",
                "the API server certificate must be verified",
                rule,
            )


def readable_input(ctx: Context) -> Iterator[Violation]:
    """Every input file could be read and parsed."""
    yield from ctx.inputs.problems


#: Policy id -> rule function, in report order of ids (the report itself is sorted by path).
POLICIES: dict[str, Callable[[Context], Iterable[Violation]]] = {
    "readable-input": readable_input,
    "helm-release-version-pinned": helm_release_version_pinned,
    "flux-chart-version-pinned": flux_chart_version_pinned,
    "flux-chart-source": flux_chart_source,
    "cnpg-instances": cnpg_instances,
    "cnpg-storage": cnpg_storage,
    "cnpg-bootstrap": cnpg_bootstrap,
    "cnpg-backup": cnpg_backup,
    "cnpg-pdb": cnpg_pdb,
    "dw-clustered-replicas": dw_clustered_replicas,
    "dw-tls": dw_tls,
    "prevent-destroy": prevent_destroy,
    "no-secret-literals": no_secret_literals,
    "deltastream-credentials": deltastream_credentials,
    "deltastream-tls": deltastream_tls,
}
POLICY_IDS = tuple(POLICIES)


def run_policies(
    inputs: PolicyInput,
    options: PolicyOptions | None = None,
    tenant: str | None = None,
    only: Iterable[str] | None = None,
) -> list[Violation]:
    """Every violation of the policy pack (unsorted; see ``report.ordered``)."""
    options = options or PolicyOptions()
    ctx = Context(inputs, options)
    chosen = [p for p in POLICY_IDS if p not in options.skip and (only is None or p in set(only))]
    out = []
    for pid in chosen:
        out += [dataclasses.replace(v, tenant=tenant) for v in POLICIES[pid](ctx)]
    return out
