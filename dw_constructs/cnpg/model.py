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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

import yaml

from dw_constructs import _checks as c
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
RENDER_S3_VARIABLES = {S3_ACCESS_KEY_ID_KEY: "CNPG_S3_ACCESS_KEY_ID",
                       S3_SECRET_ACCESS_KEY_KEY: "CNPG_S3_SECRET_ACCESS_KEY"}
SOURCES_DIR = "platform/sources"
DATABASES_DIR = "platform/databases"
HELM_REPOSITORY_NAME = "cloudnative-pg"
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
        enabled: turn backups (WAL archiving + scheduled base backups) on. Default: False.
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
            operator. Default: True (set False when the platform installs the plugin).
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
            credentials. Default: False (CNPG generates the app password itself).
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
class ClusterProps:
    """A CloudNativePG ``Cluster`` running PostGIS, with its operator, backups and credentials.

    Attributes:
        mode: ``Mode.APPLY`` (Terraform applies) or ``Mode.RENDER`` (Terraform renders a GitOps
            tree). Required.
        cluster_name: the ``Cluster`` name, a DNS-1035 label of at most 50 characters.
            Default: - derived from the construct id in kebab case (``WildsidePg`` -> ``wildside-pg``).
        operator_namespace: namespace of the operator (and the Barman Cloud plugin). Default: "cnpg-system".
        cluster_namespace: namespace of the Cluster and everything belonging to it. Default: "databases".
        instances: PostgreSQL instances (1 primary + n-1 replicas), 1..16. Default: 3.
        storage_size: PVC size per instance, a Kubernetes quantity. Default: "10Gi".
        storage_class: StorageClass of the PVCs. Default: None (the cluster's default class).
        postgres_major: PostgreSQL major version, one of ``versions.POSTGIS_IMAGES`` (14..18).
            Default: 16.
        image_name: operand image override. Default: None (the pinned PostGIS image of
            ``postgres_major`` from ``versions.POSTGIS_IMAGES``; extension versions pinned too).
        postgis_enabled: manage the PostGIS extensions with a ``Database`` CR. Default: True.
        database_name: application database. Default: "app".
        database_owner: owner role of the application database. Default: "app".
        resources: instance pod resources. Default: ClusterResources().
        install_operator: install the CNPG operator chart (and its namespace). Default: True
            (set False when another stack or the platform already runs the operator).
        operator_chart_version: ``cloudnative-pg`` chart version. Default: versions.CNPG_CHART_VERSION
            ("0.29.0", operator 1.30.0).
        enable_superuser_access: ``spec.enableSuperuserAccess``. Default: None (True when ESO is
            on, the superuser password then coming from ESO; False otherwise, CNPG's default).
        backup: backups. Default: BackupProps() (disabled).
        eso: External Secrets. Default: EsoProps() (disabled).
        flux_namespace: render mode: namespace of the Flux ``HelmRepository``. Default: "flux-system".
        operator_render_dir: render mode: folder of the operator namespace and the operator/plugin
            ``HelmRelease`` files. Default: "platform/databases" (one folder). Set e.g.
            "platform/operators" to reconcile them with their own Flux Kustomization, which the
            databases one ``dependsOn`` (needed when the CNPG CRDs are not installed yet).
        prevent_destroy: apply mode: refuse to destroy the Cluster and its namespace in plan.
            Default: True.
    """

    mode: Mode | str
    cluster_name: str | None = None
    operator_namespace: str = "cnpg-system"
    cluster_namespace: str = "databases"
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
    operator_chart_version: str = v.CNPG_CHART_VERSION
    enable_superuser_access: bool | None = None
    backup: BackupProps = field(default_factory=BackupProps)
    eso: EsoProps = field(default_factory=EsoProps)
    flux_namespace: str = "flux-system"
    operator_render_dir: str = DATABASES_DIR
    prevent_destroy: bool = True


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


# ------------------------------------------------------------------------------------------------
# Derived names


