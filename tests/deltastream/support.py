"""Real OpenTofu for the DeltaStream tests: ``init``/``validate``/``plan`` of a synthesized stack
with the real deltastreaminc/deltastream 1.0.3 provider from our mirror, offline.

The provider validates and plans creates without connecting (its Configure builds a client but
sends nothing), so plans run with dummy credentials in ``TF_VAR_*`` and, where the machine
allows it, inside a network namespace with no network at all (``unshare -n``), which proves it.
Apply needs the DeltaStream service, which is not reachable here: nothing in these tests applies.

**Planned replacements without a service.** To see what a *change* plans, a previous apply is
stood in for by a state written from the first plan (:func:`state_from_plan`: planned values,
placeholders for what only apply would know) and the second plan runs with ``-refresh=false``,
so the provider is never asked to read anything. What decides the action (the provider's plan
modifiers and Terraform's ``replace_triggered_by``) runs for real.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cdktf import App, TerraformStack

from tests.support.toolchain import Toolchain

#: Dummy credentials: the provider needs an API key and a UUID organization to configure.
DUMMY_VARS = {
    "delta_stream_api_key": "dummy-api-key-not-a-secret",
    "delta_stream_organization": "0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55",
}
PROVIDER_ADDRESS = 'provider["registry.opentofu.org/deltastreaminc/deltastream"]'


@functools.cache
def no_network_prefix() -> tuple[str, ...]:
    """``("unshare", "-n")`` when this machine lets us drop the network, else ``()``."""
    exe = shutil.which("unshare")
    if exe and subprocess.run([exe, "-n", "true"], capture_output=True).returncode == 0:
        return (exe, "-n")
    return ()


def synth(tmp: Path, build: Callable[[App], TerraformStack]) -> Path:
    """Synthesize ``build(app)`` into ``tmp``; the stack directory."""
    app = App(outdir=str(tmp))
    stack = build(app)
    app.synth()
    return tmp / "stacks" / stack.node.id


class Tofu:
    """tofu in one stack directory, with ``TF_VAR_*`` variables and optional network isolation."""

    def __init__(
        self,
        tools: Toolchain,
        stack_dir: Path,
        variables: Mapping[str, str] | None = None,
        offline: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.tools = tools
        self.dir = Path(stack_dir)
        self.variables = {**DUMMY_VARS, **(variables or {})}
        self.prefix = no_network_prefix() if offline else ()
        self.extra_env = dict(env or {})
        self._inited = False

    def run(self, *args: str, check: bool = True, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.tools.env, **self.extra_env, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
        env.update({f"TF_VAR_{k}": v for k, v in self.variables.items()})
        res = subprocess.run(
            [*prefix, str(self.tools.tofu), *args], cwd=self.dir, env=env, capture_output=True, text=True, timeout=600
        )
        if check and res.returncode != 0:
            raise AssertionError(
                f"tofu {' '.join(args)} -> {res.returncode}\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"
            )
        return res

    def init(self) -> None:
        if not self._inited:
            self.run("init", "-input=false", "-no-color")
            self._inited = True

    def validate(self) -> dict:
        self.init()
        return json.loads(self.run("validate", "-json", "-no-color", check=False).stdout)

    def plan(
        self, *extra: str, state: Mapping[str, Any] | None = None, check: bool = True, name: str = "plan"
    ) -> dict | subprocess.CompletedProcess:
        """``tofu plan`` (offline): the ``tofu show -json`` of the saved plan, or the failed run
        when ``check`` is False and the plan fails."""
        self.init()
        args = ["plan", "-input=false", "-no-color", "-lock=false", f"-out={name}.bin", *extra]
        if state is not None:
            path = self.dir / f"{name}.tfstate"
            path.write_text(json.dumps(state))
            args += [f"-state={path.name}", "-refresh=false"]
        res = self.run(*args, check=check, prefix=self.prefix)
        if res.returncode != 0:
            return res
        return json.loads(self.run("show", "-json", f"{name}.bin").stdout)


def actions(plan: Mapping[str, Any]) -> dict[str, list[str]]:
    """address -> planned actions (``["create"]``, ``["delete", "create"]``, ``["no-op"]``...)."""
    return {r["address"]: r["change"]["actions"] for r in plan.get("resource_changes", [])}


def changes_of_type(plan: Mapping[str, Any], rtype: str) -> dict[str, dict]:
    return {r["address"]: r for r in plan.get("resource_changes", []) if r["type"] == rtype}


SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "provider-bindings" / "deltastream" / "schema.json").read_text()
)["provider_schemas"]["registry.terraform.io/deltastreaminc/deltastream"]


def _placeholder(attr: Mapping[str, Any], counter) -> Any:
    t = attr.get("type")
    if t == "string":
        return f"placeholder-{next(counter)}"
    if t == "number":
        return next(counter)
    if t == "bool":
        return False
    if isinstance(t, list) and t[0] in ("map", "object"):
        return {}
    if isinstance(t, list):
        return []
    return None  # an unknown nested object: absent


def _known(after: Any, unknown: Any, block: Mapping[str, Any], counter) -> Any:
    """``after`` with every unknown value (``after_unknown``) replaced by a placeholder of the
    attribute's type (from the provider schema)."""
    out = dict(after or {})
    for name, attr in (block.get("attributes") or {}).items():
        u = (unknown or {}).get(name) if isinstance(unknown, dict) else None
        if u is True:
            out[name] = _placeholder(attr, counter)
        elif isinstance(u, dict) and "nested_type" in attr and isinstance(out.get(name), dict):
            out[name] = _known(out[name], u, attr["nested_type"], counter)
    return out


