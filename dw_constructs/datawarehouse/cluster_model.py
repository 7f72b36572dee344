"""Plain-Python model of DataWarehouseCluster and the objects attached to it (VDEs, users,
policies, plugins, replication): frozen props with documented defaults, one validate function
each, and builders producing chart values and Terraform resource arguments. No cdktf/jsii."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Sequence

from dw_constructs import _checks as c
from dw_constructs.datawarehouse.enums import (
    AntiAffinity,
    CascadeStrategy,
    ClusterMode,
    CompressionCodec,
    NodeRole,
    OperationalProfile,
    PolicyFeature,
    TopologyMode,
    VdeReplicationMode,
    value_of,
)
from dw_constructs.datawarehouse.model import InstanceProps, validate_instance
from dw_constructs.errors import Problem

#: Port of the DataWarehouse PostgreSQL-wire endpoint (chart value service.port).
DEFAULT_PORT = 5432
#: Keys of the admin credentials Secret (the chart's ``auth.secretKeys`` defaults).
SECRET_USERNAME_KEY = "username"
SECRET_PASSWORD_KEY = "password"
#: Chart value of the credentials revision (a non-secret token that rolls the pods when it changes).
SECRET_VERSION_VALUE = "auth.existingSecretVersion"


#: Chart values the construct manages from its props; overriding them through ``chart_values``
#: would make the Terraform resources disagree with the deployment, so it is rejected.
MANAGED_VALUES = (
    "fullnameOverride", "replicaCount", "storage.size", "storage.storageClass", "operationalProfile",
    "plugins.enabled", "tls.enabled", "clustering.enabled", "clustering.antiAffinity", "auth.username",
    "auth.existingSecret", "auth.existingSecretVersion", "auth.password", "service.port",
)


@dataclass(frozen=True)
class ClusterProps:
    """Props of :class:`DataWarehouseCluster`.

    Attributes:
        name: release, Service and instance name; a DNS-1123 label. Required.
        mode: ClusterMode.SINGLE or ClusterMode.CLUSTERED. Default: ClusterMode.SINGLE.
        replicas: pods; exactly 1 when single, 3..15 when clustered.
            Default: - 1 when single, 3 when clustered.
        storage_size_gb: data volume per pod and instance storage, GiB (1..65536). Default: 100.
        storage_class: StorageClass of the data volumes. Default: - the cluster's default class.
        operational_profile: speed/safety trade-off. Default: OperationalProfile.BALANCED.
        plugins: plugin ids enabled in the chart and the instance. Default: ("*",).
        tls_enabled: serve and connect over TLS (the chart makes a self-signed certificate unless
            ``tls_secret_name`` is set). Default: True.
        tls_secret_name: existing ``kubernetes.io/tls`` Secret. Default: - chart-generated.
        replication_factor: copies of each block, at most ``replicas``.
            Default: - 1 when single, min(3, replicas) when clustered.
        namespace: Kubernetes namespace of the release. Default: "datawarehouse".
        create_namespace: create the namespace (a ``kubernetes_namespace_v1``, protected like the
            release, deleted on destroy with everything left in it, e.g. the data volumes' claims);
            False when it exists. Default: True.
        anti_affinity: pod anti-affinity when clustered. Default: AntiAffinity.SOFT.
        admin_username: admin user. Default: "admin".
        admin_password: admin password as a reference (never a literal).
            Default: - a sensitive variable ``<name>_admin_password`` (dashes become underscores).
        admin_secret_name: existing Secret with keys ``username``/``password`` the chart uses
            instead of ours (then ``admin_password`` must reference the same password).
            Default: - a ``kubernetes_secret_v1`` ``<name>-admin`` written from ``admin_username``
            and ``admin_password``, byte for byte, passed to the chart as ``auth.existingSecret``.
        chart_values: extra chart values, deep-merged over the generated ones; keys the
            construct manages (see MANAGED_VALUES) are rejected. Default: {}.
        prevent_destroy: protect the release (its volumes) and the instance. Default: True.
        release_timeout_seconds: helm install/upgrade timeout, 60..3600. Default: 600.
        release_wait: helm waits until the pods are ready (and fails the apply after
            ``release_timeout_seconds`` otherwise). False only where pods cannot start, e.g. a
            test API server without nodes. Default: True.
    """

    name: str
    mode: ClusterMode | str = ClusterMode.SINGLE
    replicas: int | None = None
    storage_size_gb: int = 100
    storage_class: str | None = None
    operational_profile: OperationalProfile | str = OperationalProfile.BALANCED
    plugins: Sequence[str] = ("*",)
    tls_enabled: bool = True
    tls_secret_name: str | None = None
    replication_factor: int | None = None
    namespace: str = "datawarehouse"
    create_namespace: bool = True
    anti_affinity: AntiAffinity | str = AntiAffinity.SOFT
    admin_username: str = "admin"
    admin_password: str | None = None
    admin_secret_name: str | None = None
    chart_values: Mapping[str, Any] = field(default_factory=dict)
    prevent_destroy: bool = True
    release_timeout_seconds: int = 600
    release_wait: bool = True

    @property
    def clustered(self) -> bool:
        return value_of(self.mode) == ClusterMode.CLUSTERED.value

    @property
    def effective_replicas(self) -> int:
        if self.replicas is not None:
            return self.replicas
        return 3 if self.clustered else 1

    @property
    def effective_replication_factor(self) -> int:
        if self.replication_factor is not None:
            return self.replication_factor
        replicas = self.effective_replicas if c.is_int(self.effective_replicas) else 1
        return min(3, replicas) if self.clustered else 1

    @property
    def host(self) -> str:
        """In-cluster DNS name of the release's client Service."""
        return f"{self.name}.{self.namespace}.svc.cluster.local"

    def instance_props(self) -> InstanceProps:
        return InstanceProps(
            name=self.name, storage_size_gb=self.storage_size_gb,
            replication_factor=self.effective_replication_factor, plugins=self.plugins,
            operational_profile=self.operational_profile, prevent_destroy=self.prevent_destroy,
        )


def _labels(p: ClusterProps) -> dict[str, str]:
    return {"app.kubernetes.io/name": "datawarehouse", "app.kubernetes.io/instance": p.name,
            "app.kubernetes.io/managed-by": "dw-constructs"}


def namespace_metadata(p: ClusterProps) -> dict[str, Any]:
    """Metadata of the namespace the construct creates (``create_namespace``)."""
    return {"name": p.namespace, "labels": {"app.kubernetes.io/managed-by": "dw-constructs"}}


def auth_secret_name(p: ClusterProps) -> str:
    """The Secret holding the admin credentials: ``admin_secret_name`` or ours, ``<name>-admin``."""
    return p.admin_secret_name or f"{p.name}-admin"


def auth_secret_metadata(p: ClusterProps) -> dict[str, Any]:
    """Metadata of the admin credentials Secret the construct writes (no ``admin_secret_name``)."""
    return {"name": auth_secret_name(p), "namespace": p.namespace, "labels": _labels(p)}


def _paths(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Every (dotted path, value) in a nested mapping, parents before children."""
    out = []
    for key, val in values.items():
        path = f"{prefix}{key}"
        out.append((path, val))
        if isinstance(val, Mapping):
            out.extend(_paths(val, path + "."))
    return out


def validate_cluster(p: ClusterProps) -> list[Problem]:
    problems = c.collect(
        c.dns_label("name", p.name),
        c.one_of("mode", p.mode, ClusterMode),
        c.dns_label("namespace", p.namespace),
        c.boolean("create_namespace", p.create_namespace),
        c.boolean("tls_enabled", p.tls_enabled),
        c.optional(c.non_empty_str, "tls_secret_name", p.tls_secret_name),
        c.optional(c.non_empty_str, "storage_class", p.storage_class),
        c.one_of("anti_affinity", p.anti_affinity, AntiAffinity),
        c.non_empty_str("admin_username", p.admin_username),
        c.secret_reference("admin_password", p.admin_password),
        c.optional(c.dns_label, "admin_secret_name", p.admin_secret_name),
        c.str_mapping("chart_values", p.chart_values),
        c.int_range("release_timeout_seconds", p.release_timeout_seconds, 60, 3600),
        c.boolean("release_wait", p.release_wait),
    )
    lo, hi = (3, 15) if p.clustered else (1, 1)
    if p.replicas is not None and not (c.is_int(p.replicas) and lo <= p.replicas <= hi):
        problems.append(Problem("replicas", p.replicas, f"an integer {lo}..{hi} in {value_of(p.mode)} mode"))
    if p.admin_secret_name and p.admin_password is None:
        problems.append(Problem("admin_password", None, "a reference to the password in admin_secret_name "
                                "(required when admin_secret_name is set)"))
    if isinstance(p.chart_values, Mapping):
        for path, val in _paths(p.chart_values):
            if path in MANAGED_VALUES:
                problems.append(Problem(f"chart_values.{path}", val, "a key the construct does not manage; set "
                                        "this one through the construct's props (managed: "
                                        + ", ".join(MANAGED_VALUES) + ")"))
    # The instance's own checks (storage, plugins, profile, replication factor, protection).
    problems += [q for q in validate_instance(p.instance_props()) if q.prop != "name"]
    rf = p.effective_replication_factor
    if c.is_int(rf) and c.is_int(p.effective_replicas) and rf > p.effective_replicas:
        problems.append(Problem("replication_factor", rf, f"at most replicas ({p.effective_replicas})"))
    return problems


def _deep_merge(base: dict, overrides: Mapping) -> dict:
    out = copy.deepcopy(base)
    for key, val in overrides.items():
        if isinstance(val, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def chart_values(p: ClusterProps) -> dict[str, Any]:
    """Values for the packaged ``datawarehouse`` chart (secrets are passed separately)."""
    values: dict[str, Any] = {
        "fullnameOverride": p.name,
        "replicaCount": p.effective_replicas,
        "storage": {"size": f"{p.storage_size_gb}Gi", "storageClass": p.storage_class or ""},
        "operationalProfile": value_of(p.operational_profile),
        "plugins": {"enabled": list(p.plugins)},
        "tls": {"enabled": p.tls_enabled, "secretName": p.tls_secret_name or ""},
        "clustering": {"enabled": p.clustered, "antiAffinity": value_of(p.anti_affinity)},
        "auth": {"username": p.admin_username, "existingSecret": auth_secret_name(p)},
        "service": {"port": DEFAULT_PORT},
    }
    return _deep_merge(values, p.chart_values)


# --- objects attached to a cluster ------------------------------------------------------------


@dataclass(frozen=True)
class VdeProps:
    """A virtual data environment.

    Attributes:
        name: VDE name, a DNS-1123 label; changing it replaces the VDE. Required.
        block_size: bytes, a power of two 512..1048576; changing it replaces the VDE. Default: 4096.
        encryption_enabled: encrypt at rest; changing it replaces the VDE. Default: True.
        compression_codec: Default: CompressionCodec.ZSTD.
        replication_mode: Default: VdeReplicationMode.SYNC.
        prevent_destroy: protect the VDE's data. Default: True.
    """

    name: str
    block_size: int = 4096
    encryption_enabled: bool = True
    compression_codec: CompressionCodec | str = CompressionCodec.ZSTD
    replication_mode: VdeReplicationMode | str = VdeReplicationMode.SYNC
    prevent_destroy: bool = True


def validate_vde(p: VdeProps) -> list[Problem]:
    return c.collect(
        c.dns_label("name", p.name),
        c.power_of_two("block_size", p.block_size, 512, 1048576),
        c.boolean("encryption_enabled", p.encryption_enabled),
        c.one_of("compression_codec", p.compression_codec, CompressionCodec),
        c.one_of("replication_mode", p.replication_mode, VdeReplicationMode),
        c.boolean("prevent_destroy", p.prevent_destroy),
    )


def vde_config(p: VdeProps) -> dict[str, Any]:
    return {"name": p.name, "block_size": p.block_size, "encryption_enabled": p.encryption_enabled,
            "compression_codec": value_of(p.compression_codec), "replication_mode": value_of(p.replication_mode)}


@dataclass(frozen=True)
class UserProps:
    """A user of the instance.

    Attributes:
        username: login name (changing it replaces the user). Required.
        password: a reference (never a literal). Default: - a sensitive variable
            ``<cluster name>_<username>_password`` (dashes become underscores).
        roles: granted roles. Default: ().
        mfa_enabled: require MFA. Default: False.
    """

    username: str
    password: str | None = None
    roles: Sequence[str] = ()
    mfa_enabled: bool = False


def validate_user(p: UserProps) -> list[Problem]:
    return c.collect(
        c.dns_label("username", p.username),
        c.secret_reference("password", p.password),
        c.str_list("roles", p.roles),
        c.boolean("mfa_enabled", p.mfa_enabled),
    )


def user_config(p: UserProps, password: str) -> dict[str, Any]:
    return {"username": p.username, "password": password, "roles": list(p.roles), "mfa_enabled": p.mfa_enabled}


@dataclass(frozen=True)
class PolicyProps:
    """A data policy.

    Attributes:
        name: policy name (changing it replaces the policy). Required.
        target_path: absolute path the policy applies to, e.g. "/finance/*". Required.
        feature: PolicyFeature. Required.
        intensity_level: 1..10. Default: 5.
        cascade_strategy: Default: CascadeStrategy.INHERIT.
    """

    name: str
    target_path: str
    feature: PolicyFeature | str
    intensity_level: int = 5
    cascade_strategy: CascadeStrategy | str = CascadeStrategy.INHERIT


def validate_policy(p: PolicyProps) -> list[Problem]:
    problems = c.collect(
        c.dns_label("name", p.name),
        c.one_of("feature", p.feature, PolicyFeature),
        c.int_range("intensity_level", p.intensity_level, 1, 10),
        c.one_of("cascade_strategy", p.cascade_strategy, CascadeStrategy),
    )
    if not isinstance(p.target_path, str) or not p.target_path.startswith("/"):
        problems.insert(1, Problem("target_path", p.target_path, "an absolute path starting with '/'"))
    return problems


def policy_config(p: PolicyProps) -> dict[str, Any]:
    return {"name": p.name, "target_path": p.target_path, "feature": value_of(p.feature),
            "intensity_level": p.intensity_level, "cascade_strategy": value_of(p.cascade_strategy)}


@dataclass(frozen=True)
class PluginProps:
    """A plugin installed on the instance.

    Attributes:
        plugin_id: catalog id (changing it replaces the plugin). Required.
        enabled: Default: True.
        configuration: string keys and values. Default: {}.
    """

    plugin_id: str
    enabled: bool = True
    configuration: Mapping[str, str] = field(default_factory=dict)


def validate_plugin(p: PluginProps) -> list[Problem]:
    return c.collect(
        c.non_empty_str("plugin_id", p.plugin_id),
        c.boolean("enabled", p.enabled),
        c.str_map("configuration", dict(p.configuration) if isinstance(p.configuration, Mapping) else p.configuration),
    )


def plugin_config(p: PluginProps) -> dict[str, Any]:
    return {"plugin_id": p.plugin_id, "enabled": p.enabled, "configuration": dict(sorted(p.configuration.items()))}


@dataclass(frozen=True)
class Endpoint:
    """A member of a replication topology: where its DataWarehouse endpoint is."""

    host: str
    port: int = DEFAULT_PORT
    role: NodeRole | str = NodeRole.PRIMARY
    priority: int = 100


@dataclass(frozen=True)
class TopologyProps:
    """Replication between the cluster's instance and other endpoints.

    Attributes:
        nodes: the members, this cluster first; at least 2. Required.
        mode: TopologyMode. Default: TopologyMode.ACTIVE_PASSIVE.
        sync_interval_seconds: 1..86400. Default: 30.
    """

    nodes: Sequence[Endpoint]
    mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE
    sync_interval_seconds: int = 30


def validate_topology(p: TopologyProps) -> list[Problem]:
    problems = c.collect(
        c.one_of("mode", p.mode, TopologyMode),
        c.int_range("sync_interval_seconds", p.sync_interval_seconds, 1, 86400),
    )
    if not isinstance(p.nodes, Sequence) or len(p.nodes) < 2:
        return problems + [Problem("nodes", p.nodes, "at least 2 endpoints")]
    for i, n in enumerate(p.nodes):
        problems += c.non_empty_str(f"nodes[{i}].host", n.host)
        if not c.is_token(n.port):
            problems += c.int_range(f"nodes[{i}].port", n.port, 1, 65535)
        problems += c.one_of(f"nodes[{i}].role", n.role, NodeRole)
        problems += c.int_range(f"nodes[{i}].priority", n.priority, 0, 1000)
    roles = [value_of(n.role) for n in p.nodes]
    if value_of(p.mode) == TopologyMode.ACTIVE_PASSIVE.value and roles.count(NodeRole.PRIMARY.value) != 1:
        problems.append(Problem("nodes", roles, "exactly one 'primary' in active-passive mode"))
    if value_of(p.mode) == TopologyMode.ACTIVE_ACTIVE.value and set(roles) != {NodeRole.PRIMARY.value}:
        problems.append(Problem("nodes", roles, "only 'primary' members in active-active mode"))
    hosts = [(n.host, n.port) for n in p.nodes]
    if len(set(hosts)) != len(hosts):
        problems.append(Problem("nodes", hosts, "distinct host:port pairs"))
    return problems


def topology_config(p: TopologyProps) -> dict[str, Any]:
    return {
        "mode": value_of(p.mode),
        "sync_interval_seconds": p.sync_interval_seconds,
        "nodes": [{"host": n.host, "port": n.port, "role": value_of(n.role), "priority": n.priority} for n in p.nodes],
    }
