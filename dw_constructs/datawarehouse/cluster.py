"""DataWarehouseCluster: DataWarehouse on Kubernetes (our Helm chart via ``helm_release``) plus
its ``datawarehouse`` provider and instance, with verbs to attach VDEs, users, policies, plugins
and replication."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

from constructs import Construct

from dw_constructs import _checks as c
from dw_constructs import _stack
from dw_constructs._construct import (
    lifecycle,
    output,
    raise_problems,
    sensitive_variable,
    tf_name,
)
from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse.enums import OperationalProfile, TopologyMode
from dw_constructs.datawarehouse.model import InstanceProps
from dw_constructs.errors import Problem


class DataWarehouseCluster(Construct):
    """DataWarehouse deployed with the packaged chart, single-node or clustered.

    Props and defaults: :class:`cluster_model.ClusterProps` (same names as the keyword arguments).
    Each takes a Terraform reference of its type (a variable's value, a resource attribute) in
    place of a value, except those marked "known at synth time" (docs/datawarehouse.md).
    ``helm_provider`` is the ``HelmProvider`` the release uses and ``kubernetes_provider`` the
    ``KubernetesProvider`` of the namespace, the admin Secret and the CA lookup (Default: - the
    stack's default provider of that type, which the app declares).

    ``endpoint`` is required: say how Terraform reaches the server, ``ProviderEndpoint(host=...,
    port=...)`` (LoadBalancer, Ingress with TLS passthrough, ``kubectl port-forward``) or
    ``ProviderEndpoint.in_cluster()`` when Terraform runs inside the Kubernetes cluster (the
    Service DNS name resolves nowhere else). The provider verifies the server certificate: with
    the chart-generated certificate against its CA (read from Secret ``<name>-tls``), with
    ``tls_secret_name`` against ``tls_ca_cert_pem`` or the system trust store; ``tls_skip_verify``
    is an explicit opt-out. See docs/datawarehouse.md.

    Children (ids are stable API): ``Chart`` (TerraformAsset of the chart), ``Namespace``
    (kubernetes_namespace_v1, when ``create_namespace``; protected like the release),
    ``AdminPassword`` (sensitive variable ``<name>_admin_password``, unless ``admin_password`` is
    given), ``AuthSecret`` (kubernetes_secret_v1 ``<name>-admin`` with keys ``username`` and
    ``password``, unless ``admin_secret_name`` is given; the chart reads it through
    ``auth.existingSecret``), ``CredentialsRevision`` (terraform_data replaced when the admin
    username or password changes; its random id goes to the chart as ``auth.existingSecretVersion``
    so the pods roll, without anything derived from the password in the pod spec), ``Release``
    (helm_release), ``TlsCa`` (data source kubernetes_secret_v1 reading ``<name>-tls`` after the
    release, only with the chart-generated certificate and neither ``tls_ca_cert_pem`` nor
    ``tls_skip_verify``), ``Provider`` (the datawarehouse provider, alias ``<name>``, host and port
    from ``endpoint``), ``Instance`` (datawarehouse_instance), outputs ``<id>_endpoint_host`` and
    ``<id>_endpoint_port`` (the in-cluster Service address, as :attr:`endpoint`),
    ``<id>_instance_id``, ``<id>_admin_secret`` (ids in snake case).

    Names Terraform or Kubernetes want unique are checked against the stack when the construct is
    created (a PropsError naming the other construct's path): ``name`` (provider alias, variable
    ``<name>_admin_password``, helm release in its namespace), the namespace it creates, and the
    output names derived from ``id``.

    The admin password travels as a Terraform string into a Kubernetes Secret: never through
    helm's ``--set`` parser (which splits on ``,``, reads ``\\`` and ``=``, and turns ``true`` or
    ``12345678`` into a bool or a number), never into helm's release record or a pod annotation.

    Subclass hooks: :meth:`build_chart_values` and :meth:`build_instance_props`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        endpoint: m.ProviderEndpoint | None = None,
        mode: m.ClusterMode | str = m.ClusterMode.SINGLE,
        replicas: int | None = None,
        storage_size_gb: int = 100,
        storage_class: str | None = None,
        operational_profile: OperationalProfile | str = OperationalProfile.BALANCED,
        plugins: Sequence[str] = ("*",),
        tls_enabled: bool = True,
        tls_secret_name: str | None = None,
        tls_ca_cert_pem: str | None = None,
        tls_skip_verify: bool = False,
        replication_factor: int | None = None,
        namespace: str = "datawarehouse",
        cluster_domain: str = "cluster.local",
        create_namespace: bool = True,
        anti_affinity: m.AntiAffinity | str = m.AntiAffinity.SOFT,
        admin_username: str = "admin",
        admin_password: str | None = None,
        admin_secret_name: str | None = None,
        chart_values: Mapping[str, Any] | None = None,
        prevent_destroy: bool = True,
        release_timeout_seconds: int = 600,
        release_wait: bool = True,
        helm_provider=None,
        kubernetes_provider=None,
    ) -> None:
        props = m.ClusterProps(
            name=name, endpoint=endpoint, mode=mode, replicas=replicas, storage_size_gb=storage_size_gb,
            storage_class=storage_class, operational_profile=operational_profile, plugins=plugins,
            tls_enabled=tls_enabled, tls_secret_name=tls_secret_name, tls_ca_cert_pem=tls_ca_cert_pem,
            tls_skip_verify=tls_skip_verify, replication_factor=replication_factor, namespace=namespace,
            cluster_domain=cluster_domain, create_namespace=create_namespace, anti_affinity=anti_affinity,
            admin_username=admin_username, admin_password=admin_password, admin_secret_name=admin_secret_name,
            chart_values=chart_values if chart_values is not None else {}, prevent_destroy=prevent_destroy,
            release_timeout_seconds=release_timeout_seconds, release_wait=release_wait,
        )
        raise_problems(type(self).__name__, scope, id, m.validate_cluster(props)
                       + _stack.provider_problems(scope, "helm_provider", helm_provider, "helm", "HelmProvider")
                       + (_stack.provider_problems(scope, "kubernetes_provider", kubernetes_provider, "kubernetes",
                                                     "KubernetesProvider")
                          if props.create_namespace is not False or not props.admin_secret_name
                          or props.reads_chart_ca else [])
                       + _name_problems(scope, id, props, helm_provider, kubernetes_provider))
        super().__init__(scope, id)
        self.props = props
        self._build(id, helm_provider, kubernetes_provider)

    # --- subclass hooks (plain Python; called once, before any child exists) --------------

    def build_chart_values(self, props: m.ClusterProps) -> dict[str, Any]:
        """Chart values for the release. Override to adjust (call super() and modify)."""
        return m.chart_values(props)

    def build_instance_props(self, props: m.ClusterProps) -> InstanceProps:
        """Props of the datawarehouse_instance. Override to adjust (e.g. with dataclasses.replace)."""
        return props.instance_props()

    # --- construction ---------------------------------------------------------------------

    def _build(self, id: str, helm_provider, kubernetes_provider) -> None:
        from cdktf import AssetType, DataResource, Fn, TerraformAsset
        from cdktf_cdktf_provider_helm.release import Release, ReleaseSet
        from cdktf_cdktf_provider_kubernetes.data_kubernetes_secret_v1 import (
            DataKubernetesSecretV1,
            DataKubernetesSecretV1Metadata,
        )
        from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
        from cdktf_cdktf_provider_kubernetes.secret_v1 import SecretV1

        from dw_constructs.charts import chart_path
        from dw_constructs.datawarehouse.instance import DataWarehouseInstance
        from dw_constructs.datawarehouse.model import validate_instance
        from dw_constructs.datawarehouse.provider import DataWarehouseProvider

        p = self.props
        values = self.build_chart_values(p)
        instance_props = self.build_instance_props(p)
        raise_problems(type(self).__name__, self.node.scope, id,
                       [dataclasses.replace(q, prop=f"instance.{q.prop}") for q in validate_instance(instance_props)],
                       new=False)

        password = p.admin_password
        self.admin_password_variable = None
        if password is None:
            self.admin_password_variable = sensitive_variable(
                self, "AdminPassword", tf_name(p.name, "admin_password"),
                f"Admin password of DataWarehouse {p.name!r} (release and provider).",
            )
            password = self.admin_password_variable.string_value

        chart = TerraformAsset(self, "Chart", path=str(chart_path()), type=AssetType.DIRECTORY)
        before: list = []
        self.namespace_resource = None
        if p.create_namespace:
            # Ours, not helm's create_namespace: helm never deletes a namespace it created.
            self.namespace_resource = NamespaceV1(
                self, "Namespace", metadata=m.namespace_metadata(p), lifecycle=lifecycle(p.prevent_destroy),
                provider=kubernetes_provider)
            before.append(self.namespace_resource)
        self.auth_secret = None
        if not p.admin_secret_name:
            self.auth_secret = SecretV1(
                self, "AuthSecret", metadata=m.auth_secret_metadata(p), type="Opaque",
                data={m.SECRET_USERNAME_KEY: p.admin_username, m.SECRET_PASSWORD_KEY: password},
                depends_on=list(before) or None, provider=kubernetes_provider)
            before.append(self.auth_secret)
        # Pods read the credentials at start: roll them when the credentials change, with a random
        # revision (terraform_data's id, new on each replacement), never a hash of the password.
        self.credentials_revision = DataResource(
            self, "CredentialsRevision",
            triggers_replace={m.SECRET_USERNAME_KEY: p.admin_username, m.SECRET_PASSWORD_KEY: password})
        self.release = Release(
            self, "Release", name=p.name, chart=chart.path, namespace=p.namespace, create_namespace=False,
            values=[m.values_yaml(values, Fn.jsonencode)], depends_on=before or None,
            set=[ReleaseSet(name=m.SECRET_VERSION_VALUE, value=self.credentials_revision.id, type="string")],
            wait=p.release_wait, timeout=p.release_timeout_seconds, lifecycle=lifecycle(p.prevent_destroy),
            provider=helm_provider,
        )
        # The provider verifies the server: with the chart-generated certificate against the CA the
        # chart wrote next to it (read once the release exists), else against tls_ca_cert_pem or the
        # system trust store. Skipping verification is the user's explicit tls_skip_verify.
        ca = p.tls_ca_cert_pem if p.tls_enabled is not False else None
        self.tls_ca_secret = None
        if p.reads_chart_ca:
            self.tls_ca_secret = DataKubernetesSecretV1(
                self, "TlsCa",
                metadata=DataKubernetesSecretV1Metadata(name=m.tls_secret_name(p), namespace=p.namespace),
                depends_on=[self.release], provider=kubernetes_provider)
            ca = self.tls_ca_secret.data.lookup(m.TLS_CA_KEY)
        self.provider = DataWarehouseProvider(
            self, "Provider", host=p.provider_host, port=p.provider_port, username=p.admin_username,
            password=password, tls_enabled=p.tls_enabled, tls_skip_verify=p.tls_skip_verify, ca_cert_pem=ca,
            alias=p.name,
        )
        self.instance = DataWarehouseInstance(
            self, "Instance", name=instance_props.name, storage_size_gb=instance_props.storage_size_gb,
            replication_factor=instance_props.replication_factor, plugins=instance_props.plugins,
            operational_profile=instance_props.operational_profile,
            prevent_destroy=instance_props.prevent_destroy, provider=self.provider.resource,
            depends_on=[self.release],
        )
        base = tf_name(id)
        output(self, "EndpointHost", f"{base}_endpoint_host", p.host,
               f"DataWarehouse {p.name} in-cluster Service host (pods and peers in the same Kubernetes cluster)")
        output(self, "EndpointPort", f"{base}_endpoint_port", m.DEFAULT_PORT,
               f"DataWarehouse {p.name} in-cluster Service port")
        output(self, "InstanceId", f"{base}_instance_id", self.instance_id, f"DataWarehouse {p.name} instance id")
        output(self, "AdminSecret", f"{base}_admin_secret", self.admin_secret_ref,
               f"Kubernetes Secret holding the admin credentials of {p.name} (a reference, not the value)")

    # --- attributes -----------------------------------------------------------------------

    @property
    def endpoint(self) -> m.Endpoint:
        """The in-cluster Service address (DNS name and port): what pods and replication peers in
        the same Kubernetes cluster use; also the outputs ``<id>_endpoint_host``/``_port``."""
        return m.Endpoint(host=self.props.host, port=m.DEFAULT_PORT)

    @property
    def provider_endpoint(self) -> m.ProviderEndpoint:
        """Where the ``datawarehouse`` provider connects: ``endpoint`` prop, resolved (host, port)."""
        return m.ProviderEndpoint(host=self.props.provider_host, port=self.props.provider_port)

    @property
    def instance_id(self) -> str:
        return self.instance.instance_id

    @property
    def admin_secret_ref(self) -> dict[str, str]:
        """Where the admin credentials live: Secret namespace/name and its keys (no value)."""
        return {"namespace": self.props.namespace, "name": m.auth_secret_name(self.props),
                "username_key": m.SECRET_USERNAME_KEY, "password_key": m.SECRET_PASSWORD_KEY}

    # --- verbs ------------------------------------------------------------------------------

    def add_vde(self, id: str, **props):
        """A :class:`ReplicatedVde` on this cluster, as a child of the cluster."""
        from dw_constructs.datawarehouse.vde import ReplicatedVde

        return ReplicatedVde(self, id, cluster=self, **props)

    def add_user(self, id: str, **props):
        from dw_constructs.datawarehouse.user import DataWarehouseUser

        return DataWarehouseUser(self, id, cluster=self, **props)

    def add_policy(self, id: str, **props):
        from dw_constructs.datawarehouse.policy import DataWarehousePolicy

        return DataWarehousePolicy(self, id, cluster=self, **props)

    def add_plugin(self, id: str, **props):
        from dw_constructs.datawarehouse.plugin import DataWarehousePlugin

        return DataWarehousePlugin(self, id, cluster=self, **props)

    def replicate_to(self, id: str, *peers, mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE,
                     sync_interval_seconds: int = 30):
        """A :class:`ReplicationTopology` with this cluster first and ``peers`` after it: each a
        DataWarehouseCluster, an Endpoint or a host name, given as separate arguments
        (``replicate_to("R", a, b)``) or as lists or tuples of them (``replicate_to("R", [a, b])``)."""
        from dw_constructs.datawarehouse.topology import ReplicationTopology

        flat = [q for p in peers for q in (p if isinstance(p, (list, tuple)) else (p,))]
        return ReplicationTopology(self, id, cluster=self, peers=flat, mode=mode,
                                   sync_interval_seconds=sync_interval_seconds)

    # --- lookups ----------------------------------------------------------------------------

    def status(self, id: str = "Status"):
        """Live status of this cluster's instance (a data source read at plan time)."""
        from dw_constructs.datawarehouse.lookups import InstanceStatus

        return InstanceStatus(self, id, instance_id=self.instance_id, provider=self.provider.resource)

    def capabilities(self, id: str = "Capabilities"):
        from dw_constructs.datawarehouse.lookups import Capabilities

        return Capabilities(self, id, provider=self.provider.resource)

    def plugin_catalog(self, id: str = "PluginCatalog"):
        from dw_constructs.datawarehouse.lookups import PluginCatalog

        return PluginCatalog(self, id, provider=self.provider.resource)

    @classmethod
    def lookup_status(cls, scope: Construct, id: str, *, instance_id: str, provider=None):
        """Status of an instance managed elsewhere (by id), through ``provider``."""
        from dw_constructs.datawarehouse.lookups import InstanceStatus

        return InstanceStatus(scope, id, instance_id=instance_id, provider=provider)

    @classmethod
    def lookup_capabilities(cls, scope: Construct, id: str, *, provider=None):
        """Capabilities of a server managed elsewhere, through ``provider``."""
        from dw_constructs.datawarehouse.lookups import Capabilities

        return Capabilities(scope, id, provider=provider)

    @classmethod
    def lookup_plugin_catalog(cls, scope: Construct, id: str, *, provider=None):
        """Plugin catalog of a server managed elsewhere, through ``provider``."""
        from dw_constructs.datawarehouse.lookups import PluginCatalog

        return PluginCatalog(scope, id, provider=provider)


