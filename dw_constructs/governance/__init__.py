"""Governance for apps built with dw-constructs: per-tenant constraints enforced at synth time
(cdktf Aspect) and a policy pack over the synthesized Terraform JSON and rendered manifests, also
usable from the command line (``python -m dw_constructs.governance check cdktf.out``).

Importing this package is cheap: the cdktf layer (``enforce``, ``allow_destroy``, ``check_app``,
``GovernanceAspect``) loads on first use. See docs/governance.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from dw_constructs.governance.constraints import (  # noqa: F401  (plain Python)
    CONSTRUCT_TYPES,
    ConstraintsDocument,
    ConstructRecord,
    PolicyOptions,
    TenantConstraints,
    evaluate,
    library_type,
    load_constraints,
    parse_constraints,
    schema,
)
from dw_constructs.governance.report import (  # noqa: F401
    GovernanceError,
    GovernanceViolations,
    Report,
    Violation,
)

_LAZY = {
    "enforce": "dw_constructs.governance.aspect",
    "allow_destroy": "dw_constructs.governance.aspect",
    "check_app": "dw_constructs.governance.aspect",
    "GovernanceAspect": "dw_constructs.governance.aspect",
    "POLICY_IDS": "dw_constructs.governance.policies",
    "run_policies": "dw_constructs.governance.policies",
    "read_paths": "dw_constructs.governance.inputs",
    "from_documents": "dw_constructs.governance.inputs",
    "check_paths": "dw_constructs.governance.cli",
}

__all__ = sorted([*_LAZY, "CONSTRUCT_TYPES", "ConstraintsDocument", "ConstructRecord", "GovernanceError",
                  "GovernanceViolations", "PolicyOptions", "Report", "TenantConstraints", "Violation", "evaluate",
                  "library_type", "load_constraints", "parse_constraints", "schema"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
