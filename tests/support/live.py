"""The live tier: real OpenTofu with the real hashicorp/kubernetes and hashicorp/helm providers
(built by scripts/tools.sh from the upstream sources) against the throwaway control plane of
``scripts/apiserver.sh`` (etcd + kube-apiserver + kube-controller-manager, no nodes).

:class:`LiveStack` runs one synthesized stack directory, unchanged, through
``init`` → ``apply`` → ``plan -detailed-exitcode`` → ``destroy``.

**What is left out, and how.** Resources and data sources of the ``datawarehouse/datawarehouse``
provider need a DataWarehouse server, which does not exist here (the chart's pods never start:
there is no node). They stay in the configuration (``tofu init``/``validate`` check them with our
schema-serving provider) and are left out of every ``apply``/``plan``/``destroy`` with OpenTofu's
own resource targeting: ``-target`` names every resource of another provider
(:func:`live_targets`), so the datawarehouse provider is never configured and nothing of it is
planned. Outputs that read datawarehouse resources are skipped by OpenTofu for the same reason.
Each test says which addresses it applied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.apiserver import KubeApi, KubeApiError
from tests.support.toolchain import Toolchain

#: Providers that need a server that does not exist here (see the module docstring).
UNREACHABLE_PROVIDERS = ("datawarehouse",)


def live_targets(tf_json: Mapping[str, Any], leave_out: Sequence[str] = UNREACHABLE_PROVIDERS) -> list[str]:
    """``-target`` addresses: every managed resource of the synthesized JSON whose type belongs to a
    provider not in ``leave_out`` (sorted, so the command line is deterministic)."""
    out = []
    for rtype, items in (tf_json.get("resource") or {}).items():
        if rtype.split("_", 1)[0] in leave_out:
            continue
        out += [f"{rtype}.{name}" for name in items]
    return sorted(out)


@dataclass
class TofuResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"tofu {' '.join(self.args)} -> {self.returncode} in {self.seconds:.1f}s\n"
            f"--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-6000:]}"
        )


@dataclass
class LiveStack:
    """One synthesized stack, copied into ``workdir`` (with its assets), run by real tofu against
    ``api``. ``variables`` become ``TF_VAR_*`` (so secrets are never on a command line);
    ``kubeconfig_path`` is set to the test server's kubeconfig."""

    tools: Toolchain
    api: KubeApi
    stack_dir: Path
    workdir: Path
    variables: dict[str, str] = field(default_factory=dict)
    leave_out: Sequence[str] = UNREACHABLE_PROVIDERS
    log: list[TofuResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        shutil.copytree(self.stack_dir, self.workdir)
        self.config = json.loads((self.workdir / "cdk.tf.json").read_text())
        backend = (self.config.get("terraform") or {}).get("backend") or {}
        for kind, cfg in backend.items():  # state must stay in workdir, never in the checkout
            if kind != "local" or Path(str((cfg or {}).get("path", "terraform.tfstate"))).is_absolute():
                raise AssertionError(f"{self.stack_dir}: live stacks need a relative local backend, got {backend}")
        self.targets = live_targets(self.config, self.leave_out)
        if not self.targets:
            raise AssertionError(f"{self.stack_dir}: nothing to apply live")
        declared = self.config.get("variable") or {}
        if "kubeconfig_path" in declared:
            self.variables.setdefault("kubeconfig_path", str(self.api.workdir / "kubeconfig"))

    # ------------------------------------------------------------------------------- running
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            **self.tools.env,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            # Providers that fall back to the environment (an unconfigured kubernetes provider).
            "KUBE_CONFIG_PATH": str(self.api.workdir / "kubeconfig"),
        }
        env.update({f"TF_VAR_{k}": v for k, v in self.variables.items()})
        return env

    def tofu(self, *args: str, check: bool = True, ok: Sequence[int] = (0,)) -> TofuResult:
        t0 = time.monotonic()
        res = subprocess.run(
            [str(self.tools.tofu), *args], cwd=self.workdir, env=self.env(), capture_output=True, text=True
        )
        result = TofuResult(list(args), res.returncode, res.stdout, res.stderr, time.monotonic() - t0)
        self.log.append(result)
        if check and res.returncode not in ok:
            raise AssertionError(str(result))
        return result

    def _targets(self, targets: Sequence[str] | None = None) -> list[str]:
        return [f"-target={t}" for t in (self.targets if targets is None else targets)]

    def init(self) -> TofuResult:
        return self.tofu("init", "-input=false", "-no-color")

    def apply(self, *extra: str, targets: Sequence[str] | None = None) -> TofuResult:
        """Apply every live target, or only ``targets`` (e.g. the operator releases first)."""
        return self.tofu("apply", "-auto-approve", "-input=false", "-no-color", *self._targets(targets), *extra)

    def plan_changes(self) -> tuple[int, TofuResult]:
        """``plan -detailed-exitcode``: (0 no changes | 2 changes, result)."""
        res = self.tofu("plan", "-detailed-exitcode", "-input=false", "-no-color", *self._targets(), ok=(0, 2))
        return res.returncode, res

    def destroy(self) -> TofuResult:
        return self.tofu("destroy", "-auto-approve", "-input=false", "-no-color", *self._targets())

    def state_addresses(self) -> list[str]:
        res = self.tofu("state", "list")
        return sorted(line for line in res.stdout.splitlines() if line.strip())

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.tofu("output", "-json").stdout or "{}")


# ------------------------------------------------------------------------------- cluster reads
def get_or_none(api: KubeApi, path: str) -> dict | None:
    try:
        return api.get(path)
    except KubeApiError as exc:
        if exc.status == 404:
            return None
        raise


def wait_gone(api: KubeApi, path: str, timeout: float = 90.0) -> None:
    """Wait until ``path`` answers 404 (namespace deletion runs in the controller manager)."""
    deadline = time.monotonic() + timeout
    while True:
        obj = get_or_none(api, path)
        if obj is None:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still exists after {timeout}s: {json.dumps(obj.get('status'))}")
        time.sleep(0.5)


def helm_release_secrets(api: KubeApi, namespace: str, release: str) -> list[str]:
    """Names of helm's release records (``sh.helm.release.v1.<release>.v<N>``) in ``namespace``."""
    got = get_or_none(api, f"/api/v1/namespaces/{namespace}/secrets?labelSelector=owner%3Dhelm%2Cname%3D{release}")
    return sorted(item["metadata"]["name"] for item in (got or {}).get("items", []))