def mode_of(p: ClusterProps) -> Mode:
    return Mode(p.mode.value if isinstance(p.mode, Mode) else p.mode)


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

    EXISTING = "existing"   # a Secret managed elsewhere
    ESO = "eso"             # an ExternalSecret this construct writes
    MANAGED = "managed"     # a Secret this construct writes


def s3_source(p: ClusterProps) -> S3Source | None:
    if not p.backup.enabled:
        return None
    if p.backup.existing_credentials_secret:
        return S3Source.EXISTING
    return S3Source.ESO if p.eso.enabled else S3Source.MANAGED


def s3_secret_name(p: ClusterProps) -> str:
    return p.backup.existing_credentials_secret or f"{p.cluster_name}-s3-credentials"


# ------------------------------------------------------------------------------------------------
# Validation


def _subdomain(prop: str, value: Any) -> list[Problem]:
    if not isinstance(value, str) or len(value) > 253 or not _SUBDOMAIN_RE.match(value):
        return [Problem(prop, value, "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', 1..253 chars")]
    return []


def _pg_identifier(prop: str, value: Any, reserved: Iterable[str]) -> list[Problem]:
    if not isinstance(value, str) or not _PG_IDENT_RE.match(value):
        return [Problem(prop, value, "a PostgreSQL identifier: lowercase letters, digits and '_', 1..63 chars, "
                                     "not starting with a digit")]
    if value in reserved:
        return [Problem(prop, value, f"a name other than {', '.join(repr(r) for r in reserved)}")]
    return []


def _no_space_str(prop: str, value: Any) -> list[Problem]:
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return [Problem(prop, value, "a non-empty string without whitespace")]
    return []


def _validate_resources(r: ClusterResources) -> list[Problem]:
    return c.collect(*(
        c.optional(c.k8s_quantity, f"resources.{f.name}", getattr(r, f.name)) for f in dataclasses.fields(r)
    ))


def _validate_backup(p: ClusterProps, mode: Mode | None) -> list[Problem]:
    b = p.backup
    problems = c.boolean("backup.enabled", b.enabled) + c.boolean("backup.install_plugin", b.install_plugin)
    if b.enabled is not True:
        return problems
    if b.destination_path is None:
        problems.append(Problem("backup.destination_path", None,
                                "an s3:// URL such as 's3://my-bucket/wildside-pg' (required when backup.enabled)"))
    else:
        problems += c.url("backup.destination_path", b.destination_path, schemes=("s3",))
    problems += c.optional(c.url, "backup.endpoint_url", b.endpoint_url)
    if not isinstance(b.retention_policy, str) or not _RETENTION_RE.match(b.retention_policy):
        problems.append(Problem("backup.retention_policy", b.retention_policy,
                                "'<n>d', '<n>w' or '<n>m' with n >= 1 (days, weeks, months), e.g. '30d'"))
    problems += c.cron_with_seconds("backup.schedule", b.schedule)
    if b.compression not in _BACKUP_COMPRESSIONS:
        problems.append(Problem("backup.compression", b.compression,
                                f"one of {', '.join(repr(x) for x in _BACKUP_COMPRESSIONS)}"))
    problems += c.optional(_subdomain, "backup.existing_credentials_secret", b.existing_credentials_secret)
    for name in ("access_key_id", "secret_access_key"):
        value = getattr(b, name)
        problems += c.secret_reference(f"backup.{name}", value)
        if value is not None and s3_source(p) is not S3Source.MANAGED:
            problems.append(Problem(f"backup.{name}", "<reference>",
                                    "None when the credentials come from ESO or backup.existing_credentials_secret"))
        elif value is not None and mode is Mode.RENDER:
            problems.append(Problem(f"backup.{name}", "<reference>",
                                    "None in render mode (a GitOps tree cannot hold Terraform references; the "
                                    "Secret is written with Flux substitution variables)"))
    return problems


