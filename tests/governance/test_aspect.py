"""Enforcement at synth time through the cdktf Aspect: one report for the whole app, warn-only
annotations, user subclasses and nesting, the in-process policy pack and the recorded opt-out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdktf import App, TerraformStack
from constructs import Construct

from dw_constructs.datawarehouse import DataWarehouseCluster, OperationalProfile, ProviderEndpoint
from dw_constructs.governance import (
    GovernanceError,
    GovernanceViolations,
    SynthRejected,
    allow_destroy,
    check_app,
    enforce,
    parse_constraints,
)
from examples._common import helm_provider, kubernetes_provider

DOC = parse_constraints(
    {
        "version": 1,
        "tenants": {
            "acme": {
                "constructs": {
                    "DataWarehouseCluster": {
                        "max_instances": 1,
                        "parameters": {
                            "storage_size_gb": {"max": 500},
                            "operational_profile": {"allowed": ["Standard", "Strict"]},
                        },
                    }
                }
            },
            "relaxed": {
                "mode": "warn",
                "constructs": {"DataWarehouseCluster": {"parameters": {"storage_size_gb": {"max": 500}}}},
            },
            "open": {},
        },
    }
)


class MyWarehouse(DataWarehouseCluster):
    """A user subclass: checked as a DataWarehouseCluster."""


class Team(Construct):
    """A user construct nesting a library construct."""

    def __init__(self, scope, id, *, helm, **props):
        super().__init__(scope, id)
        self.warehouse = MyWarehouse(
            self, "Warehouse", helm_provider=helm, endpoint=ProviderEndpoint.in_cluster(), **props
        )


def _stack(app, id, *clusters: dict) -> TerraformStack:
    stack = TerraformStack(app, id)
    helm = stack.helm = helm_provider(stack)
    kubernetes_provider(stack)  # the stack's default: the clusters write a namespace and a Secret
    for i, props in enumerate(clusters):
        DataWarehouseCluster(
            stack, f"Dw{i}", helm_provider=helm, namespace=f"ns{i}", endpoint=ProviderEndpoint.in_cluster(), **props
        )
    return stack


def _synth_error(app) -> str:
    with pytest.raises(GovernanceViolations) as err:
        app.synth()
    assert isinstance(err.value, SynthRejected) and err.value.code == err.value.report.text()
    return str(err.value)


REPORT = """dw-constructs governance: 4 violation(s) for tenant 'acme'
  1. [one/Dw0] storage_size_gb = 800: above the maximum (constraint: max 500; rule: DataWarehouseCluster.parameters.storage_size_gb.max, tenant acme)
  2. [two/Dw0] max_instances = 2: DataWarehouseCluster number 2 in this app (constraint: max_instances 1; rule: DataWarehouseCluster.max_instances, tenant acme)
  3. [two/Dw0] operational_profile = "Speed": not an allowed value (constraint: allowed "Standard", "Strict"; rule: DataWarehouseCluster.parameters.operational_profile.allowed, tenant acme)
  4. [two/Team/Warehouse] max_instances = 3: DataWarehouseCluster number 3 in this app (constraint: max_instances 1; rule: DataWarehouseCluster.max_instances, tenant acme)"""


@pytest.fixture(scope="module")
def rejected(tmp_path_factory):
    """Two stacks; violations in both, one in a user subclass nested in a user construct, and a
    stack created after enforce()."""
    out = tmp_path_factory.mktemp("rejected")
    app = App(outdir=str(out))
    _stack(app, "one", {"name": "a", "storage_size_gb": 800, "operational_profile": OperationalProfile.STANDARD})
    aspect = enforce(app, DOC, "acme")
    two = _stack(app, "two", {"name": "b", "operational_profile": OperationalProfile.SPEED})
    Team(two, "Team", helm=two.helm, name="c", namespace="team", operational_profile="Strict")
    return out, aspect, _synth_error(app)


def test_synth_fails_with_one_report_for_the_whole_app(rejected):
    out, aspect, message = rejected
    assert message == REPORT
    assert aspect.report.text() == REPORT
    assert not (out / "stacks" / "one" / "cdk.tf.json").exists()  # checked before anything is written


def test_subclass_nested_in_user_construct_is_checked(rejected):
    _, aspect, _ = rejected
    assert ("two/Team/Warehouse", "max_instances") in [(v.path, v.parameter) for v in aspect.report.violations]


def test_warn_mode_annotates_and_synthesizes(tmp_path):
    app = App(outdir=str(tmp_path))
    _stack(app, "one", {"name": "a", "storage_size_gb": 800})
    aspect = enforce(app, DOC, "relaxed")
    app.synth()
    assert (tmp_path / "stacks" / "one" / "cdk.tf.json").exists()
    notes = json.loads((tmp_path / "manifest.json").read_text())["stacks"]["one"]["annotations"]
    assert [(n["constructPath"], n["level"], n["message"]) for n in notes] == [
        (
            "one/Dw0",
            "@cdktf/warn",
            "governance: [one/Dw0] storage_size_gb = 800: above the maximum (constraint: max 500; "
            "rule: DataWarehouseCluster.parameters.storage_size_gb.max, tenant relaxed)",
        )
    ]
    assert len(aspect.report.violations) == 1


def test_mode_override_and_passing_app(tmp_path):
    app = App(outdir=str(tmp_path))
    _stack(app, "one", {"name": "a", "storage_size_gb": 800})
    enforce(app, DOC, "relaxed", mode="enforce")
    assert "storage_size_gb = 800: above the maximum" in _synth_error(app)

    ok = App(outdir=str(tmp_path / "ok"))
    _stack(ok, "one", {"name": "a", "storage_size_gb": 100, "operational_profile": "Strict"})
    aspect = enforce(ok, DOC, "acme")
    ok.synth()
    assert aspect.report.ok


def test_enforce_needs_a_stack_and_a_known_tenant(tmp_path):
    with pytest.raises(GovernanceError, match=r"call it after creating them"):
        enforce(App(outdir=str(tmp_path)), DOC, "acme")
    app = App(outdir=str(tmp_path))
    TerraformStack(app, "s")
    with pytest.raises(GovernanceError, match="no tenant 'nobody'"):
        enforce(app, DOC, "nobody")
    with pytest.raises(GovernanceError, match="mode must be one of enforce, warn"):
        enforce(app, DOC, "acme", mode="loud")


def test_check_app_without_synth(tmp_path):
    app = App(outdir=str(tmp_path))
    _stack(app, "one", {"name": "a"}, {"name": "b"})
    report = check_app(app, DOC, "acme")
    assert [(v.path, v.parameter, v.message) for v in report.violations] == [
        ("one/Dw0", "operational_profile", "not an allowed value"),
        ("one/Dw1", "max_instances", "DataWarehouseCluster number 2 in this app"),
        ("one/Dw1", "operational_profile", "not an allowed value"),
    ]


# --- the policy pack in-process, and the recorded opt-out -------------------------------------------


@pytest.fixture(scope="module")
def unprotected(tmp_path_factory):
    """A cluster without TLS and without prevent_destroy (policies fail), and one opted out."""
    out = tmp_path_factory.mktemp("policies")
    app = App(outdir=str(out / "bad"))
    _stack(app, "s", {"name": "a", "tls_enabled": False, "prevent_destroy": False})
    aspect = enforce(app, DOC, "open", policies=True)
    message = _synth_error(app)

    ok = App(outdir=str(out / "ok"))
    stack = _stack(ok, "s", {"name": "a", "prevent_destroy": False})
    (cluster,) = [c for c in stack.node.children if isinstance(c, DataWarehouseCluster)]
    marked = allow_destroy(cluster, "scratch data, rebuilt nightly")
    ok_aspect = enforce(ok, DOC, "open", policies=True)
    ok.synth()
    return aspect, message, marked, ok_aspect, out / "ok"


def test_policies_at_synth(unprotected):
    aspect, message, *_ = unprotected
    assert [(v.path, v.parameter, v.rule) for v in aspect.report.violations] == [
        ("s/Dw0/Instance/Resource", "lifecycle.prevent_destroy", "prevent-destroy"),
        ("s/Dw0/Release", "lifecycle.prevent_destroy", "prevent-destroy"),
        ("s/Dw0/Release", "values.tls.enabled", "dw-tls"),
        ("s/provider.datawarehouse.a", "tls_enabled", "dw-tls"),
    ]
    assert aspect.report.text() in message


def test_allow_destroy_is_recorded_in_the_output(unprotected):
    *_, marked, ok_aspect, out = unprotected
    assert marked == ["s/Dw0/Release", "s/Dw0/Instance/Resource"]
    assert ok_aspect.report.ok
    doc = json.loads((Path(out) / "stacks" / "s" / "cdk.tf.json").read_text())
    (release,) = doc["resource"]["helm_release"].values()
    assert release["//"]["dw_governance"] == {"allow_destroy": "scratch data, rebuilt nightly"}
    assert "lifecycle" not in release


def test_allow_destroy_needs_a_reason_and_stateful_resources(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = _stack(app, "s", {"name": "a"})
    with pytest.raises(GovernanceError, match="needs a reason"):
        allow_destroy(stack, " ")
    with pytest.raises(GovernanceError, match="s/Empty: no stateful resources to opt out"):
        allow_destroy(Construct(stack, "Empty"), "why")


# --- the report on the console: once, without jsii frames; warnings printed ------------------------


def test_warn_mode_prints_the_warnings(tmp_path, capsys):
    app = App(outdir=str(tmp_path))
    _stack(app, "one", {"name": "a", "storage_size_gb": 800})
    aspect = enforce(app, DOC, "relaxed")
    app.synth()
    err = capsys.readouterr().err
    assert err.count(aspect.report.text()) == 1
    assert "storage_size_gb = 800: above the maximum" in err and "(warn mode: synthesis goes on)" in err


def test_validation_still_guards_a_synth_that_bypasses_app_synth(tmp_path):
    from cdktf import Testing

    app = App(outdir=str(tmp_path))
    stack = _stack(app, "one", {"name": "a", "storage_size_gb": 800})
    enforce(app, DOC, "acme")
    with pytest.raises(RuntimeError, match="storage_size_gb = 800: above the maximum"):
        Testing.synth(stack, True)


# --- lookups are governed ------------------------------------------------------------------------------

LOOKUPS = parse_constraints(
    {
        "version": 1,
        "tenants": {
            "t": {
                "constructs": {
                    "InstanceStatus": {"allowed": False},
                    "Capabilities": {"max_instances": 1},
                    "PluginCatalog": {},
                }
            }
        },
    }
)


def test_lookups_are_governed(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = _stack(app, "one", {"name": "a"})
    (dw,) = [c for c in stack.node.children if isinstance(c, DataWarehouseCluster)]
    dw.status()
    dw.capabilities()
    dw.plugin_catalog()
    DataWarehouseCluster.lookup_capabilities(stack, "OtherCapabilities", provider=dw.provider.resource)
    report = check_app(app, LOOKUPS, "t")
    assert [(v.path, v.rule, v.message) for v in report.violations] == [
        ("one/Dw0/Status", "InstanceStatus.allowed", "InstanceStatus is denied for this tenant"),
        ("one/OtherCapabilities", "Capabilities.max_instances", "Capabilities number 2 in this app"),
    ]
    from dw_constructs.governance.aspect import library_constructs

    assert [c for c in library_constructs(app) if c[1] in ("InstanceStatus", "Capabilities", "PluginCatalog")] == [
        ("one/Dw0/Status", "InstanceStatus"),
        ("one/Dw0/Capabilities", "Capabilities"),
        ("one/Dw0/PluginCatalog", "PluginCatalog"),
        ("one/OtherCapabilities", "Capabilities"),
    ]


# --- Terraform references in governed props -----------------------------------------------------------


def test_a_reference_cannot_pass_a_limit(tmp_path):
    from cdktf import TerraformVariable

    app = App(outdir=str(tmp_path))
    stack = _stack(app, "one")
    size = TerraformVariable(stack, "size", type="number")
    DataWarehouseCluster(
        stack,
        "Dw",
        helm_provider=stack.helm,
        endpoint=ProviderEndpoint.in_cluster(),
        name="a",
        storage_size_gb=size.number_value,
        operational_profile="Strict",
    )
    report = check_app(app, DOC, "acme")
    assert [(v.path, v.parameter, v.value, v.message) for v in report.violations] == [
        (
            "one/Dw",
            "storage_size_gb",
            "<reference>",
            "a Terraform reference, unknown until apply: the limit cannot "
            "be checked (give a value known at synth time)",
        )
    ]
