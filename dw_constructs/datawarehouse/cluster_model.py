"""Plain-Python model of DataWarehouseCluster and the objects attached to it (VDEs, users,
policies, plugins, replication): frozen props with documented defaults, one validate function
each, and builders producing chart values and Terraform resource arguments. No cdktf/jsii."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from dw_constructs import _checks as c
from dw_constructs._yaml import dump_with_references, safe_dump_sorted
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
from dw_constructs.datawarehouse.model import InstanceProps, ca_cert_problems, validate_instance
from dw_constructs.errors import HIDDEN, Problem

if TYPE_CHECKING:
    from cdktf import IResolvable

    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

#: Port of the DataWarehouse PostgreSQL-wire endpoint (chart value service.port).
DEFAULT_PORT = 5432
#: Keys of the admin credentials Secret (the chart's ``auth.secretKeys`` defaults).
SECRET_USERNAME_KEY = "username"
SECRET_PASSWORD_KEY = "password"
#: Key of the CA certificate in the chart-generated TLS Secret ``<name>-tls``.
TLS_CA_KEY = "ca.crt"
#: Chart value of the credentials revision (a non-secret token that rolls the pods when it changes).
SECRET_VERSION_VALUE = "auth.existingSecretVersion"


#: Chart values the construct manages, each with what to use instead. The provider configuration
#: (host, port, TLS, credentials) and the construct's own resources (the admin Secret, the CA
#: lookup, the instance) are derived from the props, so a ``chart_values`` override of one of these
#: keys, of anything below it, or of a parent replaced by a non-mapping, is rejected rather than
#: letting the deployment and the Terraform resources disagree. Everything else (resources, image,
#: ``service.type`` and ``service.annotations`` for a LoadBalancer, ``ingress``, pod settings, ...)
#: may be overridden.
MANAGED_VALUES: dict[str, str] = {
    "fullnameOverride": "use name (the release, Service and provider host derive from it)",
    "nameOverride": "it stays unset (the admin Secret's labels follow the chart's default name)",
    "replicaCount": "use replicas",
    "storage.size": "use storage_size_gb",
    "storage.storageClass": "use storage_class",
    "operationalProfile": "use operational_profile",
    "plugins.enabled": "use plugins",
    "tls.enabled": "use tls_enabled",
    "tls.secretName": "use tls_secret_name (the provider's CA and verification follow it)",
    "clustering.enabled": "use mode",
    "clustering.antiAffinity": "use anti_affinity",
    "clusterDomain": "use cluster_domain (the in-cluster provider host uses it)",
    "service.port": "it stays 5432, the in-cluster provider port; to reach the server elsewhere, "
    "expose it (service.type, ingress) and set endpoint",
    "auth": "use admin_username, admin_password, admin_secret_name (the construct writes the Secret the chart reads)",
}


def managed_value(path: str) -> str | None:
    """The managed key ``path`` (dotted) is, or is below, else None."""
    for key in MANAGED_VALUES:
        if path == key or path.startswith(key + "."):
            return key
    return None


def _managed_below(path: str) -> list[str]:
    """Managed keys strictly below ``path`` (replaced wholesale when ``path`` is set to a non-mapping)."""
    return [key for key in MANAGED_VALUES if key.startswith(path + ".")]


@dataclass(frozen=True)
class ProviderEndpoint:
    """How Terraform reaches the DataWarehouse server (the ``datawarehouse`` provider's host and
    port). There is no default: the in-cluster Service DNS name resolves only inside the
    Kubernetes cluster, an external address only the user knows.

    Attributes:
        host: host name or IP address Terraform connects to: a LoadBalancer's address (chart value
            ``service.type: LoadBalancer``), an Ingress host with TLS passthrough, or ``localhost``
            with ``kubectl port-forward``; a Terraform reference (e.g. a variable) is accepted. With
            TLS the server certificate must cover it (the chart-generated one covers the Service
            names, ``localhost`` and ``127.0.0.1`` only). Default: None (required unless
            ``in_cluster_dns``).
        port: TCP port at ``host``, 1..65535; a number reference is accepted. Default: 5432.
        in_cluster_dns: Terraform runs inside the Kubernetes cluster (e.g. a CI runner pod) and uses
            the Service DNS name ``<name>.<namespace>.svc.<cluster_domain>`` and port 5432; what
            :meth:`in_cluster` gives. Known at synth time. Default: False.
    """

    host: str | None = None
    port: int | float = DEFAULT_PORT
    in_cluster_dns: bool = False

    @classmethod
    def in_cluster(cls) -> ProviderEndpoint:
        """The release's Service DNS name: only when Terraform runs inside the Kubernetes cluster."""
        return cls(in_cluster_dns=True)