def _validate_eso(p: ClusterProps) -> list[Problem]:
    e = p.eso
    problems = c.boolean("eso.enabled", e.enabled)
    if e.enabled is not True:
        return problems
    if e.cluster_secret_store_name is None:
        problems.append(Problem("eso.cluster_secret_store_name", None,
                                "the name of a ClusterSecretStore (required when eso.enabled)"))
    else:
        problems += _subdomain("eso.cluster_secret_store_name", e.cluster_secret_store_name)
    for name in ("superuser_remote_key", "app_remote_key", "backup_remote_key",
                 "password_property", "access_key_id_property", "secret_access_key_property"):
        problems += c.optional(c.non_empty_str, f"eso.{name}", getattr(e, name))
    if not isinstance(e.refresh_interval, str) or not _DURATION_RE.match(e.refresh_interval):
        problems.append(Problem("eso.refresh_interval", e.refresh_interval, "a duration such as '1h', '15m' or '1h30m'"))
    if p.enable_superuser_access is False:
        problems.append(Problem("enable_superuser_access", False,
                                "True or None when eso.enabled (ESO provides the superuser secret the Cluster uses)"))
    return problems


def validate(p: ClusterProps) -> list[Problem]:
    """Every problem of ``p`` at once (an empty list when the props are fine)."""
    mode_problems = c.one_of("mode", p.mode, Mode)
    mode = None if mode_problems else mode_of(p)
    problems = c.collect(
        mode_problems,
        c.dns1035_label("cluster_name", p.cluster_name, max_len=50),
        c.dns_label("operator_namespace", p.operator_namespace),
        c.dns_label("cluster_namespace", p.cluster_namespace),
        c.int_range("instances", p.instances, 1, 16),
        c.k8s_quantity("storage_size", p.storage_size),
        c.optional(_subdomain, "storage_class", p.storage_class),
        [] if c.is_int(p.postgres_major) and p.postgres_major in v.POSTGIS_IMAGES else [
            Problem("postgres_major", p.postgres_major,
                    f"one of {', '.join(str(k) for k in sorted(v.POSTGIS_IMAGES))} (pinned PostGIS images)")],
        c.optional(_no_space_str, "image_name", p.image_name),
        c.boolean("postgis_enabled", p.postgis_enabled),
        _pg_identifier("database_name", p.database_name, _RESERVED_DATABASES),
        _pg_identifier("database_owner", p.database_owner, (SUPERUSER,)),
        _validate_resources(p.resources) if isinstance(p.resources, ClusterResources) else [],
        c.boolean("install_operator", p.install_operator),
        [] if isinstance(p.operator_chart_version, str) and _SEMVER_RE.match(p.operator_chart_version) else [
            Problem("operator_chart_version", p.operator_chart_version, "a chart version such as '0.29.0'")],
        c.optional(c.boolean, "enable_superuser_access", p.enable_superuser_access),
        c.dns_label("flux_namespace", p.flux_namespace),
        [] if isinstance(p.operator_render_dir, str) and _REL_DIR_RE.match(p.operator_render_dir)
        and ".." not in p.operator_render_dir.split("/") else [
            Problem("operator_render_dir", p.operator_render_dir,
                    "a relative folder such as 'platform/operators' (lowercase, '/'-separated, no '..')")],
        c.boolean("prevent_destroy", p.prevent_destroy),
    )
    if isinstance(p.backup, BackupProps) and isinstance(p.eso, EsoProps):
        problems += _validate_eso(p) + _validate_backup(p, mode)
        if not problems and mode is Mode.RENDER:
            problems += render_path_problems(p)
    return problems


# ------------------------------------------------------------------------------------------------
# Builders: one per kind, plain dicts, None/empty dropped


def clean(obj: Any) -> Any:
    """Drop ``None`` values and empty dicts/lists, recursively (CRD validation rejects ``null``)."""
    if isinstance(obj, Mapping):
        out = {k: clean(x) for k, x in obj.items()}
        return {k: x for k, x in out.items() if x is not None and x != {} and x != []}
    if isinstance(obj, (list, tuple)):
        out = [clean(x) for x in obj]
        return [x for x in out if x is not None and x != {} and x != []]
    return obj


