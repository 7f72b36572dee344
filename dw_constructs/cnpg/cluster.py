"""CnpgPostgisCluster: a highly available PostGIS database on Kubernetes (CloudNativePG), with
backups through the Barman Cloud plugin and credentials from External Secrets, in apply mode
(Terraform applies it) or render mode (Terraform renders a Flux/Kustomize tree)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cdktf import TerraformOutput, TerraformProvider, TerraformVariable, Token
from constructs import Construct

from dw_constructs import _stack
from dw_constructs._construct import child_path, lifecycle, raise_problems
from dw_constructs.cnpg import model
from dw_constructs.cnpg.model import BackupProps, ClusterResources, EsoProps, FluxProps, Mode, OperatorProps
from dw_constructs.cnpg.versions import DEFAULT_POSTGRES_MAJOR
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    import os
    from pathlib import Path

    from cdktf import ITerraformDependable
    from dw_cdktf_provider_kubernetes.manifest import Manifest
    from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

    from dw_constructs.cnpg.operator import CnpgOperator


def _snake(id: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", id)).strip("_").lower()


def _render_clusters(scope: Construct) -> list[CnpgPostgisCluster]:
    """The render-mode clusters of ``scope``'s stack, in tree order: they share one GitOps tree."""
    found = [c for c in _stack.nodes(scope, CnpgPostgisCluster) if getattr(c, "mode", None) is Mode.RENDER]
    if not found and isinstance(scope, CnpgPostgisCluster) and scope.mode is Mode.RENDER:
        return [scope]  # not inside a stack
    return found


def _terraform_literal(text: str) -> str:
    """Escape Terraform template syntax so a rendered file reaches the output byte for byte."""
    return text.replace("${", "$${").replace("%{", "%%{")