#: What ``endpoint`` must be (in messages).
ENDPOINT_ALLOWED = (
    "a ProviderEndpoint saying how Terraform reaches the server: ProviderEndpoint(host=..., port=...) of a "
    "LoadBalancer, an Ingress with TLS passthrough or a kubectl port-forward, or ProviderEndpoint.in_cluster() "
    "when Terraform runs inside the Kubernetes cluster (the Service DNS name resolves nowhere else)"
)


def validate_endpoint(e: Any) -> list[Problem]:
    if not isinstance(e, ProviderEndpoint):
        return [Problem("endpoint", e if e is None else type(e).__name__, ENDPOINT_ALLOWED)]
    problems = c.boolean("endpoint.in_cluster_dns", e.in_cluster_dns)
    if e.in_cluster_dns is True:
        if e.host is not None:
            problems.append(Problem("endpoint.host", e.host, "None with in_cluster_dns (the Service DNS name is used)"))
        if e.port != DEFAULT_PORT:
            problems.append(Problem("endpoint.port", e.port, f"{DEFAULT_PORT} with in_cluster_dns (the Service port)"))
        return problems
    if e.host is None:
        return problems + [
            Problem(
                "endpoint.host",
                None,
                "the host Terraform connects to (or "
                "ProviderEndpoint.in_cluster() when Terraform runs inside the cluster)",
            )
        ]
    return problems + c.non_empty_str("endpoint.host", e.host) + c.int_range("endpoint.port", e.port, 1, 65535)