def labels(p: ClusterProps, component: str) -> dict[str, str]:
    """``app.kubernetes.io/*`` labels; the operator's are shared by every cluster it serves."""
    if component == "operator":
        return {"app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/component": "operator",
                "app.kubernetes.io/managed-by": MANAGED_BY}
    return {
        "app.kubernetes.io/name": "postgresql",
        "app.kubernetes.io/instance": p.cluster_name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": p.cluster_name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def _meta(name: str, namespace: str | None, lbl: Mapping[str, str] | None) -> dict:
    return {"name": name, "namespace": namespace, "labels": dict(lbl) if lbl else None}


def namespace(p: ClusterProps, name: str, component: str) -> dict:
    return clean({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name, None, labels(p, component))})


def helm_repository(p: ClusterProps) -> dict:
    """Flux ``HelmRepository`` of the CloudNativePG charts (operator and Barman Cloud plugin)."""
    return clean({
        "apiVersion": v.FLUX_SOURCE_API_VERSION,
        "kind": "HelmRepository",
        "metadata": _meta(HELM_REPOSITORY_NAME, p.flux_namespace, None),
        "spec": {"interval": FLUX_INTERVAL, "url": v.CNPG_CHART_REPOSITORY},
    })


def _flux_helm_release(p: ClusterProps, name: str, chart: str, version: str, depends_on: str | None) -> dict:
    return clean({
        "apiVersion": v.FLUX_HELM_API_VERSION,
        "kind": "HelmRelease",
        "metadata": _meta(name, p.operator_namespace, labels(p, "operator")),
        "spec": {
            "interval": FLUX_INTERVAL,
            "releaseName": name,
            "chart": {"spec": {
                "chart": chart,
                "version": version,
                "sourceRef": {"kind": "HelmRepository", "name": HELM_REPOSITORY_NAME, "namespace": p.flux_namespace},
            }},
            "dependsOn": [{"name": depends_on}] if depends_on else None,
            "install": {"remediation": {"retries": 3}},
            "upgrade": {"remediation": {"retries": 3}},
        },
    })


def operator_helm_release(p: ClusterProps) -> dict:
    """Flux ``HelmRelease`` of the operator (pinned chart version)."""
    return _flux_helm_release(p, v.CNPG_RELEASE_NAME, v.CNPG_CHART_NAME, p.operator_chart_version, None)


def barman_plugin_helm_release(p: ClusterProps) -> dict:
    """Flux ``HelmRelease`` of the Barman Cloud plugin, after the operator (needs cert-manager)."""
    return _flux_helm_release(p, v.BARMAN_PLUGIN_RELEASE_NAME, v.BARMAN_PLUGIN_CHART_NAME,
                              v.BARMAN_PLUGIN_CHART_VERSION,
                              v.CNPG_RELEASE_NAME if p.install_operator else None)


def operator_release_args(p: ClusterProps) -> dict:
    """Arguments of the apply-mode ``helm_release`` of the operator."""
    return {"name": v.CNPG_RELEASE_NAME, "repository": v.CNPG_CHART_REPOSITORY, "chart": v.CNPG_CHART_NAME,
            "version": p.operator_chart_version, "namespace": p.operator_namespace,
            "create_namespace": False, "atomic": True, "wait": True}


def barman_plugin_release_args(p: ClusterProps) -> dict:
    """Arguments of the apply-mode ``helm_release`` of the Barman Cloud plugin."""
    return {"name": v.BARMAN_PLUGIN_RELEASE_NAME, "repository": v.CNPG_CHART_REPOSITORY,
            "chart": v.BARMAN_PLUGIN_CHART_NAME, "version": v.BARMAN_PLUGIN_CHART_VERSION,
            "namespace": p.operator_namespace, "create_namespace": False, "atomic": True, "wait": True}


