"""Errors of the deployment lifecycle, each with the CLI exit code it maps to (plain Python).

- 1: :class:`GovernanceRefused`, :class:`TofuError`, :class:`ApplyFailed`: the app breaks its
  tenant's rules, or OpenTofu failed.
- 2: :class:`DeployUsageError`: bad input: unknown tenant, unreadable constraints, not a plan
  artifact, a corrupted plan, a plan of another stack, an app that cannot be imported.
- 3: :class:`PlanRefused`: the gate refused a plan: not approved, approval denied, stale
  (configuration or state changed), already applied.
- 4: :class:`BusyError`: another operation runs on the stack.

Nothing is applied when any of them but :class:`ApplyFailed` is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dw_constructs.deploy.records import OperationRecord
    from dw_constructs.governance.report import Report

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_BUSY = 0, 1, 2, 3, 4


class DeployError(Exception):
    """Base of every error of :mod:`dw_constructs.deploy`."""

    exit_code = EXIT_FAILED


class DeployUsageError(DeployError, ValueError):
    """Bad input, found before anything runs (CLI exit 2)."""

    exit_code = EXIT_USAGE


class GovernanceRefused(DeployError):
    """The synthesized app breaks its tenant's constraints or the policy pack; ``report`` lists
    every violation."""

    def __init__(self, report: Report, stack: str):
        self.report = report
        self.stack = stack
        super().__init__(f"stack {stack}: refused by governance, nothing planned or applied\n{report.text()}")


class TofuError(DeployError):
    """An OpenTofu command failed (init, plan, show, state). ``detail`` is its error output, with
    the values of the workspace's variables masked."""

    def __init__(self, command: str, returncode: int, detail: str):
        self.command, self.returncode, self.detail = command, returncode, detail
        super().__init__(f"tofu {command} failed (exit {returncode}):\n{detail.strip()}")


class PlanRefused(DeployError):
    """The gate refused to apply a plan. ``reasons`` is a list of ``(code, text)``; codes:
    ``not-approved``, ``approval-denied``, ``config-changed``, ``state-changed``,
    ``already-applied``."""

    exit_code = EXIT_REFUSED

    def __init__(self, plan_id: str, reasons: Sequence[tuple[str, str]], plan: Any = None):
        self.plan_id = plan_id
        self.reasons = list(reasons)
        self.plan = plan
        lines = "\n".join(f"  - {text}" for _, text in self.reasons)
        super().__init__(f"plan {plan_id} refused, nothing applied:\n{lines}")

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.reasons]

    @property
    def stale(self) -> bool:
        return any(c in ("config-changed", "state-changed") for c in self.codes)


class BusyError(DeployError):
    """Another operation holds the stack. ``holder`` describes it (operation id, kind, actor, pid,
    start time) as far as it is known."""

    exit_code = EXIT_BUSY

    def __init__(self, stack: str, holder: dict[str, Any]):
        self.stack = stack
        self.holder = dict(holder)
        what = holder.get("operation") or "an operation"
        parts = [f"{k} {holder[k]}" for k in ("kind", "actor", "pid", "started_at") if holder.get(k) is not None]
        super().__init__(
            f"stack {stack} is busy: {what} is running ({', '.join(parts) or 'starting'}); "
            "try again when it has finished"
        )


class ApplyFailed(DeployError):
    """``tofu apply`` failed. ``record`` is the operation record: its ``status`` is ``compensated``
    when compensation removed everything the failed apply created, else ``failed`` (its
    ``compensation`` says what was kept and why)."""

    def __init__(self, record: OperationRecord):
        self.record = record
        comp = record.compensation or {}
        tail = ""
        if comp:
            tail = f"\ncompensation: {comp.get('status')}"
            if comp.get("destroyed"):
                tail += f"; destroyed {', '.join(comp['destroyed'])}"
            if comp.get("kept"):
                tail += f"; kept {', '.join(k['address'] for k in comp['kept'])}"
            if comp.get("error"):
                tail += f"; {comp['error']}"
        super().__init__(
            f"stack {record.stack}: {record.kind} {record.id} {record.status}:\n{(record.error or '').strip()}{tail}"
        )
