"""The verification toolchain for tests: OpenTofu, helm and the provider mirror built by
scripts/tools.sh. ``toolchain_env()`` gives the environment (TERRAFORM_BINARY_NAME, TF_CLI_CONFIG_FILE,
TF_PLUGIN_CACHE_DIR, CHECKPOINT_DISABLE) that both ``Testing.to_be_valid_terraform`` and a direct
``tofu init && tofu validate`` need; conftest exports it before cdktf (and its node kernel) loads."""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def toolchain_env() -> dict[str, str]:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "tools.sh"), "--env"], check=True, capture_output=True, text=True
    ).stdout
    env = {}
    for line in out.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


@functools.cache
def pinned_versions() -> dict[str, str]:
    """tools/versions.env as ``{NAME: value}`` (the pins scripts/tools.sh builds from)."""
    return dict(
        line.split("=", 1)
        for line in (ROOT / "tools" / "versions.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


@dataclass(frozen=True)
class Toolchain:
    tofu: Path
    helm: Path
    kustomize: Path
    env: dict[str, str]

    def check(self) -> Toolchain:
        needed = (
            self.tofu,
            self.helm,
            self.kustomize,
            Path(self.env["DW_CDKTF"]),
            Path(self.env["TF_CLI_CONFIG_FILE"]),
        )
        missing = [str(p) for p in needed if not p.exists()]
        if missing:
            raise RuntimeError(f"toolchain not built (run `make tools`): missing {missing}")
        return self

    def run(
        self, *args: str | os.PathLike, cwd: os.PathLike | None = None, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=check,
            input=input,
        )

    def tofu_console(self, cwd: os.PathLike, expression: str, variables: Mapping[str, str] | None = None) -> Any:
        """Terraform's own evaluation of ``expression`` (`tofu console` over the configuration in
        ``cwd``, with ``-var`` values: no plan, no provider), as the value ``jsonencode`` gives."""
        args = [f"-var={k}={v}" for k, v in (variables or {}).items()]
        res = self.run(self.tofu, "console", *args, cwd=cwd, check=False, input=f"jsonencode({expression})\n")
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(json.loads(res.stdout.strip()))

    def tofu_validate(self, stack_dir: os.PathLike) -> dict:
        """`tofu init` (mirror only) then `tofu validate -json`; returns the parsed result."""
        init = self.run(self.tofu, "init", "-backend=false", "-input=false", "-no-color", cwd=stack_dir, check=False)
        if init.returncode != 0:
            raise AssertionError(f"tofu init failed in {stack_dir}:\n{init.stdout}\n{init.stderr}")
        res = self.run(self.tofu, "validate", "-json", "-no-color", cwd=stack_dir, check=False)
        return json.loads(res.stdout)


def toolchain() -> Toolchain:
    env = toolchain_env()
    return Toolchain(
        tofu=Path(env["DW_TOFU"]), helm=Path(env["DW_HELM"]), kustomize=Path(env["DW_KUSTOMIZE"]), env=env
    ).check()