# --- names that must be unique in the stack ------------------------------------------------------


def _same_provider(scope: Construct, a, b, resource_type: str) -> bool:
    a, b = _stack.resolve_provider(scope, a, resource_type), _stack.resolve_provider(scope, b, resource_type)
    return (a.node.path if a is not None else None) == (b.node.path if b is not None else None)


def _name_problems(scope: Construct, id: str, p: m.ClusterProps, helm_provider, kubernetes_provider) -> list[Problem]:
    """What Terraform (or Kubernetes, on apply) would reject because another construct of the stack
    already has it: the provider alias and variable of ``name``, the release in its namespace, the
    namespace created, the output names from ``id``. Each problem names the other construct."""
    from cdktf import TerraformOutput, TerraformVariable
    from cdktf_cdktf_provider_helm.release import Release
    from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

    problems: list[Problem] = []
    known = lambda v: isinstance(v, str) and not c.is_token(v)  # noqa: E731 - references cannot collide here
    if known(p.name):
        twin = next((o for o in _stack.nodes(scope, DataWarehouseCluster) if o.props.name == p.name), None)
        alias = _stack.provider_with_alias(scope, "datawarehouse", p.name)
        variable = tf_name(p.name, "admin_password")
        var_owner = _stack.logical_id_owner(scope, TerraformVariable, variable) if p.admin_password is None else None
        if twin is not None:
            problems.append(Problem("name", p.name, f"a name no other DataWarehouseCluster of the stack has: "
                                    f"'{twin.node.path}' has it (provider alias, variables and outputs would collide)"))
        elif alias is not None:
            problems.append(Problem("name", p.name, f"a name that is not the alias of another datawarehouse "
                                    f"provider of the stack ('{alias.node.path}' has it)"))
        elif var_owner is not None:
            problems.append(Problem("name", p.name, f"a name whose variable '{variable}' the stack does not "
                                    f"declare already ('{var_owner.node.path}' does)"))
        if twin is None and known(p.namespace):
            for rel in _stack.nodes(scope, Release):
                if (rel.name_input == p.name and (rel.namespace_input or "default") == p.namespace
                        and _same_provider(scope, rel.provider, helm_provider, "helm")):
                    problems.append(Problem("name", p.name, f"a release name not installed in namespace "
                                            f"'{p.namespace}' already ('{rel.node.path}' installs it)"))
    if p.create_namespace is True and known(p.namespace):
        for ns in _stack.nodes(scope, NamespaceV1):
            if ns.metadata.name_input == p.namespace and _same_provider(scope, ns.provider, kubernetes_provider,
                                                                        "kubernetes"):
                problems.append(Problem("create_namespace", True, f"False: '{ns.node.path}' creates namespace "
                                        f"'{p.namespace}' already"))
    base = tf_name(id) if isinstance(id, str) else ""
    taken = isinstance(id, str) and scope.node.try_find_child(id) is not None  # reported as a taken id
    for suffix in () if taken else ("endpoint_host", "endpoint_port", "instance_id", "admin_secret"):
        owner = _stack.logical_id_owner(scope, TerraformOutput, f"{base}_{suffix}")
        if owner is not None:
            problems.append(Problem("id", id, f"an id whose outputs ('{base}_*') the stack does not declare "
                                    f"already ('{owner.node.path}' declares '{base}_{suffix}')"))
            break
    return problems
