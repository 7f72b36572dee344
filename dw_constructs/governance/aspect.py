"""The cdktf layer of governance: an Aspect that evaluates a tenant's constraints (and optionally
the policy pack) over the whole app when the first stack is synthesized, and either fails synth
with one report or prints and annotates warnings; and the construct records it writes into each
stack's ``cdk.tf.json`` so the command line evaluates the same constraints on the output.
Everything it decides comes from the plain-Python rules in :mod:`constraints` and :mod:`policies`.

cdktf 0.21 runs aspects per stack and does not pass an App's aspects down to its stacks
(``StackSynthesizer.synthesize`` calls ``invokeAspects(stack)`` with no inherited aspects), so
:func:`enforce` adds the aspect to the app *and* to every stack that exists when it is called; the
first stack synthesized then evaluates the whole app, including stacks created later.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsii
from cdktf import Annotations, IAspect, TerraformResource, TerraformStack, Token
from constructs import Construct, IConstruct, IValidation

from dw_constructs.governance.constraints import (
    RECORDS_KEY,
    ConstraintsDocument,
    ConstructRecord,
    TenantConstraints,
    evaluate,
    load_constraints,
    records_document,
    records_from,
)
from dw_constructs.governance.policies import OPT_OUT_KEY, STATEFUL_RESOURCE_TYPES, run_policies
from dw_constructs.governance.report import GovernanceError, Report, SynthRejected, Violation

MODES = ("enforce", "warn")


def _tenant(constraints: ConstraintsDocument | TenantConstraints | str | Path, tenant: str | None) -> TenantConstraints:
    if isinstance(constraints, TenantConstraints):
        return constraints
    doc = constraints if isinstance(constraints, ConstraintsDocument) else load_constraints(constraints)
    if tenant is None:
        raise GovernanceError("a tenant name is needed with a constraints document")
    return doc.tenant(tenant)


def _stacks(app: IConstruct) -> list[TerraformStack]:
    return [c for c in app.node.find_all() if isinstance(c, TerraformStack)]


def app_records(app: IConstruct) -> list[ConstructRecord]:
    """The records of every library construct (and lookup) in ``app``, in construct-tree order."""
    return records_from((n.node.path, n) for n in app.node.find_all())


def _with_nulls(value: Any, null: Any) -> Any:
    """``value`` with None as cdktf's null (an override drops a plain None)."""
    if value is None:
        return null
    if isinstance(value, dict):
        return {k: _with_nulls(v, null) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_nulls(v, null) for v in value]
    return value


def write_records(app: IConstruct) -> None:
    """Write the construct records of ``app`` into each stack's ``cdk.tf.json`` under
    ``"//" -> "dw_governance"`` (a comment Terraform ignores): what ``dw-constructs check
    --constraints`` evaluates. Records of constructs outside any stack go to the first stack."""
    stacks = _stacks(app)
    if not stacks:
        return
    records = app_records(app)
    names = [s.node.id for s in stacks]
    by_stack: dict[int, list[tuple[int, ConstructRecord]]] = {i: [] for i in range(len(stacks))}
    prefixes = [(s.node.path + "/", i) for i, s in enumerate(stacks)]
    for index, rec in enumerate(records):
        owner = max((p for p in prefixes if rec.path.startswith(p[0])), key=lambda p: len(p[0]), default=("", 0))[1]
        by_stack[owner].append((index, rec))
    null = Token.null_value()
    for i, stack in enumerate(stacks):
        stack.add_override(f"//.{RECORDS_KEY}", _with_nulls(records_document(by_stack[i], names), null))


def app_violations(app: IConstruct, tenant: TenantConstraints, *, policies: bool = False) -> list[Violation]:
    """Constraint violations of every library construct in ``app`` (tree order) and, with
    ``policies``, the policy pack's violations on each stack's Terraform JSON (``to_terraform()``)."""
    out = evaluate(app_records(app), tenant)
    if policies:
        from dw_constructs.governance.inputs import from_documents

        docs = [s.to_terraform() for s in _stacks(app)]
        out += run_policies(from_documents(docs), tenant.policies, tenant.name)
    return out


def check_app(
    app: IConstruct,
    constraints: ConstraintsDocument | TenantConstraints | str | Path,
    tenant: str | None = None,
    *,
    policies: bool = False,
) -> Report:
    """The report for ``app`` now, without synthesizing (same rules as :func:`enforce`)."""
    t = _tenant(constraints, tenant)
    return Report.of(app_violations(app, t, policies=policies), t.name)


@jsii.implements(IValidation)
class _ReportValidation:
    def __init__(self, aspect: GovernanceAspect, app: IConstruct):
        self._aspect = aspect
        self._app = app

    def validate(self) -> list[str]:
        report = self._aspect.evaluate(self._app)
        return [] if report.ok else [report.text()]


@jsii.implements(IAspect)
class RecordingAspect:
    """Writes the app's construct records into every stack once, on the first stack it visits
    (:func:`write_records`)."""

    def __init__(self) -> None:
        self._triggered = False

    def visit(self, node: IConstruct) -> None:
        if self._triggered or not TerraformStack.is_stack(node):
            return
        self._triggered = True
        write_records(node.node.root)


