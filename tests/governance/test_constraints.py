"""Tenant constraints, plain Python: every constraint kind accepts and rejects (table-driven), the
document is validated against the published schema, and the report order is deterministic."""

from __future__ import annotations

import json

import pytest
import yaml

from dw_constructs.cnpg.model import BackupProps
from dw_constructs.cnpg.model import ClusterProps as CnpgProps
from dw_constructs.datawarehouse import ClusterMode, OperationalProfile
from dw_constructs.datawarehouse.cluster_model import ClusterProps, ProviderEndpoint, VdeProps
from dw_constructs.governance import (
    ConstructRecord,
    GovernanceError,
    Report,
    Violation,
    evaluate,
    library_type,
    load_constraints,
    parse_constraints,
    schema,
)


def tenant(constructs: dict, **extra):
    return parse_constraints({"version": 1, "tenants": {"acme": {"constructs": constructs, **extra}}}).tenant("acme")


def dw(**kw) -> ClusterProps:
    return ClusterProps(name="dw", endpoint=ProviderEndpoint.in_cluster(), **kw)


def rec(props, path="app/Warehouse", ctype="DataWarehouseCluster") -> ConstructRecord:
    return ConstructRecord(path, ctype, props)


def found(records, t) -> list[tuple[str, str, object, str]]:
    return [(v.path, v.parameter, v.value, v.message) for v in Report.of(evaluate(records, t)).violations]


P = "app/Warehouse"

