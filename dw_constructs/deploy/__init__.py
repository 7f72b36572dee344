"""The governed deployment lifecycle of dw-constructs apps (docs/deploy.md): preview (synth,
governance, ``tofu plan -out``), an approval gate, apply with compensation of failed applies,
destroy, one operation per stack at a time, and an audit log -- on real OpenTofu.

    from dw_constructs.deploy import Workspace

    ws = Workspace(build, "cnpg-apply", tenant="analytics", constraints="constraints.yaml")
    plan = ws.preview()
    print(plan.text())
    ws.approve(plan, actor="alice")
    ws.up(plan)

On the command line: ``dw-constructs plan|approve|apply|destroy|status``. Importing this package
is cheap: cdktf loads only when a workspace synthesizes the app.
"""

from __future__ import annotations

import importlib
from typing import Any

from dw_constructs.deploy.errors import (  # noqa: F401
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    ApplyFailed,
    BusyError,
    DeployError,
    DeployUsageError,
    GovernanceRefused,
    PlanRefused,
    TofuError,
)

_LAZY = {
    "Workspace": "dw_constructs.deploy.workspace",
    "ApprovalRequest": "dw_constructs.deploy.workspace",
    "ApprovalDecision": "dw_constructs.deploy.workspace",
    "StackStatus": "dw_constructs.deploy.workspace",
    "PlanArtifact": "dw_constructs.deploy.artifact",
    "PlanSummary": "dw_constructs.deploy.summary",
    "ResourceChange": "dw_constructs.deploy.summary",
    "KeptResource": "dw_constructs.deploy.summary",
    "summarize": "dw_constructs.deploy.summary",
    "redact": "dw_constructs.deploy.summary",
    "Approval": "dw_constructs.deploy.records",
    "OperationRecord": "dw_constructs.deploy.records",
    "AuditEvent": "dw_constructs.deploy.records",
}

__all__ = sorted(
    [
        *_LAZY,
        "ApplyFailed",
        "BusyError",
        "DeployError",
        "DeployUsageError",
        "GovernanceRefused",
        "PlanRefused",
        "TofuError",
        "EXIT_OK",
        "EXIT_FAILED",
        "EXIT_USAGE",
        "EXIT_REFUSED",
        "EXIT_BUSY",
    ]
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