@jsii.implements(IAspect)
class GovernanceAspect:
    """Evaluates a tenant's constraints over the whole app once, on the first stack it visits, and
    writes the app's construct records into every stack (:func:`write_records`).

    ``mode="enforce"``: ``app.synth()`` (guarded by :func:`enforce`) checks the app first and
    raises :class:`SynthRejected` with the report; a synth that bypasses ``app.synth()``
    (``Testing.synth(stack, True)``) fails the stack validation this aspect adds instead.
    ``mode="warn"``: prints the report to stderr, adds each violation as a warning annotation to
    the construct it names (or to the stack) and lets synth go on. ``report`` holds the last
    report (None before synth).
    """

    def __init__(self, tenant: TenantConstraints, *, mode: str | None = None, policies: bool = False):
        mode = mode or tenant.mode
        if mode not in MODES:
            raise GovernanceError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        self.tenant = tenant
        self.mode = mode
        self.policies = policies
        self.report: Report | None = None
        self._triggered = False

    def evaluate(self, app: IConstruct) -> Report:
        self.report = Report.of(app_violations(app, self.tenant, policies=self.policies), self.tenant.name)
        return self.report

    def visit(self, node: IConstruct) -> None:
        if self._triggered or not TerraformStack.is_stack(node):
            return
        self._triggered = True
        app = node.node.root
        write_records(app)
        if self.mode == "enforce":
            node.node.add_validation(_ReportValidation(self, app))
            return
        report = self.evaluate(app)
        if not report.ok:
            print(f"{report.text()}\n(warn mode: synthesis goes on)", file=sys.stderr)
        by_path = {n.node.path: n for n in app.node.find_all()}
        for v in report.violations:
            target = by_path.get(v.path, node)
            Annotations.of(target).add_warning(f"governance: {v.line()}")


def enforce(
    app: Construct,
    constraints: ConstraintsDocument | TenantConstraints | str | Path,
    tenant: str | None = None,
    *,
    mode: str | None = None,
    policies: bool = False,
) -> GovernanceAspect:
    """Check ``app`` against ``tenant``'s constraints when it is synthesized.

    Call it after creating at least one stack (``build(app)``), before ``app.synth()``. ``mode``
    overrides the tenant's (``enforce`` or ``warn``); ``policies=True`` also runs the policy pack on
    each stack's Terraform JSON at synth time. Returns the aspect (its ``report`` after synth).
    """
    t = _tenant(constraints, tenant)
    stacks = _stacks(app)
    if not stacks:
        raise GovernanceError("enforce() needs the app's stacks: call it after creating them (e.g. after build(app))")
    from cdktf import Aspects

    aspect = GovernanceAspect(t, mode=mode, policies=policies)
    Aspects.of(app).add(aspect)  # the documented place; cdktf 0.21 does not pass it on to stacks
    for stack in stacks:
        Aspects.of(stack).add(aspect)
    _guard_synth(app, aspect)
    return aspect


_GUARD = "_dw_governance_aspects"


def _guard_synth(app: Construct, aspect: GovernanceAspect) -> None:
    """Make ``app.synth()`` check the app in Python first (enforce mode): a violation raises
    :class:`SynthRejected` (the report once, no traceback when uncaught) instead of failing inside
    jsii, where the report would be printed twice, once among node stack frames."""
    aspects: list[GovernanceAspect] | None = app.__dict__.get(_GUARD)
    if aspects is not None:
        aspects.append(aspect)
        return
    aspects = [aspect]
    original: Callable[[], None] = app.synth  # type: ignore[attr-defined]  # an App (or any root with synth)

    def synth() -> None:
        for a in aspects:
            if a.mode == "enforce":
                report = a.evaluate(app)
                if not report.ok:
                    raise SynthRejected(report)
        original()

    app.__dict__[_GUARD] = aspects
    app.__dict__["synth"] = synth


def record_constructs(app: Construct) -> RecordingAspect:
    """Write the construct records into each stack's ``cdk.tf.json`` at synth without enforcing
    anything (``enforce()`` does it too), so ``dw-constructs check --constraints FILE --tenant
    NAME`` can evaluate a tenant's constraints on the output. Call it after creating the stacks."""
    stacks = _stacks(app)
    if not stacks:
        raise GovernanceError("record_constructs() needs the app's stacks: call it after creating them")
    from cdktf import Aspects

    recorder = RecordingAspect()
    Aspects.of(app).add(recorder)
    for stack in stacks:
        Aspects.of(stack).add(recorder)
    return recorder


def _stateful(resource: Any) -> bool:
    rtype = getattr(resource, "terraform_resource_type", None)
    return rtype in STATEFUL_RESOURCE_TYPES or rtype in ("helm_release", "kubernetes_manifest")


def allow_destroy(construct: IConstruct, reason: str) -> list[str]:
    """Record an explicit opt-out of ``prevent_destroy`` on the stateful resources under
    ``construct`` (helm releases, instances, VDEs, kubernetes manifests, PVCs): each gets
    ``"//": {"dw_governance": {"allow_destroy": reason}}`` in the synthesized JSON, which Terraform
    ignores and the ``prevent-destroy`` policy accepts (unless the tenant sets
    ``honor_resource_opt_outs: false``). Returns the construct paths marked.

    This only records the decision; the construct still needs ``prevent_destroy=False``.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise GovernanceError("allow_destroy needs a reason (a non-empty string), recorded in the output")
    marked = []
    for node in construct.node.find_all():
        if isinstance(node, TerraformResource) and _stateful(node):
            node.add_override(f"//.{OPT_OUT_KEY}.allow_destroy", reason)
            marked.append(node.node.path)
    if not marked:
        raise GovernanceError(f"{construct.node.path}: no stateful resources to opt out")
    return marked


def library_constructs(app: IConstruct) -> Iterable[tuple[str, str]]:
    """``(path, library type)`` of every library construct in ``app`` (tree order), e.g. to see
    what constraints apply to."""
    return [(r.path, r.construct_type) for r in records_from((n.node.path, n) for n in app.node.find_all())]
