"""``dw-constructs plan|approve|apply|destroy|status``: the deployment lifecycle on the command line
(subcommands of the ``dw-constructs`` CLI, :mod:`dw_constructs.governance.cli`).

    dw-constructs plan    --app examples.cnpg_apply.main:build --stack cnpg-apply \\
                          --constraints constraints.yaml --tenant analytics
    dw-constructs approve .dw-deploy/stacks/cnpg-apply/plans/3f2a9c1b0e4d --stack cnpg-apply \\
                          --constraints constraints.yaml --tenant analytics --actor alice
    dw-constructs apply   .dw-deploy/stacks/cnpg-apply/plans/3f2a9c1b0e4d --app examples.cnpg_apply.main:build \\
                          --stack cnpg-apply --constraints constraints.yaml --tenant analytics
    dw-constructs destroy --app ... --stack cnpg-apply ... [--plan PLAN]
    dw-constructs status  --stack cnpg-apply [--history 10]

``--app MODULE:FUNCTION`` names the app factory (``FUNCTION(app)`` builds the stacks; the module is
imported with ``--app-dir``, default the current directory, on ``sys.path``). Terraform variables
come from ``TF_VAR_<name>`` in the environment, as for OpenTofu itself; their values are masked in
everything recorded. Exit codes: 0 done, 1 violations or a failed operation, 2 bad input, 3
refused by the gate (not approved, stale, already applied), 4 busy (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dw_constructs.deploy.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    ApplyFailed,
    DeployError,
    DeployUsageError,
    PlanRefused,
)

if TYPE_CHECKING:  # pragma: no cover
    from dw_constructs.deploy.artifact import PlanArtifact
    from dw_constructs.deploy.records import OperationRecord
    from dw_constructs.deploy.workspace import Workspace

COMMANDS = ("plan", "approve", "apply", "destroy", "status")


def load_app(spec: str, app_dir: str = ".") -> Callable[[Any], Any]:
    """The factory ``MODULE:FUNCTION`` names (``DeployUsageError`` when it cannot be loaded)."""
    module, sep, attr = (spec or "").partition(":")
    if not sep or not module or not attr:
        raise DeployUsageError(f"--app {spec!r}: expected MODULE:FUNCTION, e.g. examples.cnpg_apply.main:build")
    path = os.path.abspath(app_dir)
    if path not in sys.path:
        sys.path.insert(0, path)
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any import failure is bad input here
        raise DeployUsageError(f"--app {spec!r}: cannot import {module}: {type(exc).__name__}: {exc}") from None
    factory: Callable[[Any], Any] | None = getattr(mod, attr, None)
    if not callable(factory):
        raise DeployUsageError(f"--app {spec!r}: {module} has no function {attr!r}")
    return factory


def _common(p: argparse.ArgumentParser, *, app: bool) -> None:
    p.add_argument("--stack", required=True, metavar="NAME", help="the stack (its construct id) to operate on")
    if app:
        p.add_argument(
            "--app",
            required=True,
            metavar="MODULE:FUNCTION",
            help="the app factory: FUNCTION(app) creates the stacks (e.g. examples.cnpg_apply.main:build)",
        )
        p.add_argument("--app-dir", default=".", metavar="DIR", help="put DIR on sys.path first (default: .)")
    p.add_argument("--constraints", metavar="FILE", help="the tenants' constraints document (YAML or JSON)")
    p.add_argument("--tenant", metavar="NAME", help="the tenant whose constraints and approval settings apply")
    p.add_argument(
        "--root",
        default=".dw-deploy",
        metavar="DIR",
        help="workspace directory: records, plans, working directory, local state (default: .dw-deploy)",
    )
    p.add_argument("--actor", metavar="NAME", help="who acts (default: $DW_DEPLOY_ACTOR, else the user name)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    if app:
        p.add_argument(
            "--exclude-provider",
            action="append",
            default=[],
            metavar="NAME",
            help="leave this provider's resources (and what depends on them) out of plans, e.g. "
            "datawarehouse where no DataWarehouse admin API is reachable (repeatable)",
        )
        p.add_argument(
            "--target",
            action="append",
            default=None,
            metavar="ADDRESS",
            help="plan only this resource address (repeatable)",
        )


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the lifecycle subcommands to the ``dw-constructs`` parser."""
    plan = sub.add_parser(
        "plan",
        help="preview: synthesize, check governance, tofu plan -out; writes a plan artifact",
        description="Exit 0: a plan artifact was written; 1: governance violations or tofu failed; "
        "2: bad input; 4: busy.",
    )
    _common(plan, app=True)
    plan.add_argument("--destroy", action="store_true", help="plan destroying the stack (protected resources are kept)")
    approve = sub.add_parser(
        "approve",
        help="record an approval of a plan artifact",
        description="Exit 0: recorded; 2: bad input (not an artifact of this stack); 3: the plan was applied already.",
    )
    approve.add_argument("plan", metavar="PLAN", help="the plan artifact directory (printed by plan)")
    _common(approve, app=False)
    approve.add_argument("--comment", help="recorded with the approval")
    apply = sub.add_parser(
        "apply",
        help="apply an approved plan artifact, only that plan",
        description="Exit 0: applied; 1: apply failed (compensated or not) or violations; "
        "2: bad input; 3: refused (not approved, stale, applied already); 4: busy.",
    )
    apply.add_argument("plan", metavar="PLAN", help="the plan artifact directory (printed by plan)")
    _common(apply, app=True)
    destroy = sub.add_parser(
        "destroy",
        help="destroy the stack through the same gate (a destroy plan, then apply)",
        description="Without --plan: makes a destroy plan and applies it when no approval is "
        "needed, else prints it and exits 3. Exit codes as for apply.",
    )
    _common(destroy, app=True)
    destroy.add_argument("--plan", metavar="PLAN", help="apply this (approved) destroy plan artifact")
    status = sub.add_parser("status", help="the stack record: running operation, last operation, outputs, history")
    status.add_argument("--stack", required=True, metavar="NAME")
    status.add_argument("--root", default=".dw-deploy", metavar="DIR", help="workspace directory (default: .dw-deploy)")
    status.add_argument("--history", type=int, default=0, metavar="N", help="also list the last N operations")
    status.add_argument("--events", type=int, default=0, metavar="N", help="also list the last N audit events")
    status.add_argument("--format", choices=("text", "json"), default="text")
    for p in (plan, approve, apply, destroy, status):
        p.set_defaults(deploy=run)


