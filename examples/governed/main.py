#!/usr/bin/env python
"""Governed apps: two tenants of one platform, each with its own constraints
(``constraints.yaml`` next to this file), enforced when the app is synthesized.

    python examples/governed/main.py analytics         # passes: writes cdktf.out/stacks/governed-analytics
    python examples/governed/main.py sandbox           # rejected: one report, exit 1
    python examples/governed/main.py sandbox --warn    # same violations as warnings; synth goes on
    dw-constructs check cdktf.out --constraints examples/governed/constraints.yaml \\
        --tenant analytics                             # constraints and policy pack on the output, as in CI

Both apps use a subclass of DataWarehouseCluster nested in a construct of their own: constraints
apply to the library type a construct is, wherever it sits in the tree. Terraform is assumed to
run inside the Kubernetes cluster (``ProviderEndpoint.in_cluster()``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack  # noqa: E402
from constructs import Construct  # noqa: E402

from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, Mode  # noqa: E402
from dw_constructs.datawarehouse import (  # noqa: E402
    ClusterMode,
    DataWarehouseCluster,
    OperationalProfile,
    ProviderEndpoint,
)
from dw_constructs.governance import GovernanceViolations  # noqa: E402
from examples._common import helm_provider, kubernetes_provider, local_backend  # noqa: E402

CONSTRAINTS = Path(__file__).resolve().parent / "constraints.yaml"
TENANTS = ("analytics", "sandbox")


class TeamWarehouse(DataWarehouseCluster):
    """A team's own flavour of the library construct (checked as a DataWarehouseCluster)."""

    def build_chart_values(self, props):
        values = super().build_chart_values(props)
        values.setdefault("podLabels", {})["team"] = self.node.scope.node.id.lower()
        return values


class Platform(Construct):
    """A tenant's own grouping construct: the library constructs inside it are governed too."""

    def __init__(self, scope: Construct, id: str, *, helm, kubernetes, **warehouse) -> None:
        super().__init__(scope, id)
        warehouse.setdefault("endpoint", ProviderEndpoint.in_cluster())
        self.warehouse = TeamWarehouse(
            self, "Warehouse", helm_provider=helm, kubernetes_provider=kubernetes, **warehouse
        )


class AnalyticsStack(TerraformStack):
    """Within the analytics tenant's limits."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        local_backend(self, id)
        self.platform = Platform(
            self,
            "Platform",
            helm=helm_provider(self),
            kubernetes=kubernetes_provider(self),
            name="lakehouse",
            mode=ClusterMode.CLUSTERED,
            replicas=3,
            storage_size_gb=500,
            operational_profile=OperationalProfile.STRICT,
        )
        self.platform.warehouse.add_vde("Events", name="events")
        self.platform.warehouse.add_user("Analyst", username="analyst", roles=["reader"])
        self.database = CnpgPostgisCluster(
            self,
            "GeoPg",
            mode=Mode.RENDER,
            instances=3,
            storage_size="50Gi",
            backup=BackupProps(enabled=True, destination_path="s3://analytics-backups/geo-pg"),
        )


class SandboxStack(TerraformStack):
    """Breaks the sandbox tenant's limits in five ways (see the test and docs/governance.md)."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        local_backend(self, id)
        helm, kubernetes = helm_provider(self), kubernetes_provider(self)
        # storage_size_gb above 200 and a profile not allowed
        self.platform = Platform(
            self,
            "Platform",
            helm=helm,
            kubernetes=kubernetes,
            name="sandbox",
            storage_size_gb=800,
            operational_profile=OperationalProfile.SPEED,
        )
        # ReplicatedVde is not listed for the sandbox tenant (unlisted_constructs: deny)
        self.platform.warehouse.add_vde("Scratch", name="scratch")
        # a second DataWarehouseCluster (max_instances: 1)
        self.second = DataWarehouseCluster(
            self,
            "Second",
            name="sandbox-two",
            endpoint=ProviderEndpoint.in_cluster(),
            storage_size_gb=50,
            operational_profile=OperationalProfile.STANDARD,
            namespace="sandbox-two",
            helm_provider=helm,
            kubernetes_provider=kubernetes,
        )
        # CnpgPostgisCluster is denied
        self.database = CnpgPostgisCluster(self, "GeoPg", mode=Mode.RENDER, instances=1)


def build(app: App, tenant: str = "analytics", *, mode: str | None = None) -> TerraformStack:
    """The tenant's app, with the tenant's constraints enforced at synth (``mode`` overrides the
    tenant's ``enforce``/``warn``)."""
    from dw_constructs.governance import enforce

    stack = (AnalyticsStack if tenant == "analytics" else SandboxStack)(app, f"governed-{tenant}")
    enforce(app, CONSTRAINTS, tenant, mode=mode, policies=True)
    return stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tenant", choices=TENANTS)
    parser.add_argument("--warn", action="store_true", help="warn-only: report violations as warnings")
    args = parser.parse_args(argv)
    outdir = os.environ.get("CDKTF_OUTDIR", "cdktf.out")
    app = App(outdir=outdir)
    build(app, args.tenant, mode="warn" if args.warn else None)
    try:
        app.synth()
    except GovernanceViolations as exc:  # enforce(): the report, raised before jsii synthesizes
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Synthesized: {os.path.abspath(os.path.join(outdir, 'stacks', f'governed-{args.tenant}'))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
