#!/usr/bin/env python
"""Default example (the README's main job): a DataWarehouse instance managed through the
generated ``datawarehouse`` provider bindings.

    python examples/single_node/main.py            # writes cdktf.out/stacks/single-node/cdk.tf.json
    cdktf synth                                    # same, via cdktf.json

The admin password comes from the sensitive variable ``data_warehouse_password``
(``TF_VAR_data_warehouse_password``); it never appears in the synthesized JSON.
"""

from __future__ import annotations

import os
import sys

from cdktf import App, LocalBackend, TerraformOutput, TerraformStack
from constructs import Construct

from dw_constructs.datawarehouse import DataWarehouseInstance, DataWarehouseProvider, OperationalProfile

STACK_NAME = "single-node"


class SingleNodeStack(TerraformStack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        # A relative state path keeps the synthesized JSON identical in every checkout.
        LocalBackend(self, path=f"terraform.{id}.tfstate")
        DataWarehouseProvider(self, "DataWarehouse", host="datawarehouse.datawarehouse.svc.cluster.local")
        warehouse = DataWarehouseInstance(
            self, "Warehouse",
            name="analytics",
            storage_size_gb=100,
            operational_profile=OperationalProfile.STANDARD,
        )
        TerraformOutput(self, "instance_id", value=warehouse.instance_id, description="DataWarehouse instance id")


def build(app: App) -> SingleNodeStack:
    return SingleNodeStack(app, STACK_NAME)


def main() -> None:
    outdir = os.environ.get("CDKTF_OUTDIR", "cdktf.out")
    app = App(outdir=outdir)
    build(app)
    app.synth()
    path = os.path.join(outdir, "stacks", STACK_NAME, "cdk.tf.json")
    print(f"Synthesized Terraform JSON: {os.path.abspath(path)}", file=sys.stderr)


if __name__ == "__main__":
    main()