def cluster(p: ClusterProps) -> dict:
    """The CNPG ``Cluster``: PostGIS image, initdb with database/owner, Barman Cloud plugin for WAL
    archiving when backups are on (never the deprecated in-tree ``spec.backup.barmanObjectStore``)."""
    eso = p.eso.enabled
    r = p.resources
    return clean({
        "apiVersion": v.CNPG_API_VERSION,
        "kind": "Cluster",
        "metadata": _meta(p.cluster_name, p.cluster_namespace, labels(p, "database")),
        "spec": {
            "instances": p.instances,
            "imageName": image_of(p),
            "enableSuperuserAccess": superuser_access(p),
            "superuserSecret": {"name": superuser_secret_name(p)} if eso else None,
            "bootstrap": {"initdb": {
                "database": p.database_name,
                "owner": p.database_owner,
                "secret": {"name": app_secret_name(p)} if eso else None,
            }},
            "storage": {"size": p.storage_size, "storageClass": p.storage_class},
            "resources": {
                "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
                "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
            },
            "plugins": [{
                "name": v.BARMAN_PLUGIN_NAME,
                "enabled": True,
                "isWALArchiver": True,
                "parameters": {"barmanObjectName": object_store_name(p)},
            }] if p.backup.enabled else None,
        },
    })


def database(p: ClusterProps) -> dict:
    """CNPG ``Database`` CR adopting the initdb database and managing the PostGIS extensions."""
    pinned = p.image_name is None
    return clean({
        "apiVersion": v.CNPG_API_VERSION,
        "kind": "Database",
        "metadata": _meta(database_cr_name(p), p.cluster_namespace, labels(p, "database")),
        "spec": {
            "name": p.database_name,
            "owner": p.database_owner,
            "cluster": {"name": p.cluster_name},
            "ensure": "present",
            "extensions": [
                {"name": ext, "ensure": "present",
                 "version": v.POSTGIS_VERSION if pinned and ext in _POSTGIS_VERSIONED else None}
                for ext in POSTGIS_EXTENSIONS
            ],
        },
    })


def object_store(p: ClusterProps) -> dict:
    """Barman Cloud plugin ``ObjectStore`` (``barmancloud.cnpg.io/v1``)."""
    b, secret = p.backup, s3_secret_name(p)
    return clean({
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
    })


def scheduled_backup(p: ClusterProps) -> dict:
    """``ScheduledBackup`` through the Barman Cloud plugin (6-field cron, seconds first)."""
    return clean({
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
    })


def s3_credentials_secret(p: ClusterProps, access_key_id: str, secret_access_key: str) -> dict:
    """The S3 credentials ``Secret``; values are references (apply) or substitution variables (render)."""
    return clean({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _meta(s3_secret_name(p), p.cluster_namespace, {**labels(p, "backup"), **_RELOAD_LABEL}),
        "type": "Opaque",
        "stringData": {S3_ACCESS_KEY_ID_KEY: access_key_id, S3_SECRET_ACCESS_KEY_KEY: secret_access_key},
    })


def render_s3_values() -> tuple[str, str]:
    """Render mode's Secret values: Flux post-build substitution variables, never credentials."""
    return tuple("${%s}" % RENDER_S3_VARIABLES[k] for k in (S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY))  # type: ignore[return-value]


def _external_secret(p: ClusterProps, target: str, template: Mapping | None, data: list[dict]) -> dict:
    return clean({
        "apiVersion": v.ESO_API_VERSION,
        "kind": "ExternalSecret",
        "metadata": _meta(target, p.cluster_namespace, labels(p, "credentials")),
        "spec": {
            "refreshInterval": p.eso.refresh_interval,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": p.eso.cluster_secret_store_name},
            "target": {"name": target, "creationPolicy": "Owner", "template": template},
            "data": data,
        },
    })


def _basic_auth(p: ClusterProps, target: str, username: str, remote_key: str, extra: Mapping[str, str]) -> dict:
    template = {
        "type": "kubernetes.io/basic-auth",
        "metadata": {"labels": dict(_RELOAD_LABEL)},
        "data": {"username": username, "password": "{{ .password }}", **extra},
    }
    data = [{"secretKey": "password", "remoteRef": {"key": remote_key, "property": p.eso.password_property}}]
    return _external_secret(p, target, template, data)


