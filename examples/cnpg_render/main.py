#!/usr/bin/env python
"""CloudNativePG + PostGIS, render mode: the same construct renders a GitOps tree (Flux
HelmRepository/HelmRelease, namespaces, Cluster, Database, ObjectStore, ScheduledBackup,
ExternalSecrets, kustomization.yaml, and the Flux Kustomizations that reconcile its folders in
bootstrap order) instead of applying anything; the Terraform JSON holds only outputs, among them
``wildside_pg_rendered_manifests`` (path -> YAML).

    python examples/cnpg_render/main.py                      # synth only
    python examples/cnpg_render/main.py --write-tree gitops  # synth and write gitops/platform/...
    kustomize build gitops/platform/databases                # checks a folder

The tree (default layout, works on a cluster without CNPG): ``platform/flux`` holds the Flux
Kustomizations ``cnpg-sources`` -> ``cnpg-operators`` -> ``cnpg-databases`` (each ``dependsOn``
the one before; source: the GitRepository ``flux-system`` that ``flux bootstrap`` creates, the tree
at the repository root), which reconcile ``platform/sources``, ``platform/operators`` and
``platform/databases``. Commit the tree to that repository and apply ``platform/flux`` once
(``kubectl apply -k gitops/platform/flux``), or render it into your bootstrap path with
``flux=FluxProps(render_dir="clusters/<name>/cnpg")``. Prerequisites: cert-manager (the Barman Cloud
plugin) and External Secrets with the ClusterSecretStore ``vault-backend``; see docs/cnpg.md,
"Flux layout and bootstrap order".
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

from dw_constructs.cnpg import BackupProps, CnpgPostgisCluster, EsoProps, Mode  # noqa: E402
from examples._common import local_backend, run  # noqa: E402

STACK_NAME = "cnpg-render"


class CnpgRenderStack(TerraformStack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        local_backend(self, id)
        self.database = CnpgPostgisCluster(
            self,
            "WildsidePg",  # cluster name derived: wildside-pg
            mode=Mode.RENDER,
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
        )


def build(app: App) -> CnpgRenderStack:
    return CnpgRenderStack(app, STACK_NAME)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write-tree",
        metavar="DIR",
        help="also write the rendered GitOps tree below DIR (e.g. a checkout of the GitOps repo)",
    )
    args = parser.parse_args(argv)
    stack = run(build, STACK_NAME)
    if args.write_tree:
        written = stack.database.write_rendered(args.write_tree)
        print(f"Wrote {len(written)} files below {os.path.abspath(args.write_tree)}")


if __name__ == "__main__":
    main()
