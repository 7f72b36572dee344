"""The ``approval`` settings of a tenant in the constraints document (published JSON schema)."""

from __future__ import annotations

import pytest

from dw_constructs.governance import GovernanceError, parse_constraints, schema


def _doc(approval):
    return {"version": 1, "tenants": {"t": {"approval": approval}}}


def test_defaults_and_values():
    tenant = parse_constraints({"version": 1, "tenants": {"t": {}}}).tenant("t")
    assert (tenant.approval.apply, tenant.approval.destroy, tenant.approval.compensate_protected) == (
        "none",
        "required",
        False,
    )
    assert not tenant.approval.required("apply") and tenant.approval.required("destroy")
    strict = parse_constraints(_doc({"apply": "required", "destroy": "none", "compensate_protected": True})).tenant("t")
    assert strict.approval.required("apply") and not strict.approval.required("destroy")
    assert strict.approval.compensate_protected is True


def test_published_schema_documents_the_defaults():
    approval = schema()["$defs"]["approval"]["properties"]
    assert {k: v["default"] for k, v in approval.items()} == {
        "apply": "none",
        "destroy": "required",
        "compensate_protected": False,
    }


@pytest.mark.parametrize(
    ("approval", "message"),
    [
        ({"apply": "maybe"}, "tenants/t/approval/apply: 'maybe' is not one of ['required', 'none']"),
        ({"destroy": True}, "tenants/t/approval/destroy: True is not one of ['required', 'none']"),
        ({"compensate_protected": "yes"}, "tenants/t/approval/compensate_protected: 'yes' is not of type 'boolean'"),
        ({"approvers": ["alice"]}, "Additional properties are not allowed ('approvers' was unexpected)"),
    ],
)
def test_bad_settings_are_rejected_naming_the_key(approval, message):
    with pytest.raises(GovernanceError) as exc:
        parse_constraints(_doc(approval))
    assert message in str(exc.value)
