"""Violations and the one report that lists them (plain Python, no cdktf/jsii)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: What the report prints instead of a value that may be a secret.
HIDDEN = "<literal hidden>"


class GovernanceError(ValueError):
    """A constraints document or a policy input that cannot be used (not a violation: a usage error)."""


@dataclass(frozen=True)
class Violation:
    """One broken constraint or policy.

    Attributes:
        path: where: a construct path (``app-stack/Warehouse``), a Terraform element of a stack
            (``single-node/provider.datawarehouse.analytics``) or a manifest
            (``platform/databases/pg-cluster.yaml:Cluster/pg``).
        parameter: the prop (constraints) or attribute path (policies), e.g. ``storage_size_gb`` or
            ``values.replicaCount``.
        value: the value found (``HIDDEN`` for possible secrets; None when absent).
        constraint: the limit, e.g. ``max 500`` or ``exact chart version``.
        message: what is wrong, in words.
        rule: which rule: ``<ConstructType>.<kind>`` for constraints, the policy id for policies.
        tenant: the tenant whose constraints apply (None without a tenant).
    """

    path: str
    parameter: str
    value: Any
    constraint: str
    message: str
    rule: str
    tenant: str | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.path, self.parameter, self.rule, self.message)

    def line(self) -> str:
        tenant = f", tenant {self.tenant}" if self.tenant else ""
        return (
            f"[{self.path}] {self.parameter} = {_show(self.value)}: {self.message} "
            f"(constraint: {self.constraint}; rule: {self.rule}{tenant})"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, str) and value == HIDDEN:
        return value
    return json.dumps(value, sort_keys=True, default=str)


def ordered(violations: Iterable[Violation]) -> list[Violation]:
    """Deterministic order: by path, then parameter, then rule, then message; duplicates dropped."""
    unique = {(v.sort_key(), _show(v.value), v.constraint, v.tenant): v for v in violations}
    return [unique[k] for k in sorted(unique, key=lambda k: k[0])]


@dataclass(frozen=True)
class Report:
    """Every violation of one check, in deterministic order."""

    violations: tuple[Violation, ...]
    tenant: str | None = None
    title: str = "dw-constructs governance"

    @classmethod
    def of(cls, violations: Iterable[Violation], tenant: str | None = None, title: str | None = None) -> Report:
        return cls(tuple(ordered(violations)), tenant, title or cls.title)

    @property
    def ok(self) -> bool:
        return not self.violations

    def text(self) -> str:
        who = f" for tenant '{self.tenant}'" if self.tenant else ""
        if self.ok:
            return f"{self.title}: no violations{who}"
        lines = [f"{self.title}: {len(self.violations)} violation(s){who}"]
        lines += [f"  {i}. {v.line()}" for i, v in enumerate(self.violations, 1)]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {"tenant": self.tenant, "ok": self.ok, "violations": [v.to_dict() for v in self.violations]},
            indent=2,
            sort_keys=True,
            default=str,
        )

    def raise_for_violations(self) -> Report:
        """Raise :class:`GovernanceViolations` when there is any violation; else return self."""
        if not self.ok:
            raise GovernanceViolations(self)
        return self

    def __str__(self) -> str:
        return self.text()


class GovernanceViolations(ValueError):
    """Raised by :meth:`Report.raise_for_violations`: the report is in ``report``; the message is
    its text."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(report.text())


class SynthRejected(GovernanceViolations, SystemExit):
    """Raised by ``app.synth()`` of an app under :func:`~dw_constructs.governance.enforce` (enforce
    mode) when the tenant's constraints or policies are violated, before anything is synthesized.

    A :class:`GovernanceViolations` (catch it to read ``report``) and also a ``SystemExit`` whose
    code is the report: an app that does not catch it exits with status 1 printing the report
    once, without a traceback (``python main.py``, ``cdktf synth``).
    """

    def __init__(self, report: Report):
        GovernanceViolations.__init__(self, report)
        self.code = report.text()