@dataclass(frozen=True)
class ClusterProps:
    """Props of :class:`DataWarehouseCluster`.

    Attributes:
        name: release, Service and instance name; a DNS-1123 label; also the alias of the cluster's
            ``datawarehouse`` provider and the prefix of its variables, so unique in the stack.
            Known at synth time (a Terraform reference is rejected: it names the provider alias, the
            variables and the Kubernetes objects). Required.
        endpoint: how Terraform reaches the server, a :class:`ProviderEndpoint`:
            ``ProviderEndpoint(host=..., port=...)`` (LoadBalancer, Ingress with TLS passthrough,
            ``kubectl port-forward``) or ``ProviderEndpoint.in_cluster()`` when Terraform runs
            inside the Kubernetes cluster. Required: the in-cluster DNS name resolves only there.
        mode: deployment shape: one pod, or a raft cluster of 3 or more pods; fixed for a running
            cluster (see "Immutable props" in docs/datawarehouse.md). Known at synth time. Default:
            ClusterMode.SINGLE.
        replicas: pods; exactly 1 when single, 3..15 when clustered.
            Default: - 1 when single, 3 when clustered.
        storage_size_gb: data volume per pod and instance storage, GiB (1..65536); fixed for a
            running cluster (the chart refuses the upgrade, see "Immutable props" in
            docs/datawarehouse.md). Default: 100.
        storage_class: StorageClass of the data volumes; fixed for a running cluster.
            Default: - the cluster's default class.
        operational_profile: speed/safety trade-off of the server and the instance.
            Default: OperationalProfile.BALANCED.
        plugins: plugin ids enabled in the chart and the instance; ``"*"`` enables every installed
            plugin. Default: ("*",).
        tls_enabled: serve and connect over TLS (the chart makes a self-signed certificate unless
            ``tls_secret_name`` is set). Known at synth time (it decides the provider's TLS
            settings). Default: True.
        tls_secret_name: existing ``kubernetes.io/tls`` Secret whose certificate covers the
            endpoint's host. Default: - chart-generated (a self-signed CA and a certificate for the
            Service names, ``localhost`` and ``127.0.0.1``, in Secret ``<name>-tls``).
        tls_ca_cert_pem: PEM of the CA the provider verifies the server certificate with (a
            literal, ``Fn.file(...)`` or another reference; not a secret). Default: - with the
            chart-generated certificate, the ``ca.crt`` of Secret ``<name>-tls``, read after the
            release by a ``kubernetes_secret_v1`` data source (which, like any data source,
            stores the whole Secret, its private key included, in the Terraform state, which
            holds the admin password already: protect the state, or pass the CA here); with
            ``tls_secret_name``, the system trust store of the machine running Terraform.
        tls_skip_verify: the provider does not verify the server certificate: encrypted but not
            authenticated, so anyone between Terraform and the server can pose as it and read the
            admin password. An explicit opt-in for throwaway clusters, reported by the ``dw-tls``
            policy. Known at synth time. Default: False.
        replication_factor: copies of each block, at most ``replicas``.
            Default: - 1 when single, min(3, replicas) when clustered.
        namespace: Kubernetes namespace of the release. Default: "datawarehouse".
        cluster_domain: DNS domain of the Kubernetes cluster (chart value ``clusterDomain``: Raft
            peer addresses, certificate names, the in-cluster host ``<name>.<namespace>.svc.<domain>``).
            Default: "cluster.local".
        create_namespace: create the namespace (a ``kubernetes_namespace_v1``, protected like the
            release, deleted on destroy with everything left in it, e.g. the data volumes' claims);
            False when it exists. Known at synth time. Default: True.
        anti_affinity: pod anti-affinity when clustered (chart value ``clustering.antiAffinity``):
            spread the pods over nodes when possible, or require it. Default: AntiAffinity.SOFT.
        admin_username: admin user. Default: "admin".
        admin_password: admin password as a reference (never a literal).
            Default: - a sensitive variable ``<name>_admin_password`` (dashes become underscores).
        admin_secret_name: existing Secret with keys ``username``/``password`` the chart uses
            instead of ours (then ``admin_password`` must reference the same password).
            Default: - a ``kubernetes_secret_v1`` ``<name>-admin`` written from ``admin_username``
            and ``admin_password``, byte for byte, passed to the chart as ``auth.existingSecret``.
        chart_values: extra chart values, deep-merged over the generated ones. Keys the construct
            manages are rejected, each with the prop to use instead (MANAGED_VALUES:
            ``fullnameOverride``, ``nameOverride``, ``replicaCount``, ``storage.size``,
            ``storage.storageClass``, ``operationalProfile``, ``plugins.enabled``, ``tls.enabled``,
            ``tls.secretName``, ``clustering.enabled``, ``clustering.antiAffinity``,
            ``clusterDomain``, ``service.port``, everything under ``auth``). The mapping is known at
            synth time; a Terraform reference inside it is written into the values YAML as its JSON
            (``jsonencode``), so it keeps its type. Default: {}.
        prevent_destroy: protect the release (its volumes) and the instance. Known at synth time
            (Terraform's lifecycle takes no references). Default: True.
        release_timeout_seconds: helm install/upgrade timeout, 60..3600. Default: 600.
        release_wait: helm waits until the pods are ready (and fails the apply after
            ``release_timeout_seconds`` otherwise). False only where pods cannot start, e.g. a
            test API server without nodes. Default: True.
    """

    name: str
    endpoint: ProviderEndpoint
    mode: ClusterMode | str = ClusterMode.SINGLE
    replicas: int | float | None = None
    storage_size_gb: int | float = 100
    storage_class: str | None = None
    operational_profile: OperationalProfile | str = OperationalProfile.BALANCED
    plugins: Sequence[str] = ("*",)
    tls_enabled: bool = True
    tls_secret_name: str | None = None
    tls_ca_cert_pem: str | None = None
    tls_skip_verify: bool = False
    replication_factor: int | float | None = None
    namespace: str = "datawarehouse"
    cluster_domain: str = "cluster.local"
    create_namespace: bool = True
    anti_affinity: AntiAffinity | str = AntiAffinity.SOFT
    admin_username: str = "admin"
    admin_password: str | None = None
    admin_secret_name: str | None = None
    chart_values: Mapping[str, Any] = field(default_factory=dict)
    prevent_destroy: bool = True
    release_timeout_seconds: int | float = 600
    release_wait: bool | IResolvable = True

    @property
    def clustered(self) -> bool:
        return value_of(self.mode) == ClusterMode.CLUSTERED.value

    @property
    def effective_replicas(self) -> int | float:
        if self.replicas is not None:
            return self.replicas
        return 3 if self.clustered else 1

    @property
    def effective_replication_factor(self) -> int | float:
        if self.replication_factor is not None:
            return self.replication_factor
        # A reference (or a bad value, reported by validation) for replicas: clustered means >= 3.
        replicas = self.effective_replicas if c.is_int(self.effective_replicas) else 3
        return min(3, replicas) if self.clustered else 1

    @property
    def host(self) -> str:
        """In-cluster DNS name of the release's client Service."""
        return f"{self.name}.{self.namespace}.svc.{self.cluster_domain}"

    @property
    def provider_host(self) -> str:
        """Host the ``datawarehouse`` provider connects to (see ``endpoint``)."""
        e = self.endpoint
        # validate_cluster rejects an endpoint without host (unless in_cluster_dns) before this is used
        return self.host if not isinstance(e, ProviderEndpoint) or e.in_cluster_dns or e.host is None else e.host

    @property
    def provider_port(self) -> int | float:
        e = self.endpoint
        return DEFAULT_PORT if not isinstance(e, ProviderEndpoint) or e.in_cluster_dns else e.port

    @property
    def reads_chart_ca(self) -> bool:
        """The provider's CA is the chart-generated one, read from Secret ``<name>-tls``."""
        return (
            self.tls_enabled is True
            and self.tls_skip_verify is not True
            and self.tls_ca_cert_pem is None
            and not self.tls_secret_name
        )

    def instance_props(self) -> InstanceProps:
        return InstanceProps(
            name=self.name,
            storage_size_gb=self.storage_size_gb,
            replication_factor=self.effective_replication_factor,
            plugins=self.plugins,
            operational_profile=self.operational_profile,
            prevent_destroy=self.prevent_destroy,
        )


