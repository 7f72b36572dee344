"""Shared bits of the example apps: the helm and kubernetes providers they declare and the synth
entry point."""

from __future__ import annotations

import os
from collections.abc import Callable

from cdktf import App, LocalBackend, TerraformStack


def kubeconfig_path(stack: TerraformStack):
    """The stack's ``kubeconfig_path`` variable (default ``~/.kube/config``; the live tests point it
    at their throwaway API server): the file both providers read."""
    from cdktf import TerraformVariable

    found = stack.node.try_find_child("kubeconfig_path")  # one lookup, not every child through jsii
    if isinstance(found, TerraformVariable):
        return found.string_value
    return TerraformVariable(
        stack,
        "kubeconfig_path",
        type="string",
        default="~/.kube/config",
        description="kubeconfig the kubernetes and helm providers use.",
    ).string_value


def helm_provider(stack: TerraformStack):
    """The stack's helm provider, talking to the cluster of the current context of the kubeconfig."""
    from dw_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes

    return HelmProvider(stack, "Helm", kubernetes=HelmProviderKubernetes(config_path=kubeconfig_path(stack)))


def kubernetes_provider(stack: TerraformStack):
    """The stack's kubernetes provider, on the same kubeconfig as :func:`helm_provider`."""
    from dw_cdktf_provider_kubernetes.provider import KubernetesProvider

    return KubernetesProvider(stack, "Kubernetes", config_path=kubeconfig_path(stack))


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
