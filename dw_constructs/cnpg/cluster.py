"""CnpgPostgisCluster: a highly available PostGIS database on Kubernetes (CloudNativePG), with
backups through the Barman Cloud plugin and credentials from External Secrets, in apply mode
(Terraform applies it) or render mode (Terraform renders a Flux/Kustomize tree)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from cdktf import TerraformOutput, TerraformProvider, TerraformStack, TerraformVariable, Token
from constructs import Construct

from dw_constructs._construct import lifecycle, raise_problems
from dw_constructs.cnpg import model
from dw_constructs.cnpg.model import BackupProps, ClusterResources, EsoProps, Mode
from dw_constructs.errors import Problem


def _snake(id: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", id)).strip("_").lower()


def _terraform_literal(text: str) -> str:
    """Escape Terraform template syntax so a rendered file reaches the output byte for byte."""
    return text.replace("${", "$${").replace("%{", "%%{")


def _find_provider(scope: Construct, resource_type: str) -> TerraformProvider | None:
    try:
        stack = TerraformStack.of(scope)
    except Exception:  # noqa: BLE001 - not inside a stack: nothing to find
        return None
    for node in stack.node.find_all():
        if isinstance(node, TerraformProvider) and node.terraform_resource_type == resource_type:
            return node
    return None


def _provider_problems(scope: Construct, prop: str, given: Any, resource_type: str, cls_name: str) -> list[Problem]:
    if given is None:
        if _find_provider(scope, resource_type) is None:
            return [Problem(prop, None, f"a {cls_name} object, or a {cls_name} created in the stack before this "
                                        "construct (apply mode creates no provider configuration of its own)")]
        return []
    if not isinstance(given, TerraformProvider) or given.terraform_resource_type != resource_type:
        return [Problem(prop, type(given).__name__, f"a {cls_name} (provider '{resource_type}')")]
    return []


class CnpgPostgisCluster(Construct):
    """A CloudNativePG PostGIS cluster; see :class:`model.ClusterProps`, :class:`model.BackupProps`,
    :class:`model.EsoProps` and :class:`model.ClusterResources` for every prop and its default.

    Apply mode creates (construct ids in brackets, all under this construct):
    ``kubernetes_namespace_v1`` [OperatorNamespace] (when install_operator and the namespaces
    differ) and [Namespace]; ``helm_release`` [Operator] (install_operator) and
    [BarmanCloudPlugin] (backup.enabled and backup.install_plugin); ``kubernetes_manifest``
    [SuperuserExternalSecret], [AppExternalSecret], [BackupExternalSecret] (ESO),
    [ObjectStore], [Resource] (the Cluster), [Database] (postgis_enabled), [ScheduledBackup];
    ``kubernetes_secret_v1`` [S3Credentials] (backup with a managed Secret) and two sensitive
    variables for its values unless references are given. It uses the ``kubernetes_provider`` /
    ``helm_provider`` given, or the stack's default ``KubernetesProvider`` / ``HelmProvider``,
    which must then exist before this construct is created.

    Render mode creates no Kubernetes resources: only outputs.

    Outputs (ids from the construct id in snake case, e.g. ``wildside_pg_primary_endpoint`` for
    id ``WildsidePg``): ``<id>_primary_endpoint``, ``<id>_replica_endpoint``,
    ``<id>_sync_policy_contract`` and, in render mode, ``<id>_rendered_manifests``.

    Attributes:
        props: the resolved :class:`model.ClusterProps`.
        cluster_name, namespace: the Cluster's name and namespace.
        primary_endpoint, replica_endpoint: ``<cluster>-rw|ro.<namespace>.svc.cluster.local``.
        port: 5432.
        sync_policy_contract: the contract object (plain dict; ``backup`` is None when off).
        manifests: the Kubernetes objects (dicts, apply order). In apply mode the managed S3
            Secret holds Terraform references.
        rendered_manifests: render mode: relative path -> YAML document; None in apply mode.
        resource: apply mode: the Cluster's ``kubernetes_manifest``; None in render mode.
        children: apply mode: construct id -> created resource.
        s3_access_key_id_variable, s3_secret_access_key_variable: the sensitive variables created
            for the managed S3 Secret, else None.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        mode: Mode | str,
        cluster_name: str | None = None,
        operator_namespace: str = "cnpg-system",
        cluster_namespace: str = "databases",
        instances: int = 3,
        storage_size: str = "10Gi",
        storage_class: str | None = None,
        postgres_major: int = model.v.DEFAULT_POSTGRES_MAJOR,
        image_name: str | None = None,
        postgis_enabled: bool = True,
        database_name: str = "app",
        database_owner: str = "app",
        resources: ClusterResources | Mapping[str, Any] | None = None,
        install_operator: bool = True,
        operator_chart_version: str = model.v.CNPG_CHART_VERSION,
        enable_superuser_access: bool | None = None,
        backup: BackupProps | Mapping[str, Any] | None = None,
        eso: EsoProps | Mapping[str, Any] | None = None,
        flux_namespace: str = "flux-system",
        operator_render_dir: str = model.DATABASES_DIR,
        prevent_destroy: bool = True,
        kubernetes_provider: TerraformProvider | None = None,
        helm_provider: TerraformProvider | None = None,
    ) -> None:
        res, p1 = model.coerce(ClusterResources, ClusterResources() if resources is None else resources, "resources")
        bak, p2 = model.coerce(BackupProps, BackupProps() if backup is None else backup, "backup")
        es, p3 = model.coerce(EsoProps, EsoProps() if eso is None else eso, "eso")
        props = model.ClusterProps(
            mode=mode,
            cluster_name=model.derive_cluster_name(id) if cluster_name is None else cluster_name,
            operator_namespace=operator_namespace, cluster_namespace=cluster_namespace,
            instances=instances, storage_size=storage_size, storage_class=storage_class,
            postgres_major=postgres_major, image_name=image_name, postgis_enabled=postgis_enabled,
            database_name=database_name, database_owner=database_owner, resources=res,
            install_operator=install_operator, operator_chart_version=operator_chart_version,
            enable_superuser_access=enable_superuser_access, backup=bak, eso=es,
            flux_namespace=flux_namespace, operator_render_dir=operator_render_dir,
            prevent_destroy=prevent_destroy,
        )
        problems = p1 + p2 + p3 + model.validate(props)
        if mode in (Mode.APPLY, Mode.APPLY.value):
            problems += _provider_problems(scope, "kubernetes_provider", kubernetes_provider,
                                           "kubernetes", "KubernetesProvider")
            if props.install_operator is not False or (bak.enabled is True and bak.install_plugin is not False):
                problems += _provider_problems(scope, "helm_provider", helm_provider, "helm", "HelmProvider")
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)

        self.props = props
        self.mode = model.mode_of(props)
        self.cluster_name: str = props.cluster_name  # type: ignore[assignment]
        self.namespace = props.cluster_namespace
        self.port = model.POSTGRES_PORT
        self.primary_endpoint = model.primary_host(props)
        self.replica_endpoint = model.replica_host(props)
        self.sync_policy_contract = model.sync_policy_contract(props)
        self.rendered_manifests: dict[str, str] | None = None
        self.resource = None
        self.children: dict[str, Any] = {}
        self.s3_access_key_id_variable: TerraformVariable | None = None
        self.s3_secret_access_key_variable: TerraformVariable | None = None

        if self.mode is Mode.APPLY:
            self.manifests = self._apply(kubernetes_provider, helm_provider)
        else:
            self.manifests = [item.manifest for item in model.plan(props)]
            self.rendered_manifests = model.render_tree(props)
        self._outputs(_snake(id))

    # -- apply mode ------------------------------------------------------------------------------

    def _s3_values(self, snake: str) -> tuple[str, str] | None:
        if model.s3_source(self.props) is not model.S3Source.MANAGED:
            return None
        b = self.props.backup
        values = []
        for attr, cid, what in (("access_key_id", "S3AccessKeyId", "access key id"),
                                ("secret_access_key", "S3SecretAccessKey", "secret access key")):
            value = getattr(b, attr)
            if value is None:
                var = TerraformVariable(self, cid, type="string", sensitive=True, nullable=False,
                                        description=f"S3 {what} for the backups of {self.node.path}.")
                var.override_logical_id(f"{snake}_s3_{attr}")
                setattr(self, f"s3_{attr}_variable", var)
                value = var.string_value
            values.append(value)
        return values[0], values[1]

    def _apply(self, kubernetes_provider, helm_provider) -> list[dict]:
        from cdktf_cdktf_provider_helm.release import Release
        from cdktf_cdktf_provider_kubernetes.manifest import Manifest
        from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
        from cdktf_cdktf_provider_kubernetes.secret_v1 import SecretV1

        p = self.props
        items = model.plan(p, s3_values=self._s3_values(_snake(self.node.id)))
        protect = lifecycle(p.prevent_destroy)
        made: dict[str, Any] = {}

        def meta(m: dict) -> dict:
            return {k: m["metadata"][k] for k in ("name", "namespace", "labels") if k in m["metadata"]}

        def deps(*keys: str) -> list:
            return [made[k] for k in keys if k in made]

        for item in items:
            if item.manifest["kind"] == "Namespace":
                made[item.key] = NamespaceV1(self, item.key, metadata=meta(item.manifest), provider=kubernetes_provider,
                                             lifecycle=protect if item.key == "Namespace" else None)
        op_ns = "OperatorNamespace" if "OperatorNamespace" in made else "Namespace"
        if p.install_operator:
            made["Operator"] = Release(self, "Operator", **model.operator_release_args(p),
                                       depends_on=deps(op_ns), provider=helm_provider)
        if p.backup.enabled and p.backup.install_plugin:
            made["BarmanCloudPlugin"] = Release(self, "BarmanCloudPlugin", **model.barman_plugin_release_args(p),
                                                depends_on=deps(op_ns, "Operator"), provider=helm_provider)
        secrets = ("SuperuserExternalSecret", "AppExternalSecret", "BackupExternalSecret", "S3Credentials")
        after = {
            "SuperuserExternalSecret": ("Namespace",),
            "AppExternalSecret": ("Namespace",),
            "BackupExternalSecret": ("Namespace",),
            "S3Credentials": ("Namespace",),
            "ObjectStore": ("Namespace", "BarmanCloudPlugin", "Operator", "BackupExternalSecret", "S3Credentials"),
            "Resource": ("Namespace", "Operator", "BarmanCloudPlugin", *secrets, "ObjectStore"),
            "Database": ("Resource",),
            "ScheduledBackup": ("Resource",),
        }
        for item in items:
            m = item.manifest
            if m["kind"] == "Namespace":
                continue
            if m["kind"] == "Secret":
                made[item.key] = SecretV1(self, item.key, metadata=meta(m), type=m.get("type"),
                                          data=m["stringData"], depends_on=deps(*after[item.key]),
                                          provider=kubernetes_provider)
                continue
            made[item.key] = Manifest(self, item.key, manifest=m, depends_on=deps(*after[item.key]),
                                      provider=kubernetes_provider,
                                      lifecycle=protect if item.key == "Resource" else None)
        self.children = made
        self.resource = made["Resource"]
        return [item.manifest for item in items]

    # -- outputs ---------------------------------------------------------------------------------

    def _outputs(self, snake: str) -> None:
        contract = dict(self.sync_policy_contract)
        if contract["backup"] is None:
            contract["backup"] = Token.null_value()  # a None would silently drop the key
        outputs = [
            ("PrimaryEndpoint", "primary_endpoint", self.primary_endpoint,
             "Read-write Service of the CNPG cluster (port 5432)."),
            ("ReplicaEndpoint", "replica_endpoint", self.replica_endpoint,
             "Read-only Service of the CNPG cluster (port 5432)."),
            ("SyncPolicyContract", "sync_policy_contract", contract,
             "Cluster, endpoints, database, credential secrets, backup and PostGIS of the CNPG cluster."),
        ]
        if self.rendered_manifests is not None:
            outputs.append(("RenderedManifests", "rendered_manifests",
                            {k: _terraform_literal(t) for k, t in self.rendered_manifests.items()},
                            "GitOps tree: relative path -> YAML document."))
        self.outputs: dict[str, TerraformOutput] = {}
        for cid, name, value, description in outputs:
            out = TerraformOutput(self, cid, value=value, description=description)
            out.override_logical_id(f"{snake}_{name}")
            self.outputs[name] = out

    # -- helpers ---------------------------------------------------------------------------------

    def write_rendered(self, directory) -> list:
        """Render mode: write :attr:`rendered_manifests` below ``directory`` (see model.write_rendered)."""
        if self.rendered_manifests is None:
            raise ValueError(f"{self.node.path}: write_rendered needs mode='render'")
        return model.write_rendered(self.rendered_manifests, directory)