def _labels(p: ClusterProps) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "datawarehouse",
        "app.kubernetes.io/instance": p.name,
        "app.kubernetes.io/managed-by": "dw-constructs",
    }


def namespace_metadata(p: ClusterProps) -> dict[str, Any]:
    """Metadata of the namespace the construct creates (``create_namespace``)."""
    return {"name": p.namespace, "labels": {"app.kubernetes.io/managed-by": "dw-constructs"}}


def auth_secret_name(p: ClusterProps) -> str:
    """The Secret holding the admin credentials: ``admin_secret_name`` or ours, ``<name>-admin``."""
    return p.admin_secret_name or f"{p.name}-admin"


def tls_secret_name(p: ClusterProps) -> str:
    """The Secret the server's certificate is in: ``tls_secret_name`` or the chart's ``<name>-tls``."""
    return p.tls_secret_name or f"{p.name}-tls"


def auth_secret_metadata(p: ClusterProps) -> dict[str, Any]:
    """Metadata of the admin credentials Secret the construct writes (no ``admin_secret_name``)."""
    return {"name": auth_secret_name(p), "namespace": p.namespace, "labels": _labels(p)}


def _paths(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Every (dotted path, value) in a nested mapping, parents before children."""
    out: list[tuple[str, Any]] = []
    for key, val in values.items():
        path = f"{prefix}{key}"
        out.append((path, val))
        if isinstance(val, Mapping):
            out.extend(_paths(val, path + "."))
    return out


def _chart_values_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Overrides of managed keys (:data:`MANAGED_VALUES`): each leaf at or below one, and each
    parent of one replaced by something that is not a mapping. Values under ``auth`` are hidden."""
    problems: list[Problem] = []
    for path, val in _paths(values):
        key = managed_value(path)
        if key is not None and not (isinstance(val, Mapping) and val):
            shown = HIDDEN if key == "auth" and val is not None else val
            problems.append(
                Problem(f"chart_values.{path}", shown, f"a key the construct does not manage: {MANAGED_VALUES[key]}")
            )
        elif key is None and not isinstance(val, Mapping) and _managed_below(path):
            below = _managed_below(path)
            problems.append(
                Problem(
                    f"chart_values.{path}",
                    HIDDEN if path == "auth" else val,
                    "a mapping: it holds keys the construct manages ("
                    + ", ".join(below)
                    + "); set those through the construct's props",
                )
            )
    return problems


_DOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _tls_problems(p: ClusterProps) -> list[Problem]:
    problems = c.boolean("tls_skip_verify", p.tls_skip_verify)
    if p.tls_ca_cert_pem is not None:
        problems += ca_cert_problems("tls_ca_cert_pem", p.tls_ca_cert_pem)
    if p.tls_enabled is False:
        for prop in ("tls_skip_verify", "tls_ca_cert_pem"):
            if getattr(p, prop) not in (None, False):
                problems.append(Problem(prop, getattr(p, prop), "unset when tls_enabled is False"))
    elif p.tls_skip_verify is True and p.tls_ca_cert_pem is not None:
        problems.append(Problem("tls_skip_verify", True, "False when tls_ca_cert_pem is given (verify with that CA)"))
    return problems


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
    # Terraform references are accepted (and their checks skipped) except where a value must be
    # known at synth time: names of Terraform objects, which resources exist, lifecycle.
    problems += c.collect(
        c.known("name", p.name, "it names the provider alias, the variables and the Kubernetes objects"),
        c.known("mode", p.mode, "it decides the replica range and the chart's clustering"),
        c.known("create_namespace", p.create_namespace, "it decides whether the namespace resource exists"),
        c.known("tls_enabled", p.tls_enabled, "it decides the provider's TLS settings"),
        c.known("tls_skip_verify", p.tls_skip_verify, "it decides whether the provider reads a CA"),
        c.known(
            "endpoint.in_cluster_dns",
            getattr(p.endpoint, "in_cluster_dns", None),
            "it decides which host the provider uses",
        ),
    )
    lo, hi = (3, 15) if p.clustered else (1, 1)
    if (
        p.replicas is not None
        and not c.is_token(p.mode)
        and not c.is_number_token(p.replicas)
        and not (c.is_int(p.replicas) and lo <= p.replicas <= hi)
    ):
        problems.append(Problem("replicas", c.shown(p.replicas), f"an integer {lo}..{hi} in {value_of(p.mode)} mode"))
    if p.admin_secret_name and p.admin_password is None:
        problems.append(
            Problem(
                "admin_password",
                None,
                "a reference to the password in admin_secret_name (required when admin_secret_name is set)",
            )
        )
    if isinstance(p.chart_values, Mapping):
        problems += _chart_values_problems(p.chart_values)
    problems += validate_endpoint(p.endpoint)
    if not c.is_string_token(p.cluster_domain) and not (
        isinstance(p.cluster_domain, str) and _DOMAIN_RE.match(p.cluster_domain)
    ):
        problems.append(Problem("cluster_domain", p.cluster_domain, "a DNS domain such as 'cluster.local'"))
    problems += _tls_problems(p)
    # The instance's own checks (storage, plugins, profile, replication factor, protection).
    problems += [q for q in validate_instance(p.instance_props()) if q.prop != "name"]
    rf = p.effective_replication_factor
    if c.is_int(rf) and c.is_int(p.effective_replicas) and rf > p.effective_replicas:
        problems.append(Problem("replication_factor", rf, f"at most replicas ({p.effective_replicas})"))
    return c.without_shadowed(problems)


def _copy(value: Any) -> Any:
    """A deep copy of plain data; Terraform references (jsii objects among them, which
    ``copy.deepcopy`` cannot copy) are kept as they are."""
    if c.is_token(value):
        return value
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return copy.deepcopy(value)


def _deep_merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _copy(base)
    for key, val in overrides.items():
        if isinstance(val, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], val)
        else:
            out[key] = _copy(val)
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
        "clusterDomain": p.cluster_domain,
    }
    return _deep_merge(values, p.chart_values)


