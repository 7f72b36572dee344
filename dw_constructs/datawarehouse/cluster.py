"""DataWarehouseCluster: DataWarehouse on Kubernetes (our Helm chart via ``helm_release``) plus
its ``datawarehouse`` provider and instance, with verbs to attach VDEs, users, policies, plugins
and replication."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from constructs import Construct

from dw_constructs import _checks as c
from dw_constructs import _stack
from dw_constructs._construct import (
    building_children,
    id_problems,
    lifecycle,
    output,
    raise_problems,
    sensitive_variable,
    tf_name,
)
from dw_constructs.datawarehouse import cluster_model as m
from dw_constructs.datawarehouse.enums import (
    AntiAffinity,
    CascadeStrategy,
    ClusterMode,
    CompressionCodec,
    OperationalProfile,
    PolicyFeature,
    TopologyMode,
    VdeReplicationMode,
)
from dw_constructs.datawarehouse.model import InstanceProps
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from typing import TypeAlias

    from cdktf import IResolvable, ITerraformDependable, TerraformAsset, TerraformProvider, TerraformVariable
    from cdktf_cdktf_provider_helm.provider import HelmProvider as PrebuiltHelmProvider
    from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider
    from dw_cdktf_provider_helm.provider import HelmProvider as SlimHelmProvider
    from dw_cdktf_provider_helm.release import Release
    from dw_cdktf_provider_kubernetes.data_kubernetes_secret_v1 import DataKubernetesSecretV1
    from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
    from dw_cdktf_provider_kubernetes.secret_v1 import SecretV1

    from dw_constructs.datawarehouse.instance import DataWarehouseInstance
    from dw_constructs.datawarehouse.lookups import Capabilities, InstanceStatus, PluginCatalog
    from dw_constructs.datawarehouse.plugin import DataWarehousePlugin
    from dw_constructs.datawarehouse.policy import DataWarehousePolicy
    from dw_constructs.datawarehouse.provider import DataWarehouseProvider
    from dw_constructs.datawarehouse.topology import ReplicationTopology
    from dw_constructs.datawarehouse.user import DataWarehouseUser
    from dw_constructs.datawarehouse.vde import ReplicatedVde

    #: ``helm_provider``: a HelmProvider of our slim bindings or of the prebuilt package (an app's).
    HelmProvider: TypeAlias = SlimHelmProvider | PrebuiltHelmProvider


class DataWarehouseCluster(Construct):
    """DataWarehouse deployed with the packaged chart, single-node or clustered.

    The keyword arguments besides the two providers are the props of ``ClusterProps``. Each
    takes a Terraform reference of its type (a variable's value, a resource attribute) in place of
    a value, except those marked "known at synth time" (docs/datawarehouse.md).

    ``endpoint`` is required: say how Terraform reaches the server, ``ProviderEndpoint(host=...,
    port=...)`` (LoadBalancer, Ingress with TLS passthrough, ``kubectl port-forward``) or
    ``ProviderEndpoint.in_cluster()`` when Terraform runs inside the Kubernetes cluster (the
    Service DNS name resolves nowhere else). The provider verifies the server certificate: with
    the chart-generated certificate against its CA (read from Secret ``<name>-tls``), with
    ``tls_secret_name`` against ``tls_ca_cert_pem`` or the system trust store; ``tls_skip_verify``
    is an explicit opt-out. See docs/datawarehouse.md.

    Children (ids are stable API): ``Chart`` (TerraformAsset of the chart; only under the stack's
    first DataWarehouseCluster, the others use it: the chart is stored once per stack), ``Namespace``
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
    ``<id>_endpoint_port`` (the in-cluster Service address, as ``endpoint``),
    ``<id>_instance_id``, ``<id>_admin_secret`` (ids in snake case).

    Names Terraform or Kubernetes want unique are checked against the stack when the construct is
    created (a PropsError naming the other construct's path): ``name`` (provider alias, variable
    ``<name>_admin_password``, helm release in its namespace), the namespace it creates, and the
    output names derived from ``id``.

    The admin password travels as a Terraform string into a Kubernetes Secret: never through
    helm's ``--set`` parser (which splits on ``,``, reads ``\\`` and ``=``, and turns ``true`` or
    ``12345678`` into a bool or a number), never into helm's release record or a pod annotation.

    Verbs attach objects to the cluster's instance, each a child construct of the cluster:
    ``add_vde``, ``add_user``, ``add_policy``, ``add_plugin`` and ``replicate_to``; ``status``,
    ``capabilities`` and ``plugin_catalog`` read the live server. Subclass hooks:
    ``build_chart_values`` and ``build_instance_props``.

    Args:
        helm_provider: the ``HelmProvider`` the release is installed with. Default: - the stack's
            default ``HelmProvider``, which the app declares before the cluster.
        kubernetes_provider: the ``KubernetesProvider`` of the namespace, the admin Secret and the
            CA lookup, of ``dw_cdktf_provider_kubernetes`` (light) or of the prebuilt
            ``cdktf_cdktf_provider_kubernetes``. Default: - the stack's default
            ``KubernetesProvider``, which the app declares before the cluster (needed unless
            ``create_namespace`` is False, ``admin_secret_name`` is set and the CA is not read from
            the chart's Secret).

    Attributes:
        props: the props, a ``ClusterProps``.
        release: the ``helm_release`` (child ``Release``).
        provider: the cluster's ``DataWarehouseProvider`` (child ``Provider``, alias ``name``).
        instance: the ``DataWarehouseInstance`` (child ``Instance``).
        namespace_resource: the ``kubernetes_namespace_v1``, or None without ``create_namespace``.
        auth_secret: the admin credentials ``kubernetes_secret_v1``, or None with ``admin_secret_name``.
        admin_password_variable: the ``<name>_admin_password`` variable, or None with ``admin_password``.
        tls_ca_secret: the data source reading the chart's CA, or None.
        endpoint: the in-cluster Service address (an ``Endpoint``).
        provider_endpoint: where the provider connects (a ``ProviderEndpoint``).
        instance_id: the instance id (a reference resolved at apply time).
        admin_secret_ref: the admin credentials Secret: namespace, name and key names.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        endpoint: m.ProviderEndpoint,
        mode: ClusterMode | str = ClusterMode.SINGLE,
        replicas: int | float | None = None,
        storage_size_gb: int | float = 100,
        storage_class: str | None = None,
        operational_profile: OperationalProfile | str = OperationalProfile.BALANCED,
        plugins: Sequence[str] = ("*",),
        tls_enabled: bool = True,
        tls_secret_name: str | None = None,
        tls_ca_cert_pem: str | None = None,
        tls_skip_verify: bool = False,
        replication_factor: int | float | None = None,
        namespace: str = "datawarehouse",
        cluster_domain: str = "cluster.local",
        create_namespace: bool = True,
        anti_affinity: AntiAffinity | str = AntiAffinity.SOFT,
        admin_username: str = "admin",
        admin_password: str | None = None,
        admin_secret_name: str | None = None,
        chart_values: Mapping[str, Any] | None = None,
        prevent_destroy: bool = True,
        release_timeout_seconds: int | float = 600,
        release_wait: bool | IResolvable = True,
        helm_provider: HelmProvider | None = None,
        kubernetes_provider: TerraformProvider | None = None,
    ) -> None:
        props = m.ClusterProps(
            name=name,
            endpoint=endpoint,
            mode=mode,
            replicas=replicas,
            storage_size_gb=storage_size_gb,
            storage_class=storage_class,
            operational_profile=operational_profile,
            plugins=plugins,
            tls_enabled=tls_enabled,
            tls_secret_name=tls_secret_name,
            tls_ca_cert_pem=tls_ca_cert_pem,
            tls_skip_verify=tls_skip_verify,
            replication_factor=replication_factor,
            namespace=namespace,
            cluster_domain=cluster_domain,
            create_namespace=create_namespace,
            anti_affinity=anti_affinity,
            admin_username=admin_username,
            admin_password=admin_password,
            admin_secret_name=admin_secret_name,
            chart_values=chart_values if chart_values is not None else {},
            prevent_destroy=prevent_destroy,
            release_timeout_seconds=release_timeout_seconds,
            release_wait=release_wait,
        )
        taken = id_problems(scope, id)
        raise_problems(
            type(self).__name__,
            scope,
            id,
            m.validate_cluster(props)
            + _stack.provider_problems(scope, "helm_provider", helm_provider, "helm", "HelmProvider")
            + (
                _stack.provider_problems(
                    scope, "kubernetes_provider", kubernetes_provider, "kubernetes", "KubernetesProvider"
                )
                if props.create_namespace is not False or not props.admin_secret_name or props.reads_chart_ca
                else []
            )
            + _name_problems(scope, id, props, helm_provider, kubernetes_provider, id_taken=bool(taken)),
            registers=True,
            checked_id=taken,
        )
        super().__init__(scope, id)
        _stack.adopt(self, scope)
        self.props = props
        with building_children(self):
            created = self._build(scope, id, helm_provider, kubernetes_provider)
        _stack.register(self, scope, created)  # later checks see it without a rescan

    # --- subclass hooks (plain Python; called once, before any child exists) --------------

    def build_chart_values(self, props: m.ClusterProps) -> dict[str, Any]:
        """Chart values for the release. Override to adjust (call super() and modify).

        Args:
            props: the cluster's props (validated). Required.
        """
        return m.chart_values(props)

    def build_instance_props(self, props: m.ClusterProps) -> InstanceProps:
        """Props of the datawarehouse_instance. Override to adjust (e.g. with dataclasses.replace).

        Args:
            props: the cluster's props (validated). Required.
        """
        return props.instance_props()

    # --- construction ---------------------------------------------------------------------

    def _build(
        self,
        scope: Construct,
        id: str,
        helm_provider: HelmProvider | None,
        kubernetes_provider: TerraformProvider | None,
    ) -> list[Any]:
        from cdktf import Fn
        from dw_cdktf_provider_helm.release import Release, ReleaseSet
        from dw_cdktf_provider_kubernetes.data_kubernetes_secret_v1 import (
            DataKubernetesSecretV1,
            DataKubernetesSecretV1Metadata,
        )
        from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
        from dw_cdktf_provider_kubernetes.secret_v1 import SecretV1
        from dw_cdktf_provider_terraform.data import Data

        from dw_constructs.datawarehouse.instance import DataWarehouseInstance
        from dw_constructs.datawarehouse.model import validate_instance
        from dw_constructs.datawarehouse.provider import DataWarehouseProvider

        p = self.props
        values = self.build_chart_values(p)
        instance_props = self.build_instance_props(p)
        raise_problems(
            type(self).__name__,
            scope,
            id,
            [dataclasses.replace(q, prop=f"instance.{q.prop}") for q in validate_instance(instance_props)],
            new=False,
            registers=True,
        )

        password = p.admin_password
        self.admin_password_variable: TerraformVariable | None = None
        if password is None:
            self.admin_password_variable = sensitive_variable(
                self,
                "AdminPassword",
                tf_name(p.name, "admin_password"),
                f"Admin password of DataWarehouse {p.name!r} (release and provider).",
            )
            password = self.admin_password_variable.string_value

        chart, chart_dir, chart_created = _chart_asset(self, scope)
        before: list[ITerraformDependable] = []
        self.namespace_resource: NamespaceV1 | None = None
        if p.create_namespace:
            # Ours, not helm's create_namespace: helm never deletes a namespace it created.
            self.namespace_resource = NamespaceV1(
                self,
                "Namespace",
                metadata=m.namespace_metadata(p),
                lifecycle=lifecycle(p.prevent_destroy),
                provider=kubernetes_provider,
            )
            before.append(self.namespace_resource)
        self.auth_secret: SecretV1 | None = None
        if not p.admin_secret_name:
            self.auth_secret = SecretV1(
                self,
                "AuthSecret",
                metadata=m.auth_secret_metadata(p),
                type="Opaque",
                data={m.SECRET_USERNAME_KEY: p.admin_username, m.SECRET_PASSWORD_KEY: password},
                depends_on=list(before) or None,
                provider=kubernetes_provider,
            )
            before.append(self.auth_secret)
        # Pods read the credentials at start: roll them when the credentials change, with a random
        # revision (terraform_data's id, new on each replacement), never a hash of the password.
        self.credentials_revision = Data(
            self,
            "CredentialsRevision",
            triggers_replace={m.SECRET_USERNAME_KEY: p.admin_username, m.SECRET_PASSWORD_KEY: password},
        )
        self.release: Release = Release(
            self,
            "Release",
            name=p.name,
            chart=chart_dir,
            namespace=p.namespace,
            create_namespace=False,
            values=[m.values_yaml(values, Fn.jsonencode)],
            depends_on=before or None,
            set=[ReleaseSet(name=m.SECRET_VERSION_VALUE, value=self.credentials_revision.id, type="string")],
            wait=p.release_wait,
            timeout=p.release_timeout_seconds,
            lifecycle=lifecycle(p.prevent_destroy),
            provider=helm_provider,
        )
        # The provider verifies the server: with the chart-generated certificate against the CA the
        # chart wrote next to it (read once the release exists), else against tls_ca_cert_pem or the
        # system trust store. Skipping verification is the user's explicit tls_skip_verify.
        ca = p.tls_ca_cert_pem if p.tls_enabled is not False else None
        self.tls_ca_secret: DataKubernetesSecretV1 | None = None
        if p.reads_chart_ca:
            self.tls_ca_secret = DataKubernetesSecretV1(
                self,
                "TlsCa",
                metadata=DataKubernetesSecretV1Metadata(name=m.tls_secret_name(p), namespace=p.namespace),
                depends_on=[self.release],
                provider=kubernetes_provider,
            )
            ca = self.tls_ca_secret.data.lookup(m.TLS_CA_KEY)
        self.provider: DataWarehouseProvider = DataWarehouseProvider(
            self,
            "Provider",
            host=p.provider_host,
            port=p.provider_port,
            username=p.admin_username,
            password=password,
            tls_enabled=p.tls_enabled,
            tls_skip_verify=p.tls_skip_verify,
            ca_cert_pem=ca,
            alias=p.name,
        )
        self.instance: DataWarehouseInstance = DataWarehouseInstance(
            self,
            "Instance",
            name=instance_props.name,
            storage_size_gb=instance_props.storage_size_gb,
            replication_factor=instance_props.replication_factor,
            plugins=instance_props.plugins,
            operational_profile=instance_props.operational_profile,
            prevent_destroy=instance_props.prevent_destroy,
            provider=self.provider.resource,
            depends_on=[self.release],
        )
        # What the stack-wide checks of later constructs look up (_stack.StackIndex): given here
        # instead of read back through jsii.
        _stack.remember(_stack.resource_key, self.release, ("helm_release", p.name, p.namespace or "default"))
        if self.namespace_resource is not None:
            _stack.remember(_stack.resource_key, self.namespace_resource, ("kubernetes_namespace_v1", p.namespace))
        _stack.remember(_stack.provider_key, self.provider.resource, ("datawarehouse", p.name))
        base = tf_name(id)
        outputs = [
            output(
                self,
                "EndpointHost",
                f"{base}_endpoint_host",
                p.host,
                f"DataWarehouse {p.name} in-cluster Service host (pods and peers in the same Kubernetes cluster)",
            ),
            output(
                self,
                "EndpointPort",
                f"{base}_endpoint_port",
                m.DEFAULT_PORT,
                f"DataWarehouse {p.name} in-cluster Service port",
            ),
            output(self, "InstanceId", f"{base}_instance_id", self.instance_id, f"DataWarehouse {p.name} instance id"),
            output(
                self,
                "AdminSecret",
                f"{base}_admin_secret",
                self.admin_secret_ref,
                f"Kubernetes Secret holding the admin credentials of {p.name} (a reference, not the value)",
            ),
        ]
        # Everything this construct created, for the stack's index (registered at the end of __init__
        # without reading the subtree back through jsii).
        return [
            self,
            *(
                n
                for n in (
                    chart if chart_created else None,
                    self.admin_password_variable,
                    self.namespace_resource,
                    self.auth_secret,
                    self.credentials_revision,
                    self.release,
                    self.tls_ca_secret,
                    self.provider,
                    self.provider.resource,
                    self.provider.password_variable,
                    self.instance,
                    self.instance.resource,
                )
                if n is not None
            ),
            *outputs,
        ]

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
        return {
            "namespace": self.props.namespace,
            "name": m.auth_secret_name(self.props),
            "username_key": m.SECRET_USERNAME_KEY,
            "password_key": m.SECRET_PASSWORD_KEY,
        }

    # --- verbs ------------------------------------------------------------------------------
    # Each verb takes the keyword arguments of the construct it creates (checked against the props
    # dataclasses by tests/test_typing.py) and creates it as a child of this cluster.

    def add_vde(
        self,
        id: str,
        *,
        name: str,
        block_size: int | float = 4096,
        encryption_enabled: bool | IResolvable = True,
        compression_codec: CompressionCodec | str = CompressionCodec.ZSTD,
        replication_mode: VdeReplicationMode | str = VdeReplicationMode.SYNC,
        prevent_destroy: bool = True,
    ) -> ReplicatedVde:
        """A ``ReplicatedVde`` (virtual data environment) on this cluster's instance, child ``id``.

        Args:
            name: VDE name, a DNS-1123 label; changing it replaces the VDE. Required.
            block_size: bytes, a power of two 512..1048576; changing it replaces the VDE. Default: 4096.
            encryption_enabled: encrypt at rest; changing it replaces the VDE. Default: True.
            compression_codec: compression of the stored blocks. Default: CompressionCodec.ZSTD.
            replication_mode: how writes are replicated between the instance's nodes.
                Default: VdeReplicationMode.SYNC.
            prevent_destroy: protect the VDE's data; known at synth time. Default: True.

        Example::

            vde = cluster.add_vde("Finance", name="finance", compression_codec=CompressionCodec.LZ4)
        """
        from dw_constructs.datawarehouse.vde import ReplicatedVde

        return ReplicatedVde(
            self,
            id,
            cluster=self,
            name=name,
            block_size=block_size,
            encryption_enabled=encryption_enabled,
            compression_codec=compression_codec,
            replication_mode=replication_mode,
            prevent_destroy=prevent_destroy,
        )

    def add_user(
        self,
        id: str,
        *,
        username: str,
        password: str | None = None,
        roles: Sequence[str] = (),
        mfa_enabled: bool | IResolvable = False,
    ) -> DataWarehouseUser:
        """A ``DataWarehouseUser`` on this cluster's instance, child ``id``.

        Args:
            username: login name (changing it replaces the user); known at synth time unless
                ``password`` is given. Required.
            password: a reference (never a literal). Default: - a sensitive variable
                ``<cluster name>_<username>_password``.
            roles: granted roles. Default: ().
            mfa_enabled: require MFA. Default: False.

        Example::

            analyst = cluster.add_user("Analyst", username="analyst", roles=["reader"])
        """
        from dw_constructs.datawarehouse.user import DataWarehouseUser

        return DataWarehouseUser(
            self, id, cluster=self, username=username, password=password, roles=roles, mfa_enabled=mfa_enabled
        )

    def add_policy(
        self,
        id: str,
        *,
        name: str,
        target_path: str,
        feature: PolicyFeature | str,
        intensity_level: int | float = 5,
        cascade_strategy: CascadeStrategy | str = CascadeStrategy.INHERIT,
    ) -> DataWarehousePolicy:
        """A ``DataWarehousePolicy`` on this cluster's instance, child ``id``.

        Args:
            name: policy name (changing it replaces the policy). Required.
            target_path: absolute path the policy applies to, e.g. "/finance/*". Required.
            feature: the feature the policy governs. Required.
            intensity_level: how strictly the feature is applied, 1..10. Default: 5.
            cascade_strategy: how the policy propagates to child paths. Default: CascadeStrategy.INHERIT.

        Example::

            policy = cluster.add_policy("Retention", name="keep-1y", target_path="/finance/*",
                                        feature=PolicyFeature.RETENTION, intensity_level=7)
        """
        from dw_constructs.datawarehouse.policy import DataWarehousePolicy

        return DataWarehousePolicy(
            self,
            id,
            cluster=self,
            name=name,
            target_path=target_path,
            feature=feature,
            intensity_level=intensity_level,
            cascade_strategy=cascade_strategy,
        )

    def add_plugin(
        self,
        id: str,
        *,
        plugin_id: str,
        enabled: bool | IResolvable = True,
        configuration: Mapping[str, str] | None = None,
    ) -> DataWarehousePlugin:
        """A ``DataWarehousePlugin`` installed on this cluster's instance, child ``id``.

        Args:
            plugin_id: catalog id (changing it replaces the plugin). Required.
            enabled: the plugin is active. Default: True.
            configuration: plugin settings, string keys and values. Default: - none ({}).

        Example::

            geo = cluster.add_plugin("Geo", plugin_id="geo", configuration={"srid": "4326"})
        """
        from dw_constructs.datawarehouse.plugin import DataWarehousePlugin

        return DataWarehousePlugin(
            self, id, cluster=self, plugin_id=plugin_id, enabled=enabled, configuration=configuration
        )

    def replicate_to(
        self,
        id: str,
        *peers: m.Peer | list[m.Peer] | tuple[m.Peer, ...],
        mode: TopologyMode | str = TopologyMode.ACTIVE_PASSIVE,
        sync_interval_seconds: int | float = 30,
    ) -> ReplicationTopology:
        """A ``ReplicationTopology``, child ``id``, with this cluster first and ``peers`` after it.

        Args:
            peers: each a DataWarehouseCluster (reached at its in-cluster Service), an ``Endpoint``
                or a host name, given as separate arguments (``replicate_to("R", a, b)``) or as
                lists or tuples of them (``replicate_to("R", [a, b])``). Required.
            mode: active-passive (this cluster the primary, the peers replicas) or active-active;
                known at synth time. Default: TopologyMode.ACTIVE_PASSIVE.
            sync_interval_seconds: seconds between synchronisation rounds, 1..86400. Default: 30.

        Example::

            topology = cluster.replicate_to("Replication", standby, mode=TopologyMode.ACTIVE_PASSIVE)
        """
        from dw_constructs.datawarehouse.topology import ReplicationTopology

        flat: list[m.Peer] = [q for p in peers for q in (p if isinstance(p, (list, tuple)) else (p,))]
        return ReplicationTopology(
            self, id, cluster=self, peers=flat, mode=mode, sync_interval_seconds=sync_interval_seconds
        )

    # --- lookups ----------------------------------------------------------------------------

    def status(self, id: str = "Status") -> InstanceStatus:
        """Live status of this cluster's instance (data source ``datawarehouse_instance_status``,
        read at plan time), created in this cluster as ``id``.

        Example::

            status = cluster.status()
        """
        from dw_constructs.datawarehouse.lookups import InstanceStatus

        return InstanceStatus(self, id, instance_id=self.instance_id, provider=self.provider.resource)

    def capabilities(self, id: str = "Capabilities") -> Capabilities:
        """What this cluster's server supports (data source ``datawarehouse_capabilities``).

        Example::

            capabilities = cluster.capabilities()
        """
        from dw_constructs.datawarehouse.lookups import Capabilities

        return Capabilities(self, id, provider=self.provider.resource)

    def plugin_catalog(self, id: str = "PluginCatalog") -> PluginCatalog:
        """Plugins this cluster's server offers (data source ``datawarehouse_plugin_catalog``).

        Example::

            catalog = cluster.plugin_catalog()
        """
        from dw_constructs.datawarehouse.lookups import PluginCatalog

        return PluginCatalog(self, id, provider=self.provider.resource)

    @classmethod
    def lookup_status(
        cls, scope: Construct, id: str, *, instance_id: str, provider: DatawarehouseProvider | None = None
    ) -> InstanceStatus:
        """Status of an instance managed elsewhere, created in ``scope`` as ``id``.

        Args:
            instance_id: id of the instance (e.g. another stack's output). Required.
            provider: the ``datawarehouse`` provider configuration of its server.
                Default: - the stack's default ``datawarehouse`` provider.

        Example::

            status = DataWarehouseCluster.lookup_status(stack, "Status", instance_id="inst-123")
        """
        from dw_constructs.datawarehouse.lookups import InstanceStatus

        return InstanceStatus(scope, id, instance_id=instance_id, provider=provider)

    @classmethod
    def lookup_capabilities(
        cls, scope: Construct, id: str, *, provider: DatawarehouseProvider | None = None
    ) -> Capabilities:
        """Capabilities of a server managed elsewhere, created in ``scope`` as ``id``.

        Args:
            provider: the ``datawarehouse`` provider configuration of the server.
                Default: - the stack's default ``datawarehouse`` provider.
        """
        from dw_constructs.datawarehouse.lookups import Capabilities

        return Capabilities(scope, id, provider=provider)

    @classmethod
    def lookup_plugin_catalog(
        cls, scope: Construct, id: str, *, provider: DatawarehouseProvider | None = None
    ) -> PluginCatalog:
        """Plugin catalog of a server managed elsewhere, created in ``scope`` as ``id``.

        Args:
            provider: the ``datawarehouse`` provider configuration of the server.
                Default: - the stack's default ``datawarehouse`` provider.
        """
        from dw_constructs.datawarehouse.lookups import PluginCatalog

        return PluginCatalog(scope, id, provider=provider)