def _sensitive_paths(marks: Any, path: list) -> list[list[dict]]:
    """State ``sensitive_attributes`` paths from a plan's ``after_sensitive`` marks."""
    if marks is True:
        return [path]
    out: list[list[dict]] = []
    if isinstance(marks, dict):
        for k, v in marks.items():
            out += _sensitive_paths(v, path + [{"type": "get_attr", "value": k}])
    elif isinstance(marks, list):
        for i, v in enumerate(marks):
            out += _sensitive_paths(v, path + [{"type": "index", "value": {"value": i, "type": "number"}}])
    return out


def state_from_plan(plan: Mapping[str, Any]) -> dict:
    """A state as if ``plan`` (creates) had been applied: planned values, with a placeholder where
    only apply would know the value (``terraform_data.output`` copies ``input``, as it does)."""
    counter = iter(range(1, 10**6))
    resources = []
    for rc in plan["resource_changes"]:
        if rc["mode"] != "managed" or rc["change"]["actions"] != ["create"]:
            continue
        after = rc["change"]["after"]
        block = (
            SCHEMA["resource_schemas"][rc["type"]]["block"]
            if rc["type"].startswith("deltastream_")
            else {"attributes": {}}
        )
        values = _known(after, rc["change"].get("after_unknown") or {}, block, counter)
        if rc["type"] == "terraform_data":  # input/output are dynamically typed: stored with their type
            dyn = {"value": after.get("input"), "type": ["object", {k: "string" for k in (after.get("input") or {})}]}
            values.update(input=dyn, output=dyn, id=str(uuid.UUID(int=next(counter))))
        provider = PROVIDER_ADDRESS if rc["type"].startswith("deltastream_") else f'provider["{rc["provider_name"]}"]'
        resources.append(
            {
                "mode": "managed",
                "type": rc["type"],
                "name": rc["name"],
                "provider": provider,
                "instances": [
                    {
                        "schema_version": 0,
                        "attributes": values,
                        "sensitive_attributes": _sensitive_paths(rc["change"].get("after_sensitive"), []),
                    }
                ],
            }
        )
    return {
        "version": 4,
        "terraform_version": "1.11.14",
        "serial": 1,
        "lineage": str(uuid.UUID(int=7)),
        "outputs": {},
        "resources": resources,
    }
