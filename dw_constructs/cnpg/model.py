"""Plain-Python model of :class:`~dw_constructs.cnpg.CnpgPostgisCluster`: frozen props, one
``validate`` function that collects every problem, and one builder per Kubernetes kind producing
plain dicts (``None`` and empty parts dropped). Both modes use the same builders:

* apply mode hands the dicts to ``kubernetes_manifest`` / ``kubernetes_namespace_v1`` /
  ``kubernetes_secret_v1`` (and the Helm chart coordinates to ``helm_release``);
* render mode turns them into YAML files of a GitOps tree (:func:`render_tree`,
  :func:`write_rendered`).

Nothing here imports cdktf or jsii.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
import tarfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from dw_constructs import _checks as c
from dw_constructs._yaml import dump_with_references
from dw_constructs.cnpg import versions as v
from dw_constructs.errors import Problem

# ------------------------------------------------------------------------------------------------
# Constants (names the Cluster and the contract rely on)


class Mode(str, enum.Enum):
    """How the construct delivers the manifests."""

    #: Terraform applies everything: ``helm_release`` + ``kubernetes_manifest``.
    APPLY = "apply"
    #: Terraform only renders a GitOps tree (Flux + Kustomize); no Kubernetes resources.
    RENDER = "render"


POSTGRES_PORT = 5432
SUPERUSER = "postgres"
#: Extensions the ``Database`` CR manages, in creation order (CNPG runs ``CREATE EXTENSION``
#: without ``CASCADE`` in list order: postgis_tiger_geocoder needs postgis and fuzzystrmatch).
POSTGIS_EXTENSIONS = ("postgis", "postgis_topology", "fuzzystrmatch", "postgis_tiger_geocoder")
#: Extensions whose version is PostGIS' own (pinned when the pinned image is used).
_POSTGIS_VERSIONED = ("postgis", "postgis_topology", "postgis_tiger_geocoder")
#: Keys of the S3 credentials Secret (the Barman Cloud documentation's names).
S3_ACCESS_KEY_ID_KEY = "ACCESS_KEY_ID"
S3_SECRET_ACCESS_KEY_KEY = "ACCESS_SECRET_KEY"
#: Render mode: Flux post-build substitution variables the s3-credentials Secret is written with
#: (supply them with ``postBuild.substituteFrom`` of the Flux Kustomization; never in git).
RENDER_S3_VARIABLES = {
    S3_ACCESS_KEY_ID_KEY: "CNPG_S3_ACCESS_KEY_ID",
    S3_SECRET_ACCESS_KEY_KEY: "CNPG_S3_SECRET_ACCESS_KEY",
}
SOURCES_DIR = "platform/sources"
#: Render mode: default folder of the shared operator's files (its own Flux Kustomization, so that
#: the operator installs the CRDs before the databases folder is applied).
OPERATORS_DIR = "platform/operators"
DATABASES_DIR = "platform/databases"
#: Render mode: default folder of the Flux ``Kustomization`` objects (see :class:`FluxProps`).
FLUX_DIR = "platform/flux"
#: Render mode: Flux never garbage-collects (prunes) an object with this annotation: the Clusters and
#: namespaces of clusters with ``prevent_destroy``.
PRUNE_DISABLED = {"kustomize.toolkit.fluxcd.io/prune": "disabled"}
#: Render mode: Flux health check of a CNPG ``Cluster`` (``healthCheckExprs``, CEL): ready when the
#: operator reports its ``Ready`` condition True. Without it Flux's generic check (kstatus) would call
#: a Cluster without status conditions (just created) ready at once.
CLUSTER_HEALTH_EXPR = "status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')"
#: Render mode: ``spec.timeout`` of a Flux Kustomization that health-checks HelmReleases (two chart
#: installs, each with helm's wait) and of one that health-checks Clusters (initdb of the primary,
#: then each replica cloned with pg_basebackup).
FLUX_OPERATORS_TIMEOUT = "10m"
FLUX_DATABASES_TIMEOUT = "15m"
HELM_REPOSITORY_NAME = "cloudnative-pg"
#: Render mode: name of a second Flux HelmRepository, when the plugin chart comes from another
#: repository than the operator chart.
PLUGIN_HELM_REPOSITORY_NAME = "plugin-barman-cloud"
FLUX_INTERVAL = "1h"
MANAGED_BY = "dw-constructs"
_RELOAD_LABEL = {"cnpg.io/reload": "true"}

_BACKUP_COMPRESSIONS = ("gzip", "bzip2", "snappy", "lz4")  # allowed for both WAL and base backups
_RETENTION_RE = re.compile(r"^[1-9][0-9]*[dwm]$")
_DURATION_RE = re.compile(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")
_SEMVER_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")
_PG_IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RESERVED_DATABASES = ("postgres", "template0", "template1")
_REL_DIR_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
_CHART_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")
_REPOSITORY_SCHEMES = ("https", "http", "oci")


# ------------------------------------------------------------------------------------------------
# Props


@dataclass(frozen=True)
class ClusterResources:
    """CPU/memory of each PostgreSQL instance pod (Kubernetes quantities; ``None`` leaves one unset).

    Attributes:
        cpu_request: Default: "500m".
        memory_request: Default: "1Gi".
        cpu_limit: Default: None (no CPU limit: throttling hurts latency more than it protects).
        memory_limit: Default: "1Gi" (equal to the request, so the OOM killer targets nothing else).
    """

    cpu_request: str | None = "500m"
    memory_request: str | None = "1Gi"
    cpu_limit: str | None = None
    memory_limit: str | None = "1Gi"


@dataclass(frozen=True)
class BackupProps:
    """Backups to S3-compatible object storage through the Barman Cloud plugin.

    Attributes:
        enabled: turn backups (WAL archiving + scheduled base backups) on. Known at synth time.
            Default: False.
        destination_path: ``s3://bucket/path``; required when enabled. Default: None.
        endpoint_url: S3 endpoint for non-AWS stores (MinIO, Ceph, ...). Default: None (AWS S3).
        retention_policy: recovery window, ``<n>d|w|m``. Default: "30d".
        schedule: 6-field cron, seconds first. Default: "0 0 2 * * *" (daily at 02:00:00).
        compression: WAL and base-backup compression, one of gzip, bzip2, snappy, lz4. Default: "gzip".
        existing_credentials_secret: name of an existing Secret in the cluster namespace with keys
            ``ACCESS_KEY_ID`` and ``ACCESS_SECRET_KEY``; nothing is created for the credentials then.
            Default: None (ESO creates ``<cluster>-s3-credentials`` when ``eso`` is on; otherwise the
            construct writes that Secret: apply mode from ``access_key_id``/``secret_access_key``,
            render mode with Flux substitution variables ``${CNPG_S3_ACCESS_KEY_ID}`` /
            ``${CNPG_S3_SECRET_ACCESS_KEY}``).
        access_key_id: apply mode, managed Secret only: a reference (e.g. a sensitive variable's
            value), never a literal. Default: - a sensitive variable ``<id>_s3_access_key_id``.
        secret_access_key: as ``access_key_id``. Default: - a sensitive variable
            ``<id>_s3_secret_access_key``.
        install_plugin: install the Barman Cloud plugin chart (needs cert-manager) next to the
            operator. Known at synth time. Default: True (set False when the platform installs the
            plugin).
    """

    enabled: bool = False
    destination_path: str | None = None
    endpoint_url: str | None = None
    retention_policy: str = "30d"
    schedule: str = "0 0 2 * * *"
    compression: str = "gzip"
    existing_credentials_secret: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    install_plugin: bool = True


@dataclass(frozen=True)
class EsoProps:
    """Credentials from External Secrets Operator (``external-secrets.io/v1``, must be installed).

    Attributes:
        enabled: create ``ExternalSecret`` objects for the superuser, app and (with backups) S3
            credentials. Known at synth time. Default: False (CNPG generates the app password
            itself).
        cluster_secret_store_name: the ``ClusterSecretStore`` to read from; required when enabled.
            Default: None.
        superuser_remote_key: remote key of the superuser password. Default: "<cluster>-superuser".
        app_remote_key: remote key of the app owner's password. Default: "<cluster>-app".
        backup_remote_key: remote key of the S3 credentials. Default: "<cluster>-s3-credentials".
        password_property: property of the superuser/app remote secrets holding the password;
            None for plain-string remote values. Default: "password".
        access_key_id_property: property of the backup remote secret. Default: "ACCESS_KEY_ID".
        secret_access_key_property: property of the backup remote secret. Default: "ACCESS_SECRET_KEY".
        refresh_interval: how often ESO re-reads the store. Default: "1h".
    """

    enabled: bool = False
    cluster_secret_store_name: str | None = None
    superuser_remote_key: str | None = None
    app_remote_key: str | None = None
    backup_remote_key: str | None = None
    password_property: str | None = "password"
    access_key_id_property: str | None = S3_ACCESS_KEY_ID_KEY
    secret_access_key_property: str | None = S3_SECRET_ACCESS_KEY_KEY
    refresh_interval: str = "1h"


@dataclass(frozen=True)
class HelmChartSource:
    """Where a Helm chart comes from: a chart repository (the upstream one or a mirror) or a local
    chart (air-gapped clusters). Give at most one of ``repository`` and ``path``; with neither, the
    upstream repository is used.

    Attributes:
        repository: chart repository URL: ``https://`` or ``http://`` (a classic Helm repository,
            e.g. an internal mirror such as Harbor, Nexus or ChartMuseum) or ``oci://`` (an OCI
            registry path holding the chart, without the chart name). A Terraform reference is
            accepted in apply mode. Default: None (the upstream repository
            ``https://cloudnative-pg.github.io/charts``, unless ``path`` is set).
        path: a local chart: a packaged archive (``.tgz``, as ``helm pull`` / ``helm package``
            write it) or an unpacked chart directory. Its ``Chart.yaml`` must carry the expected
            chart ``name`` and the declared version; it is checked when the construct is created.
            The chart travels with the stack as a cdktf ``TerraformAsset`` (the Terraform JSON holds
            a relative ``assets/...`` path); apply mode only. Default: None.
    """

    repository: str | None = None
    path: str | os.PathLike[str] | None = None


@dataclass(frozen=True)
class OperatorProps:
    """The CloudNativePG operator and the Barman Cloud plugin, installed once per Kubernetes cluster
    and shared by every ``CnpgPostgisCluster`` that uses them (see ``CnpgOperator``). Clusters that
    share one operator must ask for the same settings.

    Attributes:
        namespace: namespace of the operator and the plugin. Known at synth time. Default:
            "cnpg-system".
        create_namespace: create that namespace (apply: ``kubernetes_namespace_v1``; render: a
            Namespace file). Known at synth time. Default: True (set False when the namespace exists
            already).
        chart_version: ``cloudnative-pg`` chart version; a local chart must have this version.
            Default: versions.CNPG_CHART_VERSION ("0.29.0", operator 1.30.0).
        chart_source: where the operator chart comes from. Default: HelmChartSource() (the upstream
            repository ``https://cloudnative-pg.github.io/charts``).
        values: chart values of the operator release, written as one YAML document with sorted
            keys (apply: ``helm_release.values``; render: ``HelmRelease.spec.values``); a test
            cluster without nodes sets ``{"webhook": {"mutating": {"create": False},
            "validating": {"create": False}}}`` (and ``wait=False``). Default: {} (the chart's defaults).
        install_plugin: install the Barman Cloud plugin chart (needs cert-manager). Known at synth
            time. Default: None (installed when a cluster using this operator has ``backup.enabled``
            and ``backup.install_plugin``; True installs it always, False never: the platform does).
        plugin_chart_version: ``plugin-barman-cloud`` chart version; a local chart must have this
            version. Default: versions.BARMAN_PLUGIN_CHART_VERSION ("0.7.0", plugin v0.13.0).
        plugin_chart_source: where the plugin chart comes from. Default: None (the repository of
            ``chart_source``, as upstream serves both charts; required when ``chart_source`` is a
            local chart and the plugin is installed).
        plugin_values: chart values of the plugin release (one YAML document, sorted keys).
            Default: {} (the chart's defaults).
        wait: wait until the Deployments are ready (apply: helm_release ``wait``, and ``atomic``
            follows it, rolling back a failed install; render: Flux waits unless
            ``disableWait``). Default: True (set False only where nothing can become ready, e.g. a
            test control plane without nodes).
    """

    namespace: str = "cnpg-system"
    create_namespace: bool = True
    chart_version: str = v.CNPG_CHART_VERSION
    chart_source: HelmChartSource = field(default_factory=HelmChartSource)
    values: Mapping[str, Any] = field(default_factory=dict)
    install_plugin: bool | None = None
    plugin_chart_version: str = v.BARMAN_PLUGIN_CHART_VERSION
    plugin_chart_source: HelmChartSource | None = None
    plugin_values: Mapping[str, Any] = field(default_factory=dict)
    wait: bool = True


@dataclass(frozen=True)
class FluxProps:
    """Render mode: the Flux ``Kustomization`` objects (``kustomize.toolkit.fluxcd.io/v1``) written
    with the tree, one per folder, in ``flux_namespace``. They reconcile the folders in bootstrap
    order, sources -> operators -> databases (each ``dependsOn`` the one before), with ``prune:
    true``; the operators one health-checks its HelmReleases (the CRDs exist before the databases
    folder is applied), the databases one its Clusters. Every render-mode cluster of a stack must
    give the same settings (one tree).

    Attributes:
        enabled: write the Kustomization objects. Default: True (False: the tree holds only the
            folders; reconcile them with Kustomizations of your own, in the same order).
        render_dir: folder of the tree the Kustomization objects (and a kustomization.yaml listing
            them) are written to; apply it once, or let the Kustomization of your Flux bootstrap
            include it. A folder of its own. Default: "platform/flux".
        source_name: the ``GitRepository`` (in ``flux_namespace``) the tree is committed to.
            Default: "flux-system" (the one ``flux bootstrap`` creates).
        path_prefix: folder of that repository the tree is written below (``""``: the repository
            root); each ``spec.path`` is ``./<path_prefix>/<folder>``. Default: "".
        name_prefix: prefix of the Kustomization names: ``<name_prefix>sources``,
            ``<name_prefix>operators``, ``<name_prefix>databases``. Default: "cnpg-".
        depends_on: names of Kustomizations (in ``flux_namespace``) the first of ours waits for, e.g.
            the ones installing cert-manager and External Secrets. Default: () (none).
        substitute_from: the Secret (in ``flux_namespace``, kept out of Git) holding the values of
            ``CNPG_S3_ACCESS_KEY_ID`` and ``CNPG_S3_SECRET_ACCESS_KEY``; the Kustomization of the
            folder with a managed S3 Secret references it in ``postBuild.substituteFrom`` (only
            then). Default: "cnpg-s3-credentials".
        interval: ``spec.interval`` of each Kustomization (drift correction; a new Git revision is
            applied at once). Default: "10m".
    """

    enabled: bool = True
    render_dir: str = FLUX_DIR
    source_name: str = "flux-system"
    path_prefix: str = ""
    name_prefix: str = "cnpg-"
    depends_on: Sequence[str] = ()
    substitute_from: str = "cnpg-s3-credentials"
    interval: str = "10m"


@dataclass(frozen=True)
class ClusterProps:
    """A CloudNativePG ``Cluster`` running PostGIS, with its operator, backups and credentials.

    Attributes:
        mode: ``Mode.APPLY`` (Terraform applies) or ``Mode.RENDER`` (Terraform renders a GitOps
            tree). Known at synth time. Required.
        cluster_name: the ``Cluster`` name, a DNS-1035 label of at most 50 characters.
            Default: - derived from the construct id in kebab case (``WildsidePg`` -> ``wildside-pg``).
        operator_namespace: namespace of the operator (and the Barman Cloud plugin); shorthand for
            ``operator.namespace`` (a different non-default value in both is an error). Known at
            synth time (the shared operator is found and named by it). Default: None (the
            operator's: "cnpg-system" unless ``operator`` says otherwise).
        cluster_namespace: namespace of the Cluster and everything belonging to it. A Terraform
            reference is taken as a namespace other than the operator's. Default: "databases".
        create_namespace: create ``cluster_namespace`` (apply: ``kubernetes_namespace_v1`` with
            prevent_destroy; render: a Namespace file). Never when it is the namespace of the
            operator this cluster installs (the operator creates that one). Known at synth time.
            Default: True (set False when the namespace exists, or when another CnpgPostgisCluster
            of the stack in the same namespace creates it: this one then waits for it).
        instances: PostgreSQL instances (1 primary + n-1 replicas), 1..16. Default: 3.
        storage_size: PVC size per instance, a Kubernetes quantity. Default: "10Gi".
        storage_class: StorageClass of the PVCs. Default: None (the cluster's default class).
        postgres_major: PostgreSQL major version, one of ``versions.POSTGIS_IMAGES`` (14..18). Known
            at synth time (it selects the pinned image). Default: 16.
        image_name: operand image override. Default: None (the pinned PostGIS image of
            ``postgres_major`` from ``versions.POSTGIS_IMAGES``; extension versions pinned too).
        postgis_enabled: manage the PostGIS extensions with a ``Database`` CR. Known at synth time.
            Default: True.
        database_name: application database. Known at synth time (it names the ``Database`` object).
            Default: "app".
        database_owner: owner role of the application database. Default: "app".
        resources: instance pod resources. Default: ClusterResources().
        install_operator: install the CNPG operator (the shared ``CnpgOperator`` of the stack: one
            operator per Kubernetes cluster, whatever the number of clusters). Known at synth time.
            Default: True (set False when another stack or the platform already runs the operator).
        operator_chart_version: ``cloudnative-pg`` chart version; shorthand for
            ``operator.chart_version``. Default: None (the operator's: versions.CNPG_CHART_VERSION,
            "0.29.0", operator 1.30.0, unless ``operator`` says otherwise).
        operator: settings of the shared operator (chart source, values, wait, plugin chart...);
            every cluster sharing the operator must ask for the same ones. The construct also takes
            a ``CnpgOperator`` object (apply mode) or a dict of ``OperatorProps`` fields.
            Default: None (``OperatorProps()``: the pinned upstream charts with their defaults).
        enable_superuser_access: ``spec.enableSuperuserAccess``. Default: None (True when ESO is
            on, the superuser password then coming from ESO; False otherwise, CNPG's default).
        backup: backups. Default: BackupProps() (disabled).
        eso: External Secrets. Default: EsoProps() (disabled).
        flux_namespace: render mode: namespace of the Flux ``HelmRepository`` and ``Kustomization``
            objects. Default: "flux-system".
        operator_render_dir: render mode: folder of the operator namespace and the operator/plugin
            ``HelmRelease`` files, reconciled by its own Flux Kustomization before the databases
            folder (whose ``Cluster`` needs the CRDs the operator chart installs). Known at synth
            time. Default: "platform/operators" (a folder of its own; "platform/databases", one
            folder, works only where the CNPG CRDs exist already: Flux dry-runs a folder as a
            whole).
        flux: render mode: the Flux Kustomization objects of the tree. Default: FluxProps()
            (written to "platform/flux", source GitRepository "flux-system", the tree at the
            repository root).
        prevent_destroy: apply mode: refuse to destroy the Cluster and its namespace in plan; render
            mode: annotate them ``kustomize.toolkit.fluxcd.io/prune: disabled``, so Flux's garbage
            collection never deletes them. Known at synth time (Terraform's lifecycle takes no
            references). Default: True.
    """

    mode: Mode | str
    cluster_name: str | None = None
    operator_namespace: str | None = None
    cluster_namespace: str = "databases"
    create_namespace: bool = True
    instances: int = 3
    storage_size: str = "10Gi"
    storage_class: str | None = None
    postgres_major: int = v.DEFAULT_POSTGRES_MAJOR
    image_name: str | None = None
    postgis_enabled: bool = True
    database_name: str = "app"
    database_owner: str = "app"
    resources: ClusterResources = field(default_factory=ClusterResources)
    install_operator: bool = True
    operator_chart_version: str | None = None
    operator: OperatorProps | None = None
    enable_superuser_access: bool | None = None
    backup: BackupProps = field(default_factory=BackupProps)
    eso: EsoProps = field(default_factory=EsoProps)
    flux_namespace: str = "flux-system"
    operator_render_dir: str = OPERATORS_DIR
    flux: FluxProps = field(default_factory=FluxProps)
    prevent_destroy: bool = True

    @property
    def effective_operator_namespace(self) -> str:
        """``operator_namespace`` as used (governance reads it when the field is None)."""
        return operator_of(self).namespace

    @property
    def effective_operator_chart_version(self) -> str:
        """``operator_chart_version`` as used (governance reads it when the field is None)."""
        return operator_of(self).chart_version


def derive_cluster_name(construct_id: str) -> str:
    """``WildsidePg`` -> ``wildside-pg``; ``my_db`` -> ``my-db``."""
    kebab = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", construct_id)
    return re.sub(r"[^a-z0-9]+", "-", kebab.lower()).strip("-")


def coerce(cls: type, value: Any, prop: str) -> tuple[Any, list[Problem]]:
    """Accept an instance of the props dataclass ``cls`` or a mapping of its fields."""
    if isinstance(value, cls):
        return value, []
    names = [f.name for f in dataclasses.fields(cls)]
    if isinstance(value, Mapping):
        unknown = sorted(str(k) for k in value if k not in names)
        if unknown:
            return cls(), [Problem(prop, unknown, f"a {cls.__name__} or a dict with keys from {', '.join(names)}")]
        return cls(**value), []
    return cls(), [Problem(prop, value, f"a {cls.__name__} or a dict with keys from {', '.join(names)}")]


def coerce_operator(value: Any, prefix: str = "operator.") -> tuple[OperatorProps | None, list[Problem]]:
    """Accept an :class:`OperatorProps` or a mapping of its fields (its chart sources may be
    mappings too); None stays None."""
    if value is None:
        return None, []
    op, problems = coerce(OperatorProps, value, prefix.rstrip(".") or "operator")
    if problems:
        return None, problems
    changes = {}
    for name in ("chart_source", "plugin_chart_source"):
        src = getattr(op, name)
        if isinstance(src, Mapping):
            changes[name], more = coerce(HelmChartSource, src, f"{prefix}{name}")
            problems += more
    return (dataclasses.replace(op, **changes) if changes else op), problems


# ------------------------------------------------------------------------------------------------
# Derived names


def mode_of(p: ClusterProps) -> Mode:
    return Mode(p.mode.value if isinstance(p.mode, Mode) else p.mode)


def cluster_name_of(p: ClusterProps) -> str:
    """``p.cluster_name``: set before anything is built (``CnpgPostgisCluster`` derives it from its
    construct id when not given)."""
    if p.cluster_name is None:
        raise ValueError("cluster_name is not set: give one, or let CnpgPostgisCluster derive it from its id")
    return p.cluster_name


def superuser_secret_name(p: ClusterProps) -> str:
    return f"{p.cluster_name}-superuser"


def app_secret_name(p: ClusterProps) -> str:
    return f"{p.cluster_name}-app"


def object_store_name(p: ClusterProps) -> str:
    return f"{p.cluster_name}-object-store"


def database_cr_name(p: ClusterProps) -> str:
    return f"{p.cluster_name}-{p.database_name.replace('_', '-')}".strip("-")


def superuser_access(p: ClusterProps) -> bool:
    return p.eso.enabled if p.enable_superuser_access is None else p.enable_superuser_access


def image_of(p: ClusterProps) -> str:
    return p.image_name or v.POSTGIS_IMAGES[p.postgres_major]


def primary_host(p: ClusterProps) -> str:
    return f"{p.cluster_name}-rw.{p.cluster_namespace}.svc.cluster.local"


def replica_host(p: ClusterProps) -> str:
    return f"{p.cluster_name}-ro.{p.cluster_namespace}.svc.cluster.local"


class S3Source(str, enum.Enum):
    """Where the Barman Cloud plugin's S3 credentials come from."""

    EXISTING = "existing"  # a Secret managed elsewhere
    ESO = "eso"  # an ExternalSecret this construct writes
    MANAGED = "managed"  # a Secret this construct writes


def s3_source(p: ClusterProps) -> S3Source | None:
    if not p.backup.enabled:
        return None
    if p.backup.existing_credentials_secret:
        return S3Source.EXISTING
    return S3Source.ESO if p.eso.enabled else S3Source.MANAGED


def s3_secret_name(p: ClusterProps) -> str:
    return p.backup.existing_credentials_secret or f"{p.cluster_name}-s3-credentials"


_OPERATOR_DEFAULTS = {f.name: f.default for f in dataclasses.fields(OperatorProps)}


def operator_of(p: ClusterProps) -> OperatorProps:
    """The operator settings ``p`` asks for: ``p.operator`` (or the defaults) with the shorthands
    ``operator_namespace`` / ``operator_chart_version`` applied (they replace the operator's
    default; a different non-default value in both places is a validation problem)."""
    op = p.operator if isinstance(p.operator, OperatorProps) else OperatorProps()
    if p.operator_namespace is not None:
        op = dataclasses.replace(op, namespace=p.operator_namespace)
    if p.operator_chart_version is not None:
        op = dataclasses.replace(op, chart_version=p.operator_chart_version)
    return op


def plugin_wanted(p: ClusterProps) -> bool | None:
    """True: ``p`` needs the Barman Cloud plugin installed (backups on, ``install_plugin``);
    False: it has backups but the platform installs the plugin; None: no backups, no opinion."""
    if p.backup.enabled is not True:
        return None
    return p.backup.install_plugin is not False


def uses_operator(p: ClusterProps) -> bool:
    """Whether ``p`` needs the shared operator construct: it installs the operator, or the plugin."""
    return p.install_operator is True or plugin_wanted(p) is True


def creates_namespace(p: ClusterProps) -> bool:
    """Whether the cluster itself creates ``cluster_namespace`` (not when its installed operator
    lives there: the operator owns that namespace)."""
    if p.create_namespace is False:
        return False
    return not (p.install_operator is True and p.cluster_namespace == operator_of(p).namespace)


def chart_repository(src: HelmChartSource) -> str | None:
    """The repository URL of a chart source; None for a local chart."""
    if src.repository is not None:
        return src.repository
    return None if src.path is not None else v.CNPG_CHART_REPOSITORY


def _render_repository(src: HelmChartSource) -> str:
    """The repository of a chart in render mode, where Flux installs charts from repositories only
    (a local chart is a validation problem reported before anything is built)."""
    url = chart_repository(src)
    if url is None:
        raise ValueError("render mode installs charts from a repository, not a local chart (validate() reports it)")
    return url


def plugin_source(op: OperatorProps) -> HelmChartSource | None:
    """Where the plugin chart comes from: ``plugin_chart_source``, else the operator chart's
    repository; None when neither is available (the operator chart is a local one)."""
    if op.plugin_chart_source is not None:
        return op.plugin_chart_source
    repo = chart_repository(op.chart_source)
    return None if repo is None else HelmChartSource(repository=repo)


def is_oci(url: Any) -> bool:
    return isinstance(url, str) and url.startswith("oci://")


# ------------------------------------------------------------------------------------------------
# Validation


def _subdomain(prop: str, value: Any) -> list[Problem]:
    if c.is_string_token(value):  # a reference: checked by the API server at apply time
        return []
    if not isinstance(value, str) or len(value) > 253 or not _SUBDOMAIN_RE.match(value):
        return [Problem(prop, value, "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', 1..253 chars")]
    return []


def _pg_identifier(prop: str, value: Any, reserved: Iterable[str]) -> list[Problem]:
    if c.is_string_token(value):
        return []
    if not isinstance(value, str) or not _PG_IDENT_RE.match(value):
        return [
            Problem(
                prop,
                value,
                "a PostgreSQL identifier: lowercase letters, digits and '_', 1..63 chars, not starting with a digit",
            )
        ]
    if value in reserved:
        return [Problem(prop, value, f"a name other than {', '.join(repr(r) for r in reserved)}")]
    return []


def _no_space_str(prop: str, value: Any) -> list[Problem]:
    if c.is_string_token(value):
        return []
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return [Problem(prop, value, "a non-empty string without whitespace")]
    return []


def _validate_resources(r: ClusterResources) -> list[Problem]:
    return c.collect(
        *(c.optional(c.k8s_quantity, f"resources.{f.name}", getattr(r, f.name)) for f in dataclasses.fields(r))
    )


def _validate_backup(p: ClusterProps, mode: Mode | None) -> list[Problem]:
    b = p.backup
    problems = c.boolean("backup.enabled", b.enabled) + c.boolean("backup.install_plugin", b.install_plugin)
    problems += c.known("backup.enabled", b.enabled, "it decides which objects exist")
    problems += c.known("backup.install_plugin", b.install_plugin, "it decides whether the plugin is installed")
    if b.enabled is not True:
        return problems
    if b.destination_path is None:
        problems.append(
            Problem(
                "backup.destination_path",
                None,
                "an s3:// URL such as 's3://my-bucket/wildside-pg' (required when backup.enabled)",
            )
        )
    else:
        problems += c.url("backup.destination_path", b.destination_path, schemes=("s3",))
    problems += c.optional(c.url, "backup.endpoint_url", b.endpoint_url)
    if not c.is_string_token(b.retention_policy) and (
        not isinstance(b.retention_policy, str) or not _RETENTION_RE.match(b.retention_policy)
    ):
        problems.append(
            Problem(
                "backup.retention_policy",
                b.retention_policy,
                "'<n>d', '<n>w' or '<n>m' with n >= 1 (days, weeks, months), e.g. '30d'",
            )
        )
    problems += c.cron_with_seconds("backup.schedule", b.schedule)
    if not c.is_string_token(b.compression) and b.compression not in _BACKUP_COMPRESSIONS:
        problems.append(
            Problem("backup.compression", b.compression, f"one of {', '.join(repr(x) for x in _BACKUP_COMPRESSIONS)}")
        )
    problems += c.optional(_subdomain, "backup.existing_credentials_secret", b.existing_credentials_secret)
    for name in ("access_key_id", "secret_access_key"):
        value = getattr(b, name)
        problems += c.secret_reference(f"backup.{name}", value)
        if value is not None and s3_source(p) is not S3Source.MANAGED:
            problems.append(
                Problem(
                    f"backup.{name}",
                    "<reference>",
                    "None when the credentials come from ESO or backup.existing_credentials_secret",
                )
            )
        elif value is not None and mode is Mode.RENDER:
            problems.append(
                Problem(
                    f"backup.{name}",
                    "<reference>",
                    "None in render mode (a GitOps tree cannot hold Terraform references; the "
                    "Secret is written with Flux substitution variables)",
                )
            )
    return problems


def _validate_eso(p: ClusterProps) -> list[Problem]:
    e = p.eso
    problems = c.boolean("eso.enabled", e.enabled)
    problems += c.known("eso.enabled", e.enabled, "it decides which objects exist")
    if e.enabled is not True:
        return problems
    if e.cluster_secret_store_name is None:
        problems.append(
            Problem(
                "eso.cluster_secret_store_name", None, "the name of a ClusterSecretStore (required when eso.enabled)"
            )
        )
    else:
        problems += _subdomain("eso.cluster_secret_store_name", e.cluster_secret_store_name)
    for name in (
        "superuser_remote_key",
        "app_remote_key",
        "backup_remote_key",
        "password_property",
        "access_key_id_property",
        "secret_access_key_property",
    ):
        problems += c.optional(c.non_empty_str, f"eso.{name}", getattr(e, name))
    if not c.is_string_token(e.refresh_interval) and (
        not isinstance(e.refresh_interval, str) or not _DURATION_RE.match(e.refresh_interval)
    ):
        problems.append(
            Problem("eso.refresh_interval", e.refresh_interval, "a duration such as '1h', '15m' or '1h30m'")
        )
    if p.enable_superuser_access is False:
        problems.append(
            Problem(
                "enable_superuser_access",
                False,
                "True or None when eso.enabled (ESO provides the superuser secret the Cluster uses)",
            )
        )
    return problems


_NAME_PREFIX_RE = re.compile(r"^([a-z0-9][-a-z0-9]*)?$")
_REPO_PATH_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
#: The names the Flux Kustomizations get after ``FluxProps.name_prefix`` (the longest one bounds it).
_FLUX_ROLES = ("sources", "operators", "databases")


def _validate_flux(p: ClusterProps, mode: Mode | None) -> list[Problem]:
    """``flux`` (render mode only; apply mode writes no tree)."""
    given: object = p.flux  # typed FluxProps; checked as given
    if mode is not Mode.RENDER:
        return []
    if not isinstance(given, FluxProps):
        return [Problem("flux", given, "a FluxProps or a dict of its fields")]
    f = given
    problems = c.boolean("flux.enabled", f.enabled)
    if f.enabled is not True:
        return problems
    plain = {}
    for name in ("render_dir", "source_name", "path_prefix", "name_prefix", "substitute_from", "interval"):
        value = getattr(f, name)
        if c.is_token(value):
            problems.append(
                Problem(
                    f"flux.{name}",
                    "<reference>",
                    "a plain value in render mode (a GitOps tree cannot hold Terraform references)",
                )
            )
        else:
            plain[name] = value
    if "render_dir" in plain:
        d = f.render_dir
        if not isinstance(d, str) or not _REL_DIR_RE.match(d) or ".." in d.split("/"):
            problems.append(
                Problem(
                    "flux.render_dir",
                    d,
                    "a relative folder such as 'platform/flux' (lowercase, '/'-separated, no '..')",
                )
            )
        elif d in (SOURCES_DIR, DATABASES_DIR, p.operator_render_dir):
            taken = ", ".join(repr(x) for x in dict.fromkeys((SOURCES_DIR, p.operator_render_dir, DATABASES_DIR)))
            problems.append(Problem("flux.render_dir", d, f"a folder of its own, not one of the tree's ({taken})"))
    if "source_name" in plain:
        problems += _subdomain("flux.source_name", f.source_name)
    if "path_prefix" in plain:
        pp = f.path_prefix
        if not isinstance(pp, str) or (pp and (not _REPO_PATH_RE.match(pp) or ".." in pp.split("/"))):
            problems.append(
                Problem(
                    "flux.path_prefix",
                    pp,
                    "'' (the repository root) or a relative folder of the Git "
                    "repository such as 'clusters/prod' (no leading './' "
                    "or '/', no '..')",
                )
            )
    longest = max(len(r) for r in _FLUX_ROLES)
    if "name_prefix" in plain:
        np_ = f.name_prefix
        if not isinstance(np_, str) or not _NAME_PREFIX_RE.match(np_) or len(np_) > 63 - longest:
            problems.append(
                Problem(
                    "flux.name_prefix",
                    np_,
                    f"a prefix of at most {63 - longest} chars (lowercase letters, digits and '-', "
                    "not starting with '-') such as 'cnpg-': the names must be DNS labels",
                )
            )
    deps = f.depends_on
    if isinstance(deps, str) or not isinstance(deps, (list, tuple)):
        problems.append(Problem("flux.depends_on", deps, "a list of Kustomization names, e.g. ['cert-manager']"))
    else:
        for i, name in enumerate(deps):
            problems += (
                _subdomain(f"flux.depends_on[{i}]", name)
                if not c.is_token(name)
                else [Problem(f"flux.depends_on[{i}]", "<reference>", "a plain name in render mode")]
            )
        own = {f"{f.name_prefix}{r}" for r in _FLUX_ROLES} if isinstance(f.name_prefix, str) else set()
        for name in deps:
            if name in own:
                problems.append(
                    Problem(
                        "flux.depends_on",
                        name,
                        "names of other Kustomizations (this one is written with the tree: a cycle)",
                    )
                )
    if "substitute_from" in plain:
        problems += _subdomain("flux.substitute_from", f.substitute_from)
    if "interval" in plain and (not isinstance(f.interval, str) or not _DURATION_RE.match(f.interval)):
        problems.append(Problem("flux.interval", f.interval, "a duration such as '10m' or '1h'"))
    return problems


def read_chart_metadata(path: str | os.PathLike[str]) -> tuple[dict[str, Any] | None, str | None]:
    """``Chart.yaml`` of a local chart (a ``.tgz`` archive, read with tarfile, or a directory):
    (metadata, None), or (None, what a valid value would be)."""
    pth = Path(path)
    if pth.is_dir():
        meta_file = pth / "Chart.yaml"
        if not meta_file.is_file():
            return None, "a chart directory with a Chart.yaml"
        try:
            text = meta_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            return None, f"a readable chart directory ({err})"
    elif pth.is_file():
        if not pth.name.endswith(_CHART_ARCHIVE_SUFFIXES):
            return None, "a chart archive ('.tgz') or a chart directory"
        try:
            with tarfile.open(pth, "r:*") as tar:
                found = []
                for m in tar.getmembers():
                    name = m.name[2:] if m.name.startswith("./") else m.name
                    parts = PurePosixPath(name).parts
                    if m.isfile() and len(parts) == 2 and parts[1] == "Chart.yaml":
                        found.append(m)
                if len(found) != 1:
                    return None, "a chart archive with exactly one top-level '<chart>/Chart.yaml'"
                handle = tar.extractfile(found[0])
                text = handle.read().decode("utf-8") if handle else ""
        except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as err:
            return None, f"a readable chart archive (.tgz): {err}"
    else:
        return None, "an existing chart archive (.tgz) or chart directory"
    try:
        meta = yaml.safe_load(text)
    except yaml.YAMLError:
        return None, "a chart whose Chart.yaml is valid YAML"
    if not isinstance(meta, dict):
        return None, "a chart whose Chart.yaml is a mapping with name and version"
    return meta, None


def _validate_source(
    prop: str, src: Any, chart_name: str, version: Any, version_prop: str, mode: Mode | None
) -> list[Problem]:
    if not isinstance(src, HelmChartSource):
        return [Problem(prop, src, "a HelmChartSource(repository=...) or HelmChartSource(path=...)")]
    if src.repository is not None and src.path is not None:
        return [
            Problem(
                prop,
                f"repository={src.repository!r}, path={os.fspath(src.path)!r}",
                "a HelmChartSource with one of repository or path, not both",
            )
        ]
    problems: list[Problem] = []
    if src.repository is not None:
        if c.is_token(src.repository):
            if mode is Mode.RENDER:
                problems.append(
                    Problem(
                        f"{prop}.repository",
                        "<reference>",
                        "a URL in render mode (a GitOps tree cannot hold Terraform references)",
                    )
                )
        else:
            problems += c.url(f"{prop}.repository", src.repository, schemes=_REPOSITORY_SCHEMES)
    if src.path is not None:
        path = os.fspath(src.path) if isinstance(src.path, (str, os.PathLike)) else src.path
        if not isinstance(path, str) or not path or c.is_token(path):
            problems.append(
                Problem(
                    f"{prop}.path",
                    path,
                    "a local path (str or os.PathLike) to a chart archive "
                    "or directory; Terraform references are not files",
                )
            )
        elif mode is Mode.RENDER:
            problems.append(
                Problem(
                    f"{prop}.path",
                    path,
                    "None in render mode: Flux installs charts from a repository (serve the chart "
                    "from a mirror and set repository='https://...' or 'oci://...')",
                )
            )
        else:
            meta, err = read_chart_metadata(path)
            if meta is None:
                problems.append(Problem(f"{prop}.path", path, err or "a readable chart"))
            else:
                if meta.get("name") != chart_name:
                    problems.append(
                        Problem(
                            f"{prop}.path",
                            path,
                            f"a {chart_name!r} chart (its Chart.yaml says name {meta.get('name')!r})",
                        )
                    )
                elif isinstance(version, str) and _SEMVER_RE.match(version) and str(meta.get("version")) != version:
                    problems.append(
                        Problem(
                            f"{prop}.path",
                            path,
                            f"a chart of version {version!r} as {version_prop} declares (its Chart.yaml says version "
                            f"{meta.get('version')!r}): use the matching archive or set {version_prop} to its version",
                        )
                    )
    return problems


_YAML_SCALARS = (str, int, float, bool, type(None))


def _validate_values(prop: str, values: Any, mode: Mode | None) -> list[Problem]:
    """Chart values: a mapping with string keys and YAML-representable values (Terraform references
    in strings are fine in apply mode, not in a rendered tree)."""
    if not isinstance(values, Mapping):
        return [
            Problem(
                prop,
                values,
                "a mapping of chart values with string keys, e.g. {'webhook': {'mutating': {'create': False}}}",
            )
        ]
    problems: list[Problem] = []

    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, Mapping):
            for key, item in obj.items():
                if not isinstance(key, str):
                    problems.append(Problem(path, key, "string keys"))
                    continue
                walk(item, f"{path}.{key}")
        elif isinstance(obj, (list, tuple)):
            for i, item in enumerate(obj):
                walk(item, f"{path}[{i}]")
        elif not isinstance(obj, _YAML_SCALARS):
            problems.append(
                Problem(path, type(obj).__name__, "YAML values: str, int, float, bool, None, lists and mappings")
            )
        elif mode is Mode.RENDER and c.is_token(obj):
            problems.append(
                Problem(
                    path, "<reference>", "a plain value in render mode (a GitOps tree cannot hold Terraform references)"
                )
            )

    walk(values, prop)
    return problems


_RENDER_REFERENCE = "a plain value in render mode (a GitOps tree cannot hold Terraform references)"


def _render_reference(prop: str, value: Any, mode: Mode | None) -> list[Problem]:
    """Render mode writes files at synth time: a reference there is a problem."""
    return [Problem(prop, c.REFERENCE, _RENDER_REFERENCE)] if mode is Mode.RENDER and c.contains_token(value) else []


def _chart_version_problems(prop: str, value: Any, example: str, mode: Mode | None) -> list[Problem]:
    if c.is_string_token(value):  # apply mode: helm_release.version takes a reference
        return _render_reference(prop, value, mode)
    if isinstance(value, str) and _SEMVER_RE.match(value):
        return []
    return [Problem(prop, c.shown(value), f"a chart version such as '{example}'")]


def validate_operator(
    op: object,
    mode: Mode | None,
    *,
    prefix: str = "",
    names: Mapping[str, str] | None = None,
    plugin_needed: bool = False,
) -> list[Problem]:
    """Every problem of the operator settings ``op`` (an :class:`OperatorProps`; anything else is
    reported). Props are reported as ``prefix + field``
    (``operator.values``), or under ``names[field]`` (a cluster's ``operator_namespace``
    shorthand). ``plugin_needed``: the plugin will be installed (its source must then exist)."""
    names = names or {}

    def name(f: str) -> str:
        return names.get(f, f"{prefix}{f}")

    if not isinstance(op, OperatorProps):
        return [Problem(prefix.rstrip(".") or "operator", op, "an OperatorProps or a dict of its fields")]
    plugin = op.install_plugin is True or (op.install_plugin is None and plugin_needed)
    problems = c.collect(
        c.dns_label(name("namespace"), op.namespace),
        c.known(name("namespace"), op.namespace, "the shared operator is found and named by it"),
        c.boolean(name("create_namespace"), op.create_namespace),
        c.known(name("create_namespace"), op.create_namespace, "it decides whether the namespace resource exists"),
        _chart_version_problems(name("chart_version"), op.chart_version, "0.29.0", mode),
        _validate_source(
            name("chart_source"), op.chart_source, v.CNPG_CHART_NAME, op.chart_version, name("chart_version"), mode
        ),
        _validate_values(name("values"), op.values, mode),
        c.optional(c.boolean, name("install_plugin"), op.install_plugin),
        c.known(name("install_plugin"), op.install_plugin, "it decides whether the plugin is installed"),
        _chart_version_problems(name("plugin_chart_version"), op.plugin_chart_version, "0.7.0", mode),
        c.optional(
            _validate_source,
            name("plugin_chart_source"),
            op.plugin_chart_source,
            v.BARMAN_PLUGIN_CHART_NAME,
            op.plugin_chart_version,
            name("plugin_chart_version"),
            mode,
        ),
        _validate_values(name("plugin_values"), op.plugin_values, mode),
        c.boolean(name("wait"), op.wait),
        _render_reference(name("wait"), op.wait, mode),
    )
    if (
        plugin
        and op.plugin_chart_source is None
        and isinstance(op.chart_source, HelmChartSource)
        and plugin_source(op) is None
    ):
        problems.append(
            Problem(
                name("plugin_chart_source"),
                None,
                "a HelmChartSource for the 'plugin-barman-cloud' chart (required: the operator chart "
                "is a local chart and the Barman Cloud plugin is installed)",
            )
        )
    return c.without_shadowed(problems)


def _validate_operator_of_cluster(p: ClusterProps, mode: Mode | None) -> list[Problem]:
    problems: list[Problem] = []
    names = {}
    given_op: object = p.operator  # typed; checked as given
    if given_op is not None and not isinstance(given_op, OperatorProps):
        return [Problem("operator", given_op, "an OperatorProps, a dict of its fields, or (construct) a CnpgOperator")]
    for short, fname in (("operator_namespace", "namespace"), ("operator_chart_version", "chart_version")):
        given = getattr(p, short)
        if given is None:
            continue
        names[fname] = short
        set_there = getattr(p.operator, fname, None) if p.operator is not None else None
        if set_there is not None and set_there != _OPERATOR_DEFAULTS[fname] and set_there != given:
            problems.append(Problem(short, given, f"None or {set_there!r} like operator.{fname}: give it in one place"))
    if problems:
        return problems
    op = operator_of(p)
    problems = validate_operator(op, mode, prefix="operator.", names=names, plugin_needed=plugin_wanted(p) is True)
    if plugin_wanted(p) is True and op.install_plugin is False:
        problems.append(
            Problem(
                "backup.install_plugin",
                True,
                "False when operator.install_plugin is False (the platform installs the plugin)",
            )
        )
    elif plugin_wanted(p) is False and op.install_plugin is True:
        problems.append(
            Problem(
                "backup.install_plugin",
                False,
                "True when operator.install_plugin is True (the operator installs the plugin)",
            )
        )
    return problems


def validate(p: ClusterProps) -> list[Problem]:
    """Every problem of ``p`` at once (an empty list when the props are fine)."""
    mode_problems = c.known("mode", p.mode, "it decides what the construct creates") or c.one_of("mode", p.mode, Mode)
    mode = None if mode_problems else mode_of(p)
    problems = c.collect(
        mode_problems,
        c.dns1035_label("cluster_name", p.cluster_name, max_len=50),
        c.dns_label("cluster_namespace", p.cluster_namespace),
        c.boolean("create_namespace", p.create_namespace),
        c.int_range("instances", p.instances, 1, 16),
        c.k8s_quantity("storage_size", p.storage_size),
        c.optional(_subdomain, "storage_class", p.storage_class),
        c.known("postgres_major", p.postgres_major, "it selects the pinned PostGIS image")
        or (
            []
            if c.is_int(p.postgres_major) and p.postgres_major in v.POSTGIS_IMAGES
            else [
                Problem(
                    "postgres_major",
                    p.postgres_major,
                    f"one of {', '.join(str(k) for k in sorted(v.POSTGIS_IMAGES))} (pinned PostGIS images)",
                )
            ]
        ),
        c.optional(_no_space_str, "image_name", p.image_name),
        c.boolean("postgis_enabled", p.postgis_enabled),
        _pg_identifier("database_name", p.database_name, _RESERVED_DATABASES),
        _pg_identifier("database_owner", p.database_owner, (SUPERUSER,)),
        _validate_resources(p.resources) if isinstance(p.resources, ClusterResources) else [],
        c.boolean("install_operator", p.install_operator),
        c.optional(c.boolean, "enable_superuser_access", p.enable_superuser_access),
        c.dns_label("flux_namespace", p.flux_namespace),
        c.known("operator_render_dir", p.operator_render_dir, "it is a folder of the rendered tree")
        or (
            []
            if isinstance(p.operator_render_dir, str)
            and _REL_DIR_RE.match(p.operator_render_dir)
            and ".." not in p.operator_render_dir.split("/")
            else [
                Problem(
                    "operator_render_dir",
                    p.operator_render_dir,
                    "a relative folder such as 'platform/operators' (lowercase, '/'-separated, no '..')",
                )
            ]
        ),
        c.boolean("prevent_destroy", p.prevent_destroy),
        # Known at synth time: they decide which objects exist and how they are named.
        c.known("create_namespace", p.create_namespace, "it decides whether the namespace resource exists"),
        c.known("postgis_enabled", p.postgis_enabled, "it decides whether the Database object exists"),
        c.known("database_name", p.database_name, "it names the Database object"),
        c.known("install_operator", p.install_operator, "it decides whether the operator is installed"),
        c.known("prevent_destroy", p.prevent_destroy, "Terraform's lifecycle takes no references"),
    )
    problems += _validate_flux(p, mode)
    if isinstance(p.backup, BackupProps) and isinstance(p.eso, EsoProps):
        problems += _validate_eso(p) + _validate_backup(p, mode)
        problems += _validate_operator_of_cluster(p, mode)
        if mode is Mode.RENDER:
            problems += _render_reference_problems(p, {q.prop for q in problems})
        if not problems and mode is Mode.RENDER:
            problems += render_path_problems(p)
    return c.without_shadowed(problems)


#: Render mode: fields whose references other checks report already (in their own words).
_RENDER_CHECKED_ELSEWHERE = ("operator", "flux", "backup.access_key_id", "backup.secret_access_key")


def _render_reference_problems(p: ClusterProps, reported: set[str]) -> list[Problem]:
    """Render mode writes the tree at synth time: every Terraform reference among the props is a
    problem (one per prop not reported otherwise)."""
    problems = []

    def walk(obj: Any, path: str) -> None:
        if path in _RENDER_CHECKED_ELSEWHERE or path in reported:
            return
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for f in dataclasses.fields(obj):
                walk(getattr(obj, f.name), f"{path}.{f.name}" if path else f.name)
        elif c.contains_token(obj):
            problems.append(Problem(path, c.REFERENCE, _RENDER_REFERENCE))

    walk(p, "")
    return problems


# ------------------------------------------------------------------------------------------------
# Builders: one per kind, plain dicts, None/empty dropped


def clean(obj: Any) -> Any:
    """Drop ``None`` values and empty dicts/lists, recursively (CRD validation rejects ``null``)."""
    if isinstance(obj, Mapping):
        out = {k: clean(x) for k, x in obj.items()}
        return {k: x for k, x in out.items() if x is not None and x != {} and x != []}
    if isinstance(obj, (list, tuple)):
        items = [clean(x) for x in obj]
        return [x for x in items if x is not None and x != {} and x != []]
    return obj


def clean_obj(obj: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`clean` of one Kubernetes object (a mapping stays a mapping)."""
    out: dict[str, Any] = clean(obj)
    return out


def operator_labels() -> dict[str, str]:
    """Labels of the shared operator's objects (the same for every cluster it serves)."""
    return {
        "app.kubernetes.io/name": "cloudnative-pg",
        "app.kubernetes.io/component": "operator",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def labels(p: ClusterProps, component: str) -> dict[str, str]:
    """``app.kubernetes.io/*`` labels; the operator's are shared by every cluster it serves."""
    if component == "operator":
        return operator_labels()
    return {
        "app.kubernetes.io/name": "postgresql",
        "app.kubernetes.io/instance": cluster_name_of(p),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": cluster_name_of(p),
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def _meta(name: str, namespace: str | None, lbl: Mapping[str, str] | None) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": dict(lbl) if lbl else None}


def namespace(p: ClusterProps, name: str, component: str) -> dict[str, Any]:
    return clean_obj({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name, None, labels(p, component))})


def operator_namespace_manifest(name: str) -> dict[str, Any]:
    """The operator's ``Namespace`` (created by the shared operator)."""
    return clean_obj({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name, None, operator_labels())})


def _plain(obj: Any, *, sort: bool = False) -> Any:
    """Mappings -> dicts (keys sorted with ``sort``), tuples -> lists: plain YAML data."""
    if isinstance(obj, Mapping):
        items = sorted(obj.items(), key=lambda kv: str(kv[0])) if sort else obj.items()
        return {k: _plain(x, sort=sort) for k, x in items}
    if isinstance(obj, (list, tuple)):
        return [_plain(x, sort=sort) for x in obj]
    return obj


def values_yaml(values: Mapping[str, Any], encode: Callable[[Any], str] | None = None) -> str:
    """Chart values as one YAML document, keys sorted (deterministic), no aliases, no folding.
    Terraform references among them (apply mode) are written as ``encode(reference)`` (the operator
    construct passes ``cdktf.Fn.jsonencode``: Terraform substitutes each value as JSON, which YAML
    reads back with its type, whatever characters it holds; see
    ``dw_constructs._yaml.dump_with_references``); without ``encode`` there must be none."""

    def dump(data: Any) -> str:
        return yaml.dump(
            _plain(data),
            Dumper=_NoAliasDumper,
            sort_keys=True,
            default_flow_style=False,
            allow_unicode=True,
            width=4096,
        )

    if encode is None:
        if c.contains_token(values):
            raise ValueError("chart values hold Terraform references: pass encode (cdktf.Fn.jsonencode)")
        return dump(values)
    return dump_with_references(values, dump, encode)


@dataclass(frozen=True)
class SharedOperator:
    """What is installed once per Kubernetes cluster (apply mode: per helm provider; render mode:
    per GitOps tree): the operator settings and the decisions the clusters sharing it imply."""

    props: OperatorProps
    install_operator: bool = True
    install_plugin: bool = False
    #: render mode: namespace of the Flux HelmRepository objects
    flux_namespace: str = "flux-system"
    #: render mode: folder of the operator namespace and the HelmRelease files
    render_dir: str = OPERATORS_DIR


def helm_repository(name: str, url: str, flux_namespace: str) -> dict[str, Any]:
    """Flux ``HelmRepository`` (``type: oci`` for an ``oci://`` URL)."""
    return clean_obj(
        {
            "apiVersion": v.FLUX_SOURCE_API_VERSION,
            "kind": "HelmRepository",
            "metadata": _meta(name, flux_namespace, None),
            "spec": {"interval": FLUX_INTERVAL, "type": "oci" if is_oci(url) else None, "url": url},
        }
    )


def _flux_helm_release(
    s: SharedOperator,
    name: str,
    chart: str,
    version: str,
    repository_name: str,
    depends_on: str | None,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    no_wait = True if s.props.wait is False else None
    release = clean_obj(
        {
            "apiVersion": v.FLUX_HELM_API_VERSION,
            "kind": "HelmRelease",
            "metadata": _meta(name, s.props.namespace, operator_labels()),
            "spec": {
                "interval": FLUX_INTERVAL,
                "releaseName": name,
                "chart": {
                    "spec": {
                        "chart": chart,
                        "version": version,
                        "sourceRef": {"kind": "HelmRepository", "name": repository_name, "namespace": s.flux_namespace},
                    }
                },
                "dependsOn": [{"name": depends_on}] if depends_on else None,
                "install": {"remediation": {"retries": 3}, "disableWait": no_wait},
                "upgrade": {"remediation": {"retries": 3}, "disableWait": no_wait},
            },
        }
    )
    if values:  # user values as given (not cleaned: an empty list or false may be meant), keys sorted
        release["spec"]["values"] = _plain(values, sort=True)
    return release


def operator_helm_release(s: SharedOperator, repository_name: str = HELM_REPOSITORY_NAME) -> dict[str, Any]:
    """Flux ``HelmRelease`` of the operator (pinned chart version, the operator values)."""
    return _flux_helm_release(
        s, v.CNPG_RELEASE_NAME, v.CNPG_CHART_NAME, s.props.chart_version, repository_name, None, s.props.values
    )


def barman_plugin_helm_release(s: SharedOperator, repository_name: str = HELM_REPOSITORY_NAME) -> dict[str, Any]:
    """Flux ``HelmRelease`` of the Barman Cloud plugin, after the operator when it is ours (needs
    cert-manager)."""
    return _flux_helm_release(
        s,
        v.BARMAN_PLUGIN_RELEASE_NAME,
        v.BARMAN_PLUGIN_CHART_NAME,
        s.props.plugin_chart_version,
        repository_name,
        v.CNPG_RELEASE_NAME if s.install_operator else None,
        s.props.plugin_values,
    )


def _release_args(
    op: OperatorProps,
    name: str,
    chart: str,
    version: str,
    src: HelmChartSource,
    values: Mapping[str, Any],
    chart_path: str | None,
    encode: Callable[[Any], str] | None,
) -> dict[str, Any]:
    args: dict[str, Any] = {"name": name}
    if src.path is not None:
        args["chart"] = chart_path if chart_path is not None else os.fspath(src.path)
    else:
        args["repository"] = chart_repository(src)
        args["chart"] = chart
    args.update(
        {"version": version, "namespace": op.namespace, "create_namespace": False, "atomic": op.wait, "wait": op.wait}
    )
    if values:
        args["values"] = [values_yaml(values, encode)]
    return args


def operator_release_args(
    op: OperatorProps, chart_path: str | None = None, encode: Callable[[Any], str] | None = None
) -> dict[str, Any]:
    """Arguments of the apply-mode ``helm_release`` of the operator. A local chart is given as
    ``chart_path`` (the cdktf asset's path) and has no repository. ``encode``: how references among
    the values are written (see :func:`values_yaml`)."""
    return _release_args(
        op, v.CNPG_RELEASE_NAME, v.CNPG_CHART_NAME, op.chart_version, op.chart_source, op.values, chart_path, encode
    )


def barman_plugin_release_args(
    op: OperatorProps, chart_path: str | None = None, encode: Callable[[Any], str] | None = None
) -> dict[str, Any]:
    """Arguments of the apply-mode ``helm_release`` of the Barman Cloud plugin (``chart_path``,
    ``encode``: as for :func:`operator_release_args`)."""
    src = plugin_source(op)
    if src is None:
        raise ValueError("no source for the plugin chart: set plugin_chart_source (the operator chart is local)")
    return _release_args(
        op,
        v.BARMAN_PLUGIN_RELEASE_NAME,
        v.BARMAN_PLUGIN_CHART_NAME,
        op.plugin_chart_version,
        src,
        op.plugin_values,
        chart_path,
        encode,
    )


def cluster(p: ClusterProps) -> dict[str, Any]:
    """The CNPG ``Cluster``: PostGIS image, initdb with database/owner, Barman Cloud plugin for WAL
    archiving when backups are on (never the deprecated in-tree ``spec.backup.barmanObjectStore``)."""
    eso = p.eso.enabled
    r = p.resources
    return clean_obj(
        {
            "apiVersion": v.CNPG_API_VERSION,
            "kind": "Cluster",
            "metadata": _meta(cluster_name_of(p), p.cluster_namespace, labels(p, "database")),
            "spec": {
                "instances": p.instances,
                "imageName": image_of(p),
                "enableSuperuserAccess": superuser_access(p),
                "superuserSecret": {"name": superuser_secret_name(p)} if eso else None,
                "bootstrap": {
                    "initdb": {
                        "database": p.database_name,
                        "owner": p.database_owner,
                        "secret": {"name": app_secret_name(p)} if eso else None,
                    }
                },
                "storage": {"size": p.storage_size, "storageClass": p.storage_class},
                "resources": {
                    "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
                    "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
                },
                "plugins": [
                    {
                        "name": v.BARMAN_PLUGIN_NAME,
                        "enabled": True,
                        "isWALArchiver": True,
                        "parameters": {"barmanObjectName": object_store_name(p)},
                    }
                ]
                if p.backup.enabled
                else None,
            },
        }
    )


def database(p: ClusterProps) -> dict[str, Any]:
    """CNPG ``Database`` CR adopting the initdb database and managing the PostGIS extensions."""
    pinned = p.image_name is None
    return clean_obj(
        {
            "apiVersion": v.CNPG_API_VERSION,
            "kind": "Database",
            "metadata": _meta(database_cr_name(p), p.cluster_namespace, labels(p, "database")),
            "spec": {
                "name": p.database_name,
                "owner": p.database_owner,
                "cluster": {"name": p.cluster_name},
                "ensure": "present",
                "extensions": [
                    {
                        "name": ext,
                        "ensure": "present",
                        "version": v.POSTGIS_VERSION if pinned and ext in _POSTGIS_VERSIONED else None,
                    }
                    for ext in POSTGIS_EXTENSIONS
                ],
            },
        }
    )


def object_store(p: ClusterProps) -> dict[str, Any]:
    """Barman Cloud plugin ``ObjectStore`` (``barmancloud.cnpg.io/v1``)."""
    b, secret = p.backup, s3_secret_name(p)
    return clean_obj(
        {
            "apiVersion": v.BARMAN_API_VERSION,
            "kind": "ObjectStore",
            "metadata": _meta(object_store_name(p), p.cluster_namespace, labels(p, "backup")),
            "spec": {
                "retentionPolicy": b.retention_policy,
                "configuration": {
                    "destinationPath": b.destination_path,
                    "endpointURL": b.endpoint_url,
                    "s3Credentials": {
                        "accessKeyId": {"name": secret, "key": S3_ACCESS_KEY_ID_KEY},
                        "secretAccessKey": {"name": secret, "key": S3_SECRET_ACCESS_KEY_KEY},
                    },
                    "wal": {"compression": b.compression},
                    "data": {"compression": b.compression},
                },
            },
        }
    )


def scheduled_backup(p: ClusterProps) -> dict[str, Any]:
    """``ScheduledBackup`` through the Barman Cloud plugin (6-field cron, seconds first)."""
    return clean_obj(
        {
            "apiVersion": v.CNPG_API_VERSION,
            "kind": "ScheduledBackup",
            "metadata": _meta(f"{p.cluster_name}-scheduled", p.cluster_namespace, labels(p, "backup")),
            "spec": {
                "schedule": p.backup.schedule,
                "immediate": True,
                "backupOwnerReference": "self",
                "cluster": {"name": p.cluster_name},
                "method": "plugin",
                "pluginConfiguration": {"name": v.BARMAN_PLUGIN_NAME},
            },
        }
    )


def s3_credentials_secret(p: ClusterProps, access_key_id: str, secret_access_key: str) -> dict[str, Any]:
    """The S3 credentials ``Secret``; values are references (apply) or substitution variables (render)."""
    return clean_obj(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(s3_secret_name(p), p.cluster_namespace, {**labels(p, "backup"), **_RELOAD_LABEL}),
            "type": "Opaque",
            "stringData": {S3_ACCESS_KEY_ID_KEY: access_key_id, S3_SECRET_ACCESS_KEY_KEY: secret_access_key},
        }
    )


def render_s3_values() -> tuple[str, str]:
    """Render mode's Secret values: Flux post-build substitution variables, never credentials."""
    key_id, secret = RENDER_S3_VARIABLES[S3_ACCESS_KEY_ID_KEY], RENDER_S3_VARIABLES[S3_SECRET_ACCESS_KEY_KEY]
    return f"${{{key_id}}}", f"${{{secret}}}"


def _external_secret(
    p: ClusterProps, target: str, template: Mapping[str, Any] | None, data: list[dict[str, Any]]
) -> dict[str, Any]:
    return clean_obj(
        {
            "apiVersion": v.ESO_API_VERSION,
            "kind": "ExternalSecret",
            "metadata": _meta(target, p.cluster_namespace, labels(p, "credentials")),
            "spec": {
                "refreshInterval": p.eso.refresh_interval,
                "secretStoreRef": {"kind": "ClusterSecretStore", "name": p.eso.cluster_secret_store_name},
                "target": {"name": target, "creationPolicy": "Owner", "template": template},
                "data": data,
            },
        }
    )


def _basic_auth(
    p: ClusterProps, target: str, username: str, remote_key: str, extra: Mapping[str, str]
) -> dict[str, Any]:
    template = {
        "type": "kubernetes.io/basic-auth",
        "metadata": {"labels": dict(_RELOAD_LABEL)},
        "data": {"username": username, "password": "{{ .password }}", **extra},
    }
    data = [{"secretKey": "password", "remoteRef": {"key": remote_key, "property": p.eso.password_property}}]
    return _external_secret(p, target, template, data)


def external_secret_superuser(p: ClusterProps) -> dict[str, Any]:
    """ESO secret ``<cluster>-superuser`` (basic-auth, user ``postgres``) = ``spec.superuserSecret``."""
    return _basic_auth(
        p, superuser_secret_name(p), SUPERUSER, p.eso.superuser_remote_key or superuser_secret_name(p), {}
    )


def external_secret_app(p: ClusterProps) -> dict[str, Any]:
    """ESO secret ``<cluster>-app`` (basic-auth, user = owner) = ``bootstrap.initdb.secret``; also
    carries host/port/dbname/user like the secret CNPG would generate."""
    extra = {
        "host": f"{p.cluster_name}-rw.{p.cluster_namespace}",
        "port": str(POSTGRES_PORT),
        "dbname": p.database_name,
        "user": p.database_owner,
    }
    return _basic_auth(p, app_secret_name(p), p.database_owner, p.eso.app_remote_key or app_secret_name(p), extra)


def external_secret_backup(p: ClusterProps) -> dict[str, Any]:
    """ESO secret ``<cluster>-s3-credentials`` with the keys the ``ObjectStore`` references."""
    key = p.eso.backup_remote_key or s3_secret_name(p)
    template = {
        "type": "Opaque",
        "metadata": {"labels": dict(_RELOAD_LABEL)},
        "data": {k: f"{{{{ .{k} }}}}" for k in (S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY)},
    }
    data = [
        {"secretKey": S3_ACCESS_KEY_ID_KEY, "remoteRef": {"key": key, "property": p.eso.access_key_id_property}},
        {
            "secretKey": S3_SECRET_ACCESS_KEY_KEY,
            "remoteRef": {"key": key, "property": p.eso.secret_access_key_property},
        },
    ]
    return _external_secret(p, s3_secret_name(p), template, data)


def kustomization(resources: Iterable[str]) -> dict[str, Any]:
    return {"apiVersion": v.KUSTOMIZE_API_VERSION, "kind": "Kustomization", "resources": list(resources)}


def flux_path(f: FluxProps, folder: str) -> str:
    """``spec.path`` of the Flux Kustomization of ``folder``: ``./<path_prefix>/<folder>``."""
    return "./" + "/".join(x for x in (f.path_prefix.strip("/"), folder) if x)


def flux_kustomization(
    f: FluxProps,
    flux_namespace: str,
    name: str,
    folder: str,
    *,
    depends_on: Sequence[str] = (),
    health_checks: Sequence[Mapping[str, str]] = (),
    substitute: bool = False,
    timeout: str | None = None,
) -> dict[str, Any]:
    """Flux ``Kustomization`` (``kustomize.toolkit.fluxcd.io/v1``) reconciling one folder of the tree
    from the GitRepository ``f.source_name``, with garbage collection (``prune``), the given health
    checks (CNPG Clusters judged by :data:`CLUSTER_HEALTH_EXPR`) and, with ``substitute``, Flux
    post-build substitution from the Secret ``f.substitute_from``."""
    clusters = any(h["kind"] == "Cluster" for h in health_checks)
    return clean_obj(
        {
            "apiVersion": v.FLUX_KUSTOMIZE_API_VERSION,
            "kind": "Kustomization",
            "metadata": _meta(name, flux_namespace, {"app.kubernetes.io/managed-by": MANAGED_BY}),
            "spec": {
                "interval": f.interval,
                "dependsOn": [{"name": d} for d in depends_on],
                "sourceRef": {"kind": "GitRepository", "name": f.source_name},
                "path": flux_path(f, folder),
                "prune": True,
                "timeout": timeout,
                "healthChecks": [dict(h) for h in health_checks],
                "healthCheckExprs": [
                    {"apiVersion": v.CNPG_API_VERSION, "kind": "Cluster", "current": CLUSTER_HEALTH_EXPR}
                ]
                if clusters
                else None,
                "postBuild": {"substituteFrom": [{"kind": "Secret", "name": f.substitute_from}]}
                if substitute
                else None,
            },
        }
    )


# ------------------------------------------------------------------------------------------------
# The plan: which objects, in which order, under which construct id and file name


@dataclass(frozen=True)
class Item:
    """One object of the plan: ``key`` is its construct id (apply mode), ``path`` its file (render)."""

    key: str
    path: str
    manifest: dict[str, Any]
    #: the props the path is made from (named in the error when two paths collide)
    path_props: tuple[str, ...] = ()
    #: render trees of several clusters: index of the cluster the file belongs to (-1: the shared operator)
    owner: int = 0


def plan(p: ClusterProps, *, s3_values: tuple[str, str] | None = None) -> list[Item]:
    """The Kubernetes objects of the cluster, in apply/render order (its namespace first, the
    Cluster after its secrets and object store, the Database and ScheduledBackup after the
    Cluster). The shared operator's objects are not here (:func:`operator_render_items`, and the
    ``CnpgOperator`` construct in apply mode).

    ``s3_values`` are the Secret's (access key id, secret access key) when the construct manages it:
    references in apply mode; :func:`render_s3_values` by default.
    """
    d, name = DATABASES_DIR, p.cluster_name
    items: list[Item] = []
    if creates_namespace(p):
        items.append(
            Item(
                "Namespace",
                f"{d}/namespace-{p.cluster_namespace}.yaml",
                namespace(p, p.cluster_namespace, "database"),
                ("cluster_namespace",),
            )
        )
    if p.eso.enabled:
        items.append(
            Item(
                "SuperuserExternalSecret",
                f"{d}/{name}-external-secret-superuser.yaml",
                external_secret_superuser(p),
                ("cluster_name",),
            )
        )
        items.append(
            Item("AppExternalSecret", f"{d}/{name}-external-secret-app.yaml", external_secret_app(p), ("cluster_name",))
        )
    source = s3_source(p)
    if source is S3Source.ESO:
        items.append(
            Item(
                "BackupExternalSecret",
                f"{d}/{name}-external-secret-backup.yaml",
                external_secret_backup(p),
                ("cluster_name",),
            )
        )
    elif source is S3Source.MANAGED:
        items.append(
            Item(
                "S3Credentials",
                f"{d}/{name}-s3-credentials-secret.yaml",
                s3_credentials_secret(p, *(s3_values or render_s3_values())),
                ("cluster_name",),
            )
        )
    if p.backup.enabled:
        items.append(Item("ObjectStore", f"{d}/{name}-objectstore.yaml", object_store(p), ("cluster_name",)))
    items.append(Item("Resource", f"{d}/{name}-cluster.yaml", cluster(p), ("cluster_name",)))
    if p.postgis_enabled:
        items.append(Item("Database", f"{d}/{name}-database.yaml", database(p), ("cluster_name",)))
    if p.backup.enabled:
        items.append(
            Item("ScheduledBackup", f"{d}/{name}-scheduled-backup.yaml", scheduled_backup(p), ("cluster_name",))
        )
    return items


def shared_operator_of(clusters: Sequence[ClusterProps]) -> SharedOperator | None:
    """The operator a render tree of ``clusters`` installs (None when none of them installs the
    operator or the plugin). Settings come from the first cluster that uses the operator (the
    others must agree: :func:`tree_problems`); the plugin is installed when
    ``operator.install_plugin`` says so or, when that is None, when a cluster needs it."""
    users = [p for p in clusters if uses_operator(p)]
    if not users:
        return None
    first = users[0]
    op = operator_of(first)
    plugin = op.install_plugin if op.install_plugin is not None else any(plugin_wanted(p) is True for p in clusters)
    return SharedOperator(
        props=op,
        install_operator=first.install_operator is True,
        install_plugin=plugin,
        flux_namespace=first.flux_namespace,
        render_dir=first.operator_render_dir,
    )


def operator_render_items(s: SharedOperator) -> tuple[list[Item], list[Item]]:
    """The shared operator's files: (namespace items, Flux items: HelmRepository objects and the
    operator/plugin HelmReleases)."""
    op, d = s.props, s.render_dir
    namespaces: list[Item] = []
    if s.install_operator and op.create_namespace:
        namespaces.append(
            Item(
                "OperatorNamespace",
                f"{d}/namespace-{op.namespace}.yaml",
                operator_namespace_manifest(op.namespace),
                ("operator_namespace", "operator_render_dir"),
                owner=-1,
            )
        )
    repositories: dict[str, str] = {}  # url -> HelmRepository name
    charts: list[tuple[str, str]] = []
    if s.install_operator:
        charts.append(("operator", _render_repository(op.chart_source)))
    if s.install_plugin:
        charts.append(("plugin", _render_repository(plugin_source(op) or HelmChartSource())))
    for _, url in charts:
        if url not in repositories:
            repositories[url] = PLUGIN_HELM_REPOSITORY_NAME if repositories else HELM_REPOSITORY_NAME
    flux = [
        Item(
            "HelmRepository" if name == HELM_REPOSITORY_NAME else f"HelmRepository:{name}",
            f"{SOURCES_DIR}/{name}-repo.yaml",
            helm_repository(name, url, s.flux_namespace),
            ("flux_namespace",),
            owner=-1,
        )
        for url, name in repositories.items()
    ]
    for which, url in charts:
        if which == "operator":
            flux.append(
                Item(
                    "OperatorHelmRelease",
                    f"{d}/cnpg-operator-helmrelease.yaml",
                    operator_helm_release(s, repositories[url]),
                    ("operator_render_dir",),
                    owner=-1,
                )
            )
        else:
            flux.append(
                Item(
                    "BarmanCloudPluginHelmRelease",
                    f"{d}/barman-cloud-plugin-helmrelease.yaml",
                    barman_plugin_helm_release(s, repositories[url]),
                    ("operator_render_dir",),
                    owner=-1,
                )
            )
    return namespaces, flux


def _prune_protected(items: list[Item], clusters: Sequence[ClusterProps]) -> list[Item]:
    """Render mode's ``prevent_destroy``: the Cluster of a protected cluster, and every Namespace a
    protected cluster lives in, carry :data:`PRUNE_DISABLED` (Flux's prune never deletes them)."""
    protected = [p for p in clusters if p.prevent_destroy is True]
    namespaces = {p.cluster_namespace for p in protected}
    out = []
    for item in items:
        m = item.manifest
        if (m["kind"] == "Namespace" and m["metadata"]["name"] in namespaces) or (
            m["kind"] == "Cluster" and item.owner >= 0 and clusters[item.owner].prevent_destroy is True
        ):
            meta = {**m["metadata"], "annotations": {**m["metadata"].get("annotations", {}), **PRUNE_DISABLED}}
            item = dataclasses.replace(item, manifest={**m, "metadata": meta})
        out.append(item)
    return out


def flux_kustomization_items(
    items: Sequence[Item], folders: Sequence[str], f: FluxProps, flux_namespace: str
) -> list[Item]:
    """One Flux Kustomization per folder (in ``folders`` order, each ``dependsOn`` the one before,
    the first ``f.depends_on``), written to ``f.render_dir``: named ``<name_prefix>sources`` /
    ``operators`` / ``databases`` after the folder's role; health checks of its HelmReleases and
    Clusters; post-build substitution where a managed S3 Secret is."""
    out: list[Item] = []
    previous: Sequence[str] = tuple(f.depends_on)
    for folder in folders:
        files = [i for i in items if str(PurePosixPath(i.path).parent) == folder]
        role = "databases" if folder == DATABASES_DIR else "sources" if folder == SOURCES_DIR else "operators"
        name = f"{f.name_prefix}{role}"
        checks = [
            {
                "apiVersion": i.manifest["apiVersion"],
                "kind": i.manifest["kind"],
                "name": i.manifest["metadata"]["name"],
                "namespace": i.manifest["metadata"]["namespace"],
            }
            for i in files
            if i.manifest["kind"] in ("HelmRelease", "Cluster")
        ]
        kinds = {h["kind"] for h in checks}
        timeout = FLUX_DATABASES_TIMEOUT if "Cluster" in kinds else FLUX_OPERATORS_TIMEOUT if kinds else None
        manifest = flux_kustomization(
            f,
            flux_namespace,
            name,
            folder,
            depends_on=previous,
            health_checks=checks,
            substitute=any(i.key == "S3Credentials" for i in files),
            timeout=timeout,
        )
        out.append(
            Item(f"FluxKustomization:{role}", f"{f.render_dir}/{name}.yaml", manifest, ("flux.render_dir",), owner=-1)
        )
        previous = (name,)
    return out


def render_plan_of(clusters: Sequence[ClusterProps]) -> list[Item]:
    """Every file of the GitOps tree of ``clusters`` (one tree, one shared operator): the Flux
    Kustomization objects (:class:`FluxProps`, settings of the first cluster), the operator
    namespace and the clusters' namespaces, the Flux sources and HelmReleases, the clusters' objects
    in order, plus one kustomization.yaml per folder listing exactly the files in that folder.
    Folders in bootstrap order: Flux Kustomizations, sources, operators, databases. ``Item.owner``
    is the index of the cluster a file belongs to (-1: the shared operator, the tree)."""
    shared = shared_operator_of(clusters)
    op_namespaces, flux = operator_render_items(shared) if shared else ([], [])
    namespaces: list[Item] = []
    rest: list[Item] = []
    for i, p in enumerate(clusters):
        for item in plan(p):
            item = dataclasses.replace(item, owner=i)
            (namespaces if item.manifest["kind"] == "Namespace" else rest).append(item)
    items = _prune_protected(op_namespaces + namespaces + flux + rest, clusters)
    op_dir = shared.render_dir if shared else DATABASES_DIR
    folders = list(dict.fromkeys(str(PurePosixPath(i.path).parent) for i in items))  # first-use order
    folders = sorted(folders, key=lambda f: (f != SOURCES_DIR, f != op_dir, folders.index(f)))
    gitops = clusters[0].flux if clusters else None
    if isinstance(gitops, FluxProps) and gitops.enabled is True:
        items = flux_kustomization_items(items, folders, gitops, clusters[0].flux_namespace) + items
        folders.insert(0, gitops.render_dir)
    out: list[Item] = []
    for folder in folders:
        files = [i for i in items if str(PurePosixPath(i.path).parent) == folder]
        out += files
        out.append(
            Item(
                f"Kustomization:{folder}",
                f"{folder}/kustomization.yaml",
                kustomization(PurePosixPath(i.path).name for i in files),
                owner=-1,
            )
        )
    return out


def render_plan(p: ClusterProps) -> list[Item]:
    """Every file of the GitOps tree of the single cluster ``p`` (see :func:`render_plan_of`)."""
    return render_plan_of([p])


def _describe(item: Item, owners: Sequence[str] | None) -> str:
    text = f"the {item.manifest.get('kind')} {item.manifest.get('metadata', {}).get('name')!r}"
    if owners is not None:
        text += " of the shared operator" if item.owner < 0 else f" of {owners[item.owner]!r}"
    return text


def render_path_problems_of(
    clusters: Sequence[ClusterProps], owners: Sequence[str] | None = None, *, only: int | None = None
) -> list[Problem]:
    """Two objects written to the same file (e.g. cluster_name 'namespace' in namespace 'cluster',
    or two clusters of one tree creating the same namespace). ``owners`` names the clusters (their
    construct paths) in the messages; ``only`` keeps the problems of that cluster."""
    seen: dict[str, Item] = {}
    problems = []
    for item in render_plan_of(clusters):
        first = seen.setdefault(item.path, item)
        if first is item:
            continue
        mine, other = (first, item) if only is not None and first.owner == only else (item, first)
        if only is not None and mine.owner != only:
            continue
        if {mine.manifest.get("kind"), other.manifest.get("kind")} == {"Namespace"} and mine.owner >= 0:
            problems.append(
                Problem(
                    "create_namespace",
                    True,
                    f"False: {_describe(other, owners)} is written to {item.path!r} already "
                    "(one namespace, one file; this cluster then uses it)",
                )
            )
            continue
        props = mine.path_props or other.path_props or ("cluster_name",)
        prop = props[0]
        value = getattr(clusters[mine.owner], prop, None) if mine.owner >= 0 else None
        problems.append(
            Problem(
                prop,
                value,
                f"a value whose render path does not collide: {item.path!r} would hold both "
                f"{_describe(other, owners)} and {_describe(mine, owners)}",
            )
        )
    return problems


def render_path_problems(p: ClusterProps) -> list[Problem]:
    """Two objects of ``p``'s tree written to the same file (e.g. cluster_name 'namespace' in
    namespace 'cluster')."""
    return render_path_problems_of([p])


def operator_settings(p: ClusterProps, *, render: bool) -> dict[str, Any]:
    """What a cluster asks of the shared operator, keyed by the prop that sets it (compared between
    the clusters sharing one operator; local chart paths resolved, mappings made plain)."""
    return settings_of(
        operator_of(p),
        p.install_operator,
        render=render,
        flux_namespace=p.flux_namespace,
        render_dir=p.operator_render_dir,
    )


def _normal_source(src: Any) -> Any:
    if isinstance(src, HelmChartSource) and isinstance(src.path, (str, os.PathLike)) and not c.is_token(src.path):
        return dataclasses.replace(src, path=str(Path(src.path).resolve()))
    return src


def settings_of(
    op: OperatorProps,
    install_operator: Any,
    *,
    render: bool = False,
    flux_namespace: Any = None,
    render_dir: Any = None,
) -> dict[str, Any]:
    """Comparable operator settings (see :func:`operator_settings`)."""
    names = {"namespace": "operator_namespace", "chart_version": "operator_chart_version"}
    out: dict[str, Any] = {"install_operator": install_operator}
    for f in dataclasses.fields(OperatorProps):
        value = getattr(op, f.name)
        if f.name in ("chart_source", "plugin_chart_source"):
            value = _normal_source(value)
        elif f.name in ("values", "plugin_values"):
            value = _plain(value)
        out[names.get(f.name, f"operator.{f.name}")] = value
    if render:
        out["flux_namespace"] = flux_namespace
        out["operator_render_dir"] = render_dir
    return out


def setting_conflicts(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(prop, mine, theirs) for every setting that differs."""
    return [(k, mine[k], theirs.get(k)) for k in mine if mine[k] != theirs.get(k)]


_SHARE_HINT = (
    "one CNPG operator per {scope} serves all its clusters: give each the same operator settings, "
    "or declare one CnpgOperator and pass operator= to each"
)


def conflict_problems(conflicts: Iterable[tuple[str, Any, Any]], where: str, scope: str) -> list[Problem]:
    """One problem per differing setting: ``where`` says who asked for the other value (e.g.
    "as 's/A' asks of the shared operator 's/CnpgOperator-cnpg-system'")."""
    return [
        Problem(prop, _shown(mine), f"{_shown(theirs)!r} {where}; " + _SHARE_HINT.format(scope=scope))
        for prop, mine, theirs in conflicts
    ]


def _shown(value: Any) -> Any:
    if isinstance(value, HelmChartSource):
        return {
            k: (os.fspath(x) if isinstance(x, os.PathLike) else x)
            for k, x in dataclasses.asdict(value).items()
            if x is not None
        } or "upstream repository"
    return value


def plugin_problems(
    p: ClusterProps,
    wanted_by: Sequence[str],
    refused_by: Sequence[str],
    operator_install_plugin: bool | None,
    operator_path: str,
) -> list[Problem]:
    """The Barman Cloud plugin is installed once: a cluster that needs it installed
    (``backup.install_plugin``) and one that leaves it to the platform cannot share an operator."""
    want = plugin_wanted(p)
    if want is True:
        if operator_install_plugin is False:
            return [
                Problem(
                    "backup.install_plugin",
                    True,
                    f"False: the operator {operator_path!r} has "
                    "install_plugin=False (the platform installs the plugin)",
                )
            ]
        if refused_by:
            return [
                Problem(
                    "backup.install_plugin",
                    True,
                    f"False as {refused_by[0]!r} says (the platform installs the plugin); both share one operator",
                )
            ]
    elif want is False:
        if operator_install_plugin is True:
            return [
                Problem(
                    "backup.install_plugin",
                    False,
                    f"True: the operator {operator_path!r} installs the plugin (install_plugin=True)",
                )
            ]
        if wanted_by:
            return [
                Problem(
                    "backup.install_plugin",
                    False,
                    f"True as {wanted_by[0]!r} says (the shared operator installs the plugin for it)",
                )
            ]
    return []


def tree_problems(p: ClusterProps, others: Sequence[tuple[str, ClusterProps]], path: str) -> list[Problem]:
    """Problems of adding the render-mode cluster ``p`` (construct path ``path``) to the GitOps
    tree that holds ``others`` ((path, props) of the render-mode clusters of the same stack)."""
    problems: list[Problem] = []
    users = [(o_path, q) for o_path, q in others if uses_operator(q)]
    if uses_operator(p) and users:
        o_path, q = users[0]
        problems += conflict_problems(
            setting_conflicts(operator_settings(p, render=True), operator_settings(q, render=True)),
            f"as {o_path!r} asks",
            "GitOps tree (render mode: one tree per stack)",
        )
    if not problems and users:
        op = operator_of(users[0][1])
        problems += plugin_problems(
            p,
            [o for o, q in others if plugin_wanted(q) is True],
            [o for o, q in others if plugin_wanted(q) is False],
            op.install_plugin,
            "of the tree",
        )
    if not problems and others:
        o_path, q = others[0]
        problems += [
            Problem(
                prop,
                mine,
                f"{theirs!r} as {o_path!r} asks; the render-mode clusters of a stack "
                "write one GitOps tree with one set of Flux Kustomizations: give each "
                "the same flux settings",
            )
            for prop, mine, theirs in setting_conflicts(tree_settings(p), tree_settings(q))
        ]
    if not problems:
        clusters = [q for _, q in others] + [p]
        problems += render_path_problems_of(clusters, [o for o, _ in others] + [path], only=len(others))
    return problems


def tree_settings(p: ClusterProps) -> dict[str, Any]:
    """What a render-mode cluster asks of the tree it shares with the other render-mode clusters of
    its stack: the Flux Kustomizations' settings (compared between them)."""
    out: dict[str, Any] = {"flux_namespace": p.flux_namespace}
    if isinstance(p.flux, FluxProps):
        for f in dataclasses.fields(FluxProps) if p.flux.enabled is True else [dataclasses.fields(FluxProps)[0]]:
            value = getattr(p.flux, f.name)
            out[f"flux.{f.name}"] = list(value) if isinstance(value, (list, tuple)) else value
    return out


class _NoAliasDumper(yaml.SafeDumper):
    """Safe YAML without anchors/aliases (a repeated dict is written out each time)."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: D401 - PyYAML hook
        return True


def to_yaml(obj: Mapping[str, Any]) -> str:
    """Deterministic YAML: builder key order, block style, no aliases, no line folding."""
    return yaml.dump(
        obj, Dumper=_NoAliasDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
    )


def render_tree(p: ClusterProps) -> dict[str, str]:
    """Render mode's output for one cluster: a map relative path -> YAML document (ordered as written)."""
    return render_tree_of([p])


def render_tree_of(clusters: Sequence[ClusterProps]) -> dict[str, str]:
    """The GitOps tree of several clusters sharing one operator (see :func:`render_plan_of`)."""
    return {item.path: to_yaml(item.manifest) for item in render_plan_of(clusters)}


def write_rendered(manifests: Mapping[str, str], directory: str | os.PathLike[str]) -> list[Path]:
    """Write a rendered tree (path -> YAML) below ``directory``; returns the files written.

    Paths must be relative and stay inside ``directory``. Files not in ``manifests`` are left alone
    (delete a folder first to prune it).
    """
    root = Path(directory).resolve()
    written = []
    for rel, text in manifests.items():
        rel_path = PurePosixPath(rel)
        if rel_path.is_absolute() or ".." in rel_path.parts or not rel_path.parts:
            raise ValueError(f"rendered path {rel!r} must be relative and stay inside {root}")
        target = root.joinpath(*rel_path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


# ------------------------------------------------------------------------------------------------
# What downstream code (and policy) relies on


def sync_policy_contract(p: ClusterProps) -> dict[str, Any]:
    """The contract object: cluster, endpoints, database, credentials, backup (or None), postgis_enabled."""
    ns = p.cluster_namespace
    return {
        "cluster": {"name": p.cluster_name, "namespace": ns},
        "endpoints": {
            "primary": {"host": primary_host(p), "port": POSTGRES_PORT},
            "replica": {"host": replica_host(p), "port": POSTGRES_PORT},
        },
        "database": {"name": p.database_name, "owner": p.database_owner},
        "credentials": {
            "superuser_secret": {"name": superuser_secret_name(p), "namespace": ns},
            "app_secret": {"name": app_secret_name(p), "namespace": ns},
        },
        "backup": (
            {"destination_path": p.backup.destination_path, "schedule": p.backup.schedule} if p.backup.enabled else None
        ),
        "postgis_enabled": p.postgis_enabled,
    }