class CnpgPostgisCluster(Construct):
    """A CloudNativePG PostGIS cluster; see :class:`model.ClusterProps`, :class:`model.BackupProps`,
    :class:`model.EsoProps`, :class:`model.ClusterResources` and :class:`model.OperatorProps` for
    every prop and its default. In apply mode each prop takes a Terraform reference of its type in
    place of a value, except those marked "known at synth time"; render mode takes none (docs/cnpg.md).

    The operator and the Barman Cloud plugin are installed once per Kubernetes cluster: with
    ``install_operator`` (or backups needing the plugin) the cluster uses the ``CnpgOperator``
    passed as ``operator=``, else the one of its stack for the same helm provider, else creates it as
    a direct child of the stack (id ``CnpgOperator-<operator namespace>``). Clusters sharing it must
    ask for the same operator settings.

    Apply mode creates (construct ids in brackets, under this construct):
    ``kubernetes_namespace_v1`` [Namespace] (create_namespace, unless it is the operator's);
    ``kubernetes_manifest`` [SuperuserExternalSecret], [AppExternalSecret], [BackupExternalSecret]
    (ESO), [ObjectStore], [Resource] (the Cluster), [Database] (postgis_enabled), [ScheduledBackup];
    ``kubernetes_secret_v1`` [S3Credentials] (backup with a managed Secret) and two sensitive
    variables for its values unless references are given. Everything waits (``depends_on``) for the
    namespace, the shared operator release and, with backups, the plugin release. It uses the
    ``kubernetes_provider`` / ``helm_provider`` given, or the stack's default ``KubernetesProvider`` /
    ``HelmProvider``, which must then exist before this construct is created.

    Render mode creates no Kubernetes resources: only outputs. The render-mode clusters of a stack
    share one GitOps tree (one operator, one kustomization.yaml per folder, and the Flux
    Kustomization objects that reconcile the folders in bootstrap order, see :class:`model.FluxProps`).

    Outputs (ids from the construct id in snake case, e.g. ``wildside_pg_primary_endpoint`` for
    id ``WildsidePg``): ``<id>_primary_endpoint``, ``<id>_replica_endpoint``,
    ``<id>_sync_policy_contract`` and, in render mode, ``<id>_rendered_manifests``.

    Args:
        kubernetes_provider: the ``KubernetesProvider`` of the apply-mode resources.
            Default: - the stack's default ``KubernetesProvider`` (apply mode: it must exist).
        helm_provider: the ``HelmProvider`` of the shared operator's releases.
            Default: - the stack's default ``HelmProvider`` (apply mode with the operator: it must exist).

    Attributes:
        props: the resolved :class:`model.ClusterProps` (operator settings included).
        cluster_name, namespace: the Cluster's name and namespace.
        primary_endpoint, replica_endpoint: ``<cluster>-rw|ro.<namespace>.svc.cluster.local``.
        port: 5432.
        sync_policy_contract: the contract object (plain dict; ``backup`` is None when off).
        manifests: this cluster's Kubernetes objects (dicts, apply order; the operator's are not
            here). In apply mode the managed S3 Secret holds Terraform references.
        rendered_manifests: render mode: the stack's GitOps tree, relative path -> YAML document
            (shared by its render-mode clusters); None in apply mode.
        resource: apply mode: the Cluster's ``kubernetes_manifest``; None in render mode.
        operator: apply mode: the shared ``CnpgOperator`` in use, or None.
        namespace_resource: apply mode: the ``kubernetes_namespace_v1`` this cluster created, or None.
        children: apply mode: construct id -> created resource (this construct's own).
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
        operator_namespace: str | None = None,
        cluster_namespace: str = "databases",
        create_namespace: bool = True,
        instances: int = 3,
        storage_size: str = "10Gi",
        storage_class: str | None = None,
        postgres_major: int = DEFAULT_POSTGRES_MAJOR,
        image_name: str | None = None,
        postgis_enabled: bool = True,
        database_name: str = "app",
        database_owner: str = "app",
        resources: ClusterResources | Mapping[str, Any] | None = None,
        install_operator: bool = True,
        operator_chart_version: str | None = None,
        operator: CnpgOperator | OperatorProps | Mapping[str, Any] | None = None,
        enable_superuser_access: bool | None = None,
        backup: BackupProps | Mapping[str, Any] | None = None,
        eso: EsoProps | Mapping[str, Any] | None = None,
        flux_namespace: str = "flux-system",
        operator_render_dir: str = model.OPERATORS_DIR,
        flux: FluxProps | Mapping[str, Any] | None = None,
        prevent_destroy: bool = True,
        kubernetes_provider: TerraformProvider | None = None,
        helm_provider: TerraformProvider | None = None,
    ) -> None:
        from dw_constructs.cnpg.operator import CnpgOperator

        res, p1 = model.coerce(ClusterResources, ClusterResources() if resources is None else resources, "resources")
        bak, p2 = model.coerce(BackupProps, BackupProps() if backup is None else backup, "backup")
        es, p3 = model.coerce(EsoProps, EsoProps() if eso is None else eso, "eso")
        fx, p5 = model.coerce(FluxProps, FluxProps() if flux is None else flux, "flux")
        shared: CnpgOperator | None = operator if isinstance(operator, CnpgOperator) else None
        op: OperatorProps | None
        p4: list[Problem]
        if shared is not None:
            op, p4 = shared.props, []
        else:
            op, p4 = model.coerce_operator(operator)
        props = model.ClusterProps(
            mode=mode,
            cluster_name=model.derive_cluster_name(id) if cluster_name is None else cluster_name,
            operator_namespace=operator_namespace,
            cluster_namespace=cluster_namespace,
            create_namespace=create_namespace,
            instances=instances,
            storage_size=storage_size,
            storage_class=storage_class,
            postgres_major=postgres_major,
            image_name=image_name,
            postgis_enabled=postgis_enabled,
            database_name=database_name,
            database_owner=database_owner,
            resources=res,
            install_operator=install_operator,
            operator_chart_version=operator_chart_version,
            operator=op,
            enable_superuser_access=enable_superuser_access,
            backup=bak,
            eso=es,
            flux_namespace=flux_namespace,
            operator_render_dir=operator_render_dir,
            flux=fx,
            prevent_destroy=prevent_destroy,
        )
        problems = p1 + p2 + p3 + p4 + p5 + model.validate(props)
        if not problems:
            # resolved: the shorthands and the operator settings agree (validated), keep them all
            resolved = model.operator_of(props)
            props = dataclasses.replace(
                props,
                operator=resolved,
                operator_namespace=resolved.namespace,
                operator_chart_version=resolved.chart_version,
            )
        apply = mode in (Mode.APPLY, Mode.APPLY.value)
        if apply:
            problems += _stack.provider_problems(
                scope, "kubernetes_provider", kubernetes_provider, "kubernetes", "KubernetesProvider"
            )
            if shared is None and model.uses_operator(props):
                problems += _stack.provider_problems(scope, "helm_provider", helm_provider, "helm", "HelmProvider")
        elif shared is not None:
            problems.append(
                Problem(
                    "operator",
                    "CnpgOperator",
                    "an OperatorProps or a dict of its fields in render "
                    "mode (a CnpgOperator installs with helm_release: "
                    "apply mode)",
                )
            )
        if not problems:
            if apply:
                problems += self._sharing_problems(scope, id, props, shared, kubernetes_provider, helm_provider)
            else:
                others = [(c.node.path, c.props) for c in _render_clusters(scope)]
                problems += model.tree_problems(props, others, child_path(scope, id))
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)

        self.props: model.ClusterProps = props
        self.mode = model.mode_of(props)
        self.cluster_name: str = model.cluster_name_of(props)
        self.namespace = props.cluster_namespace
        self.port = model.POSTGRES_PORT
        self.primary_endpoint = model.primary_host(props)
        self.replica_endpoint = model.replica_host(props)
        self.sync_policy_contract = model.sync_policy_contract(props)
        self.resource: Manifest | None = None
        self.operator: CnpgOperator | None = None
        self.namespace_resource: NamespaceV1 | None = None
        self.kubernetes_provider = (
            _stack.resolve_provider(self, kubernetes_provider, "kubernetes") if self.mode is Mode.APPLY else None
        )
        self.children: dict[str, Any] = {}
        self.s3_access_key_id_variable: TerraformVariable | None = None
        self.s3_secret_access_key_variable: TerraformVariable | None = None

        if self.mode is Mode.APPLY:
            self.manifests = self._apply(shared, kubernetes_provider, helm_provider)
        else:
            self.manifests = [item.manifest for item in model.plan(props)]
        self._outputs(_snake(id))
        if self.mode is Mode.RENDER:
            for member in _render_clusters(self):
                member._refresh_rendered_output()

    # -- sharing ---------------------------------------------------------------------------------

    @staticmethod
    def _sharing_problems(
        scope: Construct,
        id: str,
        p: model.ClusterProps,
        shared: CnpgOperator | None,
        kubernetes_provider: TerraformProvider | None,
        helm_provider: TerraformProvider | None,
    ) -> list[Problem]:
        """Apply mode: the shared operator (settings, plugin) and the namespace this cluster creates."""
        from dw_constructs.cnpg.operator import CnpgOperator, implicit_id, namespace_owner

        problems: list[Problem] = []
        k8s = _stack.resolve_provider(scope, kubernetes_provider, "kubernetes")
        if shared is not None and not model.uses_operator(p):
            return [
                Problem(
                    "operator",
                    shared.node.path,
                    "None: this cluster installs neither the operator "
                    "(install_operator=False) nor the Barman Cloud plugin",
                )
            ]
        if model.uses_operator(p):
            if shared is not None:
                if _stack.stack_of(shared) is not _stack.stack_of(scope):
                    problems.append(Problem("operator", shared.node.path, "a CnpgOperator of this construct's stack"))
                    return problems
            else:
                helm = _stack.resolve_provider(scope, helm_provider, "helm")
                shared = CnpgOperator.find(scope, helm)
                if shared is None:
                    op = model.operator_of(p)
                    new_id = implicit_id(op.namespace, helm)
                    stack = _stack.stack_of(scope)
                    if stack is not None and stack.node.try_find_child(new_id) is not None:
                        problems.append(
                            Problem(
                                "operator_namespace",
                                op.namespace,
                                f"a namespace whose operator id {new_id!r} is free in the stack "
                                "(another construct has it); or declare a CnpgOperator and pass "
                                "operator=",
                            )
                        )
                    if p.install_operator and op.create_namespace:
                        owner = namespace_owner(scope, op.namespace, k8s)
                        if owner is not None:
                            problems.append(
                                Problem(
                                    "operator.create_namespace",
                                    True,
                                    f"False: {owner[0].node.path!r} creates namespace {op.namespace!r} already",
                                )
                            )
            if shared is not None:
                problems += shared._attach_problems(p)
        if not problems and model.creates_namespace(p):
            owner = namespace_owner(scope, p.cluster_namespace, k8s)
            if owner is not None:
                problems.append(
                    Problem(
                        "create_namespace",
                        True,
                        f"False: {owner[0].node.path!r} creates namespace {p.cluster_namespace!r} "
                        "already (this cluster then waits for it)",
                    )
                )
        return problems

    # -- apply mode ------------------------------------------------------------------------------

    def _s3_values(self, snake: str) -> tuple[str, str] | None:
        if model.s3_source(self.props) is not model.S3Source.MANAGED:
            return None
        b = self.props.backup
        values = []
        for attr, cid, what in (
            ("access_key_id", "S3AccessKeyId", "access key id"),
            ("secret_access_key", "S3SecretAccessKey", "secret access key"),
        ):
            value = getattr(b, attr)
            if value is None:
                var = TerraformVariable(
                    self,
                    cid,
                    type="string",
                    sensitive=True,
                    nullable=False,
                    description=f"S3 {what} for the backups of {self.node.path}.",
                )
                var.override_logical_id(f"{snake}_s3_{attr}")
                setattr(self, f"s3_{attr}_variable", var)
                value = var.string_value
            values.append(value)
        return values[0], values[1]

    def _apply(
        self,
        shared: CnpgOperator | None,
        kubernetes_provider: TerraformProvider | None,
        helm_provider: TerraformProvider | None,
    ) -> list[dict[str, Any]]:
        from dw_cdktf_provider_kubernetes.manifest import Manifest
        from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
        from dw_cdktf_provider_kubernetes.secret_v1 import SecretV1

        from dw_constructs.cnpg.operator import CnpgOperator, implicit_id, namespace_owner

        p = self.props
        items = model.plan(p, s3_values=self._s3_values(_snake(self.node.id)))
        protect = lifecycle(p.prevent_destroy)
        made: dict[str, Any] = {}

        def meta(m: Mapping[str, Any]) -> dict[str, Any]:
            return {k: m["metadata"][k] for k in ("name", "namespace", "labels") if k in m["metadata"]}

        def deps(*keys: str) -> list[ITerraformDependable]:
            return [made[k] for k in keys if k in made]

        for item in items:
            if item.manifest["kind"] == "Namespace":
                ns = NamespaceV1(
                    self, item.key, metadata=meta(item.manifest), provider=kubernetes_provider, lifecycle=protect
                )
                made[item.key] = self.namespace_resource = ns
        own = dict(made)

        if model.uses_operator(p):
            if shared is None:
                helm = _stack.resolve_provider(self, helm_provider, "helm")
                shared = CnpgOperator.find(self, helm)
            if shared is None:
                op = model.operator_of(p)
                stack = _stack.stack_of(self)
                if stack is None:
                    raise ValueError(f"{self.node.path}: apply mode creates the shared operator in a TerraformStack")
                shared = CnpgOperator.from_props(
                    stack,
                    implicit_id(op.namespace, helm),
                    op,
                    install_operator=p.install_operator,
                    kubernetes_provider=kubernetes_provider,
                    helm_provider=helm_provider,
                )
                shared.created_for = self.node.path
            plugin_deps: list[ITerraformDependable] = (
                [self.namespace_resource]
                if (self.namespace_resource is not None and p.cluster_namespace == shared.namespace)
                else []
            )
            in_operator_namespace = p.cluster_namespace == shared.namespace
            shared._attach(
                self,
                p,
                protect_namespace=p.prevent_destroy is True and in_operator_namespace,
                plugin_dependencies=plugin_deps,
            )
            self.operator = shared
            for key, resource in (
                ("Operator", shared.release),
                ("BarmanCloudPlugin", shared.plugin_release if p.backup.enabled else None),
            ):
                if resource is not None:
                    made[key] = resource
        if "Namespace" not in made:  # the namespace of the operator, or of another cluster of the stack
            if (
                self.operator is not None
                and p.cluster_namespace == self.operator.namespace
                and self.operator.namespace_resource is not None
            ):
                made["Namespace"] = self.operator.namespace_resource
            else:
                owner = namespace_owner(self, p.cluster_namespace, self.kubernetes_provider, exclude=self)
                if owner is not None:
                    made["Namespace"] = owner[1]

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
                made[item.key] = own[item.key] = SecretV1(
                    self,
                    item.key,
                    metadata=meta(m),
                    type=m.get("type"),
                    data=m["stringData"],
                    depends_on=deps(*after[item.key]),
                    provider=kubernetes_provider,
                )
                continue
            made[item.key] = own[item.key] = Manifest(
                self,
                item.key,
                manifest=m,
                depends_on=deps(*after[item.key]),
                provider=kubernetes_provider,
                lifecycle=protect if item.key == "Resource" else None,
            )
        self.children = own
        self.resource = own["Resource"]  # the Cluster's kubernetes_manifest
        return [item.manifest for item in items]

    # -- render mode -----------------------------------------------------------------------------

    @property
    def rendered_manifests(self) -> dict[str, str] | None:
        """Render mode: the GitOps tree of this stack's render-mode clusters (one operator)."""
        if getattr(self, "mode", None) is not Mode.RENDER:
            return None
        return model.render_tree_of([c.props for c in _render_clusters(self)])

    def _refresh_rendered_output(self) -> None:
        out = getattr(self, "outputs", {}).get("rendered_manifests")
        tree = self.rendered_manifests
        if out is not None and tree is not None:
            out.value = {k: _terraform_literal(t) for k, t in tree.items()}

    # -- outputs ---------------------------------------------------------------------------------

    def _outputs(self, snake: str) -> None:
        contract = dict(self.sync_policy_contract)
        if contract["backup"] is None:
            contract["backup"] = Token.null_value()  # a None would silently drop the key
        outputs = [
            (
                "PrimaryEndpoint",
                "primary_endpoint",
                self.primary_endpoint,
                "Read-write Service of the CNPG cluster (port 5432).",
            ),
            (
                "ReplicaEndpoint",
                "replica_endpoint",
                self.replica_endpoint,
                "Read-only Service of the CNPG cluster (port 5432).",
            ),
            (
                "SyncPolicyContract",
                "sync_policy_contract",
                contract,
                "Cluster, endpoints, database, credential secrets, backup and PostGIS of the CNPG cluster.",
            ),
        ]
        tree = self.rendered_manifests
        if tree is not None:
            outputs.append(
                (
                    "RenderedManifests",
                    "rendered_manifests",
                    {k: _terraform_literal(t) for k, t in tree.items()},
                    "GitOps tree: relative path -> YAML document.",
                )
            )
        self.outputs: dict[str, TerraformOutput] = {}
        for cid, name, value, description in outputs:
            out = TerraformOutput(self, cid, value=value, description=description)
            out.override_logical_id(f"{snake}_{name}")
            self.outputs[name] = out

    # -- helpers ---------------------------------------------------------------------------------

    def write_rendered(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Render mode: write :attr:`rendered_manifests` below ``directory`` (see model.write_rendered)."""
        tree = self.rendered_manifests
        if tree is None:
            raise ValueError(f"{self.node.path}: write_rendered needs mode='render'")
        return model.write_rendered(tree, directory)