def values_yaml(values: Mapping[str, Any], encode: Callable[[Any], str]) -> str:
    """The release's values document (YAML, keys sorted): ``yaml.safe_dump(values, sort_keys=True)``
    (written by ``dw_constructs._yaml``, byte for byte), each Terraform reference among the values
    written as ``encode(reference)`` (the construct passes ``cdktf.Fn.jsonencode``; see
    ``dw_constructs._yaml.dump_with_references``)."""
    return dump_with_references(values, safe_dump_sorted, encode)


# --- objects attached to a cluster ------------------------------------------------------------


@dataclass(frozen=True)
class VdeProps:
    """A virtual data environment.

    Attributes:
        name: VDE name, a DNS-1123 label; changing it replaces the VDE. Required.
        block_size: bytes, a power of two 512..1048576; changing it replaces the VDE. Default: 4096.
        encryption_enabled: encrypt at rest; changing it replaces the VDE. Default: True.
        compression_codec: compression of the stored blocks. Default: CompressionCodec.ZSTD.
        replication_mode: how writes are replicated between the instance's nodes.
            Default: VdeReplicationMode.SYNC.
        prevent_destroy: protect the VDE's data. Known at synth time (Terraform's lifecycle takes no
            references). Default: True.
    """

    name: str
    block_size: int | float = 4096
    encryption_enabled: bool | IResolvable = True
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
        c.known("prevent_destroy", p.prevent_destroy, "Terraform's lifecycle takes no references")
        or c.boolean("prevent_destroy", p.prevent_destroy),
    )


