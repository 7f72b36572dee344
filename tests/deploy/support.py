"""Helpers of the lifecycle tests: workspaces on a test constraints document, and independent reads
of what OpenTofu left behind (the local state file itself, not the package's view of it)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.apps import SECRET_VARIABLE, STACK

#: The value of the sensitive variable: it must never be found in anything the package writes
#: (except the state and the binary plan, which OpenTofu writes and which hold it by design).
SECRET = "pw-7f3a9c-never-recorded"

TENANTS = {
    "open": {},  # defaults
    "gated": {"approval": {"apply": "required", "destroy": "required"}},
    "strict": {"approval": {"destroy": "none", "compensate_protected": False}},
    "lenient": {"approval": {"destroy": "none", "compensate_protected": True}},
}


def write_constraints(path: Path, tenants: dict | None = None) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "tenants": tenants or TENANTS}))
    return path


def workspace(tmp_path: Path, tenant: str | None = "open", factory: Any = None, *, root: str = "ws", **kw: Any):
    from dw_constructs.deploy import Workspace
    from tests.deploy.apps import demo

    constraints = tmp_path / "constraints.yaml"
    if tenant is not None and not constraints.exists():
        write_constraints(constraints)
    variables = {SECRET_VARIABLE: SECRET, **kw.pop("variables", {})}
    constraints = kw.pop("constraints", constraints if tenant is not None else None)
    return Workspace(
        factory or demo,
        kw.pop("stack", STACK),
        tenant=tenant,
        constraints=constraints,
        root=tmp_path / root,
        variables=variables,
        **kw,
    )


def variant(**kw: Any):
    from tests.deploy.apps import demo

    return functools.partial(demo, **kw)


def state_file(ws) -> Path:
    return ws.workdir / f"terraform.{STACK}.tfstate"


def state_ids(ws) -> dict[str, str]:
    """address -> id of every managed instance, from the local state file OpenTofu wrote."""
    path = state_file(ws)
    if not path.exists():
        return {}
    doc = json.loads(path.read_text())
    out = {}
    for res in doc.get("resources") or []:
        if res["mode"] == "managed":
            for inst in res["instances"]:
                out[f"{res['type']}.{res['name']}"] = inst["attributes"]["id"]
    return out


def files_holding(
    root: Path, needle: str, skip_suffixes: tuple[str, ...] = (".tfstate", ".tfstate.backup", ".tfplan")
) -> list[str]:
    """Files under ``root`` whose bytes contain ``needle`` (state files and binary plans skipped)."""
    out = []
    for p in root.rglob("*"):
        if (
            p.is_file()
            and not p.name.endswith(skip_suffixes)
            and ".terraform" not in p.parts
            and needle.encode() in p.read_bytes()
        ):
            out.append(str(p.relative_to(root)))
    return sorted(out)


def statuses(ws, op_id: str) -> list[str]:
    """The statuses the audit log recorded for one operation, in order."""
    return [e.status for e in ws.events() if e.operation == op_id and e.event == "operation"]
