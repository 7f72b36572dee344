#!/usr/bin/env python
"""CloudNativePG + PostGIS, apply mode: Terraform installs the CNPG operator and the Barman Cloud
plugin (helm_release) and applies the Cluster, its PostGIS Database, backups and ExternalSecrets
(kubernetes_manifest).

    python examples/cnpg_apply/main.py      # writes cdktf.out/stacks/cnpg-apply/cdk.tf.json

Prerequisites in the target cluster: cert-manager (for the Barman Cloud plugin), External Secrets
Operator with a ClusterSecretStore named ``vault-backend`` holding ``wildside-pg-superuser``,
``wildside-pg-app`` (property ``password``) and ``wildside-pg-s3-credentials`` (properties
``ACCESS_KEY_ID``, ``ACCESS_SECRET_KEY``). kubernetes_manifest needs the CRDs at plan time: on an
empty cluster apply the two Helm releases first (see docs/cnpg.md, "Apply mode").
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack, TerraformVariable  # noqa: E402
from constructs import Construct  # noqa: E402
from dw_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes  # noqa: E402
from dw_cdktf_provider_kubernetes.provider import KubernetesProvider  # noqa: E402

from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, EsoProps, Mode  # noqa: E402
from examples._common import local_backend, run  # noqa: E402

STACK_NAME = "cnpg-apply"


class CnpgApplyStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, **overrides) -> None:
        """``overrides``: extra CnpgPostgisCluster keywords (the live tests install the operator from
        the upstream chart archives, without webhooks and without waiting: their API server has
        no node)."""
        super().__init__(scope, id)
        local_backend(self, id)
        kubeconfig = TerraformVariable(
            self,
            "kubeconfig_path",
            type="string",
            default="~/.kube/config",
            description="kubeconfig the kubernetes and helm providers use.",
        )
        # Explicit provider configurations: the construct creates none of its own.
        kubernetes = KubernetesProvider(self, "Kubernetes", config_path=kubeconfig.string_value)
        helm = HelmProvider(self, "Helm", kubernetes=HelmProviderKubernetes(config_path=kubeconfig.string_value))
        self.database = CnpgPostgisCluster(
            self,
            "WildsidePg",  # cluster name derived: wildside-pg
            mode=Mode.APPLY,
            instances=3,
            storage_size="20Gi",
            backup=BackupProps(
                enabled=True,
                destination_path="s3://wildside-backups/wildside-pg",
                endpoint_url="https://s3.eu-central-1.amazonaws.com",
                retention_policy="30d",
                schedule="0 0 2 * * *",
            ),
            eso=EsoProps(enabled=True, cluster_secret_store_name="vault-backend"),
            kubernetes_provider=kubernetes,
            helm_provider=helm,
            **overrides,
        )


def build(app: App, **overrides) -> CnpgApplyStack:
    return CnpgApplyStack(app, STACK_NAME, **overrides)


if __name__ == "__main__":
    run(build, STACK_NAME)
