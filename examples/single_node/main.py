#!/usr/bin/env python
"""Default example (the README's main job): DataWarehouse single-node on Kubernetes with our Helm
chart, its datawarehouse provider and instance, a user and a policy.

    python examples/single_node/main.py        # writes cdktf.out/stacks/single-node/cdk.tf.json
    cdktf synth                                # same app, via cdktf.json

Passwords come from sensitive variables (TF_VAR_analytics_admin_password,
TF_VAR_analytics_analyst_password); they never appear in the synthesized JSON.

Where Terraform reaches the server is a deployment fact, so it is a variable too:
``analytics_endpoint_host`` (required) and ``analytics_endpoint_port`` (default 5432).

* Terraform inside the Kubernetes cluster (a CI runner pod): the Service DNS name,
  ``TF_VAR_analytics_endpoint_host=analytics.datawarehouse.svc.cluster.local``.
* From a workstation, with a port-forward (the chart's certificate covers ``localhost``, so TLS is
  verified): the server must exist before the provider can connect, so the first apply has two
  steps::

      export TF_VAR_analytics_endpoint_host=localhost TF_VAR_analytics_endpoint_port=15432
      tofu apply -target=helm_release.Warehouse_Release_21FA0990   # the chart and what it needs
      kubectl -n datawarehouse port-forward svc/analytics 15432:5432 &
      tofu apply                                                   # the provider's resources

* Through a LoadBalancer or an Ingress with TLS passthrough: its address, with ``tls_secret_name``
  set to a certificate that covers it (docs/datawarehouse.md, "Reaching the server").
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack, TerraformVariable  # noqa: E402
from constructs import Construct  # noqa: E402

from dw_constructs.datawarehouse import (  # noqa: E402
    DataWarehouseCluster,
    OperationalProfile,
    PolicyFeature,
    ProviderEndpoint,
)
from examples._common import helm_provider, kubernetes_provider, local_backend, run  # noqa: E402

STACK_NAME = "single-node"


class SingleNodeStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, **overrides) -> None:
        """``overrides``: extra DataWarehouseCluster keywords (the live tests turn off waiting for
        pods, which a test API server without nodes never runs)."""
        super().__init__(scope, id)
        local_backend(self, id)
        helm, kubernetes = helm_provider(self), kubernetes_provider(self)
        # How Terraform reaches the server (module docstring): in-cluster DNS name, port-forward,
        # LoadBalancer or Ingress, chosen where Terraform runs.
        host = TerraformVariable(
            self,
            "analytics_endpoint_host",
            type="string",
            nullable=False,
            description="Host Terraform reaches DataWarehouse 'analytics' at: "
            "analytics.datawarehouse.svc.cluster.local inside the cluster, "
            "localhost with kubectl port-forward, or a LoadBalancer/Ingress host.",
        )
        port = TerraformVariable(
            self, "analytics_endpoint_port", type="number", default=5432, description="Port at analytics_endpoint_host."
        )
        self.warehouse = DataWarehouseCluster(
            self,
            "Warehouse",
            name="analytics",
            endpoint=ProviderEndpoint(host=host.string_value, port=port.number_value),
            storage_size_gb=100,
            operational_profile=OperationalProfile.STANDARD,
            helm_provider=helm,
            kubernetes_provider=kubernetes,
            **overrides,
        )
        self.warehouse.add_user("Analyst", username="analyst", roles=["reader"])
        self.warehouse.add_policy(
            "Retention", name="keep-1y", target_path="/finance/*", feature=PolicyFeature.RETENTION, intensity_level=7
        )


def build(app: App, **overrides) -> SingleNodeStack:
    return SingleNodeStack(app, STACK_NAME, **overrides)


if __name__ == "__main__":
    run(build, STACK_NAME)