# --- names that must be unique in the stack ------------------------------------------------------


def _same_provider(
    scope: Construct, a: TerraformProvider | None, b: TerraformProvider | None, resource_type: str
) -> bool:
    ra, rb = _stack.resolve_provider(scope, a, resource_type), _stack.resolve_provider(scope, b, resource_type)
    return (ra.node.path if ra is not None else None) == (rb.node.path if rb is not None else None)


def _chart_asset(cluster: DataWarehouseCluster, scope: Construct) -> tuple[TerraformAsset, str, bool]:
    """The chart as a ``TerraformAsset``, stored once per stack: created as child ``Chart`` of the
    stack's first DataWarehouseCluster (so a one-cluster stack keeps its asset path) and used by the
    others (the same chart, identical bytes: no copy per cluster). ``scope``: the cluster's. The
    asset, its path (relative to the stack's directory, read once: a jsii call), and whether this
    call created it."""
    from cdktf import AssetType, TerraformAsset

    from dw_constructs.charts import chart_path

    shared = _stack.shared(scope)
    found = shared.get(CHART_ASSET_KEY)
    if found is not None:
        return found[0], found[1], False
    asset = TerraformAsset(cluster, "Chart", path=str(chart_path()), type=AssetType.DIRECTORY)
    shared[CHART_ASSET_KEY] = (asset, asset.path)
    return asset, asset.path, True


