#!/usr/bin/env python
"""Default example (the README's main job): DataWarehouse single-node on Kubernetes with our Helm
chart, its datawarehouse provider and instance, a user and a policy.

    python examples/single_node/main.py        # writes cdktf.out/stacks/single-node/cdk.tf.json
    cdktf synth                                # same app, via cdktf.json

Passwords come from sensitive variables (TF_VAR_analytics_admin_password,
TF_VAR_analytics_analyst_password); they never appear in the synthesized JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack  # noqa: E402
from constructs import Construct  # noqa: E402

from dw_constructs.datawarehouse import DataWarehouseCluster, OperationalProfile, PolicyFeature  # noqa: E402
from examples._common import helm_provider, kubernetes_provider, local_backend, run  # noqa: E402

STACK_NAME = "single-node"


class SingleNodeStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, **overrides) -> None:
        """``overrides``: extra DataWarehouseCluster keywords (the live tests turn off waiting for
        pods, which a test API server without nodes never runs)."""
        super().__init__(scope, id)
        local_backend(self, id)
        helm, kubernetes = helm_provider(self), kubernetes_provider(self)
        self.warehouse = DataWarehouseCluster(
            self, "Warehouse",
            name="analytics",
            storage_size_gb=100,
            operational_profile=OperationalProfile.STANDARD,
            helm_provider=helm,
            kubernetes_provider=kubernetes,
            **overrides,
        )
        self.warehouse.add_user("Analyst", username="analyst", roles=["reader"])
        self.warehouse.add_policy("Retention", name="keep-1y", target_path="/finance/*",
                                  feature=PolicyFeature.RETENTION, intensity_level=7)


def build(app: App, **overrides) -> SingleNodeStack:
    return SingleNodeStack(app, STACK_NAME, **overrides)


if __name__ == "__main__":
    run(build, STACK_NAME)