def vde_config(p: VdeProps) -> dict[str, Any]:
    return {
        "name": p.name,
        "block_size": p.block_size,
        "encryption_enabled": p.encryption_enabled,
        "compression_codec": value_of(p.compression_codec),
        "replication_mode": value_of(p.replication_mode),
    }


@dataclass(frozen=True)
class UserProps:
    """A user of the instance.

    Attributes:
        username: login name (changing it replaces the user). Known at synth time unless
            ``password`` is given (it names the password variable). Required.
        password: a reference (never a literal). Default: - a sensitive variable
            ``<cluster name>_<username>_password`` (dashes become underscores).
        roles: granted roles. Default: ().
        mfa_enabled: require MFA. Default: False.
    """

    username: str
    password: str | None = None
    roles: Sequence[str] = ()
    mfa_enabled: bool | IResolvable = False


def validate_user(p: UserProps) -> list[Problem]:
    return c.without_shadowed(
        c.collect(
            c.dns_label("username", p.username),
            c.known("username", p.username, "it names the password variable; give password= to use a reference")
            if p.password is None
            else [],
            c.secret_reference("password", p.password),
            c.str_list("roles", p.roles),
            c.boolean("mfa_enabled", p.mfa_enabled),
        )
    )


def user_config(p: UserProps, password: str) -> dict[str, Any]:
    return {"username": p.username, "password": password, "roles": list(p.roles), "mfa_enabled": p.mfa_enabled}