#: Key of the shared chart asset in the stack's index (``_stack.StackIndex.shared``).
CHART_ASSET_KEY = "datawarehouse.chart"


def _cluster_name(cluster: DataWarehouseCluster) -> str:
    return cluster.props.name


def _name_problems(
    scope: Construct,
    id: str,
    p: m.ClusterProps,
    helm_provider: HelmProvider | None,
    kubernetes_provider: TerraformProvider | None,
    id_taken: bool,
) -> list[Problem]:
    """What Terraform (or Kubernetes, on apply) would reject because another construct of the stack
    already has it: the provider alias and variable of ``name``, the release in its namespace, the
    namespace created, the output names from ``id`` (unless ``id_taken``: reported as a taken id).
    Each problem names the other construct. Every lookup goes through the stack's index
    (``_stack.StackIndex``): no scan of the stack per cluster."""
    from cdktf import TerraformOutput, TerraformVariable

    problems: list[Problem] = []

    def known(v: object) -> bool:  # references cannot collide here
        return isinstance(v, str) and not c.is_token(v)

    idx = _stack.index(scope)
    if known(p.name):
        twins = idx.keyed(DataWarehouseCluster, _cluster_name).get(p.name) if idx is not None else None
        twin = twins[0] if twins else None
        alias = _stack.provider_with_alias(scope, "datawarehouse", p.name)
        variable = tf_name(p.name, "admin_password")
        var_owner = _stack.logical_id_owner(scope, TerraformVariable, variable) if p.admin_password is None else None
        if twin is not None:
            problems.append(
                Problem(
                    "name",
                    p.name,
                    f"a name no other DataWarehouseCluster of the stack has: "
                    f"'{twin.node.path}' has it (provider alias, variables and outputs would collide)",
                )
            )
        elif alias is not None:
            problems.append(
                Problem(
                    "name",
                    p.name,
                    f"a name that is not the alias of another datawarehouse "
                    f"provider of the stack ('{alias.node.path}' has it)",
                )
            )
        elif var_owner is not None:
            problems.append(
                Problem(
                    "name",
                    p.name,
                    f"a name whose variable '{variable}' the stack does not "
                    f"declare already ('{var_owner.node.path}' does)",
                )
            )
        if twin is None and known(p.namespace):
            for rel in _stack.resources(scope, "helm_release", p.name, p.namespace):
                if _same_provider(scope, rel.provider, helm_provider, "helm"):
                    problems.append(
                        Problem(
                            "name",
                            p.name,
                            f"a release name not installed in namespace "
                            f"'{p.namespace}' already ('{rel.node.path}' installs it)",
                        )
                    )
    if p.create_namespace is True and known(p.namespace):
        for ns in _stack.resources(scope, "kubernetes_namespace_v1", p.namespace):
            if _same_provider(scope, ns.provider, kubernetes_provider, "kubernetes"):
                problems.append(
                    Problem(
                        "create_namespace", True, f"False: '{ns.node.path}' creates namespace '{p.namespace}' already"
                    )
                )
    base = tf_name(id) if isinstance(id, str) else ""
    for suffix in () if id_taken else ("endpoint_host", "endpoint_port", "instance_id", "admin_secret"):
        owner = _stack.logical_id_owner(scope, TerraformOutput, f"{base}_{suffix}")
        if owner is not None:
            problems.append(
                Problem(
                    "id",
                    id,
                    f"an id whose outputs ('{base}_*') the stack does not declare "
                    f"already ('{owner.node.path}' declares '{base}_{suffix}')",
                )
            )
            break
    return problems
