"""Command line of governance, for CI (like ``conftest test``), installed as ``dw-constructs``
(also ``python -m dw_constructs.governance``):

    dw-constructs check cdktf.out [gitops/] [--constraints FILE --tenant NAME [--policies-only]]
    dw-constructs validate constraints.yaml
    dw-constructs policies
    dw-constructs schema

``check`` runs the policy pack and, with ``--constraints``/``--tenant``, evaluates the tenant's
construct constraints on the construct records of the synthesized stacks. It exits 0 when nothing
is violated (or in warn-only mode), 1 when something is, 2 on a usage error (bad arguments,
unreadable or invalid constraints document, missing path, constraints that cannot be evaluated on
the inputs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence

from dw_constructs.governance.constraints import (
    ConstraintsDocument,
    PolicyOptions,
    TenantConstraints,
    evaluate,
    load_constraints,
    records_in_output,
    schema,
)
from dw_constructs.governance.report import GovernanceError, Report, Violation

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
#: The program name in usage and help (the console script; ``python -m dw_constructs.governance`` too).
PROG = "dw-constructs"


def has_construct_constraints(tenant: TenantConstraints) -> bool:
    """Whether ``tenant`` limits constructs (types, counts, props), not only the policy pack."""
    return bool(tenant.constructs) or tenant.unlisted_constructs == "deny"


def check_paths(
    paths: Iterable[str | os.PathLike[str]],
    constraints: ConstraintsDocument | str | os.PathLike[str] | None = None,
    tenant: str | None = None,
    *,
    only: Iterable[str] | None = None,
    policies_only: bool = False,
) -> Report:
    """The report on files/directories (a ``cdktf.out``, a rendered tree): the policy pack (with
    the tenant's settings) and, with a tenant that limits constructs, its constraints evaluated on
    the construct records of the synthesized stacks (written at synth by ``enforce()`` or
    ``record_constructs()``). Raises :class:`GovernanceError` when those constraints cannot be
    evaluated on the inputs, unless ``policies_only`` (then only the policy pack runs)."""
    from dw_constructs.governance.inputs import read_paths
    from dw_constructs.governance.policies import run_policies

    options, name, t = PolicyOptions(), None, None
    if constraints is not None:
        doc = constraints if isinstance(constraints, ConstraintsDocument) else load_constraints(constraints)
        if tenant is None:
            raise GovernanceError("--tenant is required with --constraints")
        t = doc.tenant(tenant)
        options, name = t.policies, t.name
    elif tenant is not None:
        raise GovernanceError("--tenant needs --constraints")
    elif policies_only:
        raise GovernanceError("--policies-only needs --constraints and --tenant")
    inputs = read_paths(paths)
    violations: list[Violation] = []
    if t is not None and not policies_only and has_construct_constraints(t):
        violations += evaluate(records_in_output((tf.stack, tf.doc) for tf in inputs.terraform), t)
    violations += run_policies(inputs, options, name, only=only)
    return Report.of(violations, name)


def _parser() -> argparse.ArgumentParser:
    from dw_constructs.governance.policies import POLICY_IDS

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Governance for dw-constructs apps: policy pack over synthesized Terraform JSON and "
        "rendered Kubernetes manifests; tenant constraints documents.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser(
        "check",
        help="run the policy pack on a cdktf.out directory, manifest directories or files",
        description="Exit 0: no violations (or --warn-only); 1: violations; 2: usage error.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="cdktf.out directory, manifests directory or file")
    check.add_argument("--constraints", metavar="FILE", help="tenant constraints document (YAML or JSON)")
    check.add_argument(
        "--tenant",
        metavar="NAME",
        help="tenant whose constraints are evaluated on the construct records of the synthesized "
        "stacks and whose policy settings apply (needs --constraints)",
    )
    check.add_argument(
        "--policies-only",
        action="store_true",
        help="with --constraints/--tenant: run only the policy pack with the tenant's settings, "
        "without its construct constraints (e.g. on a rendered GitOps tree)",
    )
    check.add_argument(
        "--policy",
        action="append",
        choices=POLICY_IDS,
        metavar="ID",
        help="run only this policy (repeatable); see the 'policies' command",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    check.add_argument(
        "--warn-only",
        action="store_true",
        help="print the report but exit 0 (also the default when the tenant's mode is 'warn')",
    )
    val = sub.add_parser("validate", help="validate a constraints document against the published schema")
    val.add_argument("file", metavar="FILE")
    sub.add_parser("policies", help="list the policies with their ids")
    sub.add_parser("schema", help="print the JSON schema of constraints documents")
    from dw_constructs.deploy.cli import add_parsers as add_deploy_parsers  # plan|approve|apply|destroy|status

    add_deploy_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "deploy", None) is not None:  # the lifecycle subcommands (dw_constructs.deploy.cli)
        return int(args.deploy(args))
    try:
        if args.command == "schema":
            print(json.dumps(schema(), indent=2))
            return EXIT_OK
        if args.command == "policies":
            from dw_constructs.governance.policies import POLICIES

            for pid, fn in POLICIES.items():
                summary = " ".join((fn.__doc__ or "").split())
                print(f"{pid}\n    {summary}")
            return EXIT_OK
        if args.command == "validate":
            valid = load_constraints(args.file)
            print(f"{args.file}: valid constraints document; tenants: {', '.join(sorted(valid.tenants))}")
            return EXIT_OK
        doc = load_constraints(args.constraints) if args.constraints else None
        report = check_paths(args.paths, doc, args.tenant, only=args.policy, policies_only=args.policies_only)
        warn = args.warn_only or (doc is not None and doc.tenant(args.tenant).mode == "warn")
    except GovernanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(report.to_json() if args.format == "json" else report.text())
    if not report.ok and warn:
        print("warn-only: violations reported, exit 0", file=sys.stderr)
        return EXIT_OK
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