def external_secret_superuser(p: ClusterProps) -> dict:
    """ESO secret ``<cluster>-superuser`` (basic-auth, user ``postgres``) = ``spec.superuserSecret``."""
    return _basic_auth(p, superuser_secret_name(p), SUPERUSER,
                       p.eso.superuser_remote_key or superuser_secret_name(p), {})


def external_secret_app(p: ClusterProps) -> dict:
    """ESO secret ``<cluster>-app`` (basic-auth, user = owner) = ``bootstrap.initdb.secret``; also
    carries host/port/dbname/user like the secret CNPG would generate."""
    extra = {"host": f"{p.cluster_name}-rw.{p.cluster_namespace}", "port": str(POSTGRES_PORT),
             "dbname": p.database_name, "user": p.database_owner}
    return _basic_auth(p, app_secret_name(p), p.database_owner, p.eso.app_remote_key or app_secret_name(p), extra)


def external_secret_backup(p: ClusterProps) -> dict:
    """ESO secret ``<cluster>-s3-credentials`` with the keys the ``ObjectStore`` references."""
    key = p.eso.backup_remote_key or s3_secret_name(p)
    template = {"type": "Opaque", "metadata": {"labels": dict(_RELOAD_LABEL)},
                "data": {k: "{{ .%s }}" % k for k in (S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY)}}
    data = [
        {"secretKey": S3_ACCESS_KEY_ID_KEY, "remoteRef": {"key": key, "property": p.eso.access_key_id_property}},
        {"secretKey": S3_SECRET_ACCESS_KEY_KEY, "remoteRef": {"key": key, "property": p.eso.secret_access_key_property}},
    ]
    return _external_secret(p, s3_secret_name(p), template, data)


def kustomization(resources: Iterable[str]) -> dict:
    return {"apiVersion": v.KUSTOMIZE_API_VERSION, "kind": "Kustomization", "resources": list(resources)}


# ------------------------------------------------------------------------------------------------
# The plan: which objects, in which order, under which construct id and file name


@dataclass(frozen=True)
class Item:
    """One object of the plan: ``key`` is its construct id (apply mode), ``path`` its file (render)."""

    key: str
    path: str
    manifest: dict
    #: the props the path is made from (named in the error when two paths collide)
    path_props: tuple[str, ...] = ()


def plan(p: ClusterProps, *, s3_values: tuple[str, str] | None = None) -> list[Item]:
    """The Kubernetes objects of the cluster, in apply/render order (namespaces first, the Cluster
    after its secrets and object store, the Database and ScheduledBackup after the Cluster).

    ``s3_values`` are the Secret's (access key id, secret access key) when the construct manages it:
    references in apply mode; :func:`render_s3_values` by default.
    """
    d, op = DATABASES_DIR, p.operator_render_dir
    items: list[Item] = []
    if p.install_operator and p.operator_namespace != p.cluster_namespace:
        items.append(Item("OperatorNamespace", f"{op}/namespace-{p.operator_namespace}.yaml",
                          namespace(p, p.operator_namespace, "operator"), ("operator_namespace", "operator_render_dir")))
    items.append(Item("Namespace", f"{d}/namespace-{p.cluster_namespace}.yaml",
                      namespace(p, p.cluster_namespace, "database"), ("cluster_namespace",)))
    if p.eso.enabled:
        items.append(Item("SuperuserExternalSecret", f"{d}/external-secret-superuser.yaml", external_secret_superuser(p)))
        items.append(Item("AppExternalSecret", f"{d}/external-secret-app.yaml", external_secret_app(p)))
    source = s3_source(p)
    if source is S3Source.ESO:
        items.append(Item("BackupExternalSecret", f"{d}/external-secret-backup.yaml", external_secret_backup(p)))
    elif source is S3Source.MANAGED:
        items.append(Item("S3Credentials", f"{d}/s3-credentials-secret.yaml",
                          s3_credentials_secret(p, *(s3_values or render_s3_values()))))
    if p.backup.enabled:
        items.append(Item("ObjectStore", f"{d}/objectstore.yaml", object_store(p)))
    items.append(Item("Resource", f"{d}/{p.cluster_name}-cluster.yaml", cluster(p), ("cluster_name",)))
    if p.postgis_enabled:
        items.append(Item("Database", f"{d}/{p.cluster_name}-database.yaml", database(p), ("cluster_name",)))
    if p.backup.enabled:
        items.append(Item("ScheduledBackup", f"{d}/scheduled-backup.yaml", scheduled_backup(p)))
    return items