# (id, constructs section, records, expected (path, parameter, value, message))
CASES = [
    # allowed: the construct type
    ("allowed-pass", {"DataWarehouseCluster": {"allowed": True}}, [rec(dw())], []),
    (
        "allowed-fail",
        {"DataWarehouseCluster": {"allowed": False}},
        [rec(dw())],
        [(P, "construct_type", "DataWarehouseCluster", "DataWarehouseCluster is denied for this tenant")],
    ),
    # max_instances: counted over the app, in tree order
    (
        "max-instances-pass",
        {"DataWarehouseCluster": {"max_instances": 2}},
        [rec(dw(), "app/A"), rec(dw(), "app/B")],
        [],
    ),
    (
        "max-instances-fail",
        {"DataWarehouseCluster": {"max_instances": 1}},
        [rec(dw(), "app/A"), rec(dw(), "app/B"), rec(dw(), "app/C")],
        [
            ("app/B", "max_instances", 2, "DataWarehouseCluster number 2 in this app"),
            ("app/C", "max_instances", 3, "DataWarehouseCluster number 3 in this app"),
        ],
    ),
    # min / max on numbers
    (
        "min-pass",
        {"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"min": 50}}}},
        [rec(dw(storage_size_gb=50))],
        [],
    ),
    (
        "min-fail",
        {"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"min": 50}}}},
        [rec(dw(storage_size_gb=10))],
        [(P, "storage_size_gb", 10, "below the minimum")],
    ),
    (
        "max-pass",
        {"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"max": 500}}}},
        [rec(dw(storage_size_gb=500))],
        [],
    ),
    (
        "max-fail",
        {"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"max": 500}}}},
        [rec(dw(storage_size_gb=800))],
        [(P, "storage_size_gb", 800, "above the maximum")],
    ),
    # min / max on Kubernetes quantities
    (
        "max-quantity-pass",
        {"CnpgPostgisCluster": {"parameters": {"storage_size": {"max": "200Gi"}}}},
        [rec(CnpgProps(mode="render", storage_size="100Gi"), "app/Pg", "CnpgPostgisCluster")],
        [],
    ),
    (
        "max-quantity-fail",
        {"CnpgPostgisCluster": {"parameters": {"storage_size": {"max": "200Gi"}}}},
        [rec(CnpgProps(mode="render", storage_size="1Ti"), "app/Pg", "CnpgPostgisCluster")],
        [("app/Pg", "storage_size", "1Ti", "above the maximum")],
    ),
    # a derived default (replicas=None) is checked through effective_replicas
    (
        "max-effective-pass",
        {"DataWarehouseCluster": {"parameters": {"replicas": {"max": 5}}}},
        [rec(dw(mode=ClusterMode.CLUSTERED))],
        [],
    ),
    (
        "min-effective-fail",
        {"DataWarehouseCluster": {"parameters": {"replicas": {"min": 3}}}},
        [rec(dw())],
        [(P, "replicas", 1, "below the minimum")],
    ),
    # allowed values: enum members compare by value
    (
        "allowed-values-pass",
        {
            "DataWarehouseCluster": {
                "parameters": {"operational_profile": {"allowed": ["Standard", "Strict", "Paranoid"]}}
            }
        },
        [rec(dw(operational_profile=OperationalProfile.STRICT))],
        [],
    ),
    (
        "allowed-values-fail",
        {
            "DataWarehouseCluster": {
                "parameters": {"operational_profile": {"allowed": ["Standard", "Strict", "Paranoid"]}}
            }
        },
        [rec(dw(operational_profile=OperationalProfile.SPEED))],
        [(P, "operational_profile", "Speed", "not an allowed value")],
    ),
    (
        "allowed-list-fail",
        {"DataWarehouseCluster": {"parameters": {"plugins": {"allowed": ["geo", "ts"]}}}},
        [rec(dw(plugins=("geo", "*")))],
        [(P, "plugins", ["geo", "*"], 'items "*" are not allowed values')],
    ),
    # equals (the required value), nested props by dotted name
    (
        "equals-pass",
        {"CnpgPostgisCluster": {"parameters": {"backup.enabled": {"equals": True}}}},
        [
            rec(
                CnpgProps(mode="render", backup=BackupProps(enabled=True, destination_path="s3://b/p")),
                "app/Pg",
                "CnpgPostgisCluster",
            )
        ],
        [],
    ),
    (
        "equals-fail",
        {"CnpgPostgisCluster": {"parameters": {"backup.enabled": {"equals": True}}}},
        [rec(CnpgProps(mode="render"), "app/Pg", "CnpgPostgisCluster")],
        [("app/Pg", "backup.enabled", False, "not the required value")],
    ),
    (
        "equals-bool-is-not-int",
        {"DataWarehouseCluster": {"parameters": {"tls_enabled": {"equals": 1}}}},
        [rec(dw(tls_enabled=True))],
        [(P, "tls_enabled", True, "not the required value")],
    ),
    # required: set, not None/empty
    (
        "required-pass",
        {"DataWarehouseCluster": {"parameters": {"storage_class": {"required": True}}}},
        [rec(dw(storage_class="fast-ssd"))],
        [],
    ),
    (
        "required-fail",
        {"DataWarehouseCluster": {"parameters": {"storage_class": {"required": True}}}},
        [rec(dw())],
        [(P, "storage_class", None, "not set")],
    ),
    # unlisted construct types
    ("unlisted-allow", {}, [rec(VdeProps(name="v"), "app/W/Vde", "ReplicatedVde")], []),
    # comparing what cannot be compared is a violation, not a crash
    (
        "min-not-a-number",
        {"DataWarehouseCluster": {"parameters": {"name": {"min": 3}}}},
        [rec(dw())],
        [(P, "name", "dw", "not a number, cannot compare")],
    ),
]


@pytest.mark.parametrize("constructs,records,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_constraint_kinds(constructs, records, expected):
    assert found(records, tenant(constructs)) == expected


def test_unlisted_deny():
    t = tenant({"DataWarehouseCluster": {}}, unlisted_constructs="deny")
    assert found([rec(dw()), rec(VdeProps(name="v"), "app/Warehouse/Vde", "ReplicatedVde")], t) == [
        ("app/Warehouse/Vde", "construct_type", "ReplicatedVde", "ReplicatedVde is not listed for this tenant")
    ]


def test_mapping_props_and_missing_parameter():
    t = tenant({"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"max": 10}}}})
    assert found([rec({"storage_size_gb": 20})], t) == [(P, "storage_size_gb", 20, "above the maximum")]
    assert found([rec(None)], t) == [
        (P, "storage_size_gb", None, "DataWarehouseCluster has no prop 'storage_size_gb' to check")
    ]


def test_violation_fields():
    t = tenant({"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"max": 500}}}})
    (v,) = evaluate([rec(dw(storage_size_gb=800))], t)
    assert v == Violation(
        P,
        "storage_size_gb",
        800,
        "max 500",
        "above the maximum",
        "DataWarehouseCluster.parameters.storage_size_gb.max",
        "acme",
    )
    assert v.line() == (
        "[app/Warehouse] storage_size_gb = 800: above the maximum "
        "(constraint: max 500; rule: DataWarehouseCluster.parameters.storage_size_gb.max, tenant acme)"
    )


def test_report_lists_every_violation_in_deterministic_order():
    t = tenant(
        {
            "DataWarehouseCluster": {
                "max_instances": 1,
                "parameters": {
                    "storage_size_gb": {"max": 500},
                    "operational_profile": {"allowed": ["Strict"]},
                    "tls_enabled": {"equals": True},
                },
            },
            "CnpgPostgisCluster": {"allowed": False},
        }
    )
    records = [
        rec(dw(storage_size_gb=800, tls_enabled=False), "app/s/Zeta"),
        rec(CnpgProps(mode="render"), "app/s/Pg", "CnpgPostgisCluster"),
        rec(dw(operational_profile="Speed"), "app/s/Alpha"),
    ]
    expected = [
        ("app/s/Alpha", "max_instances", 2, "DataWarehouseCluster number 2 in this app"),
        ("app/s/Alpha", "operational_profile", "Speed", "not an allowed value"),
        ("app/s/Pg", "construct_type", "CnpgPostgisCluster", "CnpgPostgisCluster is denied for this tenant"),
        ("app/s/Zeta", "operational_profile", "Balanced", "not an allowed value"),
        ("app/s/Zeta", "storage_size_gb", 800, "above the maximum"),
        ("app/s/Zeta", "tls_enabled", False, "not the required value"),
    ]
    assert found(records, t) == expected
    # the same violations in any order give the same report
    violations = evaluate(records, t)
    assert Report.of(reversed(violations), "acme") == Report.of(violations, "acme")
    text = Report.of(evaluate(records, t), "acme").text()
    assert text.splitlines()[0] == "dw-constructs governance: 6 violation(s) for tenant 'acme'"
    assert text.splitlines()[1].startswith("  1. [app/s/Alpha] max_instances = 2: ")
    assert len(text.splitlines()) == 7


def test_library_type_of_user_subclasses():
    from dw_constructs.datawarehouse.cluster import DataWarehouseCluster

    class Mine(DataWarehouseCluster):  # never instantiated: the type is enough
        pass

    class Deeper(Mine):
        pass

    assert library_type(object.__new__(Deeper)) == "DataWarehouseCluster"
    assert library_type(object()) is None
    # a class the library uses internally (the stack index...) is not a construct type
    from dw_constructs._stack import StackIndex

    assert library_type(object.__new__(StackIndex)) is None


# --- the document --------------------------------------------------------------------------------

DOC_ERRORS = [
    ("no-version", {"tenants": {"a": {}}}, "(root): 'version' is a required property"),
    ("bad-mode", {"version": 1, "tenants": {"a": {"mode": "strict"}}}, "tenants/a/mode: 'strict' is not one of"),
    ("bad-tenant-name", {"version": 1, "tenants": {"Team A": {}}}, "'Team A' does not match"),
    (
        "unknown-kind",
        {
            "version": 1,
            "tenants": {"a": {"constructs": {"DataWarehouseCluster": {"parameters": {"replicas": {"maximum": 3}}}}}},
        },
        "Additional properties are not allowed ('maximum'",
    ),
    (
        "unknown-type",
        {"version": 1, "tenants": {"a": {"constructs": {"DatawarehouseCluster": {}}}}},
        "tenants/a/constructs/DatawarehouseCluster: unknown construct type; known: ",
    ),
    (
        "unknown-parameter",
        {
            "version": 1,
            "tenants": {"a": {"constructs": {"DataWarehouseCluster": {"parameters": {"storage_gb": {"max": 3}}}}}},
        },
        "tenants/a/constructs/DataWarehouseCluster/parameters/storage_gb: 'storage_gb' is not a prop of DataWarehouseCluster",
    ),
    (
        "no-props",
        {"version": 1, "tenants": {"a": {"constructs": {"InstanceStatus": {"parameters": {"x": {"max": 3}}}}}}},
        "InstanceStatus has no props",
    ),
    (
        "bad-quantity",
        {
            "version": 1,
            "tenants": {"a": {"constructs": {"CnpgPostgisCluster": {"parameters": {"storage_size": {"max": "10GB"}}}}}},
        },
        "is not valid under any of the given schemas",
    ),
    (
        "unknown-policy",
        {"version": 1, "tenants": {"a": {"policies": {"skip": ["no-such-policy"]}}}},
        "tenants/a/policies/skip: unknown policy id(s) no-such-policy",
    ),
]


@pytest.mark.parametrize("doc,message", [c[1:] for c in DOC_ERRORS], ids=[c[0] for c in DOC_ERRORS])
def test_invalid_documents(doc, message):
    with pytest.raises(GovernanceError) as err:
        parse_constraints(doc, "c.yaml")
    assert str(err.value).startswith("c.yaml: not a valid constraints document:\n")
    assert message in str(err.value)


def test_every_problem_listed_at_once():
    doc = {
        "version": 1,
        "tenants": {
            "a": {
                "constructs": {"Nope": {}, "DataWarehouseCluster": {"parameters": {"x": {"max": 1}, "y": {"min": 1}}}}
            }
        },
    }
    with pytest.raises(GovernanceError) as err:
        parse_constraints(doc)
    assert len([line for line in str(err.value).splitlines() if line.startswith("  - ")]) == 3


def test_load_yaml_and_json(tmp_path):
    raw = {"version": 1, "tenants": {"a": {"constructs": {"DataWarehouseCluster": {"max_instances": 1}}}}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(raw))
    (tmp_path / "c.json").write_text(json.dumps(raw))
    for name in ("c.yaml", "c.json"):
        assert load_constraints(tmp_path / name).tenant("a").constructs["DataWarehouseCluster"].max_instances == 1
    with pytest.raises(GovernanceError, match="no tenant 'b'; tenants: a"):
        load_constraints(tmp_path / "c.yaml").tenant("b")
    (tmp_path / "bad.yaml").write_text("tenants: [")
    with pytest.raises(GovernanceError, match="not valid YAML"):
        load_constraints(tmp_path / "bad.yaml")
    with pytest.raises(GovernanceError, match="cannot read constraints document"):
        load_constraints(tmp_path / "missing.yaml")


def test_published_schema_is_valid_and_accepts_the_example():
    import jsonschema

    from examples.governed.main import CONSTRAINTS

    jsonschema.Draft202012Validator.check_schema(schema())
    doc = load_constraints(CONSTRAINTS)
    assert sorted(doc.tenants) == ["analytics", "sandbox"]


def test_registered_construct_types_are_the_library_classes():
    import dataclasses
    import importlib

    import dw_constructs.cnpg as cnpg
    import dw_constructs.datawarehouse as dwpkg
    import dw_constructs.deltastream as dspkg
    from dw_constructs.governance.constraints import CONSTRUCT_TYPES

    for name, target in CONSTRUCT_TYPES.items():
        cls = getattr(dwpkg, name, None) or getattr(cnpg, name, None) or getattr(dspkg, name)
        assert library_type(object.__new__(cls)) == name
        if target is not None:
            module, _, props = target.partition(":")
            assert dataclasses.is_dataclass(getattr(importlib.import_module(module), props)), name


# --- quantities compare by the value the API server reads -------------------------------------------

QUANTITY_NOTATIONS = [
    "10Gi",
    "1.5Gi",
    ".5Gi",
    "5.Gi",
    "+1Gi",
    "1e3",
    "1E3",
    "1e+3",
    "1e-3",
    "500m",
    "0.5",
    "1.5",
    "2048Mi",
    "1000000Ki",
    "10G",
    "1e9",
    "100n",
    "100u",
    "1k",
    "1M",
    "1T",
    "1Ti",
    "1P",
    "1Pi",
    "1E",
    "1Ei",
    "007",
    "1.0000000001",
    "99999999999999999999",
]
NOT_QUANTITIES = ["10GB", "10gi", "1K", "1e1.5", "1e3Mi", "1Zi", "0x10", "1,5", "10 Gi", "inf", ""]


def _stored(kube_api, q: str) -> str | None:
    """The quantity as the API server stores it (its canonical form), None when it cannot parse it."""
    from tests.support.apiserver import KubeApiError

    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "q"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": q}}},
    }
    try:
        return kube_api.dry_run(pvc)["spec"]["resources"]["requests"]["storage"]
    except KubeApiError as exc:
        assert exc.status == 400, exc  # a decode error: not a quantity
        return None


def test_quantities_compare_as_the_api_server_reads_them(kube_api):
    """A bound like ``max: 200Gi`` compares by value: our value of each notation is the value of the
    canonical form the real API server stores it as (``1e3`` -> ``1k``, ``1.5Gi`` -> ``1536Mi``), and
    what the server cannot parse is not a quantity here either. (The server keeps no precision
    below a thousandth: it stores ``100n`` as ``1m``, rounding up.)"""
    from decimal import ROUND_CEILING, Decimal

    from dw_constructs.governance.constraints import _quantity

    for q in QUANTITY_NOTATIONS:
        stored, ours = _stored(kube_api, q), _quantity(q)
        assert stored is not None and ours is not None, (q, stored)
        assert ours.quantize(Decimal("0.001"), rounding=ROUND_CEILING) == _quantity(stored), (q, stored)
    for q in NOT_QUANTITIES:
        assert _stored(kube_api, q) is None and _quantity(q) is None, q
    over = found(
        [rec(CnpgProps(mode="render", storage_size="1e12"), "app/Pg", "CnpgPostgisCluster")],
        tenant({"CnpgPostgisCluster": {"parameters": {"storage_size": {"max": "200Gi"}}}}),
    )
    assert over == [("app/Pg", "storage_size", "1e12", "above the maximum")]


def test_record_form_hides_secrets_and_marks_references():
    """What the records in cdk.tf.json hold: plain data, secrets hidden, references marked."""
    from dw_constructs.governance.constraints import REFERENCE_MARKER, normalize
    from dw_constructs.governance.report import HIDDEN

    token = "${TfToken[TOKEN.7]}"  # how cdktf encodes a string reference
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"
    record = normalize(
        dw(
            operational_profile=OperationalProfile.STRICT,
            admin_password=token,
            chart_values={"auth": {"password": "hunter2", "username": "admin"}, "key": pem},
        )
    )
    assert record["admin_password"] == REFERENCE_MARKER and record["operational_profile"] == "Strict"
    assert record["chart_values"] == {"auth": {"password": HIDDEN, "username": "admin"}, "key": HIDDEN}
    assert record["replicas"] is None and record["effective_replicas"] == 1  # fields and properties
    assert "hunter2" not in json.dumps(record) and "MIIB" not in json.dumps(record)