def _workspace(args: argparse.Namespace, app: bool) -> Workspace:
    from dw_constructs.deploy.workspace import Workspace

    factory = load_app(args.app, args.app_dir) if app else None
    variables = {k[len("TF_VAR_") :]: v for k, v in os.environ.items() if k.startswith("TF_VAR_")}
    return Workspace(
        factory,
        args.stack,
        tenant=getattr(args, "tenant", None),
        constraints=getattr(args, "constraints", None),
        root=args.root,
        actor=getattr(args, "actor", None),
        variables=variables,
        targets=getattr(args, "target", None),
        exclude_providers=getattr(args, "exclude_provider", ()),
    )


def _print(args: argparse.Namespace, text: str, data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str) if args.format == "json" else text)


def _plan_hint(ws: Workspace, art: PlanArtifact) -> str:
    common = f"--stack {ws.stack} --root {ws.root}" + (f" --tenant {ws.tenant}" if ws.tenant else "")
    lines = [f"Plan artifact: {art.path}"]
    if ws.approval_required(art.kind):
        lines.append(
            f"Approval required (tenant {ws.tenant or '(none)'}, approval.{art.kind}: required): "
            f"dw-constructs approve {art.path} {common} [--constraints FILE]"
        )
    return "\n".join(lines)


def _op_text(rec: OperationRecord) -> str:
    took = f" in {rec.duration_seconds:.1f}s" if rec.duration_seconds is not None else ""
    lines = [f"{rec.kind} {rec.id} {rec.status}{took} (plan {rec.plan_id})"]
    if rec.outputs:
        lines += [f"  {k} = {json.dumps(v, sort_keys=True)}" for k, v in sorted(rec.outputs.items())]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run one lifecycle subcommand; returns the exit code."""
    try:
        return _run(args)
    except ApplyFailed as exc:
        _print(args, str(exc), {"error": str(exc), "operation": exc.record.to_dict()})
        return exc.exit_code
    except PlanRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        if args.format == "json":
            _print(args, "", {"error": str(exc), "codes": exc.codes})
        return exc.exit_code
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _run(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "status":
        ws = _workspace(args, app=False)
        st = ws.status()
        text = st.text()
        data: dict[str, Any] = {
            "stack": st.stack,
            "tenant": st.tenant,
            "busy": st.busy,
            "outputs": st.outputs,
            "resources": list(st.resources),
            "last_operation": st.last_operation.to_dict() if st.last_operation else None,
        }
        if args.history:
            ops = ws.history(args.history)
            data["history"] = [o.to_dict() for o in ops]
            text += "\nhistory:\n" + "\n".join(f"  {o.started_at} {o.kind} {o.id} {o.status} by {o.actor}" for o in ops)
        if args.events:
            evs = ws.events(args.events)
            data["events"] = [e.__dict__ for e in evs]
            text += "\naudit:\n" + "\n".join(f"  {e.line()}" for e in evs)
        _print(args, text, data)
        return EXIT_OK
    if cmd == "approve":
        ws = _workspace(args, app=False)
        a = ws.approve(args.plan, actor=args.actor, comment=args.comment)
        _print(
            args,
            f"approved plan {a.plan_id} (sha256 {a.plan_hash[:12]}...) of stack {a.stack} by {a.actor} at {a.at}",
            a.__dict__,
        )
        return EXIT_OK
    ws = _workspace(args, app=True)
    if cmd == "plan":
        art = ws.preview(destroy=args.destroy)
        _print(args, f"{art.text()}\n{_plan_hint(ws, art)}", {**art.meta(), "path": str(art.path)})
        return EXIT_OK
    if cmd == "apply":
        rec = ws.up(args.plan)
        _print(args, _op_text(rec), rec.to_dict())
        return EXIT_OK
    # destroy
    if args.plan:
        rec = ws.destroy(args.plan)
    else:
        art = ws.preview(destroy=True)
        if args.format == "text":
            print(art.text())
        if ws.approval_required("destroy") and ws.approval_of(art) is None and ws.approval_hook is None:
            print(f"{_plan_hint(ws, art)}\nthen: dw-constructs destroy --plan {art.path} ...", file=sys.stderr)
            return EXIT_REFUSED
        rec = ws.up(art)
    _print(args, _op_text(rec), rec.to_dict())
    return EXIT_OK if rec.status == "succeeded" else EXIT_FAILED


__all__ = ["COMMANDS", "EXIT_USAGE", "add_parsers", "load_app", "run"]
