"""Shared bits of the example apps: the helm provider they declare and the synth entry point."""

from __future__ import annotations

import os
from typing import Callable

from cdktf import App, LocalBackend, TerraformStack


def helm_provider(stack: TerraformStack):
    """The stack's helm provider, talking to the cluster of the current kubeconfig context."""
    from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes

    return HelmProvider(stack, "Helm", kubernetes=HelmProviderKubernetes(config_path="~/.kube/config"))


def local_backend(stack: TerraformStack, name: str) -> None:
    # A relative state path keeps the synthesized JSON identical in every checkout.
    LocalBackend(stack, path=f"terraform.{name}.tfstate")


def run(build: Callable[[App], TerraformStack], stack_name: str) -> TerraformStack:
    """Synthesize into $CDKTF_OUTDIR (default cdktf.out; `cdktf synth` sets it) and say where."""
    outdir = os.environ.get("CDKTF_OUTDIR", "cdktf.out")
    os.makedirs(outdir, exist_ok=True)  # cdktf creates only the last path component
    app = App(outdir=outdir)
    stack = build(app)
    app.synth()
    path = os.path.join(outdir, "stacks", stack_name, "cdk.tf.json")
    print(f"Synthesized Terraform JSON: {os.path.abspath(path)}")
    return stack