def render_plan(p: ClusterProps) -> list[Item]:
    """Every file of the GitOps tree, Flux objects included, plus one kustomization.yaml per folder
    listing exactly the files in that folder."""
    items = plan(p)
    flux: list[Item] = []
    if p.install_operator:
        flux.append(Item("HelmRepository", f"{SOURCES_DIR}/cloudnative-pg-repo.yaml", helm_repository(p)))
        flux.append(Item("OperatorHelmRelease", f"{p.operator_render_dir}/cnpg-operator-helmrelease.yaml",
                         operator_helm_release(p), ("operator_render_dir",)))
    if p.backup.enabled and p.backup.install_plugin:
        flux.append(Item("BarmanCloudPluginHelmRelease",
                         f"{p.operator_render_dir}/barman-cloud-plugin-helmrelease.yaml",
                         barman_plugin_helm_release(p), ("operator_render_dir",)))
    # namespaces first, then the Flux objects, then the rest in plan order
    n_ns = sum(1 for i in items if i.manifest["kind"] == "Namespace")
    items = items[:n_ns] + flux + items[n_ns:]
    out: list[Item] = []
    folders = list(dict.fromkeys(str(PurePosixPath(i.path).parent) for i in items))  # first-use order
    for folder in sorted(folders, key=lambda f: (f != SOURCES_DIR, f != p.operator_render_dir, folders.index(f))):
        files = [i for i in items if str(PurePosixPath(i.path).parent) == folder]
        out += files
        out.append(Item(f"Kustomization:{folder}", f"{folder}/kustomization.yaml",
                        kustomization(PurePosixPath(i.path).name for i in files)))
    return out


def render_path_problems(p: ClusterProps) -> list[Problem]:
    """Two objects written to the same file (e.g. cluster_name 'namespace' in namespace 'cluster')."""
    seen: dict[str, Item] = {}
    problems = []
    for item in render_plan(p):
        first = seen.setdefault(item.path, item)
        if first is not item:
            props = item.path_props or first.path_props or ("cluster_name",)
            prop = props[0]
            problems.append(Problem(prop, getattr(p, prop),
                                    f"a value whose render path does not collide: {item.path!r} would hold both the "
                                    f"{first.manifest.get('kind')} {first.manifest.get('metadata', {}).get('name')!r} "
                                    f"and the {item.manifest.get('kind')} "
                                    f"{item.manifest.get('metadata', {}).get('name')!r}"))
    return problems


class _NoAliasDumper(yaml.SafeDumper):
    """Safe YAML without anchors/aliases (a repeated dict is written out each time)."""

    def ignore_aliases(self, data):  # noqa: D401 - PyYAML hook
        return True


def to_yaml(obj: Mapping) -> str:
    """Deterministic YAML: builder key order, block style, no aliases, no line folding."""
    return yaml.dump(obj, Dumper=_NoAliasDumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096)


def render_tree(p: ClusterProps) -> dict[str, str]:
    """Render mode's output: a map relative path -> YAML document (ordered as written)."""
    return {item.path: to_yaml(item.manifest) for item in render_plan(p)}


def write_rendered(manifests: Mapping[str, str], directory: str | os.PathLike) -> list[Path]:
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
        "backup": ({"destination_path": p.backup.destination_path, "schedule": p.backup.schedule}
                   if p.backup.enabled else None),
        "postgis_enabled": p.postgis_enabled,
    }
