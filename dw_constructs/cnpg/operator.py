"""CnpgOperator: the CloudNativePG operator and the Barman Cloud plugin of one Kubernetes cluster,
installed once with ``helm_release`` (apply mode) and shared by every ``CnpgPostgisCluster`` of the
stack that installs them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdktf import Fn, TerraformProvider
from constructs import Construct

from dw_constructs import _stack
from dw_constructs._construct import raise_problems
from dw_constructs.cnpg import model
from dw_constructs.cnpg import versions as v
from dw_constructs.cnpg.model import HelmChartSource, Mode, OperatorProps
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from cdktf import ITerraformDependable, TerraformAsset
    from dw_cdktf_provider_helm.release import Release
    from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

#: Prefix of the id of an operator a CnpgPostgisCluster creates for its stack (see :func:`implicit_id`).
IMPLICIT_ID_PREFIX = "CnpgOperator"


def implicit_id(namespace: str, helm_provider: TerraformProvider | None = None) -> str:
    """Id of the operator a cluster creates as a direct child of its stack:
    ``CnpgOperator-<namespace>`` (``-<alias>`` appended for an aliased helm provider)."""
    alias = helm_provider.alias if helm_provider is not None else None
    return f"{IMPLICIT_ID_PREFIX}-{namespace}" + (f"-{re.sub(r'[^A-Za-z0-9_-]', '-', alias)}" if alias else "")


def namespace_owner(
    scope: Construct, name: str, kubernetes_provider: TerraformProvider | None, *, exclude: Construct | None = None
) -> tuple[Construct, NamespaceV1] | None:
    """(construct, kubernetes_namespace_v1) of the construct of ours in the stack that creates
    namespace ``name`` with ``kubernetes_provider``; None when none does."""
    from dw_constructs.cnpg.cluster import CnpgPostgisCluster

    for node in _stack.nodes(scope, Construct):
        if node is exclude:
            continue
        if isinstance(node, (CnpgOperator, CnpgPostgisCluster)):
            ns, res, k8s = node.namespace, node.namespace_resource, node.kubernetes_provider
        else:
            continue
        if res is not None and ns == name and k8s is kubernetes_provider:
            return node, res
    return None


class CnpgOperator(Construct):
    """The CloudNativePG operator (chart ``cloudnative-pg``) and the Barman Cloud plugin (chart
    ``plugin-barman-cloud``) of one Kubernetes cluster, installed once and shared by every
    ``CnpgPostgisCluster`` that uses it (apply mode). The operator is a per-Kubernetes-cluster
    singleton (cluster-wide CRDs, webhooks and RBAC), so a stack holds at most one per helm
    provider; see :class:`model.OperatorProps` and :class:`model.HelmChartSource` for every prop.

    Declare it to choose its settings and pass it to clusters with ``operator=``; otherwise the
    first ``CnpgPostgisCluster`` with ``install_operator`` creates it as a direct child of its stack,
    with id ``CnpgOperator-<namespace>``, and later clusters find it. Clusters that ask for other
    settings (chart version, chart source, values, wait, plugin) fail with one ``PropsError`` naming
    both construct paths and the setting.

    Creates (construct ids are API): ``kubernetes_namespace_v1`` [Namespace] (install_operator and
    create_namespace); ``helm_release`` [Resource] (release ``cnpg``; install_operator) and
    [BarmanCloudPlugin] (release ``barman-cloud``; install_plugin, or when a cluster with backups
    needs it); a cdktf ``TerraformAsset`` [Chart] / [PluginChart] for a local chart (``path``
    sources). Releases: ``wait`` and ``atomic`` follow ``wait``; ``values`` as one YAML document.

    Besides the props below, the constructor takes ``install_operator`` (default True, known at synth
    time; False when the platform runs the operator: then only the plugin is installed here, in
    ``namespace``) and
    ``kubernetes_provider`` / ``helm_provider`` (default: the stack's ``KubernetesProvider`` /
    ``HelmProvider``, which must exist). ``CnpgOperator.from_props(scope, id, OperatorProps(...))``
    builds it from the props dataclass; ``CnpgOperator.find(scope, helm_provider=None)`` returns the
    stack's operator for a helm provider. Render mode has no construct: the render-mode clusters of a
    stack share one GitOps tree with one operator (pass ``operator=OperatorProps(...)``). Guide:
    docs/cnpg.md ("The shared operator", "Air-gapped chart sources").

    Args:
        install_operator: install the operator here; False when the platform runs it, then only
            the plugin is installed here, in ``namespace``. Known at synth time. Default: True.
        kubernetes_provider: the ``KubernetesProvider`` of the namespace.
            Default: - the stack's default ``KubernetesProvider``, which must exist.
        helm_provider: the ``HelmProvider`` of the releases.
            Default: - the stack's default ``HelmProvider``, which must exist.

    Attributes:
        props: the resolved :class:`model.OperatorProps`.
        install_operator: False when the platform runs the operator and only the plugin is installed here.
        namespace: the operator's namespace.
        namespace_resource, release, plugin_release, chart_asset, plugin_chart_asset: the children
            (None when not created; ``plugin_release`` appears when the plugin is first needed).
        helm_provider, kubernetes_provider: the provider configurations in use.
        clusters: construct paths of the clusters that use this operator.
        created_for: path of the cluster that created this operator for its stack; None when declared.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str = "cnpg-system",
        create_namespace: bool = True,
        chart_version: str = v.CNPG_CHART_VERSION,
        chart_source: HelmChartSource | Mapping[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
        install_plugin: bool | None = None,
        plugin_chart_version: str = v.BARMAN_PLUGIN_CHART_VERSION,
        plugin_chart_source: HelmChartSource | Mapping[str, Any] | None = None,
        plugin_values: Mapping[str, Any] | None = None,
        wait: bool = True,
        install_operator: bool = True,
        kubernetes_provider: TerraformProvider | None = None,
        helm_provider: TerraformProvider | None = None,
    ) -> None:
        fields = dict(
            namespace=namespace,
            create_namespace=create_namespace,
            chart_version=chart_version,
            chart_source=HelmChartSource() if chart_source is None else chart_source,
            values={} if values is None else values,
            install_plugin=install_plugin,
            plugin_chart_version=plugin_chart_version,
            plugin_chart_source=plugin_chart_source,
            plugin_values={} if plugin_values is None else plugin_values,
            wait=wait,
        )
        props, problems = model.coerce_operator(fields, prefix="")
        if props is not None:
            problems += model.validate_operator(props, Mode.APPLY)
        problems += self._stack_problems(scope, id, props, install_operator, kubernetes_provider, helm_provider)
        raise_problems(type(self).__name__, scope, id, problems)
        super().__init__(scope, id)

        assert props is not None  # coerce_operator returns None only with problems, raised above
        self.props: OperatorProps = _normalized(props)
        self.install_operator = install_operator
        self.namespace = props.namespace
        self.helm_provider = _stack.resolve_provider(self, helm_provider, "helm")
        self.kubernetes_provider = _stack.resolve_provider(self, kubernetes_provider, "kubernetes")
        self._helm_provider_arg = helm_provider
        self.clusters: list[str] = []
        #: path of the cluster that created this operator for its stack (None: declared by the user)
        self.created_for: str | None = None
        self._plugin_wanted_by: list[str] = []
        self._plugin_refused_by: list[str] = []
        self.namespace_resource: NamespaceV1 | None = None
        self.release: Release | None = None
        self.plugin_release: Release | None = None
        self.chart_asset: TerraformAsset | None = None
        self.plugin_chart_asset: TerraformAsset | None = None
        self._build(kubernetes_provider)

    @classmethod
    def from_props(
        cls,
        scope: Construct,
        id: str,
        props: OperatorProps | Mapping[str, Any],
        *,
        install_operator: bool = True,
        kubernetes_provider: TerraformProvider | None = None,
        helm_provider: TerraformProvider | None = None,
    ) -> CnpgOperator:
        """The construct from an :class:`model.OperatorProps` (or a dict of its fields)."""
        op, problems = model.coerce_operator(props, prefix="")
        raise_problems(cls.__name__, scope, id, problems)
        return cls(
            scope,
            id,
            **{f.name: getattr(op, f.name) for f in dataclasses.fields(OperatorProps)},
            install_operator=install_operator,
            kubernetes_provider=kubernetes_provider,
            helm_provider=helm_provider,
        )

    @classmethod
    def find(cls, scope: Construct, helm_provider: TerraformProvider | None = None) -> CnpgOperator | None:
        """The operator of ``scope``'s stack that installs with ``helm_provider`` (None: the stack's
        default helm provider), or None."""
        provider = _stack.resolve_provider(scope, helm_provider, "helm")
        for node in _stack.nodes(scope, CnpgOperator):
            if node.helm_provider is provider:
                return node
        return None

    # -- validation ------------------------------------------------------------------------------

    @staticmethod
    def _stack_problems(
        scope: Construct,
        id: str,
        props: OperatorProps | None,
        install_operator: Any,
        kubernetes_provider: Any,
        helm_provider: Any,
    ) -> list[Problem]:
        from dw_constructs import _checks as c

        problems = c.known(
            "install_operator", install_operator, "it decides whether the operator is installed"
        ) or c.boolean("install_operator", install_operator)
        problems += _stack.provider_problems(scope, "helm_provider", helm_provider, "helm", "HelmProvider")
        creates_ns = install_operator is True and props is not None and props.create_namespace is True
        if creates_ns:
            problems += _stack.provider_problems(
                scope, "kubernetes_provider", kubernetes_provider, "kubernetes", "KubernetesProvider"
            )
        if problems or props is None:
            return problems
        existing = CnpgOperator.find(scope, helm_provider)
        if existing is not None:
            helm = _stack.resolve_provider(scope, helm_provider, "helm")
            problems.append(
                Problem(
                    "helm_provider",
                    _stack.provider_label(helm),
                    f"a helm provider no other CnpgOperator of the stack uses: {existing.node.path!r} "
                    "installs the operator with it already (one operator per Kubernetes cluster; "
                    "declare the CnpgOperator before the clusters and pass operator= to them)",
                )
            )
        if creates_ns:
            k8s = _stack.resolve_provider(scope, kubernetes_provider, "kubernetes")
            owner = namespace_owner(scope, props.namespace, k8s)
            if owner is not None:
                problems.append(
                    Problem(
                        "create_namespace",
                        True,
                        f"False: {owner[0].node.path!r} creates namespace {props.namespace!r} already",
                    )
                )
        return problems

    # -- construction ----------------------------------------------------------------------------

    def _asset(self, id: str, path: str) -> TerraformAsset:
        from cdktf import AssetType, TerraformAsset

        kind = AssetType.DIRECTORY if Path(path).is_dir() else AssetType.FILE
        return TerraformAsset(self, id, path=path, type=kind)

    def _build(self, kubernetes_provider: TerraformProvider | None) -> None:
        from dw_cdktf_provider_helm.release import Release
        from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

        p = self.props
        if not self.install_operator:
            if p.install_plugin is True:
                self._ensure_plugin([])
            return
        if p.create_namespace:
            manifest = model.operator_namespace_manifest(p.namespace)
            self.namespace_resource = NamespaceV1(
                self, "Namespace", metadata=manifest["metadata"], provider=kubernetes_provider
            )
        chart_path = None
        if p.chart_source.path is not None:
            self.chart_asset = self._asset("Chart", str(p.chart_source.path))
            chart_path = self.chart_asset.path
        self.release = Release(
            self,
            "Resource",
            **model.operator_release_args(p, chart_path=chart_path, encode=Fn.jsonencode),
            depends_on=[self.namespace_resource] if self.namespace_resource else None,
            provider=self._helm_provider_arg,
        )
        if p.install_plugin is True:
            self._ensure_plugin([])

    def _ensure_plugin(self, extra_dependencies: list[ITerraformDependable]) -> Release:
        """Create the plugin release (once); ``extra_dependencies``: e.g. the namespace it goes to
        when a cluster, not this operator, creates it."""
        from dw_cdktf_provider_helm.release import Release

        if self.plugin_release is not None:
            return self.plugin_release
        p = self.props
        src = model.plugin_source(p)
        chart_path = None
        if src is not None and src.path is not None:
            self.plugin_chart_asset = self._asset("PluginChart", str(src.path))
            chart_path = self.plugin_chart_asset.path
        deps = [d for d in (self.namespace_resource, self.release, *extra_dependencies) if d is not None]
        self.plugin_release = Release(
            self,
            "BarmanCloudPlugin",
            **model.barman_plugin_release_args(p, chart_path=chart_path, encode=Fn.jsonencode),
            depends_on=deps or None,
            provider=self._helm_provider_arg,
        )
        return self.plugin_release

    # -- sharing with clusters -------------------------------------------------------------------

    @property
    def plugin_installed(self) -> bool:
        return self.plugin_release is not None

    def settings(self) -> dict[str, Any]:
        """The settings clusters sharing this operator must ask for (see model.settings_of)."""
        return model.settings_of(self.props, self.install_operator)

    def _described(self) -> str:
        if self.created_for:
            return f"as {self.created_for!r} asks of the shared operator {self.node.path!r}"
        return f"as the operator {self.node.path!r} has"

    def _attach_problems(self, cluster_props: model.ClusterProps) -> list[Problem]:
        """What keeps a cluster with ``cluster_props`` from using this operator."""
        problems = model.conflict_problems(
            model.setting_conflicts(model.operator_settings(cluster_props, render=False), self.settings()),
            self._described(),
            "Kubernetes cluster (helm provider)",
        )
        if not problems:
            problems += model.plugin_problems(
                cluster_props,
                self._plugin_wanted_by,
                self._plugin_refused_by,
                self.props.install_plugin,
                self.node.path,
            )
        return problems

    def _attach(
        self,
        cluster: Construct,
        cluster_props: model.ClusterProps,
        *,
        protect_namespace: bool,
        plugin_dependencies: list[ITerraformDependable],
    ) -> None:
        self.clusters.append(cluster.node.path)
        want = model.plugin_wanted(cluster_props)
        if want is True:
            self._plugin_wanted_by.append(cluster.node.path)
            if self.props.install_plugin is not False:
                self._ensure_plugin(plugin_dependencies)
        elif want is False:
            self._plugin_refused_by.append(cluster.node.path)
        if protect_namespace and self.namespace_resource is not None:
            from cdktf import TerraformResourceLifecycle

            self.namespace_resource.lifecycle = TerraformResourceLifecycle(prevent_destroy=True)

    def target_addresses(self) -> list[str]:
        """Terraform addresses of the releases (``helm_release.<name>``), for the first apply on a
        cluster without the CNPG CRDs: ``tofu apply -target=<each>`` (their namespace comes along),
        then a normal apply (``kubernetes_manifest`` reads the CRDs at plan time)."""
        return [
            f"{r.terraform_resource_type}.{r.friendly_unique_id}"
            for r in (self.release, self.plugin_release)
            if r is not None
        ]

    def dependencies(self, *, plugin: bool) -> list[Release]:
        """The releases a cluster's objects wait for (the plugin's only with ``plugin``)."""
        return [r for r in (self.release, self.plugin_release if plugin else None) if r is not None]


def _normalized(props: OperatorProps) -> OperatorProps:
    """Local chart paths made absolute (compared between clusters; the asset copies from there)."""

    def absolute(src: HelmChartSource | None) -> HelmChartSource | None:
        if isinstance(src, HelmChartSource) and src.path is not None:
            return dataclasses.replace(src, path=str(Path(src.path).resolve()))
        return src

    chart_source, plugin_chart_source = absolute(props.chart_source), absolute(props.plugin_chart_source)
    if chart_source is props.chart_source and plugin_chart_source is props.plugin_chart_source:
        return props
    return dataclasses.replace(
        props, chart_source=chart_source or props.chart_source, plugin_chart_source=plugin_chart_source
    )
