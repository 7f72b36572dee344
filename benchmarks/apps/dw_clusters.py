#!/usr/bin/env python
"""N DataWarehouseClusters in one stack (the scaling series of benchmarks/bench_process.py).

    python benchmarks/apps/dw_clusters.py N [--describe SPEC.json]   # synthesizes into $CDKTF_OUTDIR

Each cluster like the default example's (examples/single_node): its own name, namespace and
endpoint variables, the chart-generated certificate (so its CA is read from the chart's Secret),
with the app's helm and kubernetes providers (examples/_common.py). ``--describe`` also writes what
benchmarks/apps/replay.py needs to rebuild the same stack (construct paths of the assets).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

#: The tree whose dw_constructs and examples to use (the benchmark runs older checkouts too).
ROOT = Path(os.environ.get("DW_BENCH_TREE") or Path(__file__).resolve().parents[2])
sys.path.insert(0, str(ROOT))

from cdktf import App, TerraformAsset, TerraformStack, TerraformVariable  # noqa: E402

from dw_constructs.datawarehouse import DataWarehouseCluster, ProviderEndpoint  # noqa: E402
from examples._common import helm_provider, kubernetes_provider, local_backend  # noqa: E402

STACK_NAME = "dw-clusters"


def build(app: App, n: int) -> TerraformStack:
    stack = TerraformStack(app, STACK_NAME)
    local_backend(stack, STACK_NAME)
    helm, kubernetes = helm_provider(stack), kubernetes_provider(stack)
    for i in range(n):
        host = TerraformVariable(
            stack,
            f"dw{i}_endpoint_host",
            type="string",
            nullable=False,
            description=f"Host Terraform reaches DataWarehouse dw{i} at.",
        )
        DataWarehouseCluster(
            stack,
            f"Warehouse{i}",
            name=f"dw{i}",
            namespace=f"dw{i}",
            endpoint=ProviderEndpoint(host=host.string_value, port=5432),
            helm_provider=helm,
            kubernetes_provider=kubernetes,
        )
    return stack


def main(argv: list[str]) -> int:
    n = int(argv[0])
    app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    stack = build(app, n)
    app.synth()
    if len(argv) == 3 and argv[1] == "--describe":
        from dw_constructs.charts import chart_path

        assets = [
            {"path": a.node.path, "source": str(chart_path())}
            for a in stack.node.find_all()
            if isinstance(a, TerraformAsset)
        ]
        Path(argv[2]).write_text(json.dumps({"stack": STACK_NAME, "assets": assets}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