@dataclass(frozen=True)
class PolicyProps:
    """A data policy.

    Attributes:
        name: policy name (changing it replaces the policy). Required.
        target_path: absolute path the policy applies to, e.g. "/finance/*". Required.
        feature: the feature the policy governs. Required.
        intensity_level: how strictly the feature is applied, 1..10. Default: 5.
        cascade_strategy: how the policy propagates to child paths. Default: CascadeStrategy.INHERIT.
    """

    name: str
    target_path: str
    feature: PolicyFeature | str
    intensity_level: int | float = 5
    cascade_strategy: CascadeStrategy | str = CascadeStrategy.INHERIT


def validate_policy(p: PolicyProps) -> list[Problem]:
    problems = c.collect(
        c.dns_label("name", p.name),
        c.one_of("feature", p.feature, PolicyFeature),
        c.int_range("intensity_level", p.intensity_level, 1, 10),
        c.one_of("cascade_strategy", p.cascade_strategy, CascadeStrategy),
    )
    if c.is_string_token(p.target_path):
        pass
    elif (wrong := c.non_empty_str("target_path", p.target_path)) and c.is_token(p.target_path):
        problems[1:1] = wrong
    elif not isinstance(p.target_path, str) or not p.target_path.startswith("/"):
        problems.insert(1, Problem("target_path", p.target_path, "an absolute path starting with '/'"))
    return problems


def policy_config(p: PolicyProps) -> dict[str, Any]:
    return {
        "name": p.name,
        "target_path": p.target_path,
        "feature": value_of(p.feature),
        "intensity_level": p.intensity_level,
        "cascade_strategy": value_of(p.cascade_strategy),
    }


@dataclass(frozen=True)
class PluginProps:
    """A plugin installed on the instance.

    Attributes:
        plugin_id: catalog id (changing it replaces the plugin). Required.
        enabled: the plugin is active (False keeps it installed but off). Default: True.
        configuration: plugin settings, string keys and values. Default: {}.
    """

    plugin_id: str
    enabled: bool | IResolvable = True
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
    """A member of a replication topology: where its DataWarehouse endpoint is.

    Attributes:
        host: host name or address the other members reach it at. Required.
        port: TCP port, 1..65535. Default: 5432.
        role: its role; a peer given as an Endpoint keeps the role given here, so it must fit the
            topology's mode (exactly one primary in active-passive, only primaries in
            active-active). Known at synth time. Default: NodeRole.PRIMARY.
        priority: failover priority, 0..1000 (lower first). Default: 100.
    """

    host: str
    port: int | float = DEFAULT_PORT
    role: NodeRole | str = NodeRole.PRIMARY
    priority: int | float = 100


#: A member of a replication topology besides the cluster it belongs to.
Peer: TypeAlias = "DataWarehouseCluster | Endpoint | str"


@dataclass(frozen=True)
class ReplicationProps:
    """Arguments of ``ReplicationTopology`` and ``DataWarehouseCluster.replicate_to`` (besides
    the cluster the topology belongs to, which is its first member).

    Attributes:
        peers: the other members, a list or tuple of DataWarehouseClusters (reached at their
            in-cluster Service, ``<name>.<namespace>.svc.<cluster_domain>:5432``; the topology
            ``depends_on`` their release and instance, or, for a cluster of another stack, this
            stack depends on that one, so no member is told to replicate to a server that does
            not exist yet), ``Endpoint`` objects or host names (str, port 5432; a Terraform
            reference is accepted). ``replicate_to`` takes them as separate arguments or as one
            list. Required.
        mode: active-passive (this cluster is the primary, the peers replicas) or active-active
            (every member a primary). Known at synth time (it decides the members' roles).
            Default: TopologyMode.ACTIVE_PASSIVE.
        sync_interval_seconds: seconds between synchronisation rounds, 1..86400. Default: 30.
    """

    peers: Sequence[Peer]
    mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE
    sync_interval_seconds: int | float = 30


