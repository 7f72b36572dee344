"""Governance for apps built with dw-constructs: per-tenant constraints enforced at synth time
(cdktf Aspect) and a policy pack over the synthesized Terraform JSON and rendered manifests, also
usable from the command line (``dw-constructs check cdktf.out``, also ``python -m
dw_constructs.governance``).

Importing this package is cheap: the cdktf layer (``enforce``, ``record_constructs``,
``allow_destroy``, ``check_app``, ``GovernanceAspect``) loads on first use. See docs/governance.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    SynthRejected,
    Violation,
)

if TYPE_CHECKING:  # what the lazy __getattr__ returns, for type checkers and IDEs
    from dw_constructs.governance.aspect import (
        GovernanceAspect,
        allow_destroy,
        check_app,
        enforce,
        record_constructs,
    )
    from dw_constructs.governance.cli import check_paths
    from dw_constructs.governance.inputs import from_documents, read_paths
    from dw_constructs.governance.policies import POLICY_IDS, run_policies

_LAZY = {
    "enforce": "dw_constructs.governance.aspect",
    "record_constructs": "dw_constructs.governance.aspect",
    "allow_destroy": "dw_constructs.governance.aspect",
    "check_app": "dw_constructs.governance.aspect",
    "GovernanceAspect": "dw_constructs.governance.aspect",
    "POLICY_IDS": "dw_constructs.governance.policies",
    "run_policies": "dw_constructs.governance.policies",
    "read_paths": "dw_constructs.governance.inputs",
    "from_documents": "dw_constructs.governance.inputs",
    "check_paths": "dw_constructs.governance.cli",
}

# A literal list: type checkers read it to know what the package exports.
__all__ = [
    "CONSTRUCT_TYPES",
    "POLICY_IDS",
    "ConstraintsDocument",
    "ConstructRecord",
    "GovernanceAspect",
    "GovernanceError",
    "GovernanceViolations",
    "PolicyOptions",
    "Report",
    "SynthRejected",
    "TenantConstraints",
    "Violation",
    "allow_destroy",
    "check_app",
    "check_paths",
    "enforce",
    "evaluate",
    "from_documents",
    "library_type",
    "load_constraints",
    "parse_constraints",
    "read_paths",
    "record_constructs",
    "run_policies",
    "schema",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
