"""The governed deployment lifecycle of one stack: :class:`Workspace` (docs/deploy.md).

    ws = Workspace(build, "cnpg-apply", tenant="analytics", constraints="constraints.yaml")
    plan = ws.preview()          # synth -> governance -> tofu plan -out -> artifact
    ws.approve(plan, actor="alice")
    ws.up(plan)                  # only this plan, only if still current
    ws.destroy()                 # a destroy plan through the same gate

Layout of a workspace root (default ``.dw-deploy``)::

    deploy.sqlite3, audit.jsonl          records and audit log (records.py)
    stacks/<stack>/work/                 OpenTofu's working directory: the synthesized stack,
                                         .terraform, and the local state (when the config names
                                         no other backend)
    stacks/<stack>/plans/<plan id>/      plan artifacts (artifact.py)
    stacks/<stack>/lock                  one operation at a time (lock.py)
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dw_constructs.deploy.artifact import (
    APPROVAL_FILE,
    JSON_FILE,
    PlanArtifact,
    config_hash,
    sha256_file,
    write_private,
)
from dw_constructs.deploy.errors import (
    ApplyFailed,
    DeployError,
    DeployUsageError,
    GovernanceRefused,
    PlanRefused,
    TofuError,
)
from dw_constructs.deploy.lock import StackLock
from dw_constructs.deploy.records import Approval, AuditEvent, OperationRecord, Store, now
from dw_constructs.deploy.state import StateSnapshot, describe_change, resource_address
from dw_constructs.deploy.summary import KeptResource, PlanSummary, config_facts, redact, summarize
from dw_constructs.deploy.tofu import MASK, Tofu, find_binary, mask
from dw_constructs.governance.report import GovernanceViolations

if TYPE_CHECKING:  # pragma: no cover
    from dw_constructs.governance.constraints import ApprovalSettings, TenantConstraints

#: ``app_factory(app)`` builds the app's stacks into a cdktf ``App`` (like the examples' ``build``).
AppFactory = Callable[[Any], Any]
#: Name of the override file compensation writes (and removes) to lift ``prevent_destroy`` when the
#: tenant allows compensating protected resources.
COMPENSATE_OVERRIDE = "dw_deploy_compensate_override.tf.json"
#: A target address that never exists: a destroy plan with nothing to destroy (every resource kept).
_NOTHING = "terraform_data.dw_deploy_nothing_to_destroy"
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SYNTH_MANIFEST = ".dw-deploy-synth.json"


@dataclass(frozen=True)
class ApprovalRequest:
    """What an approval hook is asked to decide."""

    stack: str
    tenant: str | None
    kind: str
    actor: str
    plan: PlanArtifact

    @property
    def summary(self) -> PlanSummary:
        return self.plan.summary


@dataclass(frozen=True)
class ApprovalDecision:
    """An approval hook's answer (a hook may also return True/False). ``approver``: who approved
    (Default: - the requesting actor); ``comment``: recorded with the approval."""

    approved: bool
    approver: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class StackStatus:
    """The stack record: who governs it, what runs now, what ran last, outputs (sensitive ones
    masked) and the resources in its state after the last operation."""

    stack: str
    tenant: str | None
    busy: Mapping[str, Any] | None
    last_operation: OperationRecord | None
    outputs: Mapping[str, Any]
    resources: tuple[str, ...]

    def text(self) -> str:
        lines = [f"stack {self.stack}" + (f" (tenant {self.tenant})" if self.tenant else "")]
        if self.busy:
            lines.append(
                f"busy: {self.busy.get('operation', 'an operation')} ({self.busy.get('kind', '?')}) "
                f"by {self.busy.get('actor', '?')} since {self.busy.get('started_at', '?')}"
            )
        op = self.last_operation
        if op is None:
            lines.append("no operation yet")
        else:
            took = f" in {op.duration_seconds:.1f}s" if op.duration_seconds is not None else ""
            lines.append(
                f"last operation: {op.kind} {op.id} {op.status}{took}, by {op.actor} at {op.started_at}, "
                f"plan {op.plan_id}"
            )
            if op.error:
                lines.append("  error: " + op.error.strip().splitlines()[-1])
        lines.append(f"resources: {len(self.resources)}")
        lines += [f"  {a}" for a in self.resources]
        if self.outputs:
            lines.append("outputs:")
            lines += [f"  {k} = {json.dumps(v, sort_keys=True)}" for k, v in sorted(self.outputs.items())]
        return "\n".join(lines)


@dataclass
class _Synth:
    app: Any
    dir: Path
    config: dict[str, Any]
    config_hash: str
    report: Any


def _default_actor() -> str:
    try:
        return os.environ.get("DW_DEPLOY_ACTOR") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


class Workspace:
    """The lifecycle of one stack of a cdktf app: preview, approve, up, destroy, status, outputs,
    history. See docs/deploy.md.

    Args:
        app_factory: ``app_factory(app)`` creates the app's stacks in a cdktf ``App``; None for a
            workspace that only approves and reads records (``approve``, ``status``, ``history``).
        stack: the stack (its construct id) this workspace deploys.
        tenant: the tenant whose constraints, policy settings and approval settings apply; needs
            ``constraints``. Default: - no tenant: the policy pack with its default settings and
            the default approval settings (apply: none, destroy: required).
        constraints: the constraints document (path, ``ConstraintsDocument`` or
            ``TenantConstraints``), read once, when the workspace is created.
        root: the workspace directory (records, plans, the working directory with the local
            state). Default: ".dw-deploy".
        actor: who acts (recorded with every plan, approval and operation).
            Default: - ``$DW_DEPLOY_ACTOR``, else the user name.
        variables: Terraform input variables, passed as ``TF_VAR_<name>`` in the environment;
            their values are masked in everything recorded. Default: {}.
        env: more environment for OpenTofu (e.g. ``KUBE_CONFIG_PATH``, S3 credentials). Default: {}.
        targets: plan only these addresses (``-target``), e.g. the CNPG operator releases for the
            first step of a two-step first apply. Default: - the whole configuration.
        exclude_providers: providers whose resources cannot be applied from here (e.g.
            ``("datawarehouse",)`` where no DataWarehouse admin API is reachable): their
            resources, and everything that depends on them, are left out of every plan
            (``-exclude``), and named in the plan summary and artifact. Default: ().
        approval_hook: ``hook(ApprovalRequest) -> bool | ApprovalDecision``, the host's approval
            chain: consulted by :meth:`approve` (it may veto) and by :meth:`up` for a plan that
            needs an approval and has none. Default: - none.
        compensate: destroy what a failed apply created. Default: True.
        tofu: the OpenTofu binary. Default: - ``$TERRAFORM_BINARY_NAME``, ``tofu``, ``terraform``.
        backend_config: ``-backend-config`` key/values for ``tofu init`` (never recorded).
            Default: {}.
    """

    def __init__(
        self,
        app_factory: AppFactory | None,
        stack: str,
        *,
        tenant: str | None = None,
        constraints: Any = None,
        root: str | os.PathLike[str] = ".dw-deploy",
        actor: str | None = None,
        variables: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        targets: Sequence[str] | None = None,
        exclude_providers: Sequence[str] = (),
        approval_hook: Callable[[ApprovalRequest], Any] | None = None,
        compensate: bool = True,
        tofu: str | os.PathLike[str] | None = None,
        backend_config: Mapping[str, str] | None = None,
    ):
        problems = []
        given: dict[str, object] = {**dict(variables or {}), "<app_factory>": app_factory, "<stack>": stack}
        factory, name_given = given["<app_factory>"], given["<stack>"]
        if factory is not None and not callable(factory):
            problems.append(f"app_factory must be callable (app) -> stacks; got {type(factory).__name__}")
        if not isinstance(name_given, str) or not _STACK_NAME.match(name_given):
            problems.append(f"stack {name_given!r} is not a stack name (letters, digits, '_', '.', '-')")
        if isinstance(targets, str):
            problems.append("targets must be a list of addresses, not one string")
        if isinstance(exclude_providers, str):
            problems.append("exclude_providers must be a list of provider names, not one string")
        for name in variables or {}:
            if not isinstance(given[name], str):
                problems.append(f"variables[{name!r}] must be a string (it is passed as TF_VAR_{name})")
        if problems:
            raise DeployUsageError("Workspace: " + "; ".join(problems))
        self.app_factory = app_factory
        self.stack = stack
        self.tenant_constraints = self._tenant(tenant, constraints)
        self.tenant = self.tenant_constraints.name if self.tenant_constraints is not None else None
        self.root = Path(root).resolve()
        self.actor = actor or _default_actor()
        self.variables = dict(variables or {})
        self.env = dict(env or {})
        self.targets = tuple(targets) if targets is not None else None
        self.exclude_providers = tuple(exclude_providers)
        self.approval_hook = approval_hook
        self.compensate = compensate
        self.tofu_binary = find_binary(tofu)
        self.backend_config = dict(backend_config or {})
        self.stack_dir = self.root / "stacks" / stack
        self.workdir = self.stack_dir / "work"
        self.plans_dir = self.stack_dir / "plans"
        self.store = Store(self.root)
        self.lock = StackLock(self.stack_dir / "lock", stack)

    # ------------------------------------------------------------------------------- settings
    @staticmethod
    def _tenant(tenant: str | None, constraints: Any) -> TenantConstraints | None:
        from dw_constructs.governance.constraints import ConstraintsDocument, TenantConstraints, load_constraints
        from dw_constructs.governance.report import GovernanceError

        if isinstance(constraints, TenantConstraints):
            if tenant is not None and tenant != constraints.name:
                raise DeployUsageError(f"tenant {tenant!r} given with the constraints of tenant {constraints.name!r}")
            return constraints
        if constraints is None:
            if tenant is not None:
                raise DeployUsageError(f"tenant {tenant!r} needs its constraints document (constraints=...)")
            return None
        if tenant is None:
            raise DeployUsageError("a constraints document needs a tenant name (tenant=...)")
        try:
            doc = constraints if isinstance(constraints, ConstraintsDocument) else load_constraints(constraints)
            return doc.tenant(tenant)
        except GovernanceError as exc:
            raise DeployUsageError(str(exc)) from None

    @property
    def approval_settings(self) -> ApprovalSettings:
        from dw_constructs.governance.constraints import ApprovalSettings

        return self.tenant_constraints.approval if self.tenant_constraints is not None else ApprovalSettings()

    @property
    def secrets(self) -> list[str]:
        return list(self.variables.values())

    def _tofu(self) -> Tofu:
        env = {**self.env, **{f"TF_VAR_{k}": v for k, v in self.variables.items()}}
        return Tofu(self.tofu_binary, self.workdir, env, self.secrets)

    def _audit(self, event: str, **kw: Any) -> None:
        kw.setdefault("tenant", self.tenant)
        kw.setdefault("actor", self.actor)
        self.store.audit(event, self.stack, **kw)

    # ------------------------------------------------------------------------------- synthesis
    def _synth(self) -> _Synth:
        """Synthesize the app into a fresh directory; constraints and policy pack report."""
        from cdktf import App, TerraformStack

        from dw_constructs.governance.aspect import app_violations
        from dw_constructs.governance.constraints import PolicyOptions
        from dw_constructs.governance.inputs import read_paths
        from dw_constructs.governance.policies import run_policies
        from dw_constructs.governance.report import Report

        if self.app_factory is None:
            raise DeployUsageError(
                f"this workspace of stack {self.stack} has no app (app_factory=None): "
                "it can approve plans and read records, not plan or apply"
            )
        self.stack_dir.mkdir(parents=True, exist_ok=True)
        outdir = Path(tempfile.mkdtemp(prefix="synth-", dir=self.stack_dir))
        app = App(outdir=str(outdir))
        try:
            self.app_factory(app)
        except Exception as exc:  # noqa: BLE001 - the app's own error, reported as such
            shutil.rmtree(outdir, ignore_errors=True)
            raise DeployError(f"the app factory failed: {type(exc).__name__}: {exc}") from exc
        stacks = [c.node.id for c in app.node.children if TerraformStack.is_stack(c)]
        if self.stack not in stacks:
            shutil.rmtree(outdir, ignore_errors=True)
            raise DeployUsageError(f"the app has no stack {self.stack!r}; its stacks: {', '.join(stacks) or 'none'}")
        violations = []
        if self.tenant_constraints is not None:
            violations += app_violations(app, self.tenant_constraints, policies=False)
        try:
            app.synth()
        except GovernanceViolations as exc:  # an app under enforce(): rejected before anything is written
            shutil.rmtree(outdir, ignore_errors=True)
            raise DeployError(
                f"synthesis of stack {self.stack} failed, nothing planned:\n{exc.report.text()}"
            ) from None
        except RuntimeError as exc:  # cdktf reports other failed validations this way
            shutil.rmtree(outdir, ignore_errors=True)
            text = str(exc).split("\n    at ")[0].strip()
            raise DeployError(f"synthesis of stack {self.stack} failed, nothing planned:\n{text}") from None
        sdir = outdir / "stacks" / self.stack
        options = self.tenant_constraints.policies if self.tenant_constraints is not None else PolicyOptions()
        violations += run_policies(read_paths([sdir]), options, self.tenant)
        config = json.loads((sdir / "cdk.tf.json").read_text(encoding="utf-8"))
        return _Synth(app, sdir, config, config_hash(sdir), Report.of(violations, self.tenant))

    def _governed(self, synth: _Synth, during: str) -> tuple[str, ...]:
        """Refuse on violations (tenant mode ``enforce``); the violations as warnings otherwise."""
        report = synth.report
        if report.ok:
            return ()
        if self.tenant_constraints is not None and self.tenant_constraints.mode == "warn":
            return tuple(v.line() for v in report.violations)
        self._audit(
            "governance-refused", detail={"during": during, "violations": [v.line() for v in report.violations]}
        )
        raise GovernanceRefused(report, self.stack)

    def _sync_workdir(self, synth: _Synth) -> None:
        """Replace what the previous synthesis put in the working directory by this one; keep
        everything else (.terraform, the lock file, local state)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        manifest = self.workdir / _SYNTH_MANIFEST
        previous = json.loads(manifest.read_text()) if manifest.is_file() else []
        for name in previous + [COMPENSATE_OVERRIDE]:
            target = self.workdir / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
        names = sorted(p.name for p in synth.dir.iterdir())
        for name in names:
            src = synth.dir / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, self.workdir / name)
        manifest.write_text(json.dumps(names))

    def _init(self) -> None:
        args = [
            "init",
            "-input=false",
            "-no-color",
            *[f"-backend-config={k}={v}" for k, v in self.backend_config.items()],
        ]
        tofu = self._tofu()
        tofu.secrets = [*tofu.secrets, *self.backend_config.values()]
        tofu.run(*args, what="init")

    def _state(self) -> StateSnapshot:
        return StateSnapshot.from_pull(self._tofu().run("state", "pull", what="state pull").stdout)

    def _prepare(self, during: str) -> tuple[_Synth, tuple[str, ...]]:
        synth = self._synth()
        try:
            self.store.bind_tenant(self.stack, self.tenant, self.actor)
            warnings = self._governed(synth, during)
        except BaseException:
            self._cleanup(synth)
            raise
        return synth, warnings

    @staticmethod
    def _cleanup(synth: _Synth) -> None:
        shutil.rmtree(synth.dir.parent.parent, ignore_errors=True)

    # ------------------------------------------------------------------------------- targeting
    def _provider_of(self, rtype: str, body: Mapping[str, Any]) -> str:
        ref = body.get("provider") if isinstance(body, Mapping) else None
        if isinstance(ref, str) and ref:
            return ref.strip("${}").split(".")[0]
        return rtype.split("_", 1)[0]

    def _excluded(self, config: Mapping[str, Any], *, data: bool = False) -> list[str]:
        """Managed resources (with ``data``: data sources, ``data.<type>.<name>``) of the
        configuration that belong to an excluded provider."""
        out = []
        for rtype, items in (config.get("data" if data else "resource") or {}).items():
            for name, body in (items or {}).items():
                if self._provider_of(rtype, body or {}) in self.exclude_providers:
                    out.append(f"data.{rtype}.{name}" if data else f"{rtype}.{name}")
        return sorted(out)

    def _plan_args(
        self, config: Mapping[str, Any], state: StateSnapshot, destroy: bool, facts: Mapping[str, Mapping[str, Any]]
    ) -> tuple[list[str], tuple[str, ...] | None, list[KeptResource], list[str]]:
        """``(-target/-exclude arguments, recorded targets, kept, left out)``."""
        excluded = self._excluded(config)
        if destroy:
            return self._destroy_targets(config, state, facts, excluded)
        if self.targets is not None:
            bad = [t for t in self.targets if resource_address(t) in excluded]
            if bad:
                raise DeployUsageError(
                    f"targets {', '.join(bad)} belong to excluded providers {', '.join(self.exclude_providers)}"
                )
            return [f"-target={t}" for t in self.targets], tuple(self.targets), [], excluded
        reads = self._excluded(config, data=True)  # data sources need their provider configured too
        return [f"-exclude={a}" for a in excluded + reads], None, [], excluded + reads

    def _destroy_targets(
        self,
        config: Mapping[str, Any],
        state: StateSnapshot,
        facts: Mapping[str, Mapping[str, Any]],
        excluded: list[str],
    ) -> tuple[list[str], tuple[str, ...] | None, list[KeptResource], list[str]]:
        data = state.instances
        by_provider = {
            a
            for a in data
            if resource_address(a) in excluded or resource_address(a).split("_", 1)[0] in self.exclude_providers
        }
        protected = {a for a in data if (facts.get(resource_address(a)) or {}).get("prevent_destroy")}
        if self.targets is not None:  # only what the caller names (and what depends on it)
            named = {a for a in data if a in self.targets or resource_address(a) in self.targets}
            outside = set(data) - named
        else:
            outside = set()
        keep = state.dependency_closure(protected | by_provider)
        kept = []
        for a in sorted(keep):
            if a in protected:
                reason = "prevent_destroy"
            elif a in by_provider:
                reason = f"its provider is excluded ({', '.join(self.exclude_providers)})"
            else:
                reason = "a kept resource depends on it"
            kept.append(KeptResource(a, reason))
        targets = sorted(set(data) - keep - outside)
        if not keep and not outside and not self.exclude_providers:
            return [], None, kept, []
        args = [f"-target={t}" for t in targets] or [f"-target={_NOTHING}"]
        return args, tuple(targets), kept, excluded

    # ------------------------------------------------------------------------------- preview
    def preview(self, *, destroy: bool = False) -> PlanArtifact:
        """Synthesize, check governance (refusing on violations), ``tofu plan -out``; returns the
        plan artifact. ``destroy=True`` plans destroying the stack, leaving protected
        (``prevent_destroy``) resources and what they depend on in place (listed as kept)."""
        kind = "destroy" if destroy else "apply"
        with self._locked(f"preview-{kind}"):
            synth, warnings = self._prepare(f"preview {kind}")
            try:
                return self._plan(synth, warnings, destroy)
            finally:
                self._cleanup(synth)

    def _plan(self, synth: _Synth, warnings: tuple[str, ...], destroy: bool) -> PlanArtifact:
        self._sync_workdir(synth)
        self._init()
        state = self._state()
        facts = config_facts(synth.config, self.workdir, self.stack)
        args, targets, kept, left_out = self._plan_args(synth.config, state, destroy, facts)
        self.plans_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="new-", dir=self.plans_dir))
        try:
            tofu = self._tofu()
            res = tofu.run(
                "plan",
                "-input=false",
                "-no-color",
                "-detailed-exitcode",
                f"-out={tmp / 'plan.tfplan'}",
                *(["-destroy"] if destroy else []),
                *args,
                ok=(0, 2),
                what="plan",
            )
            os.chmod(tmp / "plan.tfplan", 0o600)  # it holds the variables' values
            show = json.loads(tofu.run("show", "-json", str(tmp / "plan.tfplan"), what="show").stdout)
            version = show.get("terraform_version", "")
            redacted = redact(show)
            write_private(tmp / JSON_FILE, mask(json.dumps(redacted, indent=1, sort_keys=True), self.secrets))
            summary = summarize(
                redacted, facts, kept=kept, left_out=left_out if (self.exclude_providers and not destroy) else ()
            )
            plan_hash = sha256_file(tmp / "plan.tfplan")
            plan_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
            final = self.plans_dir / plan_id
            os.chmod(tmp, 0o700)
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        art = PlanArtifact(
            path=final,
            plan_id=plan_id,
            plan_hash=plan_hash,
            stack=self.stack,
            kind="destroy" if destroy else "apply",
            config_hash=synth.config_hash,
            state=state.fingerprint(),
            created_at=now(),
            actor=self.actor,
            changes=res.returncode == 2,
            summary=summary,
            tenant=self.tenant,
            targets=targets,
            exclude_providers=self.exclude_providers,
            warnings=warnings,
            tofu_version=version,
        )
        art.save()
        self.store.add_plan(art)
        return art

    # ------------------------------------------------------------------------------- loading plans
    def load_plan(self, plan: PlanArtifact | str | os.PathLike[str]) -> PlanArtifact:
        """The artifact, re-read from disk and checked: intact, of this stack and tenant, made by
        this workspace (:class:`DeployUsageError` otherwise)."""
        art = PlanArtifact.load(plan.path if isinstance(plan, PlanArtifact) else plan)
        if art.stack != self.stack:
            raise DeployUsageError(
                f"plan {art.plan_id} is a plan of stack {art.stack!r}, not of {self.stack!r}; nothing applied"
            )
        if art.tenant != self.tenant:
            raise DeployUsageError(
                f"plan {art.plan_id} was made for tenant {art.tenant!r}, this workspace is "
                f"tenant {self.tenant!r}; nothing applied"
            )
        row = self.store.plan(art.plan_id)
        if row is None:
            raise DeployUsageError(f"plan {art.plan_id} was not made by this workspace ({self.root}); nothing applied")
        if (row["plan_hash"], row["stack"], row["kind"], row["config_hash"], row["state"]) != (
            art.plan_hash,
            art.stack,
            art.kind,
            art.config_hash,
            dict(art.state),
        ):
            raise DeployUsageError(
                f"{art.path}: its artifact.json does not match the workspace's record of plan "
                f"{art.plan_id} (edited?); nothing applied"
            )
        return art

    # ------------------------------------------------------------------------------- approval
    def approval_required(self, kind: str = "apply") -> bool:
        """Whether the tenant requires an approval for plans of ``kind`` (``apply``/``destroy``)."""
        return bool(self.approval_settings.required(kind))

    def approval_of(self, plan: PlanArtifact | str | os.PathLike[str]) -> Approval | None:
        art = plan if isinstance(plan, PlanArtifact) else self.load_plan(plan)
        return self.store.approval(art.plan_id, art.plan_hash)

    def approve(
        self, plan: PlanArtifact | str | os.PathLike[str], *, actor: str | None = None, comment: str | None = None
    ) -> Approval:
        """Record an explicit approval of this plan (bound to its hash). With an approval hook,
        the hook must agree (:class:`PlanRefused` ``approval-denied`` otherwise)."""
        art = self.load_plan(plan)
        actor = actor or self.actor
        row = self.store.plan(art.plan_id)
        if row and row["applied_by"]:
            raise PlanRefused(
                art.plan_id,
                [("already-applied", f"plan {art.plan_id} was applied already by operation {row['applied_by']}")],
                art,
            )
        via, approver = "approve", actor
        if self.approval_hook is not None:
            decision = self._ask_hook(art, actor)
            via, approver = "approve+hook", actor
            comment = comment or decision.comment
        return self._record_approval(art, approver, via, comment)

    def _record_approval(self, art: PlanArtifact, actor: str, via: str, comment: str | None) -> Approval:
        a = Approval(art.plan_id, art.plan_hash, self.stack, actor, now(), via, comment, self.tenant)
        self.store.add_approval(a)
        write_private(art.path / APPROVAL_FILE, json.dumps(dataclasses.asdict(a), indent=2, sort_keys=True) + "\n")
        return a

    def _ask_hook(self, art: PlanArtifact, actor: str) -> ApprovalDecision:
        hook = self.approval_hook
        assert hook is not None
        name = getattr(hook, "__qualname__", type(hook).__name__)
        try:
            got = hook(ApprovalRequest(self.stack, self.tenant, art.kind, actor, art))
        except Exception as exc:  # noqa: BLE001 - a failing hook is a denial, with its reason
            got, why = False, f"the approval hook {name} failed: {type(exc).__name__}: {exc}"
        else:
            why = f"the approval hook {name} denied plan {art.plan_id}"
        decision = got if isinstance(got, ApprovalDecision) else ApprovalDecision(bool(got is True))
        if not decision.approved:
            if decision.comment:
                why += f": {decision.comment}"
            self._audit("approval-denied", plan_id=art.plan_id, detail={"reason": why})
            raise PlanRefused(art.plan_id, [("approval-denied", why)], art)
        return decision

    # ------------------------------------------------------------------------------- apply
    def up(self, plan: PlanArtifact | str | os.PathLike[str]) -> OperationRecord:
        """Apply an approved (or approval-free) plan, and only that plan. Refused, with every
        reason, when the app now synthesizes differently, the state changed since the plan was
        made, the plan was applied already, or an approval it needs is missing. On failure
        compensates (an apply plan) and raises :class:`ApplyFailed` with the operation record."""
        art = self.load_plan(plan)
        op_id = f"op-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        with self._locked(art.kind, operation=op_id, plan=art.plan_id):
            synth, _warnings = self._prepare(f"up {art.kind}")
            try:
                return self._up(art, synth, op_id)
            finally:
                self._cleanup(synth)

    def _refuse(self, art: PlanArtifact, reasons: list[tuple[str, str]]) -> None:
        self._audit(
            "refused",
            plan_id=art.plan_id,
            detail={"reason": "; ".join(t for _, t in reasons), "codes": [c for c, _ in reasons]},
        )
        raise PlanRefused(art.plan_id, reasons, art)

    def _up(self, art: PlanArtifact, synth: _Synth, op_id: str) -> OperationRecord:
        row = self.store.plan(art.plan_id) or {}
        reasons: list[tuple[str, str]] = []
        if row.get("applied_by"):
            reasons.append(
                (
                    "already-applied",
                    f"plan {art.plan_id} was applied already by operation {row['applied_by']}; make a new plan",
                )
            )
        state = None
        if synth.config_hash != art.config_hash:
            reasons.append(
                (
                    "config-changed",
                    (
                        "the app's configuration changed since the plan was made (sha256 "
                        f"{art.config_hash[:12]}... then, {synth.config_hash[:12]}... now); make a new plan"
                    ),
                )
            )
        else:
            self._sync_workdir(synth)
            self._init()
            state = self._state()
            changed = describe_change(art.state, state.fingerprint())
            if changed:
                reasons.append(("state-changed", changed))
        if reasons:
            self._refuse(art, reasons)
        required = self.approval_required(art.kind)
        approval = self.store.approval(art.plan_id, art.plan_hash)
        if required and approval is None:
            if self.approval_hook is None:
                self._refuse(
                    art,
                    [
                        (
                            "not-approved",
                            (
                                f"plan {art.plan_id} needs an approval: tenant {self.tenant or '(none)'} requires one for "
                                f"{art.kind} (approval.{art.kind}: required); approve it, then apply it again"
                            ),
                        )
                    ],
                )
            decision = self._ask_hook(art, self.actor)
            approval = self._record_approval(art, decision.approver or self.actor, "hook", decision.comment)
        approval_info: dict[str, Any] = {"required": required}
        if approval is not None:
            approval_info.update(
                actor=approval.actor,
                at=approval.at,
                via=approval.via,
                plan_id=approval.plan_id,
                plan_hash=approval.plan_hash,
            )
        assert state is not None
        return self._apply(art, synth, op_id, state, approval_info)

    def _apply(
        self, art: PlanArtifact, synth: _Synth, op_id: str, before: StateSnapshot, approval: Mapping[str, Any]
    ) -> OperationRecord:
        t0 = time.monotonic()
        rec = self.store.start_operation(
            OperationRecord(
                id=op_id,
                stack=self.stack,
                kind=art.kind,
                status="pending",
                started_at=now(),
                tenant=self.tenant,
                actor=self.actor,
                plan_id=art.plan_id,
                plan_hash=art.plan_hash,
                config_hash=art.config_hash,
                approval=approval,
            )
        )
        tofu = self._tofu()
        try:
            rec = self.store.update_operation(replace(rec, status="running"))
            self.lock.update(status="running")
            res = tofu.run("apply", "-input=false", "-no-color", str(art.plan_file), ok=range(0, 256), what="apply")
            after = self._state()
        except BaseException as exc:  # the run broke down (interrupted, tofu vanished): record it
            rec = replace(
                rec,
                status="failed",
                finished_at=now(),
                duration_seconds=round(time.monotonic() - t0, 3),
                error=mask(f"{type(exc).__name__}: {exc}", self.secrets),
            )
            self.store.update_operation(rec, applied_plan=art.plan_id)
            raise
        created = tuple(a for a in after.addresses() if a not in before.instances)
        if res.returncode == 0:
            rec = replace(
                rec,
                status="succeeded",
                finished_at=now(),
                duration_seconds=round(time.monotonic() - t0, 3),
                outputs=self._outputs(),
                created=created,
                resources=tuple(after.addresses()),
            )
            detail = {"kept": [k.address for k in art.summary.kept]} if art.summary.kept else None
            return self.store.update_operation(rec, applied_plan=art.plan_id, event_detail=detail)
        rec = replace(
            rec,
            status="failed",
            error=tofu.error_text(res),
            created=created,
            resources=tuple(after.addresses()),
            finished_at=now(),
            duration_seconds=round(time.monotonic() - t0, 3),
        )
        self.store.update_operation(rec, applied_plan=art.plan_id, event_detail={"created": list(created)})
        if art.kind == "apply":
            rec = self._compensate(rec, synth, before, after, t0)
        raise ApplyFailed(rec)

    def _outputs(self) -> dict[str, Any]:
        raw = json.loads(self._tofu().run("output", "-json", what="output").stdout or "{}")
        out = {}
        for name, o in raw.items():
            value = MASK if o.get("sensitive") else o.get("value")
            out[name] = json.loads(mask(json.dumps(value), self.secrets))
        return out

    # ------------------------------------------------------------------------------- compensation
    def _compensate(
        self, rec: OperationRecord, synth: _Synth, before: StateSnapshot, after: StateSnapshot, t0: float
    ) -> OperationRecord:
        """Destroy exactly what the failed apply created (docs/deploy.md, "Compensation")."""
        c0 = time.monotonic()
        created = [a for a in after.addresses() if a not in before.instances]
        if not self.compensate:
            comp: dict[str, Any] = {"status": "disabled", "destroyed": [], "kept": [], "left": created}
            return self.store.update_operation(replace(rec, compensation=comp), event_detail={"compensation": comp})
        if not created:
            comp = {"status": "nothing to do", "destroyed": [], "kept": []}
            return self.store.update_operation(replace(rec, compensation=comp), event_detail={"compensation": comp})
        facts = config_facts(synth.config, self.workdir, self.stack)
        protected = [a for a in created if (facts.get(resource_address(a)) or {}).get("prevent_destroy")]
        allow = self.approval_settings.compensate_protected
        kept: list[dict[str, str]] = []
        keep: set[str] = set()
        if protected and not allow:
            keep = after.dependency_closure(protected, within=created)
            for a in sorted(keep):
                reason = (
                    (
                        "prevent_destroy; the tenant does not allow compensating protected resources "
                        "(approval.compensate_protected: false)"
                    )
                    if a in protected
                    else "a kept protected resource depends on it"
                )
                kept.append({"address": a, "reason": reason})
        targets = [a for a in created if a not in keep]
        self._audit(
            "compensation-started",
            operation=rec.id,
            plan_id=rec.plan_id,
            detail={"created": created, "targets": targets, "kept": [k["address"] for k in kept]},
        )
        error = None
        override = self.workdir / COMPENSATE_OVERRIDE
        tofu = self._tofu()
        try:
            if targets:
                lift = [a for a in targets if a in protected]
                if lift:
                    body: dict[str, dict[str, Any]] = {}
                    for a in lift:
                        rtype, name = resource_address(a).split(".", 1)
                        body.setdefault(rtype, {})[name] = {"lifecycle": {"prevent_destroy": False}}
                    write_private(override, json.dumps({"resource": body}, indent=1))
                plan_file = self.stack_dir / f"compensate-{rec.id}.tfplan"
                try:
                    tofu.run(
                        "plan",
                        "-input=false",
                        "-no-color",
                        "-destroy",
                        f"-out={plan_file}",
                        *[f"-target={t}" for t in targets],
                        what="plan (compensation)",
                    )
                    show = json.loads(tofu.run("show", "-json", str(plan_file), what="show").stdout)
                    deletes = {
                        rc["address"]
                        for rc in show.get("resource_changes") or []
                        if "delete" in ((rc.get("change") or {}).get("actions") or [])
                        and rc.get("mode", "managed") == "managed"
                    }
                    outside = sorted(deletes - set(created))
                    if outside:
                        error = (
                            "compensation refused: its destroy plan would also destroy resources that existed "
                            f"before the failed apply: {', '.join(outside)}"
                        )
                    else:
                        res = tofu.run(
                            "apply",
                            "-input=false",
                            "-no-color",
                            str(plan_file),
                            ok=range(0, 256),
                            what="apply (compensation)",
                        )
                        if res.returncode != 0:
                            error = "compensation apply failed:\n" + tofu.error_text(res)
                finally:
                    plan_file.unlink(missing_ok=True)
        except TofuError as exc:
            error = str(exc)
        finally:
            override.unlink(missing_ok=True)
        final = self._state()
        left = [a for a in created if a in final.instances]
        destroyed = [a for a in created if a not in final.instances]
        comp = {
            "status": "complete" if not left else ("failed" if error else "partial"),
            "destroyed": destroyed,
            "kept": kept,
            "left": left,
            "seconds": round(time.monotonic() - c0, 3),
        }
        if error:
            comp["error"] = error
        rec = replace(
            rec,
            status="compensated" if not left else "failed",
            compensation=comp,
            resources=tuple(final.addresses()),
            finished_at=now(),
            duration_seconds=round(time.monotonic() - t0, 3),
        )
        return self.store.update_operation(rec, event_detail={"compensation": comp})

    # ------------------------------------------------------------------------------- destroy
    def destroy(self, plan: PlanArtifact | str | os.PathLike[str] | None = None) -> OperationRecord:
        """Destroy the stack through the same gate: ``plan`` (a destroy plan from
        ``preview(destroy=True)``), or a new destroy plan. A plan that needs an approval it does
        not have raises :class:`PlanRefused` (``not-approved``) carrying the plan in ``.plan``:
        approve it and call ``destroy(plan)`` (or ``up(plan)``). Protected resources are kept and
        listed in the plan's summary."""
        art = self.preview(destroy=True) if plan is None else self.load_plan(plan)
        if art.kind != "destroy":
            raise DeployUsageError(f"plan {art.plan_id} is an {art.kind} plan, not a destroy plan")
        return self.up(art)

    # ------------------------------------------------------------------------------- records
    def status(self) -> StackStatus:
        rec = self.store.stack(self.stack) or {}
        ops = self.store.operations(self.stack, limit=1)
        return StackStatus(
            self.stack,
            rec.get("tenant", self.tenant),
            self.lock.held_by_other(),
            ops[0] if ops else None,
            rec.get("outputs") or {},
            tuple(rec.get("resources") or ()),
        )

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs after its last successful operation (sensitive ones masked)."""
        return dict((self.store.stack(self.stack) or {}).get("outputs") or {})

    def history(self, limit: int | None = None) -> list[OperationRecord]:
        """The stack's operations, newest first."""
        return self.store.operations(self.stack, limit)

    def events(self, limit: int | None = None) -> list[AuditEvent]:
        """The stack's audit log, oldest first (the last ``limit`` events)."""
        return self.store.events(self.stack, limit)

    # ------------------------------------------------------------------------------- locking
    def _locked(self, kind: str, **info: Any) -> StackLock:
        holder = {
            "operation": info.pop("operation", None) or f"{kind}",
            "kind": kind,
            "actor": self.actor,
            "started_at": now(),
            **info,
        }
        lock = StackLock(self.lock.path, self.stack)
        try:
            lock.acquire(holder)
        except DeployError as exc:
            self._audit("refused", detail={"reason": str(exc), "codes": ["busy"], "attempted": kind})
            raise
        self.lock = lock
        return lock

    def __repr__(self) -> str:
        return f"Workspace(stack={self.stack!r}, tenant={self.tenant!r}, root={str(self.root)!r})"