#: What a peer of a replication topology may be (in messages).
PEER_ALLOWED = "a DataWarehouseCluster, an Endpoint or a host name (str)"


def validate_replication(p: ReplicationProps) -> list[Problem]:
    """The shape of ``peers`` and what must be known at synth time; the members themselves are
    checked by :func:`validate_topology`."""
    problems = c.known("mode", p.mode, "it decides the members' roles")
    if isinstance(p.peers, (str, bytes)) or not isinstance(p.peers, Sequence):
        problems.append(
            Problem(
                "peers",
                c.shown(p.peers) if isinstance(p.peers, (str, bytes)) else type(p.peers).__name__,
                f"a list or tuple of peers, each {PEER_ALLOWED}",
            )
        )
    return problems


@dataclass(frozen=True)
class TopologyProps:
    """Replication between the cluster's instance and other endpoints (the resolved members).

    Attributes:
        nodes: the members, this cluster first; at least 2. Required.
        mode: replication mode. Default: TopologyMode.ACTIVE_PASSIVE.
        sync_interval_seconds: seconds between synchronisation rounds, 1..86400. Default: 30.
    """

    nodes: Sequence[Endpoint]
    mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE
    sync_interval_seconds: int | float = 30


def validate_topology(p: TopologyProps) -> list[Problem]:
    problems = c.collect(
        c.one_of("mode", p.mode, TopologyMode),
        c.int_range("sync_interval_seconds", p.sync_interval_seconds, 1, 86400),
    )
    if not isinstance(p.nodes, Sequence) or len(p.nodes) < 2:
        return problems + [Problem("nodes", p.nodes, "at least 2 endpoints")]
    for i, n in enumerate(p.nodes):
        problems += c.non_empty_str(f"nodes[{i}].host", n.host)
        problems += c.int_range(f"nodes[{i}].port", n.port, 1, 65535)
        problems += c.one_of(f"nodes[{i}].role", n.role, NodeRole)
        problems += c.known(f"nodes[{i}].role", n.role, "the roles are checked against the mode")
        problems += c.int_range(f"nodes[{i}].priority", n.priority, 0, 1000)
    roles = [value_of(n.role) for n in p.nodes]
    if all(isinstance(r, str) and not c.is_token(r) for r in roles) and not c.is_token(p.mode):
        if value_of(p.mode) == TopologyMode.ACTIVE_PASSIVE.value and roles.count(NodeRole.PRIMARY.value) != 1:
            problems.append(Problem("nodes", roles, "exactly one 'primary' in active-passive mode"))
        if value_of(p.mode) == TopologyMode.ACTIVE_ACTIVE.value and set(roles) != {NodeRole.PRIMARY.value}:
            problems.append(Problem("nodes", roles, "only 'primary' members in active-active mode"))
    hosts = [(n.host, n.port) for n in p.nodes]
    hashable = all(isinstance(h, str) and isinstance(port, (int, float)) for h, port in hosts)
    if hashable and len(set(hosts)) != len(hosts):
        problems.append(Problem("nodes", hosts, "distinct host:port pairs"))
    return problems


def topology_config(p: TopologyProps) -> dict[str, Any]:
    return {
        "mode": value_of(p.mode),
        "sync_interval_seconds": p.sync_interval_seconds,
        "nodes": [{"host": n.host, "port": n.port, "role": value_of(n.role), "priority": n.priority} for n in p.nodes],
    }
