"""A ``CnpgPostgisCluster`` registered as a DeltaStream PostgreSQL store: endpoint from the
cluster's own attributes, credentials from its application Secret, never literals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cdktf import Fn, Precondition
from constructs import Construct

from dw_constructs._construct import raise_problems
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from dw_constructs.deltastream.store import DeltaStreamStore

#: Keys of the CNPG application Secret (CloudNativePG writes them; our ExternalSecret too).
USERNAME_KEY = "username"
PASSWORD_KEY = "password"


def cnpg_postgres_store(
    scope: Construct,
    id: str,
    *,
    cluster: Any,
    name: str | None = None,
    host: str | None = None,
    owner: str | None = None,
    provider: Any = None,
    kubernetes_provider: Any = None,
) -> DeltaStreamStore:
    """A :class:`DeltaStreamStore` of kind ``postgres`` for ``cluster`` (a ``CnpgPostgisCluster``).

    - ``uris``: ``postgresql://<host>:<cluster.port>/<database>``, ``host`` defaulting to the
      cluster's read-write Service (``cluster.primary_endpoint``). DeltaStream connects from its
      own network: pass ``host`` when the database is reached through another name (a load
      balancer, a private link); the default only works where DeltaStream can resolve cluster DNS.
    - ``username`` / ``password``: read from the cluster's application Secret
      (``<cluster>-app`` in its namespace: CloudNativePG's, or the one our ExternalSecret writes)
      with a ``kubernetes_secret_v1`` data source [<id>AppSecret] through the cluster's Kubernetes
      provider, wrapped in ``sensitive()``. The data source is read at plan time; the store has a
      precondition that the Secret exists, so the first apply of an app holding both is done in
      two steps (the cluster first: ``tofu apply -target=...``), and later plans see the Secret.
      A password change (rotation) replaces the store, like any credential change.
    - ``name``: Default: - the cluster name.

    The store is created under ``scope`` with id ``id``; the data source with id ``<id>AppSecret``.
    """
    from dw_constructs.cnpg import model as cnpg_model
    from dw_constructs.cnpg.cluster import CnpgPostgisCluster
    from dw_constructs.cnpg.model import Mode
    from dw_constructs.deltastream.model import PostgresProps
    from dw_constructs.deltastream.store import DeltaStreamStore

    problems: list[Problem] = []
    if not isinstance(cluster, CnpgPostgisCluster):
        problems.append(Problem("cluster", type(cluster).__name__, "a CnpgPostgisCluster"))
        raise_problems("DeltaStreamStore", scope, id, problems)
    k8s = kubernetes_provider or cluster.kubernetes_provider
    if k8s is None:
        problems.append(
            Problem(
                "kubernetes_provider",
                None,
                "a KubernetesProvider to read the cluster's application "
                "Secret with (render-mode clusters have none of their "
                "own)",
            )
        )
    if cluster.mode is Mode.RENDER and kubernetes_provider is None:
        problems.append(
            Problem(
                "cluster",
                cluster.node.path,
                "a cluster in apply mode, or give kubernetes_provider (render mode: Flux applies the cluster)",
            )
        )
    secret_id = f"{id}AppSecret"
    if isinstance(id, str) and scope.node.try_find_child(secret_id) is not None:
        problems.append(Problem("id", id, f"an id whose {secret_id!r} is free under {scope.node.path or '<app>'}"))
    raise_problems("DeltaStreamStore", scope, id, problems)
    from dw_cdktf_provider_kubernetes.data_kubernetes_secret_v1 import (
        DataKubernetesSecretV1,
        DataKubernetesSecretV1Metadata,
    )

    secret_name = cnpg_model.app_secret_name(cluster.props)
    namespace = cluster.namespace
    where = f"{namespace}/{secret_name}"
    secret = DataKubernetesSecretV1(
        scope, secret_id, metadata=DataKubernetesSecretV1Metadata(name=secret_name, namespace=namespace), provider=k8s
    )
    data = f"data.kubernetes_secret_v1.{secret.friendly_unique_id}"
    # try(): before the Secret exists its data is null; the precondition below then reports it.
    username = Fn.sensitive(Fn.try_([Fn.lookup(secret.data, USERNAME_KEY, ""), ""]))
    password = Fn.sensitive(Fn.try_([Fn.lookup(secret.data, PASSWORD_KEY, ""), ""]))
    uri = f"postgresql://{host or cluster.primary_endpoint}:{cluster.port}/{cluster.props.database_name}"
    exists = Precondition(
        condition=f'${{{data}.type != null && {data}.type != ""}}',
        error_message=(
            f"The application Secret {where} of the CNPG cluster {cluster.node.path} does not exist yet: "
            "apply the cluster first (tofu apply -target on its resources), then the DeltaStream store."
        ),
    )
    store = DeltaStreamStore(
        scope,
        id,
        name=name or cluster.cluster_name,
        postgres=PostgresProps(uris=uri, username=username, password=password),
        owner=owner,
        provider=provider,
        preconditions=[exists],
    )
    store.app_secret = secret
    store.cluster = cluster
    return store
